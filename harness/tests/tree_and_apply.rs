//! The kernel tree on the real tarball: import, open, read, and applying
//! series atomically.
//!
//! One import of `/usr/src/linux-source-6.12.tar.xz` is shared by the whole
//! binary. Tests that look at or change its refs, index or work tree take
//! `REPO` so that their before/after snapshots only see their own doing.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, MutexGuard, OnceLock};

use switchyard_harness::apply::{self, ApplyError, ApplyOptions};
use switchyard_harness::tree::{
    self, ImportReport, InitOptions, InitOutcome, ObjectStore, TreeError, WorkTree, DEFAULT_TARBALL,
};

const IOMMU_C: &str = "drivers/iommu/iommu.c";
const IOMMU_H: &str = "include/linux/iommu.h";

struct Import {
    dir: PathBuf,
    report: ImportReport,
}

static IMPORT: OnceLock<Import> = OnceLock::new();
static IMPORT_ROOT: OnceLock<tempfile::TempDir> = OnceLock::new();
static REPO: Mutex<()> = Mutex::new(());

/// Removes the shared import when the test binary exits: statics are never
/// dropped, so an ELF destructor does it (the crate is Linux-only anyway).
#[used]
#[link_section = ".fini_array"]
static REMOVE_IMPORT: extern "C" fn() = remove_import;

extern "C" fn remove_import() {
    if let Some(root) = IMPORT_ROOT.get() {
        let _ = fs::remove_dir_all(root.path());
    }
}

/// Printed past the test harness's capture, so it shows in a normal run.
fn say(text: &str) {
    let _ = writeln!(std::io::stderr(), "{text}");
}

/// The directory holding the shared import and series; removed at exit.
fn shared_root() -> &'static Path {
    IMPORT_ROOT
        .get_or_init(|| {
            tempfile::Builder::new()
                .prefix("switchyard-import-")
                .tempdir()
                .expect("temp dir")
        })
        .path()
}

fn import() -> &'static Import {
    IMPORT.get_or_init(|| {
        let dir = shared_root().join("linux");
        let mut reports = 0u32;
        let outcome = tree::init(&dir, Path::new(DEFAULT_TARBALL), &mut |_| reports += 1)
            .unwrap_or_else(|e| panic!("import failed: {e}"));
        let InitOutcome::Imported(report) = outcome else {
            panic!("a fresh directory must be imported, got {outcome:?}")
        };
        assert!(reports > 50, "progress was reported {reports} times");
        // Packed, before any test adds objects: no loose objects to make
        // the user's first commit start `git gc --auto`.
        let counts = git_text(&dir, &["count-objects", "-v"]);
        assert!(counts.starts_with("count: 0\n"), "{counts}");
        say(&format!(
            "tree init: {} files in {:.1} s ({} MB, {} symlinks, {} executable; \
             `git add -f -A && git commit` takes 33 s here)",
            report.files,
            report.elapsed.as_secs_f64(),
            report.bytes / 1_000_000,
            report.symlinks,
            report.executables
        ));
        Import { dir, report }
    })
}

fn lock() -> MutexGuard<'static, ()> {
    REPO.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Runs git in `dir` with a fixed identity; panics with its stderr on
/// failure.
fn git(dir: &Path, args: &[&str]) -> Vec<u8> {
    let out = git_cmd(dir, args).output().expect("git runs");
    assert!(
        out.status.success(),
        "git {} failed in {}: {}",
        args.join(" "),
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn git_cmd(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new("git");
    cmd.current_dir(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_COMMITTER_NAME", "Test Committer")
        .env("GIT_COMMITTER_EMAIL", "committer@example.org")
        .env("GIT_COMMITTER_DATE", "Wed, 4 Feb 2026 08:00:00 +0000")
        // Never let a status refresh rewrite the index behind a snapshot.
        .env("GIT_OPTIONAL_LOCKS", "0");
    cmd
}

fn git_text(dir: &Path, args: &[&str]) -> String {
    String::from_utf8(git(dir, args)).expect("utf-8 from git")
}

/// Everything an atomic apply must leave alone.
#[derive(Debug, PartialEq, Eq)]
struct Snapshot {
    refs: String,
    head: String,
    status: String,
    index: Vec<u8>,
    iommu_c: Vec<u8>,
}

fn snapshot(dir: &Path) -> Snapshot {
    Snapshot {
        refs: git_text(dir, &["for-each-ref"]),
        head: fs::read_to_string(dir.join(".git/HEAD")).expect("HEAD"),
        status: git_text(dir, &["status", "--porcelain"]),
        index: fs::read(dir.join(".git/index")).expect("index"),
        iommu_c: fs::read(dir.join(IOMMU_C)).expect("iommu.c"),
    }
}

fn assert_untouched(before: &Snapshot, dir: &Path, what: &str) {
    let after = snapshot(dir);
    assert_eq!(before.refs, after.refs, "{what}: refs changed");
    assert_eq!(before.head, after.head, "{what}: HEAD changed");
    assert_eq!(
        before.status, after.status,
        "{what}: work tree status changed"
    );
    assert!(before.index == after.index, "{what}: .git/index changed");
    assert!(before.iommu_c == after.iommu_c, "{what}: {IOMMU_C} changed");
}

// ---------------------------------------------------------------- import --

#[test]
fn import_holds_every_file_of_the_tarball() {
    let import = import();
    let report = &import.report;

    // What the system tar lists.
    let listing = Command::new("tar")
        .args(["-tvJf", DEFAULT_TARBALL])
        .output()
        .expect("tar runs");
    assert!(listing.status.success());
    let listing = String::from_utf8_lossy(&listing.stdout);
    let (mut files, mut links, mut exec) = (0u64, 0u64, 0u64);
    for line in listing.lines() {
        match line.as_bytes().first() {
            Some(b'-') | Some(b'h') => {
                files += 1;
                if line.as_bytes().get(3) == Some(&b'x') {
                    exec += 1;
                }
            }
            Some(b'l') => links += 1,
            _ => {}
        }
    }
    assert_eq!(report.files, files + links);
    assert_eq!(report.symlinks, links);
    assert_eq!(report.executables, exec);
    assert_eq!(
        report
            .version
            .to_string()
            .split('.')
            .take(2)
            .collect::<Vec<_>>(),
        ["6", "12"]
    );

    let _guard = lock();
    let dir = &import.dir;
    let ls_files = git(dir, &["ls-files", "-s"]);
    let ls_files = String::from_utf8_lossy(&ls_files);
    assert_eq!(ls_files.lines().count() as u64, report.files);
    assert_eq!(
        ls_files.lines().filter(|l| l.starts_with("120000")).count() as u64,
        links
    );
    assert_eq!(
        ls_files.lines().filter(|l| l.starts_with("100755")).count() as u64,
        exec
    );
    // The tarball's own .gitignore ignores everything at the top level.
    assert!(ls_files.contains("\t.gitignore\n") && ls_files.contains("\tMakefile\n"));

    assert_eq!(
        git_text(dir, &["symbolic-ref", "HEAD"]).trim(),
        "refs/heads/base"
    );
    let commit = report.commit.to_string();
    assert_eq!(git_text(dir, &["rev-parse", "base"]).trim(), commit);
    assert_eq!(
        git_text(dir, &["rev-parse", "refs/switchyard/base"]).trim(),
        commit
    );
    let header = git_text(dir, &["log", "-1", "--format=%an <%ae>%n%s%n%b"]);
    assert!(
        header.starts_with("switchyard <switchyard@localhost>\nImport Linux 6.12."),
        "{header}"
    );
    assert!(
        header.contains("Switchyard-Import: linux-source-6.12.tar.xz"),
        "{header}"
    );

    // Clean by stat data alone.
    assert_eq!(git_text(dir, &["status", "--porcelain"]), "");
    git(dir, &["fsck", "--strict", "--no-dangling", "--no-progress"]);

    // The work tree's bytes are the commit's: a fresh index without stat
    // data makes git hash every file.
    let fresh = tempfile::NamedTempFile::new().expect("temp file");
    let index = fresh.path().to_str().expect("utf-8 temp path");
    let mut read_tree = git_cmd(dir, &["read-tree", "HEAD"]);
    assert!(read_tree
        .env("GIT_INDEX_FILE", index)
        .status()
        .expect("git")
        .success());
    let status = git_cmd(dir, &["status", "--porcelain"])
        .env("GIT_INDEX_FILE", index)
        .output()
        .expect("git");
    assert!(status.status.success());
    assert_eq!(String::from_utf8_lossy(&status.stdout), "");
}

#[test]
fn init_again_is_a_no_op() {
    let import = import();
    let _guard = lock();
    let before = snapshot(&import.dir);
    let outcome = tree::init(&import.dir, Path::new(DEFAULT_TARBALL), &mut |_| {
        panic!("an existing import reports no progress")
    })
    .expect("re-init");
    assert_eq!(
        outcome,
        InitOutcome::AlreadyImported {
            commit: import.report.commit
        }
    );
    assert_untouched(&before, &import.dir, "re-init");

    // A finished import needs no tarball: the package may have gone since.
    let outcome = tree::init(
        &import.dir,
        Path::new("/nonexistent/linux.tar.xz"),
        &mut |_| panic!("an existing import reports no progress"),
    )
    .expect("re-init without the tarball");
    assert!(matches!(outcome, InitOutcome::AlreadyImported { .. }));
    assert_untouched(&before, &import.dir, "re-init without the tarball");
}

#[test]
fn init_refuses_what_is_not_an_import() {
    let tmp = tempfile::tempdir().unwrap();
    let tarball = Path::new(DEFAULT_TARBALL);

    let foreign = tmp.path().join("foreign");
    fs::create_dir(&foreign).unwrap();
    fs::write(foreign.join("notes.txt"), "mine").unwrap();
    let err = tree::init(&foreign, tarball, &mut |_| {}).unwrap_err();
    assert!(matches!(err, TreeError::NotEmpty { .. }), "{err}");
    assert!(err.to_string().contains("notes.txt"), "{err}");
    assert_eq!(
        fs::read_to_string(foreign.join("notes.txt")).unwrap(),
        "mine"
    );
    assert_eq!(fs::read_dir(&foreign).unwrap().count(), 1);

    let repo = tmp.path().join("repo");
    fs::create_dir(&repo).unwrap();
    git(&repo, &["init", "-q"]);
    fs::write(repo.join("Makefile"), "VERSION = 6\n").unwrap();
    git(&repo, &["add", "Makefile"]);
    git(
        &repo,
        &[
            "-c",
            "user.name=a",
            "-c",
            "user.email=a@b",
            "commit",
            "-qm",
            "x",
        ],
    );
    let err = tree::init(&repo, tarball, &mut |_| {}).unwrap_err();
    assert!(matches!(err, TreeError::NotEmpty { .. }), "{err}");

    let file = tmp.path().join("plain-file");
    fs::write(&file, "x").unwrap();
    let err = tree::init(&file, tarball, &mut |_| {}).unwrap_err();
    assert!(matches!(err, TreeError::NotEmpty { .. }), "{err}");

    let err = tree::init(
        &tmp.path().join("new"),
        &tmp.path().join("missing.tar.xz"),
        &mut |_| {},
    )
    .unwrap_err();
    assert!(matches!(err, TreeError::TarballMissing { .. }), "{err}");
    assert!(!tmp.path().join("new").exists());
}

/// Every `InitOptions` combination on a small tarball gives the tree git
/// itself makes from the same files (`git add -f -A`), a clean status and a
/// valid repository. A broken tarball leaves no directory behind.
#[test]
fn small_tarball_imports_like_git_add() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("linux-9.9");
    fs::create_dir_all(src.join("drivers/iommu")).unwrap();
    fs::create_dir_all(src.join("scripts")).unwrap();
    fs::create_dir_all(src.join("Documentation")).unwrap();
    fs::write(
        src.join("Makefile"),
        "VERSION = 9\nPATCHLEVEL = 9\nSUBLEVEL = 1\nEXTRAVERSION = -rc2\n",
    )
    .unwrap();
    fs::write(src.join(".gitignore"), "/*\n!/debian/\n").unwrap();
    fs::write(src.join("drivers/iommu/iommu.c"), "int x;\n").unwrap();
    fs::write(src.join("drivers/iommu/empty.c"), "").unwrap();
    fs::write(src.join("scripts/run.sh"), "#!/bin/sh\necho hi\n").unwrap();
    let mut perms = fs::metadata(src.join("scripts/run.sh"))
        .unwrap()
        .permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    fs::set_permissions(src.join("scripts/run.sh"), perms).unwrap();
    std::os::unix::fs::symlink("../drivers/iommu/iommu.c", src.join("Documentation/link")).unwrap();
    fs::hard_link(
        src.join("drivers/iommu/iommu.c"),
        src.join("drivers/iommu/hard.c"),
    )
    .unwrap();

    let tarball = tmp.path().join("linux-9.9.tar.xz");
    let status = Command::new("tar")
        .current_dir(tmp.path())
        .args(["-cJf", "linux-9.9.tar.xz", "linux-9.9"])
        .status()
        .unwrap();
    assert!(status.success());

    // git's own tree for the same files.
    git(&src, &["init", "-q"]);
    git(&src, &["add", "-f", "-A"]);
    let expected = git_text(&src, &["write-tree"]).trim().to_string();

    let mut n = 0;
    for work_tree in [
        WorkTree::WriteWhileImporting,
        WorkTree::CheckoutAfterCommit,
        WorkTree::None,
    ] {
        for objects in [ObjectStore::Pack, ObjectStore::Loose] {
            n += 1;
            let dir = tmp.path().join(format!("import-{n}"));
            let opts = InitOptions {
                work_tree,
                objects,
                workers: 2,
                xz_threads: n % 2 + 1,
            };
            let outcome = tree::init_with(&dir, &tarball, &opts, &mut |_| {})
                .unwrap_or_else(|e| panic!("{work_tree:?} {objects:?}: {e}"));
            let InitOutcome::Imported(report) = outcome else {
                panic!("{outcome:?}")
            };
            assert_eq!(report.files, 7);
            assert_eq!(report.symlinks, 1);
            assert_eq!(report.executables, 1);
            assert_eq!(report.version.to_string(), "9.9.1-rc2");
            let tree_id = git_text(&dir, &["rev-parse", "HEAD^{tree}"]);
            assert_eq!(tree_id.trim(), expected, "{work_tree:?} {objects:?}");
            git(&dir, &["fsck", "--strict", "--no-progress"]);
            let status = git_text(&dir, &["status", "--porcelain"]);
            if work_tree == WorkTree::None {
                assert!(!dir.join("Makefile").exists());
            } else {
                assert_eq!(status, "", "{work_tree:?} {objects:?}");
                assert_eq!(
                    fs::read_link(dir.join("Documentation/link")).unwrap(),
                    Path::new("../drivers/iommu/iommu.c")
                );
            }
            // Same tarball, same commit.
            let again = tree::init_with(
                &tmp.path().join(format!("again-{n}")),
                &tarball,
                &opts,
                &mut |_| {},
            )
            .unwrap();
            assert_eq!(again.commit(), report.commit);
        }
    }

    // A truncated tarball fails cleanly and removes what it wrote.
    let bytes = fs::read(&tarball).unwrap();
    let broken = tmp.path().join("broken.tar.xz");
    fs::write(&broken, &bytes[..bytes.len() / 2]).unwrap();
    let dir = tmp.path().join("from-broken");
    let err = tree::init(&dir, &broken, &mut |_| {}).unwrap_err();
    assert!(matches!(err, TreeError::TarballRead { .. }), "{err}");
    assert!(!dir.exists());
    // So does a tarball that is no kernel.
    let other = tmp.path().join("other.tar");
    let status = Command::new("tar")
        .current_dir(tmp.path())
        .args(["-cf", "other.tar", "linux-9.9/drivers"])
        .status()
        .unwrap();
    assert!(status.success());
    let empty = tmp.path().join("empty-dir");
    fs::create_dir(&empty).unwrap();
    let err = tree::init(&empty, &other, &mut |_| {}).unwrap_err();
    assert!(matches!(err, TreeError::TarballLayout { .. }), "{err}");
    assert_eq!(fs::read_dir(&empty).unwrap().count(), 0);
}

#[test]
fn open_and_read_at() {
    let import = import();
    let kernel = tree::open(&import.dir).expect("open");
    assert_eq!(kernel.base(), import.report.commit);
    assert_eq!(
        kernel.version().unwrap(),
        Some(import.report.version.clone())
    );
    let at_base = tree::open_at(&import.dir, "refs/switchyard/base").expect("open_at");
    let bytes = at_base.read_at("base", IOMMU_C).expect("read_at");
    assert_eq!(
        bytes,
        git(&import.dir, &["show", &format!("base:{IOMMU_C}")])
    );
    assert!(String::from_utf8_lossy(&bytes).contains("iommu_group_claim_dma_owner"));

    let err = kernel
        .read_at("base", "drivers/iommu/no-such-file.c")
        .unwrap_err();
    assert!(matches!(err, TreeError::PathNotFound { .. }), "{err}");
    let err = kernel.read_at("base", "drivers/iommu").unwrap_err();
    assert!(matches!(err, TreeError::NotAFile { .. }), "{err}");
    let err = kernel.read_at("no-such-branch", IOMMU_C).unwrap_err();
    assert!(matches!(err, TreeError::RevisionNotFound { .. }), "{err}");

    let tmp = tempfile::tempdir().unwrap();
    let err = tree::open(tmp.path()).unwrap_err();
    assert!(matches!(err, TreeError::NotARepository { .. }), "{err}");
    git(tmp.path(), &["init", "-q"]);
    fs::write(tmp.path().join("Makefile"), "all:\n").unwrap();
    git(tmp.path(), &["add", "Makefile"]);
    git(
        tmp.path(),
        &[
            "-c",
            "user.name=a",
            "-c",
            "user.email=a@b",
            "commit",
            "-qm",
            "x",
        ],
    );
    let err = tree::open(tmp.path()).unwrap_err();
    assert!(matches!(err, TreeError::NotAKernelTree { .. }), "{err}");
    assert!(err.to_string().contains("drivers/iommu/iommu.c"), "{err}");
}

// ----------------------------------------------------------------- apply --

/// A two-patch series made with the git CLI on the import's base, and what
/// `git am` makes of it.
struct Series {
    dir: PathBuf,
    am_tree: String,
    /// Per commit, oldest first: `%an|%ae|%ad` (raw date) and the message.
    am_commits: Vec<(String, String)>,
}

static SERIES: OnceLock<Series> = OnceLock::new();

fn series() -> &'static Series {
    SERIES.get_or_init(|| {
        let import = import();
        let work = shared_root().join("series-work");
        fs::create_dir(&work).unwrap();
        let clone = work.join("clone");
        let src = import.dir.to_str().unwrap();
        git(&work, &["clone", "-q", "--shared", "--no-checkout", src, "clone"]);
        git(&clone, &["sparse-checkout", "set", "--no-cone", IOMMU_C, IOMMU_H]);
        git(&clone, &["checkout", "-q", "-B", "work", "origin/base"]);

        let edit = |path: &str, anchor: &str, insert: &str| {
            let file = clone.join(path);
            let text = fs::read_to_string(&file).unwrap();
            let at = text.find(anchor).unwrap_or_else(|| panic!("{anchor} in {path}"));
            let mut new = text[..at].to_string();
            new.push_str(insert);
            new.push_str(&text[at..]);
            fs::write(&file, new).unwrap();
        };
        let commit = |author: &str, email: &str, date: &str, message: &str| {
            let mut cmd = git_cmd(&clone, &["commit", "-q", "-a", "-F", "-"]);
            cmd.env("GIT_AUTHOR_NAME", author)
                .env("GIT_AUTHOR_EMAIL", email)
                .env("GIT_AUTHOR_DATE", date)
                .stdin(std::process::Stdio::piped());
            let mut child = cmd.spawn().unwrap();
            child.stdin.take().unwrap().write_all(message.as_bytes()).unwrap();
            assert!(child.wait().unwrap().success());
        };

        edit(
            IOMMU_C,
            "static int __iommu_take_dma_ownership(",
            "/* switchyard test: refuse the claim while a member has live MSI. */\n",
        );
        edit(IOMMU_H, "struct iommu_domain {", "/* switchyard test: domain flags below */\n");
        commit(
            "J\u{f6}rg R\u{f6}del",
            "joro@example.org",
            "Tue, 3 Feb 2026 10:11:12 +0100",
            "iommu: refuse a DMA ownership claim while another group member has live MSI vectors\n\n\
             Park the claim: VFIO moving the group DMA -> BLOCKED -> PAGING loses\n\
             the doorbell mapping of a co-grouped pcieport.\n\n\
             Signed-off-by: J\u{f6}rg R\u{f6}del <joro@example.org>\n",
        );
        edit(IOMMU_C, "int iommu_group_claim_dma_owner(", "/* switchyard test: second patch */\n");
        edit(IOMMU_H, "struct iommu_domain {", "/* switchyard test: second header line */\n");
        commit(
            "Robin Murphy",
            "robin.murphy@example.org",
            "Fri, 20 Feb 2026 17:30:00 -0700",
            "iommu: note the second step\n\nA body line.\n\nSigned-off-by: Robin Murphy <robin.murphy@example.org>\n",
        );

        let dir = work.join("series");
        git(
            &clone,
            &["format-patch", "-q", "--cover-letter", "--base=origin/base", "-o", dir.to_str().unwrap(), "origin/base..work"],
        );

        git(&clone, &["checkout", "-q", "-B", "am-check", "origin/base"]);
        let mut patches: Vec<PathBuf> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| !p.to_string_lossy().ends_with("0000-cover-letter.patch"))
            .collect();
        patches.sort();
        let mut am = vec!["am", "-q"];
        am.extend(patches.iter().map(|p| p.to_str().unwrap()));
        git(&clone, &am);
        let am_tree = git_text(&clone, &["rev-parse", "HEAD^{tree}"]).trim().to_string();
        let am_commits = commits_of(&clone, "origin/base..HEAD");
        assert_eq!(am_commits.len(), 2);
        Series { dir, am_tree, am_commits }
    })
}

/// `%an|%ae|%ad` (raw) and the message of each commit in `range`, oldest
/// first.
fn commits_of(dir: &Path, range: &str) -> Vec<(String, String)> {
    let log = git_text(
        dir,
        &[
            "log",
            "--reverse",
            "--date=raw",
            "--format=%an|%ae|%ad%x00%B%x01",
            range,
        ],
    );
    log.split('\u{1}')
        .map(|c| c.trim_start_matches('\n'))
        .filter(|c| !c.is_empty())
        .map(|c| {
            let (who, message) = c.split_once('\0').unwrap();
            (who.to_string(), message.to_string())
        })
        .collect()
}

/// A copy of the series directory to spoil.
fn series_copy() -> (tempfile::TempDir, PathBuf, Vec<PathBuf>) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("series");
    fs::create_dir(&dir).unwrap();
    let mut patches = Vec::new();
    for entry in fs::read_dir(&series().dir).unwrap() {
        let path = entry.unwrap().path();
        let to = dir.join(path.file_name().unwrap());
        fs::copy(&path, &to).unwrap();
        patches.push(to);
    }
    patches.sort();
    (tmp, dir, patches)
}

fn opts(branch: &str, checkout: bool) -> ApplyOptions {
    ApplyOptions {
        branch: branch.to_string(),
        base: None,
        checkout,
    }
}

#[test]
fn apply_makes_the_commits_git_am_makes() {
    let series = series();
    let import = import();
    let dir = &import.dir;
    let _guard = lock();
    let before = snapshot(dir);

    let outcome =
        apply::apply_series(dir, &series.dir, opts("sy-test-apply", false)).expect("apply");
    assert_eq!(outcome.branch, "refs/heads/sy-test-apply");
    assert_eq!(outcome.base, import.report.commit);
    assert_eq!(outcome.base_from, "cover letter");
    assert!(!outcome.checked_out);
    assert_eq!(outcome.commits.len(), 2);
    assert_eq!(
        outcome
            .commits
            .iter()
            .map(|c| c.subject.as_str())
            .collect::<Vec<_>>(),
        [
            "iommu: refuse a DMA ownership claim while another group member has live MSI vectors",
            "iommu: note the second step"
        ]
    );
    assert!(outcome.commits[1].file.to_string_lossy().contains("0002-"));
    assert_eq!(outcome.head, outcome.commits[1].commit);

    let tree = git_text(dir, &["rev-parse", "sy-test-apply^{tree}"]);
    assert_eq!(tree.trim(), series.am_tree, "the tree git am makes");
    let ours = commits_of(dir, "base..sy-test-apply");
    assert_eq!(
        ours, series.am_commits,
        "authors, dates and messages as git am makes them"
    );
    assert!(
        ours[0]
            .0
            .starts_with("J\u{f6}rg R\u{f6}del|joro@example.org|1770109872 +0100"),
        "{:?}",
        ours[0]
    );
    assert!(ours[1].0.ends_with("-0700"), "{:?}", ours[1]);

    // Nothing but the new branch: HEAD, index and work tree untouched.
    let after = snapshot(dir);
    assert_eq!(before.head, after.head);
    assert_eq!(before.status, after.status);
    assert!(before.index == after.index);
    let new_ref = format!("{} commit\trefs/heads/sy-test-apply\n", outcome.head);
    assert_eq!(after.refs.replace(&new_ref, ""), before.refs);

    git(dir, &["branch", "-q", "-D", "sy-test-apply"]);
    assert_untouched(&before, dir, "after deleting the branch");
}

#[test]
fn apply_with_checkout_switches_to_the_branch() {
    let series = series();
    let import = import();
    let dir = &import.dir;
    let _guard = lock();
    let before = snapshot(dir);

    let outcome =
        apply::apply_series(dir, &series.dir, opts("sy-test-checkout", true)).expect("apply");
    assert!(outcome.checked_out);
    assert_eq!(
        git_text(dir, &["symbolic-ref", "HEAD"]).trim(),
        "refs/heads/sy-test-checkout"
    );
    assert_eq!(git_text(dir, &["status", "--porcelain"]), "");
    assert_eq!(
        fs::read(dir.join(IOMMU_C)).unwrap(),
        git(dir, &["show", &format!("sy-test-checkout:{IOMMU_C}")])
    );
    assert!(
        String::from_utf8_lossy(&fs::read(dir.join(IOMMU_H)).unwrap())
            .contains("second header line")
    );

    git(dir, &["checkout", "-q", "base"]);
    git(dir, &["branch", "-q", "-D", "sy-test-checkout"]);
    let after = snapshot(dir);
    assert_eq!(before.refs, after.refs);
    assert_eq!(before.head, after.head);
    assert_eq!(before.status, after.status);
    assert!(before.iommu_c == after.iommu_c);
}

/// Runs a failing apply under the lock and checks it left everything as it
/// was.
fn assert_fails_atomically(
    series_dir: &Path,
    options: ApplyOptions,
    check: impl FnOnce(&ApplyError),
) {
    let dir = &import().dir;
    let before = snapshot(dir);
    let err = apply::apply_series(dir, series_dir, options).expect_err("must fail");
    say(&format!("  expected failure: {err}"));
    check(&err);
    assert_untouched(&before, dir, &err.to_string());
}

#[test]
fn a_hunk_that_does_not_apply_names_patch_file_and_hunk() {
    let (_tmp, dir, patches) = series_copy();
    let second = patches
        .iter()
        .find(|p| p.to_string_lossy().contains("0002-"))
        .unwrap();
    let text = fs::read_to_string(second).unwrap();
    // Spoil the context of the iommu.c hunk.
    let marker = "+/* switchyard test: second patch */\n";
    let at = text.find(marker).expect("hunk line");
    let context_line_start = text[..at].rfind("\n ").expect("context before") + 1;
    let mut spoiled = text[..context_line_start].to_string();
    spoiled.push_str(" spoiled context that is not in the file");
    let rest = &text[context_line_start..];
    spoiled.push_str(&rest[rest.find('\n').unwrap()..]);
    fs::write(second, spoiled).unwrap();

    let _guard = lock();
    assert_fails_atomically(&dir, opts("sy-test-conflict", false), |err| {
        let ApplyError::DoesNotApply {
            patch, file, hunk, ..
        } = err
        else {
            panic!("wrong error: {err}")
        };
        assert_eq!(patch, second);
        assert_eq!(file, IOMMU_C);
        assert!(
            hunk.as_deref()
                .is_some_and(|h| h.starts_with("hunk #1 @@ -")),
            "{hunk:?}"
        );
        let text = err.to_string();
        assert!(
            text.contains("0002-") && text.contains(IOMMU_C) && text.contains("@@"),
            "{text}"
        );
    });
}

#[test]
fn a_malformed_mail_is_refused() {
    let (_tmp, dir, patches) = series_copy();
    let second = patches
        .iter()
        .find(|p| p.to_string_lossy().contains("0002-"))
        .unwrap();
    fs::write(second, "this is not a patch mail\n").unwrap();
    let _guard = lock();
    assert_fails_atomically(&dir, opts("sy-test-malformed", false), |err| {
        assert!(
            matches!(err, ApplyError::Malformed { patch, .. } if patch == second),
            "{err}"
        );
    });
    // A mail without a diff, too.
    let text = fs::read_to_string(&patches[1]).unwrap();
    let cut = text.find("\n---\n").unwrap();
    fs::write(&patches[1], &text[..cut + 1]).unwrap();
    fs::write(
        second,
        fs::read(series().dir.join(second.file_name().unwrap())).unwrap(),
    )
    .unwrap();
    assert_fails_atomically(&dir, opts("sy-test-malformed", false), |err| {
        assert!(matches!(err, ApplyError::Malformed { .. }), "{err}");
        assert!(err.to_string().contains("0001-"), "{err}");
    });
}

#[test]
fn a_missing_base_is_refused() {
    let series = series();
    let _guard = lock();
    let missing = "0123456789abcdef0123456789abcdef01234567";
    let mut options = opts("sy-test-base", false);
    options.base = Some(missing.into());
    assert_fails_atomically(&series.dir, options, |err| {
        assert!(
            matches!(err, ApplyError::BaseNotFound { from: "--base", .. }),
            "{err}"
        );
        assert!(err.to_string().contains(missing), "{err}");
    });

    let (_tmp, dir, patches) = series_copy();
    let cover = &patches[0];
    assert!(cover.to_string_lossy().ends_with("0000-cover-letter.patch"));
    let text = fs::read_to_string(cover).unwrap();
    let start = text.find("base-commit: ").unwrap() + "base-commit: ".len();
    let mut changed = text[..start].to_string();
    changed.push_str(missing);
    changed.push_str(&text[start + 40..]);
    fs::write(cover, changed).unwrap();
    assert_fails_atomically(&dir, opts("sy-test-base", false), |err| {
        assert!(
            matches!(
                err,
                ApplyError::BaseNotFound {
                    from: "cover letter",
                    ..
                }
            ),
            "{err}"
        );
    });
}

#[test]
fn an_existing_branch_is_refused() {
    let series = series();
    let dir = &import().dir;
    let _guard = lock();
    git(dir, &["branch", "sy-test-exists", "base"]);
    assert_fails_atomically(&series.dir, opts("sy-test-exists", false), |err| {
        assert!(matches!(err, ApplyError::BranchExists { .. }), "{err}");
        assert!(
            err.to_string().contains("refs/heads/sy-test-exists"),
            "{err}"
        );
    });
    assert_fails_atomically(&series.dir, opts("bad..name", false), |err| {
        assert!(matches!(err, ApplyError::InvalidBranch { .. }), "{err}");
    });
    let empty = tempfile::tempdir().unwrap();
    assert_fails_atomically(empty.path(), opts("sy-test-empty", false), |err| {
        assert!(matches!(err, ApplyError::EmptySeries { .. }), "{err}");
    });
    git(dir, &["branch", "-q", "-D", "sy-test-exists"]);
}

#[test]
fn branch_state_tells_the_series_from_anything_else() {
    use apply::BranchState;
    let series = series();
    let import = import();
    let dir = &import.dir;
    let base = import.report.commit.to_string();
    let _guard = lock();
    let before = snapshot(dir);
    let state = |series: &Path, branch: &str| {
        apply::branch_state(dir, series, branch, &base).expect("branch_state")
    };

    assert_eq!(state(&series.dir, "sy-test-state"), BranchState::Absent);
    let outcome =
        apply::apply_series(dir, &series.dir, opts("sy-test-state", false)).expect("apply");
    assert_eq!(
        state(&series.dir, "sy-test-state"),
        BranchState::Holds { head: outcome.head }
    );
    assert_eq!(
        state(&series.dir, "refs/heads/sy-test-state"),
        BranchState::Holds { head: outcome.head }
    );

    // Another message in the second patch.
    let (_tmp, spoiled, patches) = series_copy();
    let mail = fs::read_to_string(&patches[2]).unwrap();
    fs::write(
        &patches[2],
        mail.replace("A body line.", "Another body line."),
    )
    .unwrap();
    assert_eq!(
        state(&spoiled, "sy-test-state"),
        BranchState::Differs {
            head: outcome.head,
            reason: "patch 2/2 has another message".into()
        }
    );

    // The first patch alone; a commit more than the series.
    let first = outcome.commits[0].commit.to_string();
    git(dir, &["branch", "sy-test-state-short", &first]);
    match state(&series.dir, "sy-test-state-short") {
        BranchState::Differs { reason, .. } => assert_eq!(
            reason,
            "it has 1 commit on the base where the series has 2 patches"
        ),
        other => panic!("{other:?}"),
    }
    let tree = format!("{}^{{tree}}", outcome.head);
    let extra = git_cmd(
        dir,
        &[
            "commit-tree",
            &tree,
            "-p",
            &outcome.head.to_string(),
            "-m",
            "extra",
        ],
    )
    .env("GIT_AUTHOR_NAME", "Test Author")
    .env("GIT_AUTHOR_EMAIL", "author@example.org")
    .output()
    .unwrap();
    assert!(extra.status.success());
    let extra = String::from_utf8(extra.stdout).unwrap();
    git(dir, &["branch", "sy-test-state-long", extra.trim()]);
    match state(&series.dir, "sy-test-state-long") {
        BranchState::Differs { reason, .. } => {
            assert!(reason.starts_with("it is not the 2 patches"), "{reason}")
        }
        other => panic!("{other:?}"),
    }

    git(
        dir,
        &[
            "branch",
            "-q",
            "-D",
            "sy-test-state",
            "sy-test-state-short",
            "sy-test-state-long",
        ],
    );
    assert_untouched(&before, dir, "after comparing and deleting the branches");
}

#[test]
fn a_dirty_tree_is_not_checked_out_over() {
    let series = series();
    let dir = &import().dir;
    let _guard = lock();
    let file = dir.join(IOMMU_C);
    let original = fs::read(&file).unwrap();
    let mut dirty = original.clone();
    dirty.extend_from_slice(b"/* uncommitted work */\n");
    fs::write(&file, &dirty).unwrap();

    assert_fails_atomically(&series.dir, opts("sy-test-dirty", true), |err| {
        assert!(matches!(err, ApplyError::DirtyWorkTree { .. }), "{err}");
        assert!(err.to_string().contains(IOMMU_C), "{err}");
    });
    assert_eq!(fs::read(&file).unwrap(), dirty);

    // Without checkout a dirty tree is fine: it is not touched.
    let outcome = apply::apply_series(dir, &series.dir, opts("sy-test-dirty", false)).unwrap();
    assert_eq!(outcome.commits.len(), 2);
    assert_eq!(fs::read(&file).unwrap(), dirty);
    git(dir, &["branch", "-q", "-D", "sy-test-dirty"]);

    fs::write(&file, &original).unwrap();
    assert_eq!(git_text(dir, &["status", "--porcelain"]), "");
}

#[test]
fn applying_to_something_else_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let err = apply::apply_series(tmp.path(), tmp.path(), opts("x", false)).unwrap_err();
    assert!(matches!(err, ApplyError::NotARepository { .. }), "{err}");
}

/// A tarball of a minimal kernel-shaped tree in `dir`, for the import's own tests.
fn tiny_tarball(dir: &Path) -> PathBuf {
    let src = dir.join("linux-9.9");
    fs::create_dir_all(src.join("drivers/iommu")).unwrap();
    fs::write(src.join("Makefile"), "VERSION = 9\nPATCHLEVEL = 9\n").unwrap();
    fs::write(src.join("drivers/iommu/iommu.c"), "int x;\n").unwrap();
    let status = Command::new("tar")
        .current_dir(dir)
        .args(["-cJf", "linux-9.9.tar.xz", "linux-9.9"])
        .status()
        .unwrap();
    assert!(status.success());
    dir.join("linux-9.9.tar.xz")
}

/// A directory that holds only the tree's lock (taken before the import, as the CLI
/// does) is imported into as an empty one; the lock file stays in `.git`, outside the
/// work tree. An import cut short (its marker present, its ref missing) is removed and
/// done again, and the report says so; the lock file survives that too.
#[test]
fn an_import_under_the_lock_and_one_cut_short() {
    use switchyard_harness::lock::Mode;
    use switchyard_harness::tree::ImportState;
    let tmp = tempfile::tempdir().unwrap();
    let tarball = tiny_tarball(tmp.path());
    let dir = tmp.path().join("tree");
    assert_eq!(tree::import_state(&dir), ImportState::Absent);
    let lock = tree::lock(&dir, Mode::Exclusive, &mut |w| panic!("{w}"))
        .unwrap()
        .expect("a new directory gets a lock");
    let lock_file = dir.join(".git").join(tree::LOCK_FILE);
    assert_eq!(lock.path(), lock_file);
    assert_eq!(tree::import_state(&dir), ImportState::Absent);
    let outcome = tree::init(&dir, &tarball, &mut |_| {}).unwrap();
    let InitOutcome::Imported(report) = outcome else {
        panic!("{outcome:?}")
    };
    assert!(!report.removed_unfinished);
    assert_eq!(tree::import_state(&dir), ImportState::Finished);
    assert_eq!(git_text(&dir, &["status", "--porcelain"]), "");
    assert!(lock_file.is_file());
    drop(lock);

    // What a killed import leaves: the marker, and no marker ref.
    fs::write(dir.join(".git/switchyard-importing"), "pid 1\n").unwrap();
    git(&dir, &["update-ref", "-d", "refs/switchyard/base"]);
    fs::write(dir.join("half-written.c"), "int").unwrap();
    assert_eq!(tree::import_state(&dir), ImportState::Unfinished);
    let outcome = tree::init(&dir, &tarball, &mut |_| {}).unwrap();
    let InitOutcome::Imported(again) = outcome else {
        panic!("{outcome:?}")
    };
    assert!(again.removed_unfinished);
    assert_eq!(again.commit, report.commit);
    assert!(!dir.join("half-written.c").exists());
    assert!(!dir.join(".git/switchyard-importing").exists());
    assert!(lock_file.is_file(), "the lock file is never removed");
    assert_eq!(git_text(&dir, &["status", "--porcelain"]), "");

    // A directory of someone's files gets no `.git` from the lock, and is refused.
    let mine = tmp.path().join("mine");
    fs::create_dir(&mine).unwrap();
    fs::write(mine.join("notes.txt"), "mine").unwrap();
    assert!(tree::lock(&mine, Mode::Exclusive, &mut |w| panic!("{w}"))
        .unwrap()
        .is_none());
    assert!(!mine.join(".git").exists());
    assert_eq!(tree::import_state(&mine), ImportState::Other);
}
