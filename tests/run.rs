//! `switchyard run` boots a real kernel: the Debian linux-source-6.12 tree imported into a
//! cache, built with the harness fragment of the scenario's machine, booted in QEMU (arm64
//! with SMMUv3 and GICv3 ITS; x86-64 q35 with VT-d and interrupt remapping), the
//! scenario's script replayed by the guest agent. Cold in CI: the first run imports,
//! builds and boots status-quo; the fixing policy's run then generates and applies its
//! series and builds only what the series changes; the rest reuse the cache.
//!
//! The tests share one cache (one import, one branch per policy), so each holds
//! [`CACHE`] while it runs: one kernel build at a time.

#[path = "support/mod.rs"]
mod support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime};
use switchyard_harness::git2;
use switchyard_harness::{guest, initramfs, qemu, target};

/// The suite's kernel cache, whose import the series tests share too
/// (`tests/support/mod.rs`). `tests/interrupt.rs` runs before this file (cargo runs the
/// test files in the order of their names) and leaves its base built;
/// `tests/run_shared.rs` runs after it and starts from its builds.
fn cache() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("kernel")
}

/// Held by each test that uses [`cache`].
static CACHE: Mutex<()> = Mutex::new(());

fn lock_cache() -> MutexGuard<'static, ()> {
    // A test that failed while holding it leaves nothing the next one cannot redo.
    CACHE.lock().unwrap_or_else(|e| e.into_inner())
}

fn switchyard(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .args(args)
        .output()
        .expect("the binary runs")
}

/// QEMU processes whose command line mentions `needle`.
fn qemu_processes(needle: &str) -> usize {
    let out = Command::new("pgrep")
        .args(["-f", needle])
        .output()
        .expect("pgrep runs");
    String::from_utf8_lossy(&out.stdout).lines().count()
}

/// `run ... --format json` on the test cache: the report, or the run's output on failure.
fn run_json(policy: &str) -> Value {
    run_on(policy, "arm-port-vfio")
}

fn run_on(policy: &str, scenario: &str) -> Value {
    run_args(&[policy, "-s", scenario])
}

fn run_args(args: &[&str]) -> Value {
    let c = cache();
    let mut all = vec!["run"];
    all.extend_from_slice(args);
    let o = switchyard(
        &[
            all.as_slice(),
            &["--cache", c.to_str().unwrap(), "--format", "json"],
        ]
        .concat(),
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "the kernel disagreed with the model or the run failed:\n{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

fn observed(report: &Value) -> Vec<String> {
    report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["observed"].as_str().unwrap().to_string())
        .collect()
}

fn mtime(path: &Path) -> SystemTime {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn status_quo_then_the_fix_each_as_the_model_predicts_and_qemu_failures_are_clean() {
    let _cache = lock_cache();
    status_quo_loses_aer_after_vfio_opens();
    a_switch_loses_the_other_endpoints_aer_at_its_root_port();
    status_quo_replays_its_msi_delivered_counterexample();
    vfio_hard_fail_runs_from_its_generated_series();
    vfio_hard_fail_replays_its_vfio_usable_counterexample();
    a_policy_without_c_is_refused_by_the_generator();
    msi_reroute_keeps_aer_through_the_open_and_inside_it();
    qemu_failures_are_reported_and_leave_no_qemu();
}

fn status_quo_loses_aer_after_vfio_opens() {
    let report = run_json("status-quo");
    let steps = report["steps"].as_array().unwrap();
    let observed = observed(&report);
    // Delivered before VFIO; after the open, an F_TRANSLATION for the root port's stream
    // at its old doorbell IOVA; after the close, nothing at all.
    assert_eq!(observed[1], "AER delivered");
    assert_eq!(observed[3], "ok");
    assert!(
        observed[4].starts_with("AER lost: SMMU event 0x10, stream 0x10, IOVA 0x"),
        "{observed:?}"
    );
    assert_eq!(observed[6], "AER not signalled, no SMMU event");
    assert!(steps.iter().all(|s| s["agree"] == true));
    let mut shown = report.clone();
    shown["revision"] = "[base commit]".into();
    insta::with_settings!({
        snapshot_path => "../snapshots/run",
        prepend_module_to_snapshot => false,
        description => "switchyard run status-quo -s arm-port-vfio --format json",
        omit_expression => true,
    }, {
        insta::assert_json_snapshot!("run-status-quo-arm-port-vfio", shown);
    });
}

/// The switch below a root port without ACS, on the status-quo kernel already built: at
/// boot the ports are in one group and the endpoints in none yet (arm64 probes a device
/// into its group at its first bind), as the model says (step 0); an error injected at
/// the endpoint the host keeps is signalled by the root port, lost once the other
/// endpoint's group is claimed (the root port's stream faults), and not signalled again
/// after the close.
fn a_switch_loses_the_other_endpoints_aer_at_its_root_port() {
    let report = run_on("status-quo", "arm-switch-vfio");
    let steps = report["steps"].as_array().unwrap();
    let observed = observed(&report);
    assert_eq!(
        observed[0],
        "groups {rp, usp, dsp1, dsp2} {nic1 without a group} {nic2 without a group}; \
         bound at boot: rp: pcieport, usp: pcieport, dsp1: pcieport, dsp2: pcieport"
    );
    assert_eq!(observed[1], "AER delivered");
    assert_eq!(observed[3], "ok");
    assert!(
        observed[4].starts_with("AER lost: SMMU event 0x10, stream 0x10, IOVA 0x"),
        "{observed:?}"
    );
    assert_eq!(observed[6], "AER not signalled, no SMMU event");
    assert!(steps.iter().all(|s| s["agree"] == true), "{observed:?}");
    let mut shown = report.clone();
    shown["revision"] = "[base commit]".into();
    insta::with_settings!({
        snapshot_path => "../snapshots/run",
        prepend_module_to_snapshot => false,
        description => "switchyard run status-quo -s arm-switch-vfio --format json",
        omit_expression => true,
    }, {
        insta::assert_json_snapshot!("run-status-quo-arm-switch-vfio", shown);
    });
}

/// `--trace msi-delivered`: the checker's shortest counterexample (bind vfio-pci, the
/// claim alone, the raise in the claim window) replayed on the status-quo kernel; the
/// kernel loses the interrupt where the model does.
fn status_quo_replays_its_msi_delivered_counterexample() {
    let report = run_args(&[
        "status-quo",
        "-s",
        "arm-port-vfio",
        "--trace",
        "msi-delivered",
    ]);
    assert_eq!(report["trace"], "msi-delivered");
    let steps = report["steps"].as_array().unwrap();
    let moves: Vec<&str> = steps.iter().map(|s| s["move"].as_str().unwrap()).collect();
    assert_eq!(
        moves,
        [
            "boot",
            "bind(nic, vfio_pci)",
            "vfio_claim(g0)",
            "raise_aer(port)"
        ]
    );
    assert!(steps.iter().all(|s| s["agree"] == true), "{steps:?}");
    assert!(
        steps[3]["predicted"]
            .as_str()
            .unwrap()
            .starts_with("AER lost"),
        "{steps:?}"
    );
}

/// `--trace vfio-usable` on the fix's kernel: the checker's shortest attempt at an open
/// (bind vfio-pci, then the claim, refused while the port's live vectors carry a doorbell
/// IOVA) is refused by the kernel with the same errno.
fn vfio_hard_fail_replays_its_vfio_usable_counterexample() {
    let report = run_args(&[
        "vfio-hard-fail",
        "-s",
        "arm-port-vfio",
        "--trace",
        "vfio-usable",
    ]);
    assert_eq!(report["trace"], "vfio-usable");
    let steps = report["steps"].as_array().unwrap();
    let moves: Vec<&str> = steps.iter().map(|s| s["move"].as_str().unwrap()).collect();
    assert_eq!(moves, ["boot", "bind(nic, vfio_pci)", "vfio_claim(g0)"]);
    assert!(steps.iter().all(|s| s["agree"] == true), "{steps:?}");
    let refused = steps[2]["observed"].as_str().unwrap();
    assert!(refused.starts_with("fails: EBUSY"), "{steps:?}");
}

/// The fix, without a branch given: the run generates the policy's series, applies it
/// as a branch (the next version, since `-v1` holds something else), builds it from the
/// base's build so that only what the series touches is compiled, and the kernel refuses
/// the VFIO open and keeps AER, as the model says. Run again, it reuses the branch and
/// compiles nothing.
fn vfio_hard_fail_runs_from_its_generated_series() {
    let cache = cache();
    let repo = git2::Repository::open(cache.join("linux-6.12")).unwrap();
    // Nothing of an earlier test run: no branch, no directories of one.
    support::forget_policy(&cache, "vfio-hard-fail", false);
    // Someone's own work under the name the run would use first.
    let base = repo
        .find_reference("refs/switchyard/base")
        .unwrap()
        .peel_to_commit()
        .unwrap();
    repo.branch("switchyard/vfio-hard-fail-v1", &base, false)
        .unwrap();

    let report = run_json("vfio-hard-fail");
    let series = &report["series"];
    assert_eq!(series["branch"], "switchyard/vfio-hard-fail-v2");
    assert_eq!(series["action"], "applied");
    assert_eq!(series["base"], base.id().to_string());
    assert_eq!(
        series["superseded"][0]["branch"],
        "switchyard/vfio-hard-fail-v1"
    );
    let reason = series["superseded"][0]["reason"].as_str().unwrap();
    assert!(
        reason.starts_with("it has 0 commits on the base where the series has "),
        "{reason}"
    );
    let v1 = repo
        .find_reference("refs/heads/switchyard/vfio-hard-fail-v1")
        .unwrap();
    assert_eq!(
        v1.target(),
        Some(base.id()),
        "a branch passed over is left alone"
    );
    let commits = series["commits"].as_array().unwrap();
    let policy = switchyard_dsl::load_policy("vfio-hard-fail").unwrap();
    assert!(
        commits
            .iter()
            .any(|c| c[1].as_str() == policy.meta.subject.as_deref()),
        "the policy's own patch is on the branch: {commits:?}"
    );
    let head = commits.last().unwrap()[0].as_str().unwrap().to_string();
    assert_eq!(
        repo.revparse_single("switchyard/vfio-hard-fail-v2")
            .unwrap()
            .id()
            .to_string(),
        head
    );

    // The claim is refused while the port's MSI is live; AER is delivered at every step.
    let observed = observed(&report);
    assert_eq!(observed[3], "fails: EBUSY (at VFIO_GROUP_SET_CONTAINER)");
    for n in [1, 4, 6] {
        assert_eq!(observed[n], "AER delivered", "step {}", n + 1);
    }
    assert!(report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["agree"] == true));

    // Built from the base's build: what the series touches is newer, the rest is the
    // base's own objects, mtimes and all.
    let (ours, theirs) = (
        cache.join("build/switchyard-vfio-hard-fail-v2"),
        cache.join("build/base"),
    );
    let iommu = "drivers/iommu/iommu.o";
    assert!(mtime(&ours.join(iommu)) > mtime(&theirs.join(iommu)));
    for untouched in ["init/main.o", "lib/string.o"] {
        assert_eq!(
            mtime(&ours.join(untouched)),
            mtime(&theirs.join(untouched)),
            "{untouched} was compiled again"
        );
    }

    let mut shown = report.clone();
    shown["revision"] = "[branch commit]".into();
    shown["series"] = serde_json::json!({
        "action": series["action"],
        "branch": series["branch"],
        "superseded": [series["superseded"][0]["branch"]],
    });
    insta::with_settings!({
        snapshot_path => "../snapshots/run",
        prepend_module_to_snapshot => false,
        description => "switchyard run vfio-hard-fail -s arm-port-vfio --format json (series: commits, base, directory and reasons left out)",
        omit_expression => true,
    }, {
        insta::assert_json_snapshot!("run-vfio-hard-fail-arm-port-vfio", shown);
    });

    // Again: the same series, so the same branch, and nothing to compile.
    let built = mtime(&ours.join(iommu));
    let image = mtime(&ours.join("arch/arm64/boot/Image"));
    let again = run_json("vfio-hard-fail");
    assert_eq!(again["series"]["branch"], "switchyard/vfio-hard-fail-v2");
    assert_eq!(again["series"]["action"], "reused");
    assert_eq!(again["revision"], report["revision"]);
    assert_eq!(again["steps"], report["steps"]);
    assert_eq!(mtime(&ours.join(iommu)), built);
    assert_eq!(mtime(&ours.join("arch/arm64/boot/Image")), image);
}

/// A policy whose construct has no C on 6.12 (ATS is the IOMMU driver's on attach): the
/// generator says so, exit 2, before anything is imported or built (the cache it was given
/// is not even created).
fn a_policy_without_c_is_refused_by_the_generator() {
    let fresh = Path::new(env!("CARGO_TARGET_TMPDIR")).join("refused-cache");
    let _ = std::fs::remove_dir_all(&fresh);
    let policy = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ats-at-bind.policy.rs");
    let o = switchyard(&[
        "run",
        policy.to_str().unwrap(),
        "-s",
        "arm-port-vfio",
        "--cache",
        fresh.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!fresh.exists(), "a refused run created {}", fresh.display());
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("has no C rendering"), "{stderr}");
    assert!(
        stderr.contains("switchyard::series::not_expressible"),
        "{stderr}"
    );
}

/// msi-reroute from its generated series: AER delivered before VFIO, while the user owns
/// the group and after it closes, and the open succeeds; then an error raised between
/// the claim and VFIO_SET_IOMMU is held by the mask (no interrupt, no SMMU event) and
/// serviced at the re-target, so the next error signals.
fn msi_reroute_keeps_aer_through_the_open_and_inside_it() {
    let report = run_json("msi-reroute");
    let seen = observed(&report);
    assert_eq!(seen[1], "AER delivered", "{seen:?}");
    assert_eq!(seen[3], "ok", "{seen:?}");
    assert_eq!(seen[4], "AER delivered", "{seen:?}");
    assert_eq!(seen[6], "AER delivered", "{seen:?}");
    assert_eq!(report["agree"], true);
    let report = run_on("msi-reroute", "arm-port-window");
    let seen = observed(&report);
    assert_eq!(seen[2], "ok", "{seen:?}");
    assert_eq!(seen[3], "AER not signalled, no SMMU event", "{seen:?}");
    assert_eq!(seen[4], "ok", "{seen:?}");
    assert_eq!(seen[5], "AER delivered", "{seen:?}");
    assert_eq!(seen[7], "AER delivered", "{seen:?}");
    assert_eq!(report["agree"], true);
}

/// The status-quo kernel, made to fail in every way a run can: each reports, and no QEMU
/// is left behind.
fn qemu_failures_are_reported_and_leave_no_qemu() {
    let cache = cache();
    let image = cache.join("build/base/arch/arm64/boot/Image");
    assert!(image.is_file());
    let s = switchyard_dsl::load_scenario("arm-port-vfio").unwrap();
    let work = cache.join("failures");
    std::fs::create_dir_all(&work).unwrap();
    let agent = guest::agent(&cache.join("guest"), &target::ARM64).unwrap();
    let initrd = work.join("initrd.gz");
    initramfs::write(
        &initrd,
        &agent,
        &guest::script(&s, 1000, &[true; 16]).unwrap(),
    )
    .unwrap();
    let base = qemu::RunConfig {
        qemu: target::ARM64.qemu.into(),
        kernel: image,
        initrd,
        machine: guest::machine(&s).unwrap(),
        workdir: work.clone(),
        boot_timeout: Duration::from_secs(120),
        step_timeout: Duration::from_secs(60),
        console_log: Some(work.join("console.log")),
    };
    let needle = work.to_str().unwrap().to_string();

    // A kernel panic at boot (no init to run): reported with the console's tail.
    let mut cfg = base.clone();
    cfg.machine.kernel_args.push("rdinit=/nonexistent".into());
    match qemu::run(&cfg) {
        Err(e @ qemu::QemuError::Panic { .. }) => {
            assert!(e.to_string().contains("Kernel panic"), "{e}")
        }
        other => panic!("expected a panic, got {other:?}"),
    }
    assert_eq!(qemu_processes(&needle), 0, "QEMU left behind after a panic");

    // A guest that does not reach its agent in time (a hang, as far as the host can tell).
    let mut cfg = base.clone();
    cfg.boot_timeout = Duration::from_millis(200);
    assert!(matches!(
        qemu::run(&cfg),
        Err(qemu::QemuError::BootTimeout { .. })
    ));
    assert_eq!(
        qemu_processes(&needle),
        0,
        "QEMU left behind after a timeout"
    );

    // A kernel QEMU cannot load: QEMU exits, and says why.
    let mut cfg = base.clone();
    cfg.kernel = work.join("no-such-image");
    match qemu::run(&cfg) {
        Err(e @ qemu::QemuError::Exited { .. }) => {
            assert!(e.to_string().contains("no-such-image"), "{e}")
        }
        other => panic!("expected QEMU to exit, got {other:?}"),
    }
    assert_eq!(qemu_processes(&needle), 0);

    // A kernel that never prints (not an image at all): the boot deadline ends it.
    let mut cfg = base.clone();
    let garbage = work.join("not-a-kernel");
    std::fs::write(&garbage, [0u8; 4096]).unwrap();
    cfg.kernel = garbage;
    cfg.boot_timeout = Duration::from_secs(5);
    assert!(matches!(
        qemu::run(&cfg),
        Err(qemu::QemuError::BootTimeout { .. })
    ));
    assert_eq!(
        qemu_processes(&needle),
        0,
        "QEMU left behind after a silent boot"
    );

    // No QEMU at all.
    let mut cfg = base;
    cfg.qemu = "/nonexistent/qemu-system-aarch64".into();
    assert!(matches!(
        qemu::run(&cfg),
        Err(qemu::QemuError::Spawn { .. })
    ));
}

#[test]
fn run_refuses_what_it_cannot_do_with_a_reason() {
    // An ATS-capable device: no QEMU endpoint model offers ATS, on either machine.
    let o = switchyard(&[
        "run",
        "status-quo",
        "-s",
        "untrusted-external",
        "--cache",
        "/nonexistent/cache",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("ATS"));
}

/// x86-port-vfio on the q35 machine, with the same run and the same comparison: the
/// kernel built for x86-64 in build directories of its own, beside arm64's; the root port
/// and the endpoint in one group; AER delivered at every step for status-quo, the VFIO
/// open included, because interrupt remapping keeps MSI out of the DMA domain; and
/// vfio-hard-fail lets the open succeed, since no vector of the port carries a doorbell
/// IOVA, built from the x86 base's build.
#[test]
fn x86_status_quo_and_the_fixes_keep_aer_as_the_model_predicts() {
    let _cache = lock_cache();
    let cache = cache();
    let report = run_on("status-quo", "x86-port-vfio");
    let seen = observed(&report);
    assert_eq!(seen[0], "groups {port, nic}; bound at boot: port: pcieport");
    for n in [1, 4, 6] {
        assert_eq!(seen[n], "AER delivered", "step {n}");
    }
    assert_eq!(seen[3], "ok");
    assert!(report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["agree"] == true && s["iommu_faults"] == serde_json::json!([])));
    let x86 = cache.join("x86_64/build/base");
    assert!(x86.join("arch/x86/boot/bzImage").is_file());
    assert_eq!(
        std::fs::read_to_string(x86.join(".switchyard-fragment")).unwrap(),
        target::X86_64.fragment
    );
    assert!(!cache.join("build/base/arch/x86").exists());
    let mut shown = report.clone();
    shown["revision"] = "[base commit]".into();
    insta::with_settings!({
        snapshot_path => "../snapshots/run",
        prepend_module_to_snapshot => false,
        description => "switchyard run status-quo -s x86-port-vfio --format json",
        omit_expression => true,
    }, {
        insta::assert_json_snapshot!("run-status-quo-x86-port-vfio", shown);
    });

    let report = run_on("vfio-hard-fail", "x86-port-vfio");
    let seen = observed(&report);
    assert_eq!(seen[3], "ok");
    for n in [1, 4, 6] {
        assert_eq!(seen[n], "AER delivered", "step {n}");
    }
    assert!(report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["agree"] == true));
    let branch = report["series"]["branch"].as_str().unwrap();
    let ours = cache.join("x86_64/build").join(branch.replace('/', "-"));
    assert!(ours.join("arch/x86/boot/bzImage").is_file());
    for untouched in ["init/main.o", "lib/string.o"] {
        assert_eq!(
            mtime(&ours.join(untouched)),
            mtime(&x86.join(untouched)),
            "{untouched} was compiled again"
        );
    }
    let mut shown = report.clone();
    shown["revision"] = "[branch commit]".into();
    // The policy's own patch, by its subject (a caller's patch may follow it).
    let subject = switchyard_dsl::load_policy("vfio-hard-fail")
        .unwrap()
        .meta
        .subject
        .expect("vfio-hard-fail names its subject");
    let policy_patch = report["series"]["commits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c[1] == subject.as_str())
        .unwrap_or_else(|| panic!("the series has the policy's patch: {report}"))[1]
        .clone();
    shown["series"] = serde_json::json!({ "policy's patch": policy_patch });
    insta::with_settings!({
        snapshot_path => "../snapshots/run",
        prepend_module_to_snapshot => false,
        description => "switchyard run vfio-hard-fail -s x86-port-vfio --format json (series: the policy's patch only)",
        omit_expression => true,
    }, {
        insta::assert_json_snapshot!("run-vfio-hard-fail-x86-port-vfio", shown);
    });

    // msi-reroute on x86: interrupt remapping needs no re-target, but the claim masks the
    // port's vectors and only the cookie hook unmasks them, which type1 must call where
    // VT-d asks for no MSI cookie too.
    let report = run_on("msi-reroute", "x86-port-vfio");
    let seen = observed(&report);
    assert_eq!(seen[3], "ok");
    for n in [1, 4, 6] {
        assert_eq!(seen[n], "AER delivered", "step {n}");
    }
    assert_eq!(report["agree"], true);

    // A counterexample on x86: status-quo, and vfio-hard-fail, which leaves sysfs
    // requests alone, give an endpoint no driver holds an identity domain the moment its
    // group's type is written, and the kernel does the same.
    for policy in ["status-quo", "vfio-hard-fail"] {
        let report = run_args(&[
            policy,
            "-s",
            "x86-identity-vfio",
            "--trace",
            "unbound-isolated",
        ]);
        assert_eq!(report["trace"], "unbound-isolated", "{report}");
        let steps = report["steps"].as_array().unwrap();
        assert_eq!(steps.len(), 2, "boot and the write: {report}");
        assert_eq!(steps[1]["move"], "write_type(g1, Identity)");
        assert!(steps.iter().all(|s| s["agree"] == true), "{report}");
        let sysfs = steps[1]["sysfs_domain"].as_str().unwrap();
        assert!(sysfs.ends_with(" type identity"), "{policy}: {sysfs}");
    }
}

/// `--trace` replays only a counterexample there is: a property that holds, or one that
/// does not exist, is refused before any kernel work.
#[test]
fn run_replays_only_a_counterexample_there_is() {
    for (args, said) in [
        (
            [
                "status-quo",
                "-s",
                "x86-port-vfio",
                "--trace",
                "msi-delivered",
            ],
            "msi-delivered holds there, so there is no counterexample",
        ),
        (
            [
                "status-quo",
                "-s",
                "arm-port-vfio",
                "--trace",
                "msi-deliverd",
            ],
            "no property named `msi-deliverd`",
        ),
    ] {
        let mut all = vec!["run"];
        all.extend_from_slice(&args);
        all.extend_from_slice(&["--cache", "/nonexistent/cache"]);
        let o = switchyard(&all);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(said), "{args:?}: {err}");
    }
}
