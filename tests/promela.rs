//! The Promela back-end against the checker: for every built-in policy on every built-in
//! scenario, SPIN's exhaustive search gives the checker's verdicts, and its plain state
//! space is the checker's states plus SPIN's state before boot. Needs `spin` and `gcc`
//! (.ci/deps installs both).

use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use switchyard::dsl::{self, Base, Policy, Scenario, SourceKind};
use switchyard::spin::{self, Options, SpinReport};
use switchyard_model::promela::{self, prop_number, ALL_PROPERTIES};
use switchyard_model::{self as model, Interpreter, Property, Report, Status};

fn builtins(kind: SourceKind) -> Vec<String> {
    dsl::builtins(kind).map(|b| b.name.to_string()).collect()
}

/// pan compiled without optimisation: the state spaces are small, and gcc at -O2 takes
/// three times as long on pan.c.
fn quick() -> Options {
    Options {
        opt_level: 0,
        ..Options::default()
    }
}

/// A policy on a scenario on a kernel base.
type Pair<'a> = (&'a Policy, &'a Scenario, Base);

/// What differs between the checker and SPIN on one pair, if anything.
fn disagreement(ours: &Report, spin: &SpinReport) -> Vec<String> {
    let mut out = Vec::new();
    for v in &ours.verdicts {
        let theirs = spin.status(v.property);
        if theirs != v.status {
            out.push(format!(
                "{}: checker {}, SPIN {}",
                v.property,
                v.status.label(),
                theirs.label()
            ));
        }
    }
    let (states, transitions) = (ours.stats.states as u64, ours.stats.transitions as u64);
    // SPIN stores the state before boot; its transitions are boot's and pan's count of
    // the initial state more (transitions = stored + matched).
    if spin.plain.states != states + 1 {
        out.push(format!(
            "states: checker {states}, SPIN PROP=0 {} (expected {})",
            spin.plain.states,
            states + 1
        ));
    }
    if spin.plain.transitions != transitions + 2 {
        out.push(format!(
            "transitions: checker {transitions}, SPIN PROP=0 {} (expected {})",
            spin.plain.transitions,
            transitions + 2
        ));
    }
    // The assertions change no state: the property search explores the same graph.
    if (spin.properties.states, spin.properties.transitions)
        != (spin.plain.states, spin.plain.transitions)
    {
        out.push(format!(
            "PROP={ALL_PROPERTIES} explored {} states and {} transitions, PROP=0 {} and {}",
            spin.properties.states,
            spin.properties.transitions,
            spin.plain.states,
            spin.plain.transitions
        ));
    }
    if !spin.plain.complete || !spin.properties.complete {
        out.push("a search did not complete".to_string());
    }
    out
}

/// Checks every pair with SPIN and the checker, a few at once; the pairs that disagree,
/// with what differs.
fn disagreements(pairs: &[Pair]) -> Vec<String> {
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(1, 4));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(&(p, s, base)) = pairs.get(i) else {
                    break;
                };
                // The whole search: SPIN explores every interleaving, so the counts compare
                // only with the checker's unreduced search.
                let ours = model::check(
                    &Interpreter { policy: p },
                    s,
                    model::Options {
                        base,
                        ..model::Options::default()
                    }
                    .unreduced(),
                );
                assert!(ours.stats.complete, "{} on {}", p.name, s.name);
                let problems = match spin::check_with(p, s, &Options { base, ..quick() }) {
                    Ok(r) => disagreement(&ours, &r),
                    Err(e) => vec![format!("SPIN failed: {e}")],
                };
                if !problems.is_empty() {
                    failures.lock().unwrap().push(format!(
                        "{} on {} ({base}):\n  {}",
                        p.name,
                        s.name,
                        problems.join("\n  ")
                    ));
                }
            });
        }
    });
    failures.into_inner().unwrap()
}

/// Every pair agrees, or the test fails naming each that does not and how.
fn assert_agree(pairs: &[Pair]) {
    let failures = disagreements(pairs);
    assert!(
        failures.is_empty(),
        "{} of {} pairs disagree:\n{}",
        failures.len(),
        pairs.len(),
        failures.join("\n")
    );
}

#[test]
fn spin_agrees_with_the_checker_on_every_built_in_pair() {
    let policies: Vec<Policy> = builtins(SourceKind::Policy)
        .iter()
        .map(|n| dsl::load_policy(n).unwrap())
        .collect();
    let scenarios: Vec<Scenario> = builtins(SourceKind::Scenario)
        .iter()
        .map(|n| dsl::load_scenario(n).unwrap())
        .collect();
    assert_eq!((policies.len(), scenarios.len()), (9, 13));
    let pairs: Vec<Pair> = policies
        .iter()
        .flat_map(|p| scenarios.iter().map(move |s| (p, s, Base::Linux612)))
        .collect();
    assert_agree(&pairs);
}

/// Linux 7.3's facts in Promela as in the checker: status-quo, a policy that binds a
/// driver with interrupts in a blocked group (irq-only-driver-flag: 7.3 refuses the MSI
/// preparation there) and one that reads `cfg(IRQ_MSI_IOMMU)` (vfio-hard-fail) on every
/// built-in scenario, and the policy using every construct on the scenarios of the test
/// below, whose retarget_msis meets 7.3's refusal too.
#[test]
fn spin_agrees_with_the_checker_on_linux_7_3() {
    let policies: Vec<Policy> = ["status-quo", "irq-only-driver-flag", "vfio-hard-fail"]
        .iter()
        .map(|n| dsl::load_policy(n).unwrap())
        .collect();
    let every = dsl::load_policy(&fixture("promela/every-construct.policy.rs")).unwrap();
    let scenarios: Vec<Scenario> = builtins(SourceKind::Scenario)
        .iter()
        .map(|n| dsl::load_scenario(n).unwrap())
        .collect();
    let own: Vec<Scenario> = ["iommufd-identity", "x86-rmr-switch"]
        .iter()
        .map(|n| dsl::load_scenario(&fixture(&format!("promela/{n}.scenario.rs"))).unwrap())
        .collect();
    let mut pairs: Vec<Pair> = policies
        .iter()
        .flat_map(|p| scenarios.iter().map(move |s| (p, s, Base::Linux73)))
        .collect();
    pairs.extend(
        own.iter()
            .chain(scenarios.iter().filter(|s| {
                ["arm-port-vfio", "arm-switch-vfio", "singleton-managed-irq"]
                    .contains(&s.name.as_str())
            }))
            .map(|s| (&every, s, Base::Linux73)),
    );
    assert_agree(&pairs);
}

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// The constructs and scenario settings the built-ins leave out: every action and
/// attribute (tests/fixtures/promela/every-construct.policy.rs, and ats-at-bind), iommufd,
/// identity default domains, hot-plug and removal of a device with a driver, an untrusted
/// device, switches with and without ACS, x86 with a direct-mapped device.
#[test]
fn spin_agrees_with_the_checker_on_every_construct() {
    let every = dsl::load_policy(&fixture("promela/every-construct.policy.rs")).unwrap();
    let ats = dsl::load_policy(&fixture("ats-at-bind.policy.rs")).unwrap();
    let mut scenarios: Vec<Scenario> = ["iommufd-identity", "x86-rmr-switch"]
        .iter()
        .map(|n| dsl::load_scenario(&fixture(&format!("promela/{n}.scenario.rs"))).unwrap())
        .collect();
    let own = scenarios.len();
    // And the built-ins with a switch, with ATS required, with an untrusted device.
    scenarios.extend(
        ["arm-switch-vfio", "cxl-ats-required", "untrusted-external"]
            .iter()
            .map(|n| dsl::load_scenario(n).unwrap()),
    );
    let (sq, reroute) = (
        dsl::load_policy("status-quo").unwrap(),
        dsl::load_policy("msi-reroute").unwrap(),
    );
    let base = Base::Linux612;
    let mut pairs: Vec<Pair> = scenarios.iter().map(|s| (&every, s, base)).collect();
    for s in &scenarios[..own] {
        pairs.extend([(&ats, s, base), (&sq, s, base), (&reroute, s, base)]);
    }
    assert_agree(&pairs);
}

/// Each `PROP=k` alone finds exactly what the search of all of them finds for property
/// k, so the macro selects one property and no other.
#[test]
fn each_prop_alone_gives_its_verdict() {
    let policy = dsl::load_policy("status-quo").unwrap();
    let scenario = dsl::load_scenario("arm-port-vfio").unwrap();
    let all = spin::check_with(&policy, &scenario, &quick()).unwrap();
    let model = promela::promela(&policy, &scenario, Base::default()).unwrap();
    // The scenario exercises violated, holding and not-applicable properties.
    let statuses: Vec<Status> = all.verdicts.iter().map(|v| v.status).collect();
    for s in [Status::Holds, Status::Violated, Status::NotApplicable] {
        assert!(statuses.contains(&s), "{statuses:?}");
    }
    for p in Property::ALL {
        let k = prop_number(p);
        let run = spin::search_prop(&policy, &scenario, k, &quick()).unwrap();
        assert_eq!(run.states, all.plain.states, "{p}");
        let reported: Vec<Option<Property>> =
            run.violated.iter().map(|a| model.property_of(a)).collect();
        assert!(reported.iter().all(|r| *r == Some(p)), "{p}: {reported:?}");
        let fired = !run.violated.is_empty();
        let expected = match all.status(p) {
            Status::Violated => true,
            Status::Holds => p == Property::VfioUsable,
            Status::NotApplicable => false,
            Status::Inconclusive => panic!("{p}: inconclusive"),
        };
        assert_eq!(fired, expected, "PROP={k} ({p})");
    }
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the binary runs")
}

#[test]
fn gen_promela_prints_or_writes_the_model() {
    let o = run(&["gen", "promela", "vfio-hard-fail", "-s", "arm-port-vfio"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let text = String::from_utf8(o.stdout).unwrap();
    let policy = dsl::load_policy("vfio-hard-fail").unwrap();
    let scenario = dsl::load_scenario("arm-port-vfio").unwrap();
    assert_eq!(
        text,
        promela::promela(&policy, &scenario, Base::default())
            .unwrap()
            .text
    );

    let dir = std::env::temp_dir().join(format!("switchyard-gen-promela-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("model.pml");
    let o = run(&[
        "gen",
        "promela",
        "vfio-hard-fail",
        "-s",
        "arm-port-vfio",
        "-o",
        file.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text);
    assert!(String::from_utf8(o.stdout)
        .unwrap()
        .contains("spin -DPROP="));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn gen_promela_refuses_unknown_names_with_exit_2() {
    let o = run(&["gen", "promela", "no-such-policy", "-s", "arm-port-vfio"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no-such-policy"));
    let o = run(&["gen", "promela", "status-quo", "-s", "no-such-scenario"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no-such-scenario"));
    let o = run(&["gen", "promela", "status-quo"]);
    assert_eq!(o.status.code(), Some(2));
}
