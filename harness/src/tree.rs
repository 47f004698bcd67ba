//! The kernel tree: importing a kernel source tarball into a new git
//! repository ([`init`]), and opening an existing kernel git tree ([`open`]).
//!
//! # Why the import does not go through the index
//!
//! The obvious `git add -A && git commit` (or libgit2's `Index::add_all`)
//! stats, hashes and records 86,691 files one by one through the index, and
//! honours `.gitignore`: Debian's linux-source tree ships a top-level
//! `.gitignore` whose last lines are `/*` and `!/debian/`, so a plain "add all"
//! imports nothing, and `git add -f -A` plus a commit takes 33 s here.
//!
//! The import instead streams the tarball once: a reader thread decompresses
//! it and walks the tar entries, worker threads hash each file, compress it
//! into a pack (see `pack.rs` for why a pack rather than `git2::Odb::write`)
//! and write it into the work tree, and the calling thread collects the
//! results. The directory trees are then built bottom-up with git2's
//! [`TreeBuilder`](git2::TreeBuilder), one commit is made with a fixed
//! identity and the tarball's newest mtime (so the same tarball always gives
//! the same commit id), and the index is written from the stat data the
//! workers recorded, so `git status` is clean without rehashing anything.
//! `.gitignore` never comes into it: every tar entry becomes a tree entry.
//!
//! Refs are written last, `refs/switchyard/base` after everything else: its
//! presence is what marks a directory as a finished import, which makes
//! [`init`] idempotent.

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use git2::{ObjectType, Oid, Repository};

pub use crate::import::{init, init_with};

/// The tarball Debian's `linux-source-6.12` package installs.
pub const DEFAULT_TARBALL: &str = "/usr/src/linux-source-6.12.tar.xz";

/// The branch an import puts its commit on; HEAD points at it.
pub const BASE_BRANCH: &str = "refs/heads/base";

/// Written last by an import: a directory whose repository has this ref holds
/// a finished import.
pub const IMPORT_MARKER_REF: &str = "refs/switchyard/base";

/// The trailer naming the tarball in an import commit's message.
pub const IMPORT_TRAILER: &str = "Switchyard-Import";

/// Name and email of the author and committer of an import commit.
pub const IMPORT_IDENTITY: (&str, &str) = ("switchyard", "switchyard@localhost");

/// The tree's lock file, in its git directory (`.git/` of a work tree, or the
/// repository's common directory): see [`lock`].
pub const LOCK_FILE: &str = "switchyard.lock";

/// Where the lock of the tree at `dir` lives: [`LOCK_FILE`] in the repository's common
/// git directory, or in `DIR/.git/` for a directory that is missing or empty (an import
/// creates its repository there). `None` for anything else: a directory of other files
/// gets no `.git` of switchyard's making.
pub fn lock_file(dir: &Path) -> Option<PathBuf> {
    if let Ok(repo) = Repository::open(dir) {
        return Some(repo.commondir().join(LOCK_FILE));
    }
    let git = dir.join(".git");
    let empty = match fs::read_dir(dir) {
        Ok(mut entries) => entries.next().is_none(),
        Err(e) => e.kind() == io::ErrorKind::NotFound,
    };
    (empty || git.join(LOCK_FILE).is_file()).then(|| git.join(LOCK_FILE))
}

/// Locks the tree at `dir`: exclusive to import into it or to create a branch, shared to
/// read it while no one does either. `waiting` is told whom it waits for. `None` when the
/// directory is one [`lock_file`] gives no lock, or a shared lock cannot be written (a
/// read-only tree, which no one imports into or branches either).
pub fn lock(
    dir: &Path,
    mode: crate::lock::Mode,
    waiting: &mut dyn FnMut(&crate::lock::Waiting),
) -> Result<Option<crate::lock::Lock>, crate::lock::LockError> {
    let Some(file) = lock_file(dir) else {
        return Ok(None);
    };
    match crate::lock::acquire(&file, dir, mode, waiting) {
        Ok(l) => Ok(Some(l)),
        Err(crate::lock::LockError::Io { source, .. })
            if mode == crate::lock::Mode::Shared
                && matches!(
                    source.kind(),
                    io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem
                ) =>
        {
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// Written into `.git` as soon as an import has created the repository and removed once
/// its marker ref is written: a directory with it and without the ref holds an import
/// that was cut short, which the next import removes.
pub(crate) const IMPORTING: &str = "switchyard-importing";

/// What a directory holds, as far as an import is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportState {
    /// Nothing: missing, empty, or only the tree's lock file.
    Absent,
    /// An import that was interrupted or killed: [`init`] removes it and imports again.
    Unfinished,
    /// A finished import.
    Finished,
    /// Anything else: another git tree, or other files.
    Other,
}

/// What `dir` holds; see [`ImportState`].
pub fn import_state(dir: &Path) -> ImportState {
    if crate::import::finished_import(dir).is_some() {
        return ImportState::Finished;
    }
    if dir.join(".git").join(IMPORTING).is_file() {
        return ImportState::Unfinished;
    }
    let empty = match fs::read_dir(dir) {
        Ok(mut entries) => entries.next().is_none(),
        Err(e) => e.kind() == io::ErrorKind::NotFound,
    };
    if empty || crate::import::holds_only_the_lock(dir) {
        ImportState::Absent
    } else {
        ImportState::Other
    }
}

/// Files a directory must hold (at the base revision) to be a kernel tree.
pub const KERNEL_MARKERS: [&str; 2] = ["Makefile", "drivers/iommu/iommu.c"];

/// How [`init_with`] fills the work tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkTree {
    /// Write each file while it is hashed, then write the index from the
    /// recorded stat data. The default: measured faster (see README).
    WriteWhileImporting,
    /// Store the objects only, then let libgit2 check the commit out.
    CheckoutAfterCommit,
    /// Leave the work tree empty (and the index unwritten), as after
    /// `git clone --no-checkout`.
    None,
}

/// How [`init_with`] stores the file contents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectStore {
    /// One pack written by the import's worker threads. The default.
    Pack,
    /// One loose object per file through `git2::Odb::write`, for comparison.
    Loose,
}

/// Options for [`init_with`]; [`init`] uses the defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InitOptions {
    /// How the work tree is filled.
    pub work_tree: WorkTree,
    /// How file contents are stored.
    pub objects: ObjectStore,
    /// Threads hashing, compressing and writing files (at least 1).
    pub workers: usize,
    /// Threads decompressing the tarball (1 = liblzma's single-threaded
    /// decoder).
    pub xz_threads: u32,
}

impl Default for InitOptions {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self {
            work_tree: WorkTree::WriteWhileImporting,
            objects: ObjectStore::Pack,
            workers: cores.clamp(1, 8),
            xz_threads: 1,
        }
    }
}

/// What an import is doing, for [`Progress`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Reading the tarball: storing objects and writing the work tree.
    Reading,
    /// Indexing the pack, building trees and the commit.
    Committing,
    /// Checking the commit out ([`WorkTree::CheckoutAfterCommit`]).
    CheckingOut,
    /// Writing `.git/index`.
    WritingIndex,
    /// Finished.
    Done,
}

/// A progress report of [`init`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// The current phase.
    pub phase: Phase,
    /// Files (regular files and symlinks) stored, or checked out while
    /// [`Phase::CheckingOut`].
    pub files_done: u64,
    /// Files in the tarball: known once it has been read.
    pub files_total: Option<u64>,
    /// Uncompressed bytes of file content stored so far.
    pub bytes_done: u64,
    /// Compressed bytes of the tarball read so far: with
    /// `tarball_size`, the fraction of the reading done.
    pub tarball_read: u64,
    /// Size of the tarball file.
    pub tarball_size: u64,
}

/// A kernel version as the top-level Makefile states it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct KernelVersion {
    /// `VERSION`
    pub version: u32,
    /// `PATCHLEVEL`
    pub patchlevel: u32,
    /// `SUBLEVEL`
    pub sublevel: u32,
    /// `EXTRAVERSION` (often empty, e.g. `-rc3`).
    pub extraversion: String,
}

impl KernelVersion {
    /// Reads `VERSION`, `PATCHLEVEL`, `SUBLEVEL` and `EXTRAVERSION` from the
    /// text of a top-level kernel Makefile.
    pub fn from_makefile(makefile: &[u8]) -> Option<Self> {
        let text = String::from_utf8_lossy(makefile);
        let mut fields: [Option<String>; 4] = Default::default();
        for line in text.lines().take(64) {
            let Some((key, value)) = line.split_once('=') else {
                continue;
            };
            let slot = match key.trim() {
                "VERSION" => 0,
                "PATCHLEVEL" => 1,
                "SUBLEVEL" => 2,
                "EXTRAVERSION" => 3,
                _ => continue,
            };
            if fields[slot].is_none() {
                fields[slot] = Some(value.trim().to_string());
            }
        }
        let number = |i: usize| fields[i].as_deref()?.parse::<u32>().ok();
        Some(Self {
            version: number(0)?,
            patchlevel: number(1)?,
            sublevel: number(2).unwrap_or(0),
            extraversion: fields[3].clone().unwrap_or_default(),
        })
    }
}

impl fmt::Display for KernelVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.version, self.patchlevel)?;
        if self.sublevel != 0 {
            write!(f, ".{}", self.sublevel)?;
        }
        f.write_str(&self.extraversion)
    }
}

/// What a finished import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReport {
    /// The base commit (on [`BASE_BRANCH`], HEAD and [`IMPORT_MARKER_REF`]).
    pub commit: Oid,
    /// Kernel version read from the tarball's Makefile.
    pub version: KernelVersion,
    /// Files imported: regular files plus symlinks.
    pub files: u64,
    /// Of which symlinks.
    pub symlinks: u64,
    /// Of which executable regular files.
    pub executables: u64,
    /// Uncompressed bytes of file content.
    pub bytes: u64,
    /// Distinct blobs stored.
    pub blobs: u64,
    /// Wall-clock time of the whole import.
    pub elapsed: Duration,
    /// The directory held an import that an earlier process had not finished (it was
    /// interrupted or killed), which was removed first.
    pub removed_unfinished: bool,
}

/// The result of [`init`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InitOutcome {
    /// The tarball was imported.
    Imported(ImportReport),
    /// The directory already held a finished import; nothing was done.
    AlreadyImported {
        /// The import's base commit.
        commit: Oid,
    },
}

impl InitOutcome {
    /// The base commit, however it was obtained.
    pub fn commit(&self) -> Oid {
        match self {
            Self::Imported(report) => report.commit,
            Self::AlreadyImported { commit } => *commit,
        }
    }
}

/// Errors of [`init`], [`open`] and [`KernelTree`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TreeError {
    /// The tarball could not be opened.
    #[error("cannot open kernel tarball {}: {source}", tarball.display())]
    TarballMissing {
        /// The tarball.
        tarball: PathBuf,
        /// The error from the file system.
        source: io::Error,
    },
    /// The tarball could not be decompressed or is not a valid tar archive.
    #[error("cannot read kernel tarball {}: {source}", tarball.display())]
    TarballRead {
        /// The tarball.
        tarball: PathBuf,
        /// The underlying error (xz or tar).
        source: io::Error,
    },
    /// The tarball is readable but not shaped like a kernel source tarball.
    #[error("{} is not a kernel source tarball as expected: {reason}", tarball.display())]
    TarballLayout {
        /// The tarball.
        tarball: PathBuf,
        /// What was found.
        reason: String,
    },
    /// The target directory holds something other than a switchyard import.
    #[error(
        "{} is not empty and holds no switchyard import ({found}); \
         remove it or pick a new directory",
        dir.display()
    )]
    NotEmpty {
        /// The directory.
        dir: PathBuf,
        /// What is in it.
        found: String,
    },
    /// A file system operation failed.
    #[error("{action} {}: {source}", path.display())]
    Io {
        /// What was being done, e.g. "cannot write".
        action: &'static str,
        /// The path it was done to.
        path: PathBuf,
        /// The error from the file system.
        source: io::Error,
    },
    /// A libgit2 operation failed.
    #[error("git error in {} while {action}: {source}", repo.display())]
    Git {
        /// The repository.
        repo: PathBuf,
        /// What was being done.
        action: String,
        /// libgit2's error.
        source: git2::Error,
    },
    /// `dir` is not a git repository.
    #[error("{} is not a git repository: {source}", dir.display())]
    NotARepository {
        /// The directory.
        dir: PathBuf,
        /// libgit2's error.
        source: git2::Error,
    },
    /// A revision does not resolve to a commit.
    #[error("revision '{rev}' not found in {}: {source}", repo.display())]
    RevisionNotFound {
        /// The repository.
        repo: PathBuf,
        /// The revision as given.
        rev: String,
        /// libgit2's error.
        source: git2::Error,
    },
    /// The repository is not a kernel tree at the revision.
    #[error(
        "{} is not a kernel tree at {rev}: {missing} is missing \
         (a kernel tree has Makefile and drivers/iommu/iommu.c)",
        repo.display()
    )]
    NotAKernelTree {
        /// The repository.
        repo: PathBuf,
        /// The revision looked at.
        rev: String,
        /// The first marker file not found.
        missing: String,
    },
    /// A path does not exist at a revision.
    #[error("{path} does not exist at {rev} in {}", repo.display())]
    PathNotFound {
        /// The repository.
        repo: PathBuf,
        /// The revision.
        rev: String,
        /// The path.
        path: String,
    },
    /// A path exists at a revision but is not a file (a directory or a
    /// submodule).
    #[error("{path} at {rev} in {} is a {kind}, not a file", repo.display())]
    NotAFile {
        /// The repository.
        repo: PathBuf,
        /// The revision.
        rev: String,
        /// The path.
        path: String,
        /// What it is instead.
        kind: &'static str,
    },
    /// A signal stopped the import. What it wrote stays, marked unfinished, and the
    /// next import into the directory removes it first.
    #[error(transparent)]
    Interrupted(#[from] crate::interrupt::Interrupted),
    /// A worker thread of the import panicked (a bug).
    #[error("internal error: import thread '{0}' panicked")]
    ThreadPanicked(&'static str),
}

pub(crate) fn io_err(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> TreeError {
    let path = path.to_path_buf();
    move |source| TreeError::Io {
        action,
        path,
        source,
    }
}

pub(crate) fn git_err(
    repo: &Path,
    action: impl Into<String>,
) -> impl FnOnce(git2::Error) -> TreeError {
    let repo = repo.to_path_buf();
    let action = action.into();
    move |source| TreeError::Git {
        repo,
        action,
        source,
    }
}

/// An existing kernel git tree: an import or any clone of Linux.
pub struct KernelTree {
    repo: Repository,
    dir: PathBuf,
    base: Oid,
    base_rev: String,
}

impl fmt::Debug for KernelTree {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KernelTree")
            .field("dir", &self.dir)
            .field("base", &self.base)
            .field("base_rev", &self.base_rev)
            .finish()
    }
}

/// Opens the kernel git tree at `dir`, with HEAD as its base.
pub fn open(dir: &Path) -> Result<KernelTree, TreeError> {
    open_at(dir, "HEAD")
}

/// Opens the kernel git tree at `dir`, with `base` (any revision git
/// understands: a commit id, a branch, a tag) as its base.
pub fn open_at(dir: &Path, base: &str) -> Result<KernelTree, TreeError> {
    let repo = Repository::open(dir).map_err(|source| TreeError::NotARepository {
        dir: dir.to_path_buf(),
        source,
    })?;
    let commit = resolve_commit(&repo, dir, base)?;
    let tree = commit
        .tree()
        .map_err(git_err(dir, format!("reading the tree of {base}")))?;
    for marker in KERNEL_MARKERS {
        let found = tree
            .get_path(Path::new(marker))
            .is_ok_and(|e| e.kind() == Some(ObjectType::Blob));
        if !found {
            return Err(TreeError::NotAKernelTree {
                repo: dir.to_path_buf(),
                rev: base.to_string(),
                missing: marker.to_string(),
            });
        }
    }
    let base_id = commit.id();
    drop(tree);
    drop(commit);
    Ok(KernelTree {
        repo,
        dir: dir.to_path_buf(),
        base: base_id,
        base_rev: base.to_string(),
    })
}

pub(crate) fn resolve_commit<'r>(
    repo: &'r Repository,
    dir: &Path,
    rev: &str,
) -> Result<git2::Commit<'r>, TreeError> {
    repo.revparse_single(rev)
        .and_then(|o| o.peel_to_commit())
        .map_err(|source| TreeError::RevisionNotFound {
            repo: dir.to_path_buf(),
            rev: rev.to_string(),
            source,
        })
}

impl KernelTree {
    /// The repository's directory, as given to [`open`].
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The underlying repository.
    pub fn repo(&self) -> &Repository {
        &self.repo
    }

    /// The base commit.
    pub fn base(&self) -> Oid {
        self.base
    }

    /// The kernel version in the base commit's Makefile, if it states one.
    pub fn version(&self) -> Result<Option<KernelVersion>, TreeError> {
        let makefile = self.read_at(&self.base.to_string(), "Makefile")?;
        Ok(KernelVersion::from_makefile(&makefile))
    }

    /// The bytes of the file `path` (relative to the top of the tree, `/`
    /// separated) at revision `rev`. A symlink's bytes are its target.
    pub fn read_at(&self, rev: &str, path: &str) -> Result<Vec<u8>, TreeError> {
        let commit = resolve_commit(&self.repo, &self.dir, rev)?;
        let tree = commit
            .tree()
            .map_err(git_err(&self.dir, format!("reading the tree of {rev}")))?;
        let not_found = || TreeError::PathNotFound {
            repo: self.dir.clone(),
            rev: rev.to_string(),
            path: path.to_string(),
        };
        let clean = path.trim_start_matches("./");
        if clean.is_empty() {
            return Err(not_found());
        }
        let entry = tree.get_path(Path::new(clean)).map_err(|_| not_found())?;
        match entry.kind() {
            Some(ObjectType::Blob) => {}
            other => {
                return Err(TreeError::NotAFile {
                    repo: self.dir.clone(),
                    rev: rev.to_string(),
                    path: path.to_string(),
                    kind: match other {
                        Some(ObjectType::Tree) => "directory",
                        Some(ObjectType::Commit) => "submodule",
                        _ => "non-file object",
                    },
                })
            }
        }
        let blob = self
            .repo
            .find_blob(entry.id())
            .map_err(git_err(&self.dir, format!("reading {path} at {rev}")))?;
        Ok(blob.content().to_vec())
    }
}

/// One commit to make in memory: the files it changes (path, new text) and its message.
pub struct MemoryCommit<'a> {
    /// The files the commit changes, each with its whole new text.
    pub files: &'a [(String, String)],
    /// The commit message.
    pub message: &'a str,
}

impl KernelTree {
    /// Makes a chain of commits on top of `base`, one per entry, each by `name <email>` at
    /// `time` (seconds since the epoch), with every object kept in memory (a mempack
    /// backend): the repository is not written to. Returns the commit ids, as `git
    /// format-patch` prints them in its `From <id>` lines.
    pub fn commit_in_memory(
        &self,
        base: &str,
        commits: &[MemoryCommit<'_>],
        name: &str,
        email: &str,
        time: i64,
    ) -> Result<Vec<String>, TreeError> {
        let dir = &self.dir;
        // A repository of its own, so that the in-memory objects never reach the one
        // every other reader shares.
        let repo = Repository::open(dir).map_err(|source| TreeError::NotARepository {
            dir: dir.clone(),
            source,
        })?;
        let odb = repo
            .odb()
            .map_err(git_err(dir, "opening the object database"))?;
        let _mempack = odb
            .add_new_mempack_backend(1000)
            .map_err(git_err(dir, "adding an in-memory object store"))?;
        let mut parent = resolve_commit(&repo, dir, base)?;
        let sig = git2::Signature::new(name, email, &git2::Time::new(time, 0))
            .map_err(git_err(dir, "making the author signature"))?;
        let mut ids = Vec::new();
        for c in commits {
            let mut update = git2::build::TreeUpdateBuilder::new();
            for (path, text) in c.files {
                let blob = odb
                    .write(ObjectType::Blob, text.as_bytes())
                    .map_err(git_err(dir, "storing a file"))?;
                update.upsert(path.as_str(), blob, git2::FileMode::Blob);
            }
            let base_tree = parent.tree().map_err(git_err(dir, "reading a tree"))?;
            let tree_id = update
                .create_updated(&repo, &base_tree)
                .map_err(git_err(dir, "building a tree"))?;
            let tree = repo
                .find_tree(tree_id)
                .map_err(git_err(dir, "reading a tree"))?;
            let id = repo
                .commit(None, &sig, &sig, c.message, &tree, &[&parent])
                .map_err(git_err(dir, "making a commit"))?;
            parent = repo
                .find_commit(id)
                .map_err(git_err(dir, "reading a commit"))?;
            ids.push(id.to_string());
        }
        Ok(ids)
    }
}

/// The author identity in the git config of the repository at `dir` (or the user's global
/// config): `(user.name, user.email)`, or what is missing.
pub fn git_identity(dir: &Path) -> Result<(String, String), String> {
    let config = Repository::open(dir)
        .and_then(|r| r.config())
        .or_else(|_| git2::Config::open_default())
        .map_err(|e| e.message().to_string())?;
    let name = config
        .get_string("user.name")
        .map_err(|_| "user.name is not set".to_string())?;
    let email = config
        .get_string("user.email")
        .map_err(|_| "user.email is not set".to_string())?;
    Ok((name, email))
}

/// Lists up to three names in `dir` (for [`TreeError::NotEmpty`]); `None` if
/// it is empty.
pub(crate) fn describe_contents(dir: &Path) -> Result<Option<String>, TreeError> {
    let mut names = Vec::new();
    let mut count = 0usize;
    for entry in fs::read_dir(dir).map_err(io_err("cannot list", dir))? {
        let entry = entry.map_err(io_err("cannot list", dir))?;
        count += 1;
        if names.len() < 3 {
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    Ok(match count {
        0 => None,
        n if n <= 3 => Some(format!("found {}", names.join(", "))),
        n => Some(format!("found {} and {} more", names.join(", "), n - 3)),
    })
}
