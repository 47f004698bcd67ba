//! Linux 7.3 as a base: Debian's linux-source-7.3 (trixie-backports) fetched by
//! switchyard itself the first time a machine needs it (`apt-get download` against a
//! source list of its own, kept in `~/.cache/switchyard/debs/`), imported into the booting
//! tests' kernel cache as `target/tmp/kernel/linux-7.3`, then status-quo's arm64 kernel
//! built from it (in the cache's `work/linux-7.3/`) and booted on arm-port-vfio, each step
//! compared with the model.
//!
//! Cold on a fresh machine: the fetch, the import (about a minute) and a clean kernel build;
//! later runs find all three done.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;
use switchyard_harness::git2;

/// The booting tests' kernel cache (`tests/run.rs`): one directory per base's import.
fn cache() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("kernel")
}

fn switchyard(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn linux_7_3_is_imported_then_status_quo_boots_on_it() {
    let tree = linux_7_3_is_fetched_and_imported();
    a_tree_is_not_taken_for_another_base(&tree);
    status_quo_on_linux_7_3_loses_aer_after_vfio_opens();
}

/// `tree init --base linux-7.3` into the cache's import: the tree's Makefile is 7.3's,
/// its base commit is on `base`, and a second `tree init` does nothing.
fn linux_7_3_is_fetched_and_imported() -> PathBuf {
    let dir = cache().join("linux-7.3");
    let d = dir.to_str().unwrap();
    let started = Instant::now();
    let o = switchyard(&["tree", "init", d, "--base", "linux-7.3"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    eprintln!(
        "[linux-7.3] tree init: {:.0?}\n{}",
        started.elapsed(),
        text(&o)
    );
    let repo = git2::Repository::open(&dir).unwrap();
    let makefile = repo
        .revparse_single("refs/switchyard/base:Makefile")
        .and_then(|o| o.peel_to_blob())
        .unwrap();
    let head = String::from_utf8_lossy(makefile.content());
    assert!(
        head.contains("\nVERSION = 7\nPATCHLEVEL = 3\n"),
        "{}",
        &head[..200]
    );
    let again = switchyard(&["tree", "init", d, "--base", "linux-7.3"]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("already holds an import"),
        "{}",
        text(&again)
    );
    dir
}

/// A 7.3 tree asked for as 6.12, by `tree init` and by `run --tree`, is refused before
/// anything is built (exit 2), the tree's release named.
fn a_tree_is_not_taken_for_another_base(tree: &Path) {
    let t = tree.to_str().unwrap();
    let c = cache();
    for args in [
        vec!["tree", "init", t, "--base", "linux-6.12"],
        vec![
            "run",
            "status-quo",
            "-s",
            "arm-port-vfio",
            "--tree",
            t,
            "--base",
            "linux-6.12",
            "--cache",
            c.to_str().unwrap(),
        ],
    ] {
        let o = switchyard(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o));
        let err = String::from_utf8_lossy(&o.stderr);
        // 7.3.SUBLEVEL: whichever the package holds.
        assert!(
            err.contains("is Linux 7.3.") && err.contains(", not linux-6.12"),
            "{err}"
        );
    }
}

/// status-quo on arm-port-vfio on Linux 7.3, each step as the kernel was seen to do it,
/// then compared with the model. At boot the endpoint is already in the root port's
/// group: `iommu_init_device()` calls the bus's `dma_configure()` for a device no driver
/// is bound to (6.15 on), so the endpoint gets its fwspec, and its group, when it is
/// added, not at its first bind as on 6.12. AER is delivered before VFIO; the open
/// attaches the user's domain to the whole group while the root port's MSI is still
/// written to its doorbell IOVA in the default domain, which the new domain does not
/// map: an F_TRANSLATION (event 0x10) for the root port's stream; after the close,
/// nothing.
fn status_quo_on_linux_7_3_loses_aer_after_vfio_opens() {
    let c = cache();
    let started = Instant::now();
    let o = switchyard(&[
        "run",
        "status-quo",
        "-s",
        "arm-port-vfio",
        "--base",
        "linux-7.3",
        "-j2",
        "--cache",
        c.to_str().unwrap(),
        "--format",
        "json",
    ]);
    eprintln!(
        "[linux-7.3] run status-quo: {:.0?}\n{}",
        started.elapsed(),
        String::from_utf8_lossy(&o.stderr)
    );
    // 0 agree, 1 disagree: either way a report; 2 is a run that failed.
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "the run failed:\n{}",
        text(&o)
    );
    let report: Value = serde_json::from_slice(&o.stdout).unwrap();
    let steps = report["steps"].as_array().unwrap();
    let observed: Vec<&str> = steps
        .iter()
        .map(|s| s["observed"].as_str().unwrap())
        .collect();
    assert_eq!(
        observed[0], "groups {port, nic}; bound at boot: port: pcieport",
        "{observed:?}"
    );
    assert_eq!(observed[1], "AER delivered", "{observed:?}");
    assert_eq!(observed[3], "ok", "{observed:?}");
    assert!(
        observed[4].starts_with("AER lost: SMMU event 0x10, stream 0x10, IOVA 0x"),
        "{observed:?}"
    );
    assert_eq!(
        observed[6], "AER not signalled, no SMMU event",
        "{observed:?}"
    );
    let built = c.join("work/linux-7.3/build/base/arch/arm64/boot/Image");
    assert!(built.is_file(), "{}", built.display());
    let disagree: Vec<String> = steps
        .iter()
        .filter(|s| s["agree"] != true)
        .map(|s| {
            format!(
                "step {} {}: model {}, kernel {}",
                s["n"], s["move"], s["predicted"], s["observed"]
            )
        })
        .collect();
    assert!(
        disagree.is_empty(),
        "the 7.3 kernel and the model disagree:\n{}",
        disagree.join("\n")
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}
