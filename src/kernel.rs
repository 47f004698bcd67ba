//! `switchyard tree init` and `switchyard apply`: a kernel git tree to work in (the one
//! every command defaults to, imported into the cache once), and a series (written by
//! `gen series`, or by anyone's `git format-patch`) or a policy applied to it as a new
//! branch.
//!
//! Both are thin: the import and the atomic apply are `switchyard_harness::tree` and
//! `switchyard_harness::apply`, the series is `switchyard_series`. What lives
//! here is what a user sees — progress, the figures, the branch naming — and the one
//! place where "apply a policy" means "generate its series, then apply that series", so
//! that `apply POLICY` and `apply DIR` on `gen series`' output give the same branch.

use crate::cli::{ApplyArgs, BaseOrRevision, Format};
use crate::error::CliError;
use serde::Serialize;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;
use switchyard::dsl::{self, Base, Policy};
use switchyard::rfc::{self, Revision};
use switchyard_harness::apply::{self, ApplyError, ApplyOptions, ApplyOutcome};
use switchyard_harness::fetch::{self, FetchError};
use switchyard_harness::interrupt::{self, Interrupted};
use switchyard_harness::lock::{Lock, LockError, Mode};
use switchyard_harness::tree::{self, ImportState, InitOutcome, Phase, TreeError};
use switchyard_series as series;

/// Why `tree init` or `apply` did nothing. Whatever the variant, the tree's refs, HEAD,
/// index and work tree are as they were.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub(crate) enum KernelError {
    // `{0}` rather than `transparent`: the harness errors already say their cause, and
    // a source chain would print it twice.
    #[error("{0}")]
    #[diagnostic(
        code(switchyard::tree),
        help("`switchyard tree init DIR` imports /usr/src/linux-source-6.12.tar.xz (Debian package linux-source-6.12), `--base linux-7.3` the fetched linux-source-7.3; any kernel git tree works with --tree")
    )]
    Tree(TreeError),
    #[error("{0}")]
    #[diagnostic(
        code(switchyard::apply),
        help("nothing was changed: the tree's refs, HEAD, index and work tree are as they were")
    )]
    Apply(ApplyError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Series(#[from] series::SeriesError),
    #[error("cannot use a scratch directory for the series: {0}")]
    #[diagnostic(code(switchyard::apply::scratch))]
    Scratch(std::io::Error),
    #[error(transparent)]
    #[diagnostic(
        code(switchyard::lock),
        help("another switchyard may hold it: a tree's lock file is switchyard.lock in its git directory")
    )]
    Lock(#[from] LockError),
    #[error("{0}")]
    #[diagnostic(
        code(switchyard::tree::fetch),
        help("the tarball can also be given: `switchyard tree init DIR --from-tarball FILE`, then --tree DIR")
    )]
    Fetch(FetchError),
    #[error("{} is {}, not {asked}", dir.display(), release(found))]
    #[diagnostic(
        code(switchyard::tree::base),
        help("a tree's base is the release its Makefile states: leave out --base to use the tree as it is, or give a {asked} tree (`switchyard tree init DIR --base {asked}`)")
    )]
    BaseMismatch {
        dir: PathBuf,
        /// The release the tree's Makefile states, if it states one.
        found: Option<String>,
        asked: Base,
    },
    #[error("{signal} during the import into {}", dir.display())]
    #[diagnostic(
        code(switchyard::tree::interrupted),
        help("what it wrote stays, marked unfinished: the next `tree init` of the directory, or the next command that imports into it, removes it and imports again")
    )]
    Interrupted { signal: Interrupted, dir: PathBuf },
}

impl From<TreeError> for KernelError {
    fn from(e: TreeError) -> Self {
        KernelError::Tree(e)
    }
}

/// A tree's release as [`KernelError::BaseMismatch`] names it.
fn release(found: &Option<String>) -> String {
    match found {
        Some(v) => format!("Linux {v}"),
        None => "a tree whose Makefile states no release".into(),
    }
}

impl From<FetchError> for KernelError {
    fn from(e: FetchError) -> Self {
        KernelError::Fetch(e)
    }
}

impl From<ApplyError> for KernelError {
    fn from(e: ApplyError) -> Self {
        KernelError::Apply(e)
    }
}

/// Progress on stderr: rewritten in place on a terminal, phase lines otherwise.
pub(crate) struct Progress {
    tty: bool,
}

impl Progress {
    /// Progress for this process's stderr.
    pub(crate) fn stderr() -> Progress {
        Progress {
            tty: std::io::stderr().is_terminal(),
        }
    }

    /// A line that stays.
    pub(crate) fn say(&self, text: &str) {
        if self.tty {
            eprint!("\r\x1b[K");
        }
        eprintln!("{text}");
    }

    /// A line that the next one replaces (shown on a terminal only).
    pub(crate) fn update(&self, text: &str) {
        if self.tty {
            eprint!("\r\x1b[K{text}");
            let _ = std::io::stderr().flush();
        }
    }

    /// Clears the replaceable line.
    pub(crate) fn done(&self) {
        if self.tty {
            eprint!("\r\x1b[K");
        }
    }
}

/// Locks the kernel tree at `dir` (see [`tree::lock`]), saying on stderr whom it waits
/// for.
pub(crate) fn lock_tree(
    dir: &Path,
    mode: Mode,
    progress: &Progress,
) -> Result<Option<Lock>, LockError> {
    tree::lock(dir, mode, &mut |w| progress.say(&w.to_string()))
}

/// Imports `tarball` into `dir`, with progress; a no-op on a finished import. The caller
/// holds the tree's lock, exclusive. An import an earlier process left unfinished is
/// removed first, and said so.
pub(crate) fn init(
    dir: &Path,
    tarball: &Path,
    progress: &Progress,
) -> Result<InitOutcome, KernelError> {
    if tree::import_state(dir) == ImportState::Unfinished {
        progress.say(&format!(
            "repaired: removing the unfinished import in {} that an interrupted switchyard left; importing again",
            dir.display()
        ));
    }
    init_locked(dir, tarball, progress).map_err(|e| match (e, interrupt::requested()) {
        (_, Some(signal)) => KernelError::Interrupted {
            signal,
            dir: dir.to_path_buf(),
        },
        (e, None) => KernelError::Tree(e),
    })
}

fn init_locked(dir: &Path, tarball: &Path, progress: &Progress) -> Result<InitOutcome, TreeError> {
    let mut last = (Phase::Done, u64::MAX);
    let outcome = tree::init(dir, tarball, &mut |p| {
        let pct = (p.tarball_read * 100)
            .checked_div(p.tarball_size)
            .unwrap_or(0);
        let key = (p.phase, p.files_done / 2000);
        if key == last {
            return;
        }
        if p.phase != last.0 && !progress.tty {
            progress.say(&format!("  {}", phase_name(p.phase)));
        }
        last = key;
        progress.update(&format!(
            "{}: {} files, {} MiB, {pct}% of the tarball",
            phase_name(p.phase),
            p.files_done,
            p.bytes_done >> 20
        ));
    })?;
    progress.done();
    Ok(outcome)
}

fn phase_name(p: Phase) -> &'static str {
    match p {
        Phase::Reading => "reading the tarball",
        Phase::Committing => "building trees and the commit",
        Phase::CheckingOut => "checking out",
        Phase::WritingIndex => "writing the index",
        Phase::Done => "done",
    }
}

/// What `tree init` prints.
#[derive(Debug, Serialize)]
pub(crate) struct InitReport {
    pub(crate) dir: PathBuf,
    pub(crate) commit: String,
    pub(crate) already: bool,
    pub(crate) version: Option<String>,
    pub(crate) files: Option<u64>,
    pub(crate) symlinks: Option<u64>,
    pub(crate) mib: Option<u64>,
    pub(crate) seconds: Option<f64>,
}

impl InitReport {
    pub(crate) fn new(dir: &Path, outcome: &InitOutcome) -> InitReport {
        let mut r = InitReport {
            dir: dir.to_path_buf(),
            commit: outcome.commit().to_string(),
            already: true,
            version: None,
            files: None,
            symlinks: None,
            mib: None,
            seconds: None,
        };
        if let InitOutcome::Imported(i) = outcome {
            r.already = false;
            r.version = Some(i.version.to_string());
            r.files = Some(i.files);
            r.symlinks = Some(i.symlinks);
            r.mib = Some(i.bytes >> 20);
            r.seconds = Some(i.elapsed.as_secs_f64());
        }
        r
    }

    pub(crate) fn render(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let short = &self.commit[..12.min(self.commit.len())];
        if self.already {
            return writeln!(
                out,
                "{} already holds an import (commit {short} on branch base); nothing to do",
                self.dir.display()
            );
        }
        let files = self.files.unwrap_or(0);
        let secs = self.seconds.unwrap_or(0.0);
        writeln!(
            out,
            "imported Linux {} into {}: {files} files ({} symlinks), {} MiB",
            self.version.as_deref().unwrap_or("?"),
            self.dir.display(),
            self.symlinks.unwrap_or(0),
            self.mib.unwrap_or(0),
        )?;
        writeln!(out, "  commit {short} on branch base (HEAD)")?;
        writeln!(
            out,
            "  took {secs:.1} s ({:.0} files/s)",
            files as f64 / secs.max(0.001)
        )
    }
}

/// What `apply` applies.
pub(crate) enum Source {
    /// A directory of `git format-patch` output.
    Dir(PathBuf),
    /// A policy whose series is generated first.
    Policy(Box<Policy>),
}

/// How `apply` generates a policy's series.
pub(crate) struct Generate {
    /// The author; the tree's git config when `None`.
    pub(crate) from: Option<series::Identity>,
    /// `-v N`, Signed-off-by; the author date is now.
    pub(crate) how: Revision,
}

/// The branch `apply` creates when none is named: `switchyard/POLICY-vN`.
pub(crate) fn default_branch(name: &str, version: Option<u32>) -> String {
    format!("switchyard/{name}-v{}", version.unwrap_or(1))
}

/// Where a series directory says it comes from: the policy a switchyard cover letter
/// names and the `vN` of its subjects, else the directory's name and v1.
pub(crate) fn describe_dir(dir: &Path) -> (String, Option<u32>) {
    let fallback = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "series".into());
    let Ok(series) = apply::read_series(dir) else {
        return (fallback, None);
    };
    let Some(text) = series
        .cover_letter
        .as_ref()
        .and_then(|c| std::fs::read_to_string(c).ok())
    else {
        return (fallback, None);
    };
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let policy = flat
        .split_once("from the policy \"")
        .and_then(|(_, rest)| rest.split_once('"'))
        .map(|(name, _)| name.to_string())
        .filter(|n| !n.is_empty() && !n.contains(char::is_whitespace));
    let version = text
        .lines()
        .find(|l| l.starts_with("Subject: [PATCH"))
        .and_then(|l| {
            l.split([' ', ']'])
                .find_map(|w| w.strip_prefix('v').and_then(|n| n.parse().ok()))
        });
    (policy.unwrap_or(fallback), version)
}

/// Applies `source` to the tree at `tree_dir` as `opts.branch`. A policy's series is
/// generated against the base it will be applied on and written to a scratch directory
/// that is removed afterwards, so the commits are exactly those `gen series` would write.
pub(crate) fn apply_source(
    tree_dir: &Path,
    source: &Source,
    opts: ApplyOptions,
    gen: &Generate,
) -> Result<ApplyOutcome, KernelError> {
    match source {
        Source::Dir(dir) => Ok(apply::apply_series(tree_dir, dir, opts)?),
        Source::Policy(policy) => {
            let base = opts.base.clone().unwrap_or_else(|| "HEAD".into());
            let kt = rfc::open_tree(tree_dir, &base)?;
            let from = match &gen.from {
                Some(f) => f.clone(),
                None => rfc::git_identity(tree_dir)?,
            };
            let s = rfc::policy_series(policy, &kt, from, gen.how.clone())?;
            let scratch = Scratch::new(&policy.name).map_err(KernelError::Scratch)?;
            s.write(&scratch.0)?;
            let opts = ApplyOptions {
                base: Some(kt.base().to_string()),
                ..opts
            };
            Ok(apply::apply_series(tree_dir, &scratch.0, opts)?)
        }
    }
}

/// A directory under the system's temporary directory, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> std::io::Result<Scratch> {
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let dir = std::env::temp_dir().join(format!(
            "switchyard-series-{name}-{}-{stamp}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir)?;
        Ok(Scratch(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What `apply` prints.
#[derive(Debug, Serialize)]
pub(crate) struct ApplyReport {
    pub(crate) tree: PathBuf,
    pub(crate) branch: String,
    pub(crate) base: String,
    pub(crate) base_from: &'static str,
    pub(crate) head: String,
    pub(crate) commits: Vec<(String, String)>,
    pub(crate) checked_out: bool,
    pub(crate) seconds: f64,
}

impl ApplyReport {
    pub(crate) fn new(tree: &Path, o: &ApplyOutcome, started: Instant) -> ApplyReport {
        ApplyReport {
            tree: tree.to_path_buf(),
            branch: o
                .branch
                .strip_prefix("refs/heads/")
                .unwrap_or(&o.branch)
                .to_string(),
            base: o.base.to_string(),
            base_from: o.base_from,
            head: o.head.to_string(),
            commits: o
                .commits
                .iter()
                .map(|c| (c.commit.to_string(), c.subject.clone()))
                .collect(),
            checked_out: o.checked_out,
            seconds: started.elapsed().as_secs_f64(),
        }
    }

    pub(crate) fn render(&self, out: &mut dyn Write) -> std::io::Result<()> {
        writeln!(
            out,
            "applied {} patches to {} as branch {} (base {} from {}, {:.1} s)",
            self.commits.len(),
            self.tree.display(),
            self.branch,
            &self.base[..12],
            self.base_from,
            self.seconds
        )?;
        for (id, subject) in self.commits.iter().rev() {
            writeln!(out, "  {} {subject}", &id[..12])?;
        }
        if self.checked_out {
            writeln!(out, "checked out {}", self.branch)
        } else {
            writeln!(
                out,
                "HEAD, index and work tree untouched; `git -C {} switch {}` to look at it",
                self.tree.display(),
                self.branch
            )
        }
    }
}

/// The default cache: `$XDG_CACHE_HOME/switchyard`, else `~/.cache/switchyard`.
pub(crate) fn default_cache() -> PathBuf {
    std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(|| PathBuf::from(".cache"))
        .join("switchyard")
}

/// Where a cache keeps its own import of a base's tarball: `CACHE/linux-6.12`,
/// `CACHE/linux-7.3`.
pub(crate) fn cache_import(cache: &Path, base: Base) -> PathBuf {
    cache.join(base.name())
}

/// Whether `dir` is `cache`'s own import of `base` (the same directory, however it is
/// named).
pub(crate) fn is_cache_import(dir: &Path, cache: &Path, base: Base) -> bool {
    match (dir.canonicalize(), cache_import(cache, base).canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Where fetched Debian packages are kept: `debs/` in the default cache, whatever
/// `--cache` a command is given, so that a machine fetches a package once.
pub(crate) fn debs() -> PathBuf {
    default_cache().join("debs")
}

/// The tarball a base is imported from: Debian's linux-source-6.12 as installed (a
/// missing one is reported by the import), or, for a base from another suite, its package
/// fetched once into [`debs`].
pub(crate) fn base_tarball(base: Base, progress: &Progress) -> Result<PathBuf, KernelError> {
    let src = base.source();
    if src.suite.is_none() {
        return Ok(PathBuf::from(src.tarball));
    }
    Ok(fetch::tarball(base, &debs(), &mut |s| progress.say(s))?)
}

/// The Makefile of the tree at `dir`: at its import's commit, else at HEAD (a bare
/// clone has no work tree), else the work tree's.
fn makefile(dir: &Path) -> Option<String> {
    if let Ok(repo) = switchyard_harness::git2::Repository::open(dir) {
        for rev in [tree::IMPORT_MARKER_REF, "HEAD"] {
            let blob = repo
                .revparse_single(&format!("{rev}:Makefile"))
                .and_then(|o| o.peel_to_blob());
            if let Ok(b) = blob {
                return Some(String::from_utf8_lossy(b.content()).into_owned());
            }
        }
    }
    std::fs::read_to_string(dir.join("Makefile")).ok()
}

/// The base of the tree at `dir`, from its Makefile. `asked` (`--base`) must be the
/// tree's release; without it, a release switchyard knows is that base and any other is
/// the default base, as before there were bases.
pub(crate) fn tree_base(dir: &Path, asked: Option<Base>) -> Result<Base, KernelError> {
    let text = makefile(dir);
    let found = text.as_deref().and_then(Base::from_makefile);
    match (asked, found) {
        (None, found) => Ok(found.unwrap_or_default()),
        (Some(a), Some(f)) if a == f => Ok(a),
        (Some(asked), _) => Err(KernelError::BaseMismatch {
            dir: dir.to_path_buf(),
            found: text
                .and_then(|t| tree::KernelVersion::from_makefile(t.as_bytes()))
                .map(|v| v.to_string()),
            asked,
        }),
    }
}

/// The kernel tree a command works on, and its base: the one given, else
/// `$SWITCHYARD_TREE`, else the base's tarball imported into `cache/BASE` (once, with
/// progress, under the tree's lock: a second process waits for the first one's import
/// and then uses it). `base` is `--base`: the default tree's base, and what a given tree
/// must be (its Makefile says; see [`tree_base`]).
///
/// A tree that is being imported into or branched by another switchyard is waited for.
pub(crate) fn kernel_tree(
    tree: Option<PathBuf>,
    base: Option<Base>,
    cache: &Path,
    progress: &Progress,
) -> Result<(PathBuf, Base), KernelError> {
    let (dir, ours) = match (tree, std::env::var_os("SWITCHYARD_TREE")) {
        (Some(t), _) => (t, false),
        (None, Some(d)) => (PathBuf::from(d), true),
        (None, None) => (cache_import(cache, base.unwrap_or_default()), true),
    };
    let importing = |d: &Path| {
        matches!(
            tree::import_state(d),
            ImportState::Absent | ImportState::Unfinished
        )
    };
    if !ours || !importing(&dir) {
        if !dir.is_dir() {
            // Opening it says what is wrong.
            return Ok((dir, base.unwrap_or_default()));
        }
        drop(lock_tree(&dir, Mode::Shared, progress)?);
        let found = tree_base(&dir, base)?;
        return Ok((dir, found));
    }
    let base = base.unwrap_or_default();
    let _lock = lock_tree(&dir, Mode::Exclusive, progress)?;
    if !importing(&dir) {
        // Another switchyard imported it while this one waited.
        let found = tree_base(&dir, Some(base))?;
        return Ok((dir, found));
    }
    let tarball = base_tarball(base, progress)?;
    progress.say(&format!(
        "importing {} into {} (once)",
        tarball.display(),
        dir.display()
    ));
    if let InitOutcome::Imported(r) = init(&dir, &tarball, progress)? {
        progress.say(&format!(
            "imported {} into {} ({} files, {:.1} s)",
            tarball.display(),
            dir.display(),
            r.files,
            r.elapsed.as_secs_f64()
        ));
    }
    let found = tree_base(&dir, Some(base))?;
    Ok((dir, found))
}

/// Runs `tree init`: `tarball` when given (`--from-tarball`), else the base's.
pub(crate) fn tree_init(
    format: Format,
    out: &mut dyn Write,
    dir: &Path,
    tarball: Option<&Path>,
    base: Option<Base>,
) -> Result<(), CliError> {
    let progress = Progress::stderr();
    let _lock = lock_tree(dir, Mode::Exclusive, &progress).map_err(KernelError::from)?;
    let fresh = matches!(
        tree::import_state(dir),
        ImportState::Absent | ImportState::Unfinished
    );
    if !fresh && tarball.is_none() {
        // An earlier import of another release is not this base's tree.
        tree_base(dir, base)?;
    }
    let tarball = match tarball {
        Some(t) => t.to_path_buf(),
        None if fresh => base_tarball(base.unwrap_or_default(), &progress)?,
        // A finished import of the base (checked above): nothing is read.
        None => PathBuf::from(base.unwrap_or_default().source().tarball),
    };
    if format == Format::Text && fresh {
        progress.say(&format!(
            "importing {} into {}",
            tarball.display(),
            dir.display()
        ));
    }
    let outcome = init(dir, &tarball, &progress)?;
    let report = InitReport::new(dir, &outcome);
    format.emit(out, &report, |o| report.render(o))
}

/// Runs `apply`.
pub(crate) fn apply_cmd(
    format: Format,
    out: &mut dyn Write,
    target: &str,
    tree: Option<PathBuf>,
    args: ApplyArgs,
) -> Result<(), CliError> {
    let started = std::time::Instant::now();
    let as_dir = Path::new(target);
    let (source, name, version) = if as_dir.is_dir() {
        let (name, version) = describe_dir(as_dir);
        (Source::Dir(as_dir.to_path_buf()), name, version)
    } else {
        let policy = dsl::load_policy(target)?;
        let name = policy.name.clone();
        (Source::Policy(Box::new(policy)), name, args.version)
    };
    let from = args.from.as_deref().map(crate::parse_from).transpose()?;
    let progress = Progress::stderr();
    let kernel_base = BaseOrRevision::kernel(&args.base);
    let (tree_dir, _) = kernel_tree(tree, kernel_base, &default_cache(), &progress)?;
    // Creating a branch: one switchyard at a time per tree, so that two applies of one
    // series make one branch and the second says it exists.
    let _lock = lock_tree(&tree_dir, Mode::Exclusive, &progress).map_err(KernelError::from)?;
    let opts = ApplyOptions {
        branch: args
            .branch
            .unwrap_or_else(|| default_branch(&name, version)),
        base: BaseOrRevision::revision(args.base),
        checkout: args.checkout,
    };
    let gen = Generate {
        from,
        how: Revision {
            version: args.version,
            signoff: args.signoff,
            ..Revision::default()
        },
    };
    let outcome = apply_source(&tree_dir, &source, opts, &gen)?;
    let report = ApplyReport::new(&tree_dir, &outcome, started);
    format.emit(out, &report, |o| report.render(o))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trees_base_is_its_makefiles_and_another_base_is_refused() {
        let dir = std::env::temp_dir().join(format!("switchyard-tree-base-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let write = |text: &str| std::fs::write(dir.join("Makefile"), text).unwrap();
        write("VERSION = 7\nPATCHLEVEL = 3\nSUBLEVEL = 4\nEXTRAVERSION =\n");
        assert_eq!(tree_base(&dir, None).unwrap(), Base::Linux73);
        assert_eq!(tree_base(&dir, Some(Base::Linux73)).unwrap(), Base::Linux73);
        let e = tree_base(&dir, Some(Base::Linux612)).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("{} is Linux 7.3.4, not linux-6.12", dir.display())
        );
        // A release switchyard has no base for is the default base, unless one is asked.
        write("VERSION = 6\nPATCHLEVEL = 13\nSUBLEVEL = 0\nEXTRAVERSION =\n");
        assert_eq!(tree_base(&dir, None).unwrap(), Base::Linux612);
        assert!(tree_base(&dir, Some(Base::Linux612)).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn base_names_a_kernel_base_and_anything_else_a_revision() {
        let parse = |s: &str| s.parse::<BaseOrRevision>().unwrap();
        assert_eq!(parse("linux-7.3"), BaseOrRevision::Kernel(Base::Linux73));
        assert_eq!(parse("linux-6.12"), BaseOrRevision::Kernel(Base::Linux612));
        assert_eq!(parse("HEAD~2"), BaseOrRevision::Revision("HEAD~2".into()));
        assert_eq!(BaseOrRevision::kernel(&Some(parse("v7.3"))), None);
        assert_eq!(BaseOrRevision::revision(Some(parse("linux-7.3"))), None);
    }

    #[test]
    fn each_base_has_its_own_import_in_the_cache() {
        let cache = Path::new("/c");
        assert_eq!(
            cache_import(cache, Base::Linux612),
            Path::new("/c/linux-6.12")
        );
        assert_eq!(
            cache_import(cache, Base::Linux73),
            Path::new("/c/linux-7.3")
        );
    }
}
