//! The tarball import behind [`crate::tree::init`]: a three-stage pipeline
//! (read, store, collect) and the commit made from its results. The module
//! docs of [`crate::tree`] say why it is shaped this way.

use std::collections::{BTreeMap, HashSet};
use std::ffi::OsStr;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use git2::{build::CheckoutBuilder, IndexEntry, IndexTime, ObjectType, Oid, Repository};

use crate::pack::{self, PackWriter};
use crate::tree::{
    describe_contents, git_err, io_err, ImportReport, InitOptions, InitOutcome, KernelVersion,
    ObjectStore, Phase, Progress, TreeError, WorkTree, BASE_BRANCH, IMPORTING, IMPORT_IDENTITY,
    IMPORT_MARKER_REF, IMPORT_TRAILER,
};

const MODE_FILE: i32 = 0o100644;
const MODE_EXEC: i32 = 0o100755;
const MODE_LINK: i32 = 0o120000;
const MODE_TREE: i32 = 0o040000;

/// Imports the kernel tarball `tarball` into a new git repository at `dir`
/// with the default [`InitOptions`]; see [`init_with`].
pub fn init(
    dir: &Path,
    tarball: &Path,
    progress: &mut dyn FnMut(Progress),
) -> Result<InitOutcome, TreeError> {
    init_with(dir, tarball, &InitOptions::default(), progress)
}

/// Imports the kernel tarball `tarball` (`.tar.xz`, `.tar.gz` or `.tar`, all
/// entries under one top-level directory, which is stripped) into a new git
/// repository at `dir`: one commit on `refs/heads/base`, HEAD on it, the work
/// tree checked out.
///
/// `dir` may be missing or empty. If it already holds a finished import
/// (it has `refs/switchyard/base`), nothing is done and
/// [`InitOutcome::AlreadyImported`] is returned; any other non-empty `dir` is
/// refused with [`TreeError::NotEmpty`]. If the import fails, what it wrote
/// is removed again, leaving `dir` as it was.
///
/// `progress` is called from the calling thread, about every thousand files
/// and at each phase.
pub fn init_with(
    dir: &Path,
    tarball: &Path,
    opts: &InitOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<InitOutcome, TreeError> {
    let start = Instant::now();
    let existed = match fs::symlink_metadata(dir) {
        Ok(meta) if meta.is_dir() => true,
        Ok(_) => {
            return Err(TreeError::NotEmpty {
                dir: dir.to_path_buf(),
                found: "it is not a directory".into(),
            })
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => false,
        Err(e) => return Err(io_err("cannot inspect", dir)(e)),
    };
    let mut removed_unfinished = false;
    if existed && !holds_only_the_lock(dir) {
        if let Some(found) = describe_contents(dir)? {
            if let Some(commit) = finished_import(dir) {
                return Ok(InitOutcome::AlreadyImported { commit });
            }
            if !dir.join(".git").join(IMPORTING).is_file() {
                return Err(TreeError::NotEmpty {
                    dir: dir.to_path_buf(),
                    found,
                });
            }
            // An import that was interrupted or killed: everything in it is its own.
            remove_partial_import(dir, true);
            if !holds_only_the_lock(dir) && describe_contents(dir)?.is_some() {
                return Err(TreeError::NotEmpty {
                    dir: dir.to_path_buf(),
                    found: "what an interrupted import left, which could not be removed".into(),
                });
            }
            removed_unfinished = true;
        }
    }

    // Only now: a finished import needs no tarball.
    let file = File::open(tarball).map_err(|source| TreeError::TarballMissing {
        tarball: tarball.to_path_buf(),
        source,
    })?;
    let tarball_size = file
        .metadata()
        .map_err(|source| TreeError::TarballMissing {
            tarball: tarball.to_path_buf(),
            source,
        })?
        .len();

    let job = Job {
        dir,
        tarball,
        opts,
        tarball_size,
    };
    match job.run(file, progress) {
        Ok(mut report) => {
            report.elapsed = start.elapsed();
            report.removed_unfinished = removed_unfinished;
            Ok(InitOutcome::Imported(report))
        }
        // Stopping at once is what a signal asks for: the marker stays, and the next
        // import removes what this one wrote.
        Err(e @ TreeError::Interrupted(_)) => Err(e),
        Err(e) => {
            remove_partial_import(dir, existed);
            Err(e)
        }
    }
}

/// Whether `dir` holds nothing but the tree's lock file ([`crate::tree::LOCK_FILE`] in
/// `.git`), which whoever locks a directory before importing into it creates.
pub(crate) fn holds_only_the_lock(dir: &Path) -> bool {
    let names = |d: &Path| -> Vec<std::ffi::OsString> {
        fs::read_dir(d)
            .map(|r| r.flatten().map(|e| e.file_name()).collect())
            .unwrap_or_default()
    };
    names(dir) == [OsStr::new(".git")]
        && names(&dir.join(".git")) == [OsStr::new(crate::tree::LOCK_FILE)]
}

/// The commit of a finished import in `dir`, if there is one.
pub(crate) fn finished_import(dir: &Path) -> Option<Oid> {
    let repo = Repository::open(dir).ok()?;
    let marker = repo.find_reference(IMPORT_MARKER_REF).ok()?;
    let commit = marker.peel_to_commit().ok()?;
    Some(commit.id())
}

/// Best-effort removal of a failed import: `dir` was empty (or missing)
/// before, so everything in it is ours, except the tree's lock file, which is
/// never removed (a lock file removed while held would let a newcomer lock a
/// new file beside the holder).
fn remove_partial_import(dir: &Path, existed: bool) {
    let lock = dir.join(".git").join(crate::tree::LOCK_FILE);
    if !existed && !lock.exists() {
        let _ = fs::remove_dir_all(dir);
        return;
    }
    let clear = |d: &Path, keep: Option<&OsStr>| {
        if let Ok(entries) = fs::read_dir(d) {
            for entry in entries.flatten() {
                if Some(entry.file_name().as_os_str()) == keep {
                    continue;
                }
                let path = entry.path();
                let _ = match entry.file_type() {
                    Ok(t) if t.is_dir() => fs::remove_dir_all(&path),
                    _ => fs::remove_file(&path),
                };
            }
        }
    };
    if lock.exists() {
        clear(&dir.join(".git"), Some(OsStr::new(crate::tree::LOCK_FILE)));
        if let Ok(entries) = fs::read_dir(dir) {
            for entry in entries.flatten().filter(|e| e.file_name() != ".git") {
                let path = entry.path();
                let _ = match entry.file_type() {
                    Ok(t) if t.is_dir() => fs::remove_dir_all(&path),
                    _ => fs::remove_file(&path),
                };
            }
        }
    } else {
        clear(dir, None);
    }
}

/// A file or symlink read from the tarball, on its way to a worker.
enum Item {
    File {
        path: Vec<u8>,
        exec: bool,
        data: Vec<u8>,
    },
    Symlink {
        path: Vec<u8>,
        target: Vec<u8>,
    },
}

/// The stat data of a written work-tree file, for its index entry.
#[derive(Clone, Copy)]
struct Stat {
    ctime: (i64, i64),
    mtime: (i64, i64),
    dev: u64,
    ino: u64,
    uid: u32,
    gid: u32,
    size: u64,
}

impl From<&fs::Metadata> for Stat {
    fn from(m: &fs::Metadata) -> Self {
        Self {
            ctime: (m.ctime(), m.ctime_nsec()),
            mtime: (m.mtime(), m.mtime_nsec()),
            dev: m.dev(),
            ino: m.ino(),
            uid: m.uid(),
            gid: m.gid(),
            size: m.size(),
        }
    }
}

/// A stored file, back from a worker.
struct Done {
    path: Vec<u8>,
    mode: i32,
    id: Oid,
    size: u64,
    /// The zlib stream for the pack ([`ObjectStore::Pack`]).
    zdata: Option<Vec<u8>>,
    /// Set when the worker wrote the work-tree file.
    stat: Option<Stat>,
}

/// One entry of the final tree.
struct Record {
    path: Vec<u8>,
    mode: i32,
    id: Oid,
    stat: Option<Stat>,
}

/// What the reader learnt from the tarball besides the files.
#[derive(Default)]
struct ReadSummary {
    prefix: Vec<u8>,
    version: Option<KernelVersion>,
    newest_mtime: u64,
    /// Hard links: (path, target path), both without the prefix.
    hardlinks: Vec<(Vec<u8>, Vec<u8>)>,
}

struct Job<'a> {
    dir: &'a Path,
    tarball: &'a Path,
    opts: &'a InitOptions,
    tarball_size: u64,
}

/// Totals of the collecting stage.
#[derive(Default, Clone, Copy)]
struct Counts {
    files: u64,
    symlinks: u64,
    executables: u64,
    bytes: u64,
}

impl Job<'_> {
    fn git(&self, action: impl Into<String>) -> impl FnOnce(git2::Error) -> TreeError {
        git_err(self.dir, action)
    }

    fn tarball_layout(&self, reason: String) -> TreeError {
        TreeError::TarballLayout {
            tarball: self.tarball.to_path_buf(),
            reason,
        }
    }

    fn run(
        &self,
        file: File,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<ImportReport, TreeError> {
        fs::create_dir_all(self.dir).map_err(io_err("cannot create", self.dir))?;
        let mut init = git2::RepositoryInitOptions::new();
        init.initial_head("base").no_reinit(true);
        let repo =
            Repository::init_opts(self.dir, &init).map_err(self.git("creating the repository"))?;
        let git_dir = repo.path().to_path_buf();
        drop(repo);
        let importing = git_dir.join(IMPORTING);
        fs::write(&importing, format!("pid {}\n", std::process::id()))
            .map_err(io_err("cannot write", &importing))?;

        let write_files = self.opts.work_tree == WorkTree::WriteWhileImporting;
        let read = AtomicU64::new(0);
        let mut counts = Counts::default();
        let mut blobs = HashSet::new();
        let mut pack = match self.opts.objects {
            ObjectStore::Pack => Some(
                PackWriter::create(&git_dir.join("objects/pack"))
                    .map_err(io_err("cannot create a pack in", &git_dir))?,
            ),
            ObjectStore::Loose => None,
        };
        let mut report = |counts: &Counts, phase: Phase, total: Option<u64>| {
            progress(Progress {
                phase,
                files_done: counts.files,
                files_total: total,
                bytes_done: counts.bytes,
                tarball_read: read.load(Ordering::Relaxed),
                tarball_size: self.tarball_size,
            })
        };

        // Read, store and collect.
        let (mut records, summary) = std::thread::scope(|s| {
            let (item_tx, item_rx) = sync_channel::<Item>(64);
            let item_rx = Arc::new(Mutex::new(item_rx));
            let (done_tx, done_rx) = sync_channel::<Result<Done, TreeError>>(256);
            let xz_threads = self.opts.xz_threads;
            let read = &read;
            let reader = s.spawn(move || self.read_tarball(file, read, xz_threads, &item_tx));
            let mut workers = Vec::new();
            for _ in 0..self.opts.workers.max(1) {
                let rx = Arc::clone(&item_rx);
                let tx = done_tx.clone();
                workers.push(s.spawn(move || self.store(&rx, &tx, write_files)));
            }
            drop(item_rx);
            drop(done_tx);

            let collected = (|| {
                let mut records = Vec::with_capacity(100_000);
                for done in done_rx.iter() {
                    let done = done?;
                    if let Some(zdata) = &done.zdata {
                        let mut id = [0u8; 20];
                        id.copy_from_slice(done.id.as_bytes());
                        if let Some(pack) = pack.as_mut() {
                            pack.add(id, pack::OBJ_BLOB, done.size, zdata)
                                .map_err(io_err("cannot write the pack in", &git_dir))?;
                        }
                    }
                    blobs.insert(done.id);
                    counts.files += 1;
                    counts.bytes += done.size;
                    match done.mode {
                        MODE_LINK => counts.symlinks += 1,
                        MODE_EXEC => counts.executables += 1,
                        _ => {}
                    }
                    records.push(Record {
                        path: done.path,
                        mode: done.mode,
                        id: done.id,
                        stat: done.stat,
                    });
                    if counts.files % 1024 == 0 {
                        crate::interrupt::check()?;
                        report(&counts, Phase::Reading, None);
                    }
                }
                Ok::<_, TreeError>(records)
            })();
            // On error this drops the receiver first, so that the workers
            // and then the reader stop instead of waiting to send.
            drop(done_rx);
            let read_result = reader
                .join()
                .map_err(|_| TreeError::ThreadPanicked("tarball reader"))?;
            for worker in workers {
                worker
                    .join()
                    .map_err(|_| TreeError::ThreadPanicked("object writer"))?;
            }
            let records = collected?;
            Ok::<_, TreeError>((records, read_result?))
        })?;

        let version = summary.version.clone().ok_or_else(|| {
            self.tarball_layout("no top-level Makefile stating VERSION and PATCHLEVEL".to_string())
        })?;
        crate::interrupt::check()?;
        self.resolve_hardlinks(&summary, &mut records, &mut counts, write_files)?;
        report(&counts, Phase::Committing, Some(counts.files));

        if let Some(pack) = pack.take() {
            pack.finish()
                .map_err(io_err("cannot finish the pack in", &git_dir))?;
        }
        records.sort_unstable_by(|a, b| a.path.cmp(&b.path));
        crate::interrupt::check()?;
        let commit = self.commit(&records, &summary, &version, &counts)?;
        crate::interrupt::check()?;

        let repo = Repository::open(self.dir).map_err(self.git("reopening the repository"))?;
        match self.opts.work_tree {
            WorkTree::WriteWhileImporting => {
                report(&counts, Phase::WritingIndex, Some(counts.files));
                self.write_index(&repo, &records)?;
            }
            WorkTree::CheckoutAfterCommit => {
                let object = repo
                    .find_object(commit, Some(ObjectType::Commit))
                    .map_err(self.git("finding the import commit"))?;
                let mut done_counts = Counts {
                    bytes: counts.bytes,
                    ..Counts::default()
                };
                let total = counts.files;
                let mut checkout = CheckoutBuilder::new();
                checkout.force().progress(|_, done, _| {
                    done_counts.files = done as u64;
                    if done % 1024 == 0 {
                        report(&done_counts, Phase::CheckingOut, Some(total));
                    }
                });
                // HEAD is still unborn, so the baseline is empty: every
                // file is written, and the index with it.
                repo.checkout_tree(&object, Some(&mut checkout))
                    .map_err(self.git("checking out the import"))?;
            }
            WorkTree::None => {}
        }

        let reflog = format!(
            "switchyard: import {}",
            self.tarball.file_name().map_or_else(
                || self.tarball.display().to_string(),
                |n| n.to_string_lossy().into_owned()
            )
        );
        repo.reference(BASE_BRANCH, commit, true, &reflog)
            .map_err(self.git(format!("creating {BASE_BRANCH}")))?;
        repo.reference(IMPORT_MARKER_REF, commit, false, &reflog)
            .map_err(self.git(format!("creating {IMPORT_MARKER_REF}")))?;
        fs::remove_file(&importing).map_err(io_err("cannot remove", &importing))?;
        report(&counts, Phase::Done, Some(counts.files));

        Ok(ImportReport {
            commit,
            version,
            files: counts.files,
            symlinks: counts.symlinks,
            executables: counts.executables,
            bytes: counts.bytes,
            blobs: blobs.len() as u64,
            elapsed: Default::default(),
            removed_unfinished: false,
        })
    }

    /// Stage 1: decompress and walk the tarball, sending files and symlinks
    /// to the workers.
    fn read_tarball(
        &self,
        file: File,
        read: &AtomicU64,
        xz_threads: u32,
        tx: &SyncSender<Item>,
    ) -> Result<ReadSummary, TreeError> {
        let read_err = |source: io::Error| TreeError::TarballRead {
            tarball: self.tarball.to_path_buf(),
            source,
        };
        let mut input = BufReader::with_capacity(1 << 20, Counting { inner: file, read });
        let magic = input.fill_buf().map_err(read_err)?.to_vec();
        let stream: Box<dyn Read + '_> = if magic.starts_with(b"\xfd7zXZ\0") {
            let decoder = if xz_threads > 1 {
                liblzma::stream::MtStreamBuilder::new()
                    .threads(xz_threads)
                    .memlimit_stop(u64::MAX)
                    .decoder()
            } else {
                liblzma::stream::Stream::new_stream_decoder(u64::MAX, liblzma::stream::CONCATENATED)
            }
            .map_err(|e| read_err(e.into()))?;
            Box::new(liblzma::bufread::XzDecoder::new_stream(input, decoder))
        } else if magic.starts_with(b"\x1f\x8b") {
            Box::new(flate2::bufread::MultiGzDecoder::new(input))
        } else {
            Box::new(input)
        };

        let mut archive = tar::Archive::new(stream);
        let mut summary = ReadSummary::default();
        let mut prefix: Option<Vec<u8>> = None;
        let mut seen: HashSet<Vec<u8>> = HashSet::new();
        for entry in archive.entries().map_err(read_err)? {
            let mut entry = entry.map_err(read_err)?;
            let header = entry.header();
            let kind = header.entry_type();
            if matches!(
                kind,
                tar::EntryType::XGlobalHeader
                    | tar::EntryType::XHeader
                    | tar::EntryType::GNULongName
                    | tar::EntryType::GNULongLink
            ) {
                continue;
            }
            let mtime = header.mtime().unwrap_or(0);
            let mode = header.mode().unwrap_or(0o644);
            let raw = entry.path_bytes().into_owned();
            let shown = String::from_utf8_lossy(&raw).into_owned();
            let path = self.strip_prefix(&raw, &mut prefix)?;
            summary.newest_mtime = summary.newest_mtime.max(mtime);
            let Some(path) = path else { continue };
            if kind != tar::EntryType::Directory && !seen.insert(path.clone()) {
                return Err(self.tarball_layout(format!("{shown} is listed twice")));
            }
            let item = match kind {
                tar::EntryType::Directory => continue,
                tar::EntryType::Regular | tar::EntryType::Continuous => {
                    let size = usize::try_from(entry.size()).unwrap_or(0);
                    let mut data = Vec::with_capacity(size);
                    entry.read_to_end(&mut data).map_err(read_err)?;
                    if path == b"Makefile" {
                        summary.version = KernelVersion::from_makefile(&data);
                    }
                    Item::File {
                        path,
                        exec: mode & 0o100 != 0,
                        data,
                    }
                }
                tar::EntryType::Symlink => {
                    let target = entry
                        .link_name_bytes()
                        .filter(|t| !t.is_empty())
                        .ok_or_else(|| {
                            self.tarball_layout(format!("symlink {shown} has no target"))
                        })?
                        .into_owned();
                    Item::Symlink { path, target }
                }
                tar::EntryType::Link => {
                    let target = entry.link_name_bytes().unwrap_or_default().into_owned();
                    let target = self.strip_prefix(&target, &mut prefix)?.ok_or_else(|| {
                        self.tarball_layout(format!("hard link {shown} has no target"))
                    })?;
                    summary.hardlinks.push((path, target));
                    continue;
                }
                other => {
                    let reason = format!(
                        "{shown} is a {other:?} entry; only files, directories and links \
                         are supported"
                    );
                    return Err(self.tarball_layout(reason));
                }
            };
            if tx.send(item).is_err() {
                // The collector gave up; its error is the one reported.
                break;
            }
        }
        summary.prefix = prefix.unwrap_or_default();
        Ok(summary)
    }

    /// Strips the single top-level directory every entry must be under and
    /// checks the rest is a safe relative path. `None` for the top-level
    /// directory itself.
    fn strip_prefix(
        &self,
        raw: &[u8],
        prefix: &mut Option<Vec<u8>>,
    ) -> Result<Option<Vec<u8>>, TreeError> {
        let shown = || String::from_utf8_lossy(raw).into_owned();
        let trimmed = raw.strip_prefix(b"./").unwrap_or(raw);
        let (top, rest) = match trimmed.iter().position(|&b| b == b'/') {
            Some(i) => (&trimmed[..i], &trimmed[i + 1..]),
            None => (trimmed, &b""[..]),
        };
        match prefix {
            None => *prefix = Some(top.to_vec()),
            Some(p) if p.as_slice() == top => {}
            Some(p) => {
                return Err(self.tarball_layout(format!(
                    "{} is outside the top-level directory {}/ of the first entry",
                    shown(),
                    String::from_utf8_lossy(p)
                )))
            }
        }
        let rest = rest.strip_suffix(b"/").unwrap_or(rest);
        if rest.is_empty() {
            return Ok(None);
        }
        let unsafe_component = rest
            .split(|&b| b == b'/')
            .any(|c| c.is_empty() || c == b"." || c == b".." || c.eq_ignore_ascii_case(b".git"));
        if unsafe_component || top.is_empty() || top == b".." || raw.starts_with(b"/") {
            return Err(self.tarball_layout(format!("{} is not a plain relative path", shown())));
        }
        Ok(Some(rest.to_vec()))
    }

    /// Stage 2 (one per worker thread): hash and store each item, and write
    /// it into the work tree.
    fn store(
        &self,
        rx: &Mutex<Receiver<Item>>,
        tx: &SyncSender<Result<Done, TreeError>>,
        write_files: bool,
    ) {
        let repo = match self.opts.objects {
            ObjectStore::Loose => match Repository::open(self.dir) {
                Ok(repo) => Some(repo),
                Err(e) => {
                    let _ = tx.send(Err(self.git("opening the repository")(e)));
                    return;
                }
            },
            ObjectStore::Pack => None,
        };
        let odb = match repo.as_ref().map(Repository::odb).transpose() {
            Ok(odb) => odb,
            Err(e) => {
                let _ = tx.send(Err(self.git("opening the object database")(e)));
                return;
            }
        };
        let mut made_dirs: HashSet<PathBuf> = HashSet::new();
        loop {
            let item = match rx.lock() {
                Ok(rx) => match rx.recv() {
                    Ok(item) => item,
                    Err(_) => return,
                },
                Err(_) => return,
            };
            let (path, mode, data) = match item {
                Item::File { path, exec, data } => {
                    (path, if exec { MODE_EXEC } else { MODE_FILE }, data)
                }
                Item::Symlink { path, target } => (path, MODE_LINK, target),
            };
            let result = (|| {
                let (id, zdata) = match &odb {
                    Some(odb) => (
                        odb.write(ObjectType::Blob, &data)
                            .map_err(self.git("writing a blob"))?,
                        None,
                    ),
                    None => {
                        let id = Oid::from_bytes(&pack::blob_id(&data))
                            .map_err(self.git("making an object id"))?;
                        let zdata = pack::deflate(&data).map_err(io_err(
                            "cannot compress",
                            Path::new(OsStr::from_bytes(&path)),
                        ))?;
                        (id, Some(zdata))
                    }
                };
                let stat = if write_files {
                    Some(write_work_file(
                        self.dir,
                        &path,
                        mode,
                        &data,
                        &mut made_dirs,
                    )?)
                } else {
                    None
                };
                Ok(Done {
                    size: data.len() as u64,
                    path,
                    mode,
                    id,
                    zdata,
                    stat,
                })
            })();
            let failed = result.is_err();
            if tx.send(result).is_err() || failed {
                return;
            }
        }
    }

    /// Adds the tarball's hard links as copies of their targets.
    fn resolve_hardlinks(
        &self,
        summary: &ReadSummary,
        records: &mut Vec<Record>,
        counts: &mut Counts,
        write_files: bool,
    ) -> Result<(), TreeError> {
        if summary.hardlinks.is_empty() {
            return Ok(());
        }
        let by_path: BTreeMap<Vec<u8>, (i32, Oid)> = records
            .iter()
            .map(|r| (r.path.clone(), (r.mode, r.id)))
            .collect();
        for (path, target) in &summary.hardlinks {
            let shown = |p: &[u8]| String::from_utf8_lossy(p).into_owned();
            let &(mode, id) = by_path.get(target).ok_or_else(|| {
                self.tarball_layout(format!(
                    "hard link {} points to {}, which is not a file in the tarball",
                    shown(path),
                    shown(target)
                ))
            })?;
            let stat = if write_files {
                let from = self.dir.join(OsStr::from_bytes(target));
                let to = self.dir.join(OsStr::from_bytes(path));
                if let Some(parent) = to.parent() {
                    fs::create_dir_all(parent).map_err(io_err("cannot create", parent))?;
                }
                if mode == MODE_LINK {
                    let link = fs::read_link(&from).map_err(io_err("cannot read", &from))?;
                    std::os::unix::fs::symlink(link, &to).map_err(io_err("cannot create", &to))?;
                } else {
                    fs::copy(&from, &to).map_err(io_err("cannot copy to", &to))?;
                }
                let meta = fs::symlink_metadata(&to).map_err(io_err("cannot stat", &to))?;
                counts.bytes += meta.len();
                Some(Stat::from(&meta))
            } else {
                None
            };
            counts.files += 1;
            match mode {
                MODE_LINK => counts.symlinks += 1,
                MODE_EXEC => counts.executables += 1,
                _ => {}
            }
            records.push(Record {
                path: path.clone(),
                mode,
                id,
                stat,
            });
        }
        Ok(())
    }

    /// Builds the trees bottom-up with TreeBuilder and makes the commit.
    /// Trees and commit go to an in-memory object store first and then into
    /// one (delta-compressed) pack, so the import leaves no loose objects.
    fn commit(
        &self,
        records: &[Record],
        summary: &ReadSummary,
        version: &KernelVersion,
        counts: &Counts,
    ) -> Result<Oid, TreeError> {
        let mut root = Dir::default();
        for record in records {
            root.insert(&record.path, record.mode, record.id)
                .map_err(|conflict| {
                    self.tarball_layout(format!(
                        "{} is both a file and a directory",
                        String::from_utf8_lossy(conflict)
                    ))
                })?;
        }

        let repo = Repository::open(self.dir).map_err(self.git("opening the repository"))?;
        let odb = repo
            .odb()
            .map_err(self.git("opening the object database"))?;
        odb.refresh().map_err(self.git("loading the new pack"))?;
        // Trees and the commit are written to memory, then packed below.
        let _mempack = odb
            .add_new_mempack_backend(1000)
            .map_err(self.git("adding an in-memory object store"))?;
        let mut written = Vec::new();
        let tree_id = root.write(&repo, self.dir, &mut written)?;
        let tree = repo
            .find_tree(tree_id)
            .map_err(self.git("reading the root tree"))?;

        let name = self.tarball.file_name().map_or_else(
            || self.tarball.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let prefix = String::from_utf8_lossy(&summary.prefix);
        let message = format!(
            "Import Linux {version} from {name}\n\
             \n\
             All {files} files of {name} ({exec} executable,\n\
             {links} symlinks), with the top-level directory {prefix}/\n\
             stripped, whatever the tarball's .gitignore says. Imported by\n\
             switchyard.\n\
             \n\
             {IMPORT_TRAILER}: {name}\n",
            files = counts.files,
            exec = counts.executables,
            links = counts.symlinks,
        );
        let when = git2::Time::new(i64::try_from(summary.newest_mtime).unwrap_or(0), 0);
        let who = git2::Signature::new(IMPORT_IDENTITY.0, IMPORT_IDENTITY.1, &when)
            .map_err(self.git("making the import signature"))?;
        let commit = repo
            .commit(None, &who, &who, &message, &tree, &[])
            .map_err(self.git("writing the import commit"))?;

        // Not Mempack::dump: it packs everything reachable from the commit,
        // blobs included, with a delta search over all of them (minutes).
        written.push(commit);
        let mut builder = repo.packbuilder().map_err(self.git("packing the trees"))?;
        let mut packed = HashSet::new();
        for id in written {
            if packed.insert(id) {
                builder
                    .insert_object(id, None)
                    .map_err(self.git("packing the trees"))?;
            }
        }
        let mut buf = git2::Buf::new();
        builder
            .write_buf(&mut buf)
            .map_err(self.git("packing the trees"))?;
        drop(builder);
        let mut writer = odb
            .packwriter()
            .map_err(self.git("writing the tree pack"))?;
        writer
            .write_all(&buf)
            .map_err(io_err("cannot write the tree pack in", repo.path()))?;
        writer
            .commit()
            .map_err(self.git("indexing the tree pack"))?;
        Ok(commit)
    }

    /// Writes `.git/index` from the stat data the workers recorded, so that
    /// `git status` finds the work tree clean without reading any file.
    fn write_index(&self, repo: &Repository, records: &[Record]) -> Result<(), TreeError> {
        let mut index = repo.index().map_err(self.git("opening the index"))?;
        let time =
            |(sec, nsec): (i64, i64)| IndexTime::new(sec as i32, u32::try_from(nsec).unwrap_or(0));
        for record in records {
            let Some(stat) = record.stat else { continue };
            let entry = IndexEntry {
                ctime: time(stat.ctime),
                mtime: time(stat.mtime),
                // The index keeps the low 32 bits, as git does.
                dev: stat.dev as u32,
                ino: stat.ino as u32,
                mode: record.mode as u32,
                uid: stat.uid,
                gid: stat.gid,
                file_size: stat.size as u32,
                id: record.id,
                flags: 0,
                flags_extended: 0,
                path: record.path.clone(),
            };
            index.add(&entry).map_err(self.git(format!(
                "adding {} to the index",
                String::from_utf8_lossy(&record.path)
            )))?;
        }
        index.write().map_err(self.git("writing the index"))
    }
}

/// Writes one work-tree file (or symlink) and returns its stat data.
fn write_work_file(
    root: &Path,
    path: &[u8],
    mode: i32,
    data: &[u8],
    made_dirs: &mut HashSet<PathBuf>,
) -> Result<Stat, TreeError> {
    let full = root.join(OsStr::from_bytes(path));
    if let Some(parent) = full.parent() {
        if !made_dirs.contains(parent) {
            fs::create_dir_all(parent).map_err(io_err("cannot create", parent))?;
            made_dirs.insert(parent.to_path_buf());
        }
    }
    let meta = if mode == MODE_LINK {
        std::os::unix::fs::symlink(OsStr::from_bytes(data), &full)
            .map_err(io_err("cannot create symlink", &full))?;
        fs::symlink_metadata(&full).map_err(io_err("cannot stat", &full))?
    } else {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(if mode == MODE_EXEC { 0o777 } else { 0o666 })
            .open(&full)
            .map_err(io_err("cannot create", &full))?;
        file.write_all(data)
            .map_err(io_err("cannot write", &full))?;
        file.metadata().map_err(io_err("cannot stat", &full))?
    };
    Ok(Stat::from(&meta))
}

/// A directory of the tree being built.
#[derive(Default)]
struct Dir {
    entries: BTreeMap<Vec<u8>, Node>,
}

enum Node {
    Blob(i32, Oid),
    Dir(Dir),
}

impl Dir {
    /// Inserts a file; on a file/directory clash returns the clashing path.
    fn insert<'p>(&mut self, path: &'p [u8], mode: i32, id: Oid) -> Result<(), &'p [u8]> {
        match path.iter().position(|&b| b == b'/') {
            None => {
                if self.entries.contains_key(path) {
                    return Err(path);
                }
                self.entries.insert(path.to_vec(), Node::Blob(mode, id));
                Ok(())
            }
            Some(i) => {
                let node = self
                    .entries
                    .entry(path[..i].to_vec())
                    .or_insert_with(|| Node::Dir(Dir::default()));
                match node {
                    Node::Dir(dir) => dir.insert(&path[i + 1..], mode, id).map_err(|_| path),
                    Node::Blob(..) => Err(&path[..i]),
                }
            }
        }
    }

    /// Writes this directory's tree and those below it; pushes their ids
    /// onto `written`.
    fn write(
        &self,
        repo: &Repository,
        dir: &Path,
        written: &mut Vec<Oid>,
    ) -> Result<Oid, TreeError> {
        let mut builder = repo
            .treebuilder(None)
            .map_err(git_err(dir, "starting a tree"))?;
        for (name, node) in &self.entries {
            let (mode, id) = match node {
                Node::Blob(mode, id) => (*mode, *id),
                Node::Dir(sub) => (MODE_TREE, sub.write(repo, dir, written)?),
            };
            builder.insert(name.as_slice(), id, mode).map_err(git_err(
                dir,
                format!("adding {} to a tree", String::from_utf8_lossy(name)),
            ))?;
        }
        let id = builder.write().map_err(git_err(dir, "writing a tree"))?;
        written.push(id);
        Ok(id)
    }
}

/// A reader that counts the bytes read through it, for progress.
struct Counting<'a, R> {
    inner: R,
    read: &'a AtomicU64,
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}
