//! `switchyard run` stopped by SIGTERM or SIGINT at each of its stages, in the order a
//! first run meets them: the import, the apply of a series, the configuration, the build,
//! the boot and the replay. Each time the run exits with 128 + the signal, no process it
//! started (make, the compilers, QEMU) is left, and the next run says what the stopped one
//! left and repairs or continues it; the last runs succeed.
//!
//! The import is cut short, and cut again once the next run has removed what it left, in
//! a scratch cache that is removed afterwards. The other stages run on the suite's kernel
//! cache (`tests/support/mod.rs`), whose base build this test makes from scratch, cut at
//! each stage: cargo runs it before `tests/run.rs` (the files in the order of their
//! names), which then starts from that build. It builds one kernel (status-quo's, cut
//! once and continued) and one branch from it, and boots four times.

#[path = "support/process.rs"]
mod process;
#[path = "support/mod.rs"]
mod support;

use process::{settle, start, Running};
use std::path::{Path, PathBuf};
use std::time::Duration;

const MINUTE: Duration = Duration::from_secs(60);

fn scratch(name: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(name)
}

fn run_in(cache: &Path, policy: &str) -> Running {
    start(&[
        "run",
        policy,
        "-s",
        "arm-port-vfio",
        "--cache",
        cache.to_str().unwrap(),
        "--format",
        "json",
    ])
}

/// Signals `r` and checks that it stops as a signalled run must: the exit code, the
/// message naming the stage, nothing on stdout, no process of it left.
fn stopped(mut r: Running, signal: &str, group: bool, stage: &str) {
    r.watch();
    r.signal(signal, group);
    let root = r.pid();
    let seen = r.seen.clone();
    let (status, stderr, stdout) = r.finish(MINUTE);
    let code = if signal == "INT" { 130 } else { 143 };
    assert_eq!(status.code(), Some(code), "{}", stderr.join("\n"));
    let text = stderr.join("\n");
    assert!(
        text.contains(&format!("interrupted by SIG{signal} during the {stage}")),
        "{text}"
    );
    assert!(stdout.is_empty(), "{stdout}");
    let left = settle(root, &seen);
    assert!(
        left.is_empty(),
        "left running after SIG{signal} during the {stage}: {left:?} (of {seen:?})"
    );
}

/// Whether a line of `r`'s stderr so far contains `needle`.
fn said(r: &Running, needle: &str) -> bool {
    r.stderr.iter().any(|l| l.contains(needle))
}

#[test]
fn a_run_signalled_at_each_stage_stops_everything_and_the_next_one_carries_on() {
    // The import: in-process, stopped between two batches of files; its marker stays.
    let fresh = scratch("stopped-import");
    let _ = std::fs::remove_dir_all(&fresh);
    let mut r = run_in(&fresh, "status-quo");
    r.wait_for_line("reading the tarball", 2 * MINUTE);
    stopped(r, "TERM", false, "import");
    assert!(fresh.join("linux-6.12/.git/switchyard-importing").is_file());
    // The next run removes the unfinished import and imports again; stopped again.
    let mut r = run_in(&fresh, "status-quo");
    r.wait_for_line("repaired: removing the unfinished import in", MINUTE);
    r.wait_for_line("reading the tarball", MINUTE);
    stopped(r, "TERM", false, "import");
    assert!(fresh.join("linux-6.12/.git/switchyard-importing").is_file());
    std::fs::remove_dir_all(&fresh).unwrap();

    // The other stages on the suite's cache, with no branch of vfio-hard-fail and no
    // build of the base yet.
    let cache = support::kernel_cache();
    support::forget_policy(&cache, "vfio-hard-fail", true);
    let run = |policy: &str| run_in(&cache, policy);

    // Stopped while it generates vfio-hard-fail's series.
    let mut r = run("vfio-hard-fail");
    r.wait_for_line("generating the series of vfio-hard-fail", 10 * MINUTE);
    stopped(r, "TERM", false, "apply");

    // status-quo: stopped while make configures the kernel (allnoconfig, merge_config.sh).
    let mut r = run("status-quo");
    r.wait_for_line("configuring the kernel", 10 * MINUTE);
    stopped(r, "TERM", false, "configure");

    // The next one configures again, and is stopped once the compilers run.
    let mut r = run("status-quo");
    r.wait_for_line(
        "was interrupted by SIGTERM during the configure of",
        2 * MINUTE,
    );
    r.wait_for_line("building in", 10 * MINUTE);
    r.wait_for_process("cc1", 5 * MINUTE);
    stopped(r, "TERM", false, "build");

    // The next one continues the build, and is stopped by a Ctrl-C (SIGINT to its
    // process group, of which QEMU is not a member) while QEMU boots.
    let mut r = run("status-quo");
    r.wait_for_line("was interrupted by SIGTERM during the build of", 2 * MINUTE);
    assert!(said(&r, "continuing it"), "{:?}", r.stderr);
    r.wait_for_line("booting: arm-port-vfio", 30 * MINUTE);
    r.wait_for_process("qemu-system-aar", MINUTE);
    stopped(r, "INT", true, "boot");

    // Booted again, and stopped while the guest replays the script.
    let mut r = run("status-quo");
    r.wait_for_line("was interrupted by SIGINT during the boot of", 2 * MINUTE);
    r.wait_for_line("replaying the script of arm-port-vfio", 5 * MINUTE);
    stopped(r, "TERM", false, "replay");

    // status-quo runs to the end: booted again, and the kernel agrees with the model.
    let mut r = run("status-quo");
    r.wait_for_line(
        "was interrupted by SIGTERM during the replay of",
        2 * MINUTE,
    );
    let (status, stderr, stdout) = r.finish(10 * MINUTE);
    assert_eq!(status.code(), Some(0), "{}", stderr.join("\n"));
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["agree"], true, "{report}");
    assert!(
        !stderr.iter().any(|l| l.contains("repaired:")),
        "nothing was left to repair: {stderr:?}"
    );

    // vfio-hard-fail learns that its apply was cut short, applies its series, builds it
    // from the base's build, and agrees with the model.
    let mut r = run("vfio-hard-fail");
    r.wait_for_line(
        "was interrupted by SIGTERM during the apply of vfio-hard-fail's series as switchyard/vfio-hard-fail-v1; applying it again",
        5 * MINUTE,
    );
    let (status, stderr, stdout) = r.finish(30 * MINUTE);
    assert_eq!(status.code(), Some(0), "{}", stderr.join("\n"));
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["agree"], true, "{report}");
    assert_eq!(report["series"]["branch"], "switchyard/vfio-hard-fail-v1");
    assert_eq!(report["series"]["action"], "applied");
    assert!(
        stderr
            .iter()
            .any(|l| l.starts_with("started switchyard-vfio-hard-fail-v1 from the base's build")),
        "{stderr:?}"
    );
    // Every lock is free and records nothing unfinished.
    for dir in ["src", "build", "run"] {
        for e in std::fs::read_dir(cache.join(dir)).unwrap().flatten() {
            if e.path().extension().is_some_and(|x| x == "lock") {
                let text = std::fs::read_to_string(e.path()).unwrap();
                assert!(text.is_empty(), "{}: {text}", e.path().display());
            }
        }
    }
}
