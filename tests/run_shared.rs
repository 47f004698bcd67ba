//! Two `switchyard run`s of one policy started at once on one cache, as two terminals
//! would: they share the import, the series, the branch and the build, each waiting for
//! the other where it must (and saying so), and both succeed with the same report.
//!
//! On the suite's kernel cache, after `tests/run.rs` (cargo runs the test files in the
//! order of their names): the policy's branch and directories are removed first, so the
//! two runs race to generate and apply its series, to start its build from the base's and
//! to build it; they boot twice.

#[path = "support/process.rs"]
mod process;
#[path = "support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;
use switchyard_harness::git2;

fn cache() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("kernel")
}

const BRANCHES: &str = "switchyard/vfio-hard-fail-v";

/// The tree's branches of vfio-hard-fail.
fn branches(repo: &git2::Repository) -> Vec<String> {
    repo.branches(Some(git2::BranchType::Local))
        .unwrap()
        .map(|b| b.unwrap().0.name().unwrap().unwrap().to_string())
        .filter(|n| n.starts_with(BRANCHES))
        .collect()
}

#[test]
fn two_runs_of_one_policy_at_once_share_the_cache_and_both_succeed() {
    let cache = cache();
    support::forget_policy(&cache, "vfio-hard-fail", false);
    let c = cache.to_str().unwrap();
    let args = [
        "run",
        "vfio-hard-fail",
        "-s",
        "arm-port-vfio",
        "--cache",
        c,
        "--format",
        "json",
    ];
    let a = process::start(&args);
    let b = process::start(&args);
    let (pa, pb) = (a.pid(), b.pid());
    let hour = Duration::from_secs(3600);
    // Each is read on a thread of its own, so neither blocks on a full pipe.
    let ta = std::thread::spawn(move || a.finish(hour));
    let (sb, eb, ob) = b.finish(hour);
    let (sa, ea, oa) = ta.join().unwrap();
    for (who, status, stderr) in [("first", sa, &ea), ("second", sb, &eb)] {
        assert_eq!(
            status.code(),
            Some(0),
            "the {who} run failed:\n{}",
            stderr.join("\n")
        );
    }
    let (ra, rb): (serde_json::Value, serde_json::Value) = (
        serde_json::from_str(&oa).unwrap(),
        serde_json::from_str(&ob).unwrap(),
    );
    assert_eq!(ra["agree"], true, "{ra}");
    assert_eq!(ra["steps"], rb["steps"]);
    assert_eq!(ra["revision"], rb["revision"]);

    // One of them applied the series; the other found it on the branch and reused it.
    for r in [&ra, &rb] {
        assert_eq!(r["series"]["branch"], "switchyard/vfio-hard-fail-v1", "{r}");
    }
    let mut actions = [
        ra["series"]["action"].as_str().unwrap(),
        rb["series"]["action"].as_str().unwrap(),
    ];
    actions.sort();
    assert_eq!(actions, ["applied", "reused"]);

    // Whoever came second to the tree, the branch or the build waited for the other,
    // and said for whom.
    let waited = |stderr: &[String], other: u32| {
        stderr.iter().any(|l| {
            l.starts_with(&format!(
                "waiting for another switchyard (pid {other}) holding the lock on "
            ))
        })
    };
    assert!(
        waited(&ea, pb) || waited(&eb, pa),
        "neither said it waited:\n{}\n---\n{}",
        ea.join("\n"),
        eb.join("\n")
    );
    // One branch, one series directory, no leftovers.
    let repo = git2::Repository::open(cache.join("linux-6.12")).unwrap();
    assert_eq!(branches(&repo), ["switchyard/vfio-hard-fail-v1"]);
    let series: Vec<String> = std::fs::read_dir(cache.join("series"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("switchyard-vfio-hard-fail-"))
        .collect();
    assert_eq!(series, ["switchyard-vfio-hard-fail-v1"]);
}
