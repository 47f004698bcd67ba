//! `switchyard run` boots a real kernel: the Debian linux-source-6.12 tree imported into a
//! cache, built for arm64 with the harness fragment, booted in QEMU with SMMUv3 and GICv3
//! ITS, the scenario's script replayed by the guest agent. Cold in CI: the first run
//! imports, builds and boots; the rest reuse the cache.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;
use switchyard_harness::{guest, initramfs, qemu};

fn cache() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("run-cache")
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

#[test]
fn status_quo_loses_aer_after_vfio_opens_as_the_model_predicts_and_qemu_failures_are_clean() {
    let cache = cache();
    let c = cache.to_str().unwrap();
    let o = switchyard(&[
        "run",
        "status-quo",
        "-s",
        "arm-port-vfio",
        "--cache",
        c,
        "--format",
        "json",
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(
        o.status.code(),
        Some(0),
        "the kernel disagreed with the model or the run failed:\n{}\n{stderr}",
        String::from_utf8_lossy(&o.stdout)
    );
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let steps = report["steps"].as_array().unwrap();
    let observed: Vec<&str> = steps
        .iter()
        .map(|s| s["observed"].as_str().unwrap())
        .collect();
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

    // The same kernel, made to fail in every way a run can: each reports, and no QEMU is
    // left behind.
    let image = cache.join("build/base/arch/arm64/boot/Image");
    assert!(image.is_file());
    let s = switchyard_dsl::load_scenario("arm-port-vfio").unwrap();
    let work = cache.join("failures");
    std::fs::create_dir_all(&work).unwrap();
    let agent = guest::agent(&cache.join("guest")).unwrap();
    let initrd = work.join("initrd.gz");
    initramfs::write(&initrd, &agent, &guest::script(&s, 1000).unwrap()).unwrap();
    let base = qemu::RunConfig {
        qemu: qemu::QEMU.into(),
        kernel: image,
        initrd,
        machine: guest::machine(&s).unwrap(),
        workdir: work.clone(),
        boot_timeout: Duration::from_secs(120),
        step_timeout: Duration::from_secs(60),
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
    // MSI is not translated on x86: the arm64 machine cannot show that scenario.
    let o = switchyard(&[
        "run",
        "status-quo",
        "-s",
        "x86-port-vfio",
        "--cache",
        "/nonexistent/cache",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not translated"));
    // A policy that changes the kernel needs the branch with its series.
    let o = switchyard(&[
        "run",
        "vfio-hard-fail",
        "-s",
        "arm-port-vfio",
        "--cache",
        cache().to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--branch"));
}
