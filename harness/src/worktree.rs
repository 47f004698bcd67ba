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
    /// Files written (new or changed).
    pub written: usize,
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

/// Makes `dir` hold exactly the files of `commit` in `repo`.
pub fn materialize(
    repo: &Repository,
    commit: Oid,
    dir: &Path,
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
    let mut written = 0;
    let mut new = BTreeMap::new();
    for (path, oid, mode) in &entries {
        let key = format!("{oid}:{mode:o}");
        new.insert(path.clone(), key.clone());
        if old.get(path) == Some(&key) {
            continue;
        }
        let target = dir.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        let blob = repo.find_blob(*oid)?;
        let _ = std::fs::remove_file(&target);
        if *mode == 0o120000 {
            let link = String::from_utf8_lossy(blob.content()).into_owned();
            std::os::unix::fs::symlink(link, &target).map_err(io(&target))?;
        } else {
            std::fs::write(&target, blob.content()).map_err(io(&target))?;
            if *mode == 0o100755 {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o755))
                    .map_err(io(&target))?;
            }
        }
        written += 1;
    }
    let mut removed = 0;
    for path in old.keys().filter(|p| !new.contains_key(*p)) {
        let target = dir.join(path);
        if std::fs::remove_file(&target).is_ok() {
            removed += 1;
        }
    }
    let text: String = new.iter().map(|(p, o)| format!("{o}\t{p}\n")).collect();
    let manifest = dir.join(MANIFEST);
    let fresh = dir.join(format!("{MANIFEST}.new"));
    std::fs::write(&fresh, text).map_err(io(&fresh))?;
    std::fs::rename(&fresh, &manifest).map_err(io(&manifest))?;
    Ok(Materialized {
        written,
        removed,
        total: entries.len(),
    })
}
