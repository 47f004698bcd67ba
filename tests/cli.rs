//! The `switchyard` binary as a user runs it: output, exit codes, JSON.

use std::path::Path;
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn snapshot(name: &str, description: &str, text: &str) {
    insta::with_settings!({
        snapshot_path => "../snapshots/cli",
        prepend_module_to_snapshot => false,
        description => description,
        omit_expression => true,
    }, {
        insta::assert_snapshot!(name, text);
    });
}

const POLICIES: [&str; 9] = [
    "identity-at-bind",
    "irq-only-driver-flag",
    "msi-reroute",
    "notifier-switch",
    "park-blocked",
    "park-empty-dma",
    "prepare-default-domain",
    "status-quo",
    "vfio-hard-fail",
];

#[test]
fn policy_list_shows_the_nine_policies_with_summaries() {
    let o = run(&["policy", "list"]);
    assert!(o.status.success());
    let text = stdout(&o);
    for p in POLICIES {
        let line = text
            .lines()
            .find(|l| l.starts_with(p))
            .unwrap_or_else(|| panic!("{p} missing"));
        assert!(line.split_whitespace().count() > 4, "{p} has no summary");
    }
    snapshot("policy-list", "switchyard policy list", &text);

    let o = run(&["policy", "list", "--format", "json"]);
    let rows: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let names: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, POLICIES);
}

#[test]
fn policy_show_prints_every_builtin_with_resolved_hooks() {
    for p in POLICIES {
        let o = run(&["policy", "show", p]);
        assert!(o.status.success(), "{p}: {}", stderr(&o));
        snapshot(
            &format!("policy-show-{p}"),
            &format!("switchyard policy show {p}"),
            &stdout(&o),
        );
    }
    let text = stdout(&run(&["policy", "show", "msi-reroute"]));
    assert!(text.contains("chain: msi-reroute -> status-quo"));
    assert!(text.contains("on msi_cookie(g) {  [msi-reroute]"));
    assert!(
        text.contains("on probe(dev) {  [status-quo]"),
        "inherited hooks are resolved"
    );
    assert!(text.contains("where inherit() runs:"));

    let o = run(&["policy", "show", "msi-reroute", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["chain"], serde_json::json!(["msi-reroute", "status-quo"]));
    assert_eq!(v["hooks"].as_object().unwrap().len(), 19);
}

#[test]
fn scenario_list_and_show() {
    let o = run(&["scenario", "list"]);
    assert!(o.status.success());
    snapshot("scenario-list", "switchyard scenario list", &stdout(&o));
    for s in [
        "arm-port-vfio",
        "cxl-ats-required",
        "rmr-require-direct",
        "singleton-identity",
        "singleton-managed-irq",
        "untrusted-external",
        "x86-identity-vfio",
        "x86-port-vfio",
    ] {
        let o = run(&["scenario", "show", s]);
        assert!(o.status.success(), "{s}: {}", stderr(&o));
        snapshot(
            &format!("scenario-show-{s}"),
            &format!("switchyard scenario show {s}"),
            &stdout(&o),
        );
        let o = run(&["scenario", "show", s, "--format", "json"]);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["name"], s);
    }
}

#[test]
fn lint_accepts_the_builtins() {
    let mut args = vec!["lint".to_string()];
    for dir in ["policies", "scenarios"] {
        for e in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(dir)).unwrap() {
            args.push(format!(
                "{dir}/{}",
                e.unwrap().file_name().to_string_lossy()
            ));
        }
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = run(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("22 files checked, 0 with problems"));
}

#[test]
fn lint_reports_each_bad_example_with_location_and_exits_2() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("dsl/tests/bad");
    for e in std::fs::read_dir(&dir).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().to_string();
        let rel = format!("dsl/tests/bad/{name}");
        let o = run(&["lint", &rel]);
        assert_eq!(o.status.code(), Some(2), "{rel}");
        let err = stderr(&o);
        // The report names a file:line:col in the bad file (or, for a cycle, its partner).
        assert!(
            err.contains(".policy.rs:") || err.contains(".scenario.rs:"),
            "{rel}: {err}"
        );
        assert!(err.contains("help:"), "{rel}: no hint");

        let o = run(&["lint", "--format", "json", &rel]);
        assert_eq!(o.status.code(), Some(2));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let first = &v[0]["errors"][0];
        assert!(
            first["line"].as_u64().unwrap() > 0 && first["column"].as_u64().unwrap() > 0,
            "{rel}"
        );
    }
}

#[test]
fn bad_arguments_exit_2_with_a_message() {
    let o = run(&["policy", "show", "no-such-policy"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no built-in policy named `no-such-policy`"));
    assert!(stderr(&o).contains("status-quo"), "lists the built-ins");

    let o = run(&["policy", "show", "scenarios/arm-port-vfio.scenario.rs"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("holds a scenario, not a policy"));

    let o = run(&["lint", "does/not/exist.policy.rs"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot read"));

    let o = run(&["frobnicate"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn a_user_policy_extends_a_sibling_file_then_a_builtin() {
    let dir = std::env::temp_dir().join(format!("switchyard-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("base.policy.rs"),
        "policy! {\n    /// Park blocked, and refuse every default-type change.\n    name = \"base\";\n    extends = \"park-blocked\";\n    on default_type(g, ty) {\n        fail(EPERM);\n    }\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("child.policy.rs"),
        "policy! {\n    /// On top of base, refuse VFIO.\n    name = \"child\";\n    extends = \"base\";\n    on claim(g) {\n        fail(EBUSY);\n    }\n}\n",
    )
    .unwrap();
    let path = dir.join("child.policy.rs");
    let o = run(&["policy", "show", "--format", "json", path.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        v["chain"],
        serde_json::json!(["child", "base", "park-blocked", "status-quo"])
    );
    assert_eq!(v["hooks"]["default_type"]["defined_in"], "base");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn completions_are_generated_for_bash() {
    let o = run(&["completions", "bash"]);
    assert!(o.status.success());
    let text = stdout(&o);
    assert!(text.contains("switchyard") && text.contains("policy") && text.contains("lint"));
}

/// Wall-clock figures vary; everything else in a check report is deterministic.
fn mask_times(text: &str) -> String {
    text.lines()
        .map(|l| match l.rfind(", ") {
            Some(i) if l.ends_with(" ms") => format!("{}, [time]", &l[..i]),
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every built-in on every built-in scenario, on each kernel base it applies to:
/// `check-POLICY` on Linux 6.12 (the default), `check-POLICY-linux-7.3` on 7.3.
#[test]
fn behaviour_of_every_builtin_policy_on_every_scenario() {
    for base in ["linux-6.12", "linux-7.3"] {
        for p in POLICIES {
            let mut args = vec!["check", p, "--script"];
            if base != "linux-6.12" {
                args.extend(["--base", base]);
            }
            let o = run(&args);
            if p == "msi-reroute" && base == "linux-7.3" {
                // Its `bases` leave 7.3 out.
                assert_eq!(o.status.code(), Some(2), "{p} on {base}");
                assert!(
                    stderr(&o).contains("`msi-reroute` does not apply to linux-7.3"),
                    "{}",
                    stderr(&o)
                );
                continue;
            }
            let text = stdout(&o);
            assert!(
                text.starts_with(&format!("policy {p} on {base}\n")),
                "{text}"
            );
            let violated = text.lines().any(|l| l.ends_with(" VIOLATED"));
            assert_eq!(
                o.status.code(),
                Some(if violated { 1 } else { 0 }),
                "{p} on {base}: {}",
                stderr(&o)
            );
            let name = if base == "linux-6.12" {
                format!("check-{p}")
            } else {
                format!("check-{p}-{base}")
            };
            insta::with_settings!({
                snapshot_path => "../snapshots/behaviour",
                prepend_module_to_snapshot => false,
                description => format!("switchyard {}", args.join(" ")),
                omit_expression => true,
            }, {
                insta::assert_snapshot!(name, mask_times(&text));
            });
        }
    }
}

#[test]
fn check_refuses_a_policy_on_a_base_it_does_not_apply_to() {
    for args in [
        &["check", "msi-reroute", "--base", "linux-7.3"][..],
        &["diff", "status-quo", "msi-reroute", "--base", "linux-7.3"],
        &[
            "diff",
            "msi-reroute",
            "msi-reroute",
            "--against-base",
            "linux-7.3",
        ],
        &[
            "gen",
            "promela",
            "msi-reroute",
            "-s",
            "arm-port-vfio",
            "--base",
            "linux-7.3",
        ],
        &["bench", "msi-reroute", "--base", "linux-7.3"],
    ] {
        let o = run(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = stderr(&o);
        assert!(
            err.contains(
                "policy `msi-reroute` does not apply to linux-7.3: it applies to linux-6.12"
            ),
            "{args:?}: {err}"
        );
    }
    // A policy extending it inherits its bases.
    let dir = std::env::temp_dir().join(format!("switchyard-bases-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let child = dir.join("reroute-more.policy.rs");
    std::fs::write(
        &child,
        "policy! {\n    /// msi-reroute, as is.\n    name = \"reroute-more\";\n    \
         extends = \"msi-reroute\";\n}\n",
    )
    .unwrap();
    let o = run(&["check", child.to_str().unwrap(), "--base", "linux-7.3"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("`reroute-more` does not apply to linux-7.3"));
    let o = run(&["policy", "show", child.to_str().unwrap()]);
    assert!(
        stdout(&o).contains("\nbases: linux-6.12\n"),
        "{}",
        stdout(&o)
    );
    std::fs::remove_dir_all(&dir).unwrap();

    let o = run(&["check", "status-quo", "--base", "linux-5.10"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("unknown base `linux-5.10`"),
        "{}",
        stderr(&o)
    );
}

/// One policy on both kernels side by side: 7.3 probes an arm64 device into its group when
/// it is added (`iommu_init_device()` calls `pci_dma_configure()`), 6.12 at its first bind.
#[test]
fn diff_across_bases_puts_one_policy_on_both_kernels() {
    let args = [
        "diff",
        "status-quo",
        "status-quo",
        "--base",
        "linux-6.12",
        "--against-base",
        "linux-7.3",
        "-s",
        "untrusted-external",
    ];
    let o = run(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.starts_with("status-quo@linux-6.12 -> status-quo@linux-7.3\n"));
    let line = text
        .lines()
        .find(|l| l.contains("<- first divergence"))
        .expect("a divergence");
    assert!(
        line.starts_with("1  add(ext)")
            && line.contains("ok [g0: none, g1: none]")
            && line.contains("ok [g0: default (DMA), g1: default (DMA)]"),
        "{line}"
    );
    snapshot(
        "diff-status-quo-across-bases",
        &format!("switchyard {}", args.join(" ")),
        &text,
    );

    let mut json = args.to_vec();
    json.extend(["--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&run(&json).stdout).unwrap();
    assert_eq!(v["base_a"], "linux-6.12");
    assert_eq!(v["base_b"], "linux-7.3");

    // park-blocked's parked root port: 6.12 composes its MSI with the physical doorbell,
    // which the blocking domain faults; 7.3 refuses the preparation and pcieport falls
    // back to INTx, which the IOMMU does not see.
    let o = run(&[
        "diff",
        "park-blocked",
        "park-blocked",
        "--against-base",
        "linux-7.3",
        "-s",
        "singleton-managed-irq",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let s = &v["scenarios"][0];
    let flipped: Vec<(&str, &str, &str)> = s["verdicts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["property"].as_str().unwrap(),
                x["a"].as_str().unwrap(),
                x["b"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        flipped,
        [
            ("msi-delivered", "violated", "holds"),
            ("no-silent-loss", "violated", "holds")
        ]
    );
    assert_eq!(s["first_divergence"], 1);
}

#[test]
fn check_json_and_exit_codes() {
    let o = run(&[
        "check",
        "status-quo",
        "-s",
        "arm-port-vfio",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["base"], "linux-6.12");
    let verdicts = &v["reports"][0]["verdicts"];
    assert_eq!(verdicts[0]["property"], "msi-delivered");
    assert_eq!(verdicts[0]["status"], "violated");
    // boot, bind vfio-pci, the claim, the AER in the window before the attach.
    assert_eq!(verdicts[0]["trace"].as_array().unwrap().len(), 4);

    // Where MSI is not translated, status-quo keeps every property: exit 0.
    let o = run(&["check", "status-quo", "-s", "x86-port-vfio"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));

    let o = run(&[
        "check",
        "msi-reroute",
        "-s",
        "arm-port-vfio",
        "--max-states",
        "3",
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("inconclusive"));

    let o = run(&["check", "status-quo", "-s", "no-such-scenario"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn diff_marks_the_first_divergence_of_the_fixed_script() {
    let o = run(&[
        "diff",
        "status-quo",
        "vfio-hard-fail",
        "-s",
        "arm-port-vfio",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let line = text
        .lines()
        .find(|l| l.contains("<- first divergence"))
        .expect("a divergence");
    assert!(
        line.starts_with("3  vfio_open(g0)") && line.contains("fails: EBUSY"),
        "{line}"
    );
    assert!(text.contains("msi-delivered counterexample disappears (under status-quo)"));
    snapshot(
        "diff-status-quo-vfio-hard-fail",
        "switchyard diff status-quo vfio-hard-fail -s arm-port-vfio",
        &text,
    );

    let o = run(&["diff", "status-quo", "msi-reroute", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let arm = v["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["scenario"] == "arm-port-vfio")
        .unwrap();
    // The open looks the same; the AER after it is where the policies part.
    assert_eq!(arm["first_divergence"], 4);
}

#[test]
fn gen_model_writes_a_crate_and_refuses_a_foreign_directory() {
    let dir = std::env::temp_dir().join(format!("switchyard-gen-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let o = run(&[
        "gen",
        "model",
        "vfio-hard-fail",
        "-o",
        dir.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    for f in [
        "Cargo.toml",
        "src/lib.rs",
        "src/bin/check.rs",
        "tests/agree.rs",
        "policy/vfio-hard-fail.policy.rs",
    ] {
        assert!(dir.join(f).is_file(), "{f} missing");
    }
    // Rewriting its own output is fine; a directory with other files is not touched.
    assert!(run(&[
        "gen",
        "model",
        "vfio-hard-fail",
        "-o",
        dir.to_str().unwrap()
    ])
    .status
    .success());
    let foreign = dir.join("src");
    let o = run(&[
        "gen",
        "model",
        "status-quo",
        "-o",
        foreign.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("is not an empty directory"),
        "{}",
        stderr(&o)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bench_prints_figures() {
    let o = run(&["bench", "--seconds", "0.2", "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        v["scenario"], "arm-switch-vfio",
        "the largest built-in scenario"
    );
    assert!(v["states_per_second"].as_f64().unwrap() > 0.0);
    assert!(v["bytes_per_state"].as_u64().unwrap() > 0);
}

/// `confirm` plans every case before any kernel work: a policy without C gets a row per
/// case (the fixed script and each violated property's counterexample), each not
/// replayable with the generator's reason, and no kernel is built (the cache is never
/// touched).
#[test]
fn confirm_reports_cases_it_cannot_replay_with_their_reason() {
    let policy = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/ats-at-bind.policy.rs");
    let rows = &confirm_rows(&policy, "linux-6.12");
    let cases: Vec<&str> = rows.iter().map(|r| r["case"].as_str().unwrap()).collect();
    assert_eq!(
        cases,
        [
            "script",
            "trace msi-delivered",
            "trace no-silent-loss",
            "trace no-warn"
        ]
    );
    // A counterexample that is boot itself is not replayable for that reason first.
    for r in rows {
        assert_eq!(r["result"], "not_replayable");
        let why = r["detail"].as_str().unwrap();
        assert!(
            why.contains("has no C rendering") || why.contains("is the boot itself"),
            "{r}"
        );
    }
    assert!(rows[0]["detail"]
        .as_str()
        .unwrap()
        .contains("has no C rendering"));
    assert!(!std::path::Path::new("/nonexistent/cache").exists());
}

/// The rows of `confirm POLICY -s arm-port-vfio --base BASE --format json`, for a policy
/// whose cases need no kernel (the cache given does not exist).
fn confirm_rows(policy: &std::path::Path, base: &str) -> Vec<serde_json::Value> {
    let o = run(&[
        "confirm",
        policy.to_str().unwrap(),
        "-s",
        "arm-port-vfio",
        "--base",
        base,
        "--cache",
        "/nonexistent/cache",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let t: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    t["rows"].as_array().unwrap().clone()
}

/// `bench --scale` in JSON: each row names the policy, the scenario it grew and the base,
/// so rows of runs on two bases can be compared without the text header.
#[test]
fn bench_scale_rows_name_policy_scenario_and_base() {
    for base in ["linux-6.12", "linux-7.3"] {
        let o = run(&[
            "bench",
            "-s",
            "arm-port-vfio",
            "--scale",
            "1..=2",
            "--base",
            base,
            "--format",
            "json",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let rows = v.as_array().unwrap();
        assert_eq!(rows.len(), 2);
        for (k, r) in rows.iter().enumerate() {
            assert_eq!(r["policy"], "status-quo", "{r}");
            assert_eq!(r["scenario"], "arm-port-vfio", "{r}");
            assert_eq!(r["base"], base, "{r}");
            assert_eq!(r["copies"], k + 1, "{r}");
            assert_eq!(r["groups"], k + 1, "{r}");
        }
    }
}

/// `confirm --base` asks the kernel about the counterexamples of that base's model: on
/// arm-port-vfio park-blocked loses the port's MSIs on 6.12 (msi-delivered and
/// no-silent-loss violated), while 7.3 refuses them in the blocking domain and the port
/// falls back to INTx, so a 7.3 confirm has no such traces to replay. A policy without C
/// plans its cases without any kernel work.
#[test]
fn confirm_plans_the_counterexamples_of_the_base_it_boots() {
    let dir = std::env::temp_dir().join(format!("switchyard-confirm-base-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let policy = dir.join("parked-ats.policy.rs");
    std::fs::write(
        &policy,
        "policy! {\n\
         \x20   /// park-blocked, turning ATS on when a driver binds: no C on either base.\n\
         \x20   name = \"parked-ats\";\n\
         \x20   extends = \"park-blocked\";\n\
         \x20   on bus_notify(BoundDriver, dev) {\n\
         \x20       ats(dev, On)?;\n\
         \x20   }\n\
         }\n",
    )
    .unwrap();
    let cases = |base: &str| -> Vec<String> {
        confirm_rows(&policy, base)
            .iter()
            .map(|r| r["case"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        cases("linux-6.12"),
        [
            "script",
            "trace msi-delivered",
            "trace no-silent-loss",
            "trace no-warn"
        ]
    );
    assert_eq!(cases("linux-7.3"), ["script", "trace no-warn"]);
    std::fs::remove_dir_all(&dir).unwrap();
}
