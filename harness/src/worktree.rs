//! Writes a commit's files into a build directory of their own, so a kernel branch is
//! built without checking it out in the user's tree (whose HEAD, index and work tree stay
//! as they are).
//!
//! The directory keeps a manifest of the blob id of every file it holds; writing another
//! commit into it rewrites only the files whose blob changed and removes the ones that are
//! gone, so `make` afterwards rebuilds only what changed.
//!
//! # Why mtimes make this correct
//!
//! make rebuilds a target when a prerequisite is newer. A file that is left alone keeps
//! its mtime, so everything built from it stays up to date; a file that is rewritten gets
//! the current time, later than every object built before, so everything that depends on
//! it is rebuilt. That holds however old the commit's own dates are, which is why nothing
//! here sets an mtime.
//!
//! No file is ever written in place: a changed file is removed and created anew (a new
//! inode), and so is the manifest (written beside it, then renamed over it). So a source
//! directory may share its unchanged files with another one through hard links (see
//! [`crate::seed`]) without a write in one showing up in the other.
//!
//! The first source directory of a cache, the base's, is linked the same way from the
//! work tree of the cache's own import ([`Donor`]): the import wrote that work tree and
//! nothing of switchyard's writes in it again, so the two share the 1.6 GiB of a 6.12
//! tree instead of holding it twice. A donor's file is taken only while its size, mtime
//! and inode are still those its index recorded; one that was replaced since is written.

use git2::{ObjectType, Oid, Repository, TreeWalkMode, TreeWalkResult};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const MANIFEST: &str = ".switchyard-manifest";

/// Why a commit could not be written out.
#[derive(Debug, thiserror::Error)]
pub enum WorktreeError {
    /// libgit2 failed.
    #[error("git: {0}")]
    Git(#[from] git2::Error),
    /// A signal stopped the writing; the next call finishes it.
    #[error(transparent)]
    Interrupted(#[from] crate::interrupt::Interrupted),
    /// A file could not be written.
    #[error("cannot write `{path}`: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
}

/// What [`materialize`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Materialized {
    /// Files written (new or changed), linked ones included.
    pub written: usize,
    /// Of those, files hard-linked from a [`Donor`] rather than written.
    pub linked: usize,
    /// Files removed.
    pub removed: usize,
    /// Files in the commit.
    pub total: usize,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> WorktreeError {
    let path = path.to_path_buf();
    move |source| WorktreeError::Io { path, source }
}

fn read_manifest(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_to_string(dir.join(MANIFEST))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            l.split_once('\t')
                .map(|(o, p)| (p.to_string(), o.to_string()))
        })
        .collect()
}

/// Stands in the manifest for a file that is being changed: it matches no blob, so a
/// file whose writing was cut short is written again by the next call, and removed if
/// the next commit does not have it.
const CHANGING: &str = "-";

/// How many files are written between two looks for a signal.
const CHECK_EVERY: usize = 1024;

fn write_manifest(dir: &Path, files: &BTreeMap<String, String>) -> Result<(), WorktreeError> {
    let text: String = files.iter().map(|(p, o)| format!("{o}\t{p}\n")).collect();
    let manifest = dir.join(MANIFEST);
    let fresh = dir.join(format!("{MANIFEST}.new"));
    std::fs::write(&fresh, text).map_err(io(&fresh))?;
    std::fs::rename(&fresh, &manifest).map_err(io(&manifest))
}

/// A work tree whose files a source directory may share instead of writing its own
/// copies: the work tree of the cache's own import, which holds the base commit as the
/// import wrote it and which nothing writes in place (see the module's docs).
///
/// Only a file whose index entry has the blob and mode asked for, and whose size, mtime
/// and inode are still the ones the index recorded, is shared: a file changed, replaced
/// or checked out since (a `git checkout` in the tree) is not, and is written as usual.
pub struct Donor {
    dir: PathBuf,
    entries: std::collections::HashMap<Vec<u8>, DonorEntry>,
}

struct DonorEntry {
    id: Oid,
    mode: u32,
    size: u64,
    mtime: (i64, u32),
    ino: u64,
}

impl Donor {
    /// The work tree of `repo` with its index; `None` for a bare repository or an
    /// index that cannot be read.
    pub fn of(repo: &Repository) -> Option<Donor> {
        let dir = repo.workdir()?.to_path_buf();
        let index = repo.index().ok()?;
        let entries = index
            .iter()
            .map(|e| {
                let entry = DonorEntry {
                    id: e.id,
                    mode: e.mode,
                    size: u64::from(e.file_size),
                    mtime: (i64::from(e.mtime.seconds()), e.mtime.nanoseconds()),
                    ino: u64::from(e.ino),
                };
                (e.path, entry)
            })
            .collect();
        Some(Donor { dir, entries })
    }

    /// The donor's file at `path`, if it still holds blob `id` with `mode`.
    fn file(&self, path: &str, id: Oid, mode: i32) -> Option<PathBuf> {
        use std::os::unix::fs::MetadataExt;
        let e = self.entries.get(path.as_bytes())?;
        if e.id != id || i64::from(e.mode) != i64::from(mode) || mode == 0o120000 {
            return None;
        }
        let file = self.dir.join(path);
        let m = std::fs::symlink_metadata(&file).ok()?;
        // The index keeps 32 bits of size and inode, as git does.
        let same = m.is_file()
            && m.size() & 0xffff_ffff == e.size
            && (m.mtime(), m.mtime_nsec() as u32) == e.mtime
            && m.ino() & 0xffff_ffff == e.ino;
        same.then_some(file)
    }
}

/// Makes `dir` hold exactly the files of `commit` in `repo`; see [`materialize_from`].
pub fn materialize(
    repo: &Repository,
    commit: Oid,
    dir: &Path,
) -> Result<Materialized, WorktreeError> {
    materialize_from(repo, commit, dir, None)
}

/// Makes `dir` hold exactly the files of `commit` in `repo`, sharing with `donor` (hard
/// links) every file it holds unchanged; a link the file system refuses is a write.
///
/// Safe to stop at any point (a signal, [`WorktreeError::Interrupted`], or a kill): before
/// touching a file, the manifest is rewritten with every file about to change marked as
/// changing, so the next call writes or removes each of them again, whatever commit it
/// writes.
pub fn materialize_from(
    repo: &Repository,
    commit: Oid,
    dir: &Path,
    donor: Option<&Donor>,
) -> Result<Materialized, WorktreeError> {
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let old = read_manifest(dir);
    let tree = repo.find_commit(commit)?.tree()?;
    let mut entries: Vec<(String, Oid, i32)> = Vec::new();
    tree.walk(TreeWalkMode::PreOrder, |root, e| {
        if e.kind() == Some(ObjectType::Blob) {
            entries.push((
                format!("{root}{}", e.name().unwrap_or_default()),
                e.id(),
                e.filemode(),
            ));
        }
        TreeWalkResult::Ok
    })?;
    let mut new = BTreeMap::new();
    let mut changing = Vec::new();
    for (path, oid, mode) in &entries {
        let key = format!("{oid}:{mode:o}");
        if old.get(path) != Some(&key) {
            changing.push((path, *oid, *mode));
        }
        new.insert(path.clone(), key);
    }
    let gone: Vec<&String> = old.keys().filter(|p| !new.contains_key(*p)).collect();
    if !changing.is_empty() || !gone.is_empty() {
        let mut marked = old.clone();
        for p in changing.iter().map(|c| c.0).chain(gone.iter().copied()) {
            marked.insert(p.clone(), CHANGING.to_string());
        }
        write_manifest(dir, &marked)?;
    }
    let (mut written, mut linked) = (0, 0);
    for (path, oid, mode) in changing {
        if written % CHECK_EVERY == 0 {
            crate::interrupt::check()?;
        }
        let target = dir.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        let _ = std::fs::remove_file(&target);
        if let Some(from) = donor.and_then(|d| d.file(path, oid, mode)) {
            if std::fs::hard_link(&from, &target).is_ok() {
                written += 1;
                linked += 1;
                continue;
            }
        }
        let blob = repo.find_blob(oid)?;
        if mode == 0o120000 {
            let link = String::from_utf8_lossy(blob.content()).into_owned();
            std::os::unix::fs::symlink(link, &target).map_err(io(&target))?;
        } else {
            std::fs::write(&target, blob.content()).map_err(io(&target))?;
            if mode == 0o100755 {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o755))
                    .map_err(io(&target))?;
            }
        }
        written += 1;
    }
    let mut removed = 0;
    for path in gone {
        let target = dir.join(path);
        if std::fs::remove_file(&target).is_ok() {
            removed += 1;
        }
    }
    write_manifest(dir, &new)?;
    Ok(Materialized {
        written,
        linked,
        removed,
        total: entries.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commit(repo: &Repository, files: &[(&str, &str)]) -> Oid {
        let mut b = repo.treebuilder(None).unwrap();
        for (name, text) in files {
            let blob = repo.blob(text.as_bytes()).unwrap();
            b.insert(name, blob, 0o100644).unwrap();
        }
        let tree = repo.find_tree(b.write().unwrap()).unwrap();
        let sig = git2::Signature::now("t", "t@example.org").unwrap();
        repo.commit(None, &sig, &sig, "c", &tree, &[]).unwrap()
    }

    /// Whatever a call cut short left — a file half-written, a file meant to go still
    /// there — the manifest marked it as changing, and the next call puts it right, even
    /// for the commit the directory held before.
    #[test]
    fn a_write_cut_short_is_finished_by_the_next() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = Repository::init_bare(tmp.path().join("repo")).unwrap();
        let a = commit(&repo, &[("kept.c", "kept\n"), ("changed.c", "one\n")]);
        let b = commit(
            &repo,
            &[
                ("kept.c", "kept\n"),
                ("changed.c", "two\n"),
                ("new.c", "new\n"),
            ],
        );
        let dir = tmp.path().join("src");
        let m = materialize(&repo, a, &dir).unwrap();
        assert_eq!((m.written, m.removed, m.total), (2, 0, 2));

        // What a call writing `b` leaves when stopped after its first file: the manifest
        // with every file about to change marked, `changed.c` half-written, `new.c`
        // not yet there.
        let mut marked = read_manifest(&dir);
        marked.insert("changed.c".into(), CHANGING.into());
        marked.insert("new.c".into(), CHANGING.into());
        write_manifest(&dir, &marked).unwrap();
        std::fs::write(dir.join("changed.c"), "tw").unwrap();

        // Back to `a`: the half-written file is rewritten although `a` is what the
        // manifest held, and the file `a` does not have is removed.
        std::fs::write(dir.join("new.c"), "ne").unwrap();
        let m = materialize(&repo, a, &dir).unwrap();
        assert_eq!((m.written, m.removed), (1, 1));
        assert_eq!(
            std::fs::read_to_string(dir.join("changed.c")).unwrap(),
            "one\n"
        );
        assert!(!dir.join("new.c").exists());
        assert_eq!(m.total, 2);

        let m = materialize(&repo, b, &dir).unwrap();
        assert_eq!((m.written, m.removed), (2, 0));
        let m = materialize(&repo, b, &dir).unwrap();
        assert_eq!((m.written, m.removed), (0, 0), "nothing left to do");
        assert_eq!(std::fs::read_to_string(dir.join("new.c")).unwrap(), "new\n");
    }

    /// A donor's files are shared while they are what its index recorded; a file
    /// rewritten since in the donor's work tree is written from the blob instead.
    #[test]
    fn a_donor_lends_only_the_files_its_index_still_describes() {
        use std::os::unix::fs::MetadataExt;
        let tmp = tempfile::tempdir().unwrap();
        let tree = tmp.path().join("tree");
        let repo = Repository::init(&tree).unwrap();
        for (name, text) in [("a.c", "a\n"), ("b.c", "b\n")] {
            std::fs::write(tree.join(name), text).unwrap();
        }
        let mut index = repo.index().unwrap();
        index.add_path(Path::new("a.c")).unwrap();
        index.add_path(Path::new("b.c")).unwrap();
        index.write().unwrap();
        let id = index.write_tree().unwrap();
        let sig = git2::Signature::now("t", "t@example.org").unwrap();
        let t = repo.find_tree(id).unwrap();
        let c = repo.commit(None, &sig, &sig, "c", &t, &[]).unwrap();

        let donor = Donor::of(&repo).unwrap();
        let one = tmp.path().join("one");
        let m = materialize_from(&repo, c, &one, Some(&donor)).unwrap();
        assert_eq!((m.written, m.linked, m.total), (2, 2, 2));
        let ino = |p: &Path| std::fs::metadata(p).unwrap().ino();
        assert_eq!(ino(&one.join("a.c")), ino(&tree.join("a.c")));

        // b.c replaced in the donor (a new file, as git or an editor writes it).
        std::fs::remove_file(tree.join("b.c")).unwrap();
        std::fs::write(tree.join("b.c"), "changed\n").unwrap();
        let two = tmp.path().join("two");
        let m = materialize_from(&repo, c, &two, Some(&donor)).unwrap();
        assert_eq!((m.written, m.linked), (2, 1));
        assert_eq!(std::fs::read_to_string(two.join("b.c")).unwrap(), "b\n");
        assert_ne!(ino(&two.join("b.c")), ino(&tree.join("b.c")));
    }
}
