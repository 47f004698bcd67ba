//! `switchyard tree init` and `switchyard apply` as a user runs them, on the real Debian
//! linux-source-6.12 tarball: the import, its idempotence, a generated series applied as
//! a branch equal to what `git am` makes of it, and the failures that must change nothing.
//!
//! The library's own tests (harness/tests/tree_and_apply.rs) cover every failure path of
//! the atomic apply by hashing; here each command-line path is checked once end to end.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn switchyard(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .args(args)
        .env("GIT_AUTHOR_DATE", "1700000000 +0000")
        .output()
        .expect("the binary runs")
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn git(dir: &Path, args: &[&str]) -> String {
    let o = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.org")
        .output()
        .expect("git runs");
    assert!(
        o.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

/// Refs, HEAD, index and work-tree status: what a refused apply must leave alone.
fn state(dir: &Path) -> String {
    [
        git(dir, &["for-each-ref", "--format=%(refname) %(objectname)"]),
        git(dir, &["rev-parse", "HEAD"]),
        git(dir, &["symbolic-ref", "HEAD"]),
        {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            git(dir, &["ls-files", "--stage"]).hash(&mut h);
            format!("index {:016x}", h.finish())
        },
        git(dir, &["status", "--porcelain=v1", "--untracked-files=all"]),
    ]
    .join("\n")
}

fn scratch(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[test]
fn tree_init_then_apply_gives_the_series_as_a_branch_and_refusals_change_nothing() {
    let tree = scratch("cli-tree");
    let t = tree.to_str().unwrap();

    // The import, with its figure, then the no-op.
    let o = switchyard(&["tree", "init", t]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "tree init failed: {err}");
    assert!(out.contains("imported Linux 6.12."), "{out}");
    assert!(out.contains(" files/s)"), "the time is printed: {out}");
    assert_eq!(
        git(&tree, &["status", "--porcelain"]),
        "",
        "import is clean"
    );
    assert_eq!(git(&tree, &["rev-list", "--count", "HEAD"]), "1");
    let o = switchyard(&["tree", "init", t]);
    let (out, _) = text(&o);
    assert!(o.status.success());
    assert!(out.contains("already holds an import"), "{out}");
    assert_eq!(git(&tree, &["rev-list", "--count", "HEAD"]), "1");

    git(&tree, &["config", "user.name", "Ker Nel"]);
    git(&tree, &["config", "user.email", "kernel@example.org"]);

    // gen series, then apply that directory: the branch is named after the policy.
    let series = scratch("cli-series");
    let s = series.to_str().unwrap();
    let o = switchyard(&["gen", "series", "notifier-switch", "--tree", t, "-o", s]);
    assert!(o.status.success(), "gen series: {}", text(&o).1);
    let mut patches: Vec<PathBuf> = std::fs::read_dir(&series)
        .unwrap()
        .map(|e| e.unwrap().path())
        // The patches, without the cover letter (and the directory's lock file).
        .filter(|p| p.extension().is_some_and(|x| x == "patch"))
        .filter(|p| !p.ends_with("0000-cover-letter.patch"))
        .collect();
    patches.sort();
    let o = switchyard(&["apply", s, "--tree", t]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "apply failed: {err}");
    assert!(
        out.contains("as branch switchyard/notifier-switch-v1"),
        "{out}"
    );
    assert!(out.contains("HEAD, index and work tree untouched"), "{out}");
    let branch = "switchyard/notifier-switch-v1";
    let subjects = git(
        &tree,
        &[
            "log",
            "--reverse",
            "--format=%s",
            &format!("base..{branch}"),
        ],
    );
    let expected: Vec<String> = patches
        .iter()
        .map(|p| {
            let mail = std::fs::read_to_string(p).unwrap();
            let line = mail.lines().find(|l| l.starts_with("Subject: ")).unwrap();
            line.split_once("] ").unwrap().1.to_string()
        })
        .collect();
    assert_eq!(subjects.lines().collect::<Vec<_>>(), expected);
    assert_eq!(git(&tree, &["rev-parse", "--abbrev-ref", "HEAD"]), "base");

    // The branch's tree is what `git am` makes of the same series.
    let clone = scratch("cli-clone");
    git(
        Path::new("."),
        &["clone", "-q", "--no-checkout", t, clone.to_str().unwrap()],
    );
    git(&clone, &["checkout", "-q", "base"]);
    let mut am = vec!["-c", "user.name=T", "-c", "user.email=t@e.org", "am", "-q"];
    let names: Vec<String> = patches.iter().map(|p| p.display().to_string()).collect();
    am.extend(names.iter().map(String::as_str));
    git(&clone, &am);
    assert_eq!(
        git(&clone, &["rev-parse", "HEAD^{tree}"]),
        git(&tree, &["rev-parse", &format!("{branch}^{{tree}}")]),
        "apply and git am give the same tree"
    );
    std::fs::remove_dir_all(&clone).unwrap();

    // A policy is generated and applied in one go, to the same tree.
    let o = switchyard(&[
        "apply",
        "notifier-switch",
        "--tree",
        t,
        "--branch",
        "direct",
    ]);
    assert!(o.status.success(), "apply POLICY: {}", text(&o).1);
    assert_eq!(
        git(&tree, &["rev-parse", "direct^{tree}"]),
        git(&tree, &["rev-parse", &format!("{branch}^{{tree}}")])
    );

    // Refusals: each leaves refs, HEAD, index and work tree as they were.
    let before = state(&tree);
    let o = switchyard(&["apply", s, "--tree", t]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2));
    assert!(err.contains("already exists"), "{err}");
    assert!(err.contains("nothing was changed"), "{err}");
    assert_eq!(state(&tree), before, "existing branch");

    // A hunk that does not apply: the message names the patch and the hunk.
    let spoiled = scratch("cli-spoiled");
    std::fs::create_dir_all(&spoiled).unwrap();
    for e in std::fs::read_dir(&series).unwrap() {
        let p = e.unwrap().path();
        let mut body = std::fs::read_to_string(&p).unwrap();
        if p.file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("0002-")
        {
            body = spoil_first_context_line(&body);
        }
        std::fs::write(spoiled.join(p.file_name().unwrap()), body).unwrap();
    }
    let o = switchyard(&[
        "apply",
        spoiled.to_str().unwrap(),
        "--tree",
        t,
        "--branch",
        "spoiled",
    ]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("0002-") && err.contains("does not apply"),
        "{err}"
    );
    assert!(err.contains("hunk #"), "{err}");
    assert_eq!(state(&tree), before, "conflict");

    // A dirty work tree is not checked out over; the change is kept.
    let makefile = tree.join("Makefile");
    let original = std::fs::read(&makefile).unwrap();
    let mut dirty = original.clone();
    dirty.extend_from_slice(b"# local change\n");
    std::fs::write(&makefile, &dirty).unwrap();
    let before = state(&tree);
    let o = switchyard(&[
        "apply",
        "notifier-switch",
        "--tree",
        t,
        "--branch",
        "dirty",
        "--checkout",
    ]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("uncommitted changes") && err.contains("Makefile"),
        "{err}"
    );
    assert_eq!(state(&tree), before, "dirty tree");
    assert_eq!(std::fs::read(&makefile).unwrap(), dirty);
    std::fs::write(&makefile, &original).unwrap();
    let before = state(&tree);

    // A policy that changes no C, and a base that is not there.
    let o = switchyard(&["apply", "status-quo", "--tree", t]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o)
        .1
        .contains("changes nothing relative to status-quo"));
    let o = switchyard(&["apply", s, "--tree", t, "--branch", "b", "--base", "nope"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("base nope"), "{}", text(&o).1);
    assert_eq!(state(&tree), before);

    std::fs::remove_dir_all(&tree).unwrap();
}

/// The patch with the first context line of its first hunk changed, so that hunk cannot
/// apply.
fn spoil_first_context_line(mail: &str) -> String {
    let mut in_hunk = false;
    let mut done = false;
    let mut out = String::new();
    for line in mail.split_inclusive('\n') {
        if line.starts_with("@@ ") {
            in_hunk = true;
        } else if in_hunk && !done && line.starts_with(' ') && line.trim().len() > 3 {
            out.push_str(" /* not in the tree */\n");
            done = true;
            continue;
        }
        out.push_str(line);
    }
    assert!(done, "the patch has a context line");
    out
}
