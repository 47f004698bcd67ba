//! The reduced search against the whole one: checking a scenario in components, identical
//! components once, gives every verdict and the length of every shortest trace that the
//! whole search gives, and the components' counts combine to the whole search's counts.
//! Packing, hash compaction and the number of threads change nothing either.

use switchyard_dsl::{builtins, load_policy, load_scenario, Base, Policy, Scenario, SourceKind};
use switchyard_model::{check, Interpreter, Options, Report, Status};

fn policies() -> Vec<Policy> {
    builtins(SourceKind::Policy)
        .map(|b| load_policy(b.name).unwrap())
        .collect()
}

fn scenarios() -> Vec<Scenario> {
    builtins(SourceKind::Scenario)
        .map(|b| load_scenario(b.name).unwrap())
        .collect()
}

/// Each verdict's status and trace length.
fn verdicts(r: &Report) -> Vec<(String, Status, usize)> {
    r.verdicts
        .iter()
        .map(|v| (v.property.to_string(), v.status, v.trace.len()))
        .collect()
}

/// The reduced search agrees with the whole one on `s` under `p`; returns how many
/// components the reduction checked `s` in.
fn agree(p: &Policy, s: &Scenario) -> usize {
    agree_on(p, s, Base::default())
}

/// [`agree`] on a kernel base.
fn agree_on(p: &Policy, s: &Scenario, base: Base) -> usize {
    let hooks = Interpreter { policy: p };
    let opts = Options {
        base,
        ..Options::default()
    };
    let whole = check(&hooks, s, opts.unreduced());
    let reduced = check(&hooks, s, opts);
    assert!(whole.stats.complete, "{} on {}: budget", p.name, s.name);
    assert_eq!(
        verdicts(&reduced),
        verdicts(&whole),
        "{} on {}: verdicts or trace lengths differ",
        p.name,
        s.name
    );
    match &reduced.stats.reduction {
        None => {
            assert_eq!(reduced.stats.states, whole.stats.states);
            assert_eq!(reduced.stats.transitions, whole.stats.transitions);
            1
        }
        Some(red) => {
            assert_eq!(
                red.full_states, whole.stats.states as f64,
                "{} on {}: the components' states do not multiply to the whole search's",
                p.name, s.name
            );
            assert_eq!(
                red.full_transitions, whole.stats.transitions as f64,
                "{} on {}: transitions",
                p.name, s.name
            );
            assert_eq!(
                red.full_depth, whole.stats.depth,
                "{} on {}",
                p.name, s.name
            );
            assert!(reduced.stats.states < whole.stats.states);
            red.components
        }
    }
}

/// Two scenarios of one platform side by side, the second's names suffixed.
fn side_by_side(a: &Scenario, b: &Scenario) -> Scenario {
    let mut two = b.grown(2);
    let n = b.devices.len();
    let g = b.groups.len();
    let m = b.moves.len();
    let mut s = a.clone();
    s.name = format!("{}+{}", a.name, b.name);
    s.script.clear();
    s.devices.extend(two.devices.drain(n..));
    s.groups.extend(two.groups.drain(g..));
    s.moves.extend(two.moves.drain(m..));
    for d in &b.drivers {
        if !s.drivers.iter().any(|x| x.name == d.name) {
            s.drivers.push(d.clone());
        }
    }
    s
}

#[test]
fn the_reduced_search_gives_the_whole_searchs_verdicts_and_trace_lengths_on_every_built_in() {
    for p in policies() {
        for s in scenarios() {
            agree(&p, &s);
        }
    }
}

/// On Linux 7.3 too (the policies that apply to it): a move still reaches only its own
/// groups, whichever base's facts it runs with.
#[test]
fn the_reduction_holds_on_linux_7_3() {
    for p in policies().iter().filter(|p| p.applies_to(Base::Linux73)) {
        for s in scenarios() {
            agree_on(p, &s, Base::Linux73);
            agree_on(p, &s.grown(2), Base::Linux73);
        }
    }
}

#[test]
fn grown_scenarios_are_checked_one_copy_at_a_time_with_the_same_verdicts() {
    let policies = policies();
    for s in scenarios() {
        // Three copies where one is small; two otherwise (the whole search is the cube,
        // or the square, of one copy's).
        let one = check(
            &Interpreter {
                policy: &policies[0],
            },
            &s,
            Options::default().unreduced(),
        )
        .stats
        .states;
        let copies = if one <= 64 { 3 } else { 2 };
        let grown = s.grown(copies);
        for p in &policies {
            let comps = agree(p, &grown);
            assert!(comps >= copies, "{} x{copies}: {comps} components", s.name);
        }
    }
}

#[test]
fn different_scenarios_side_by_side_keep_each_ones_shortest_trace() {
    let all = scenarios();
    let pairs = [
        ("arm-port-vfio", "arm-switch-vfio"),
        ("arm-port-vfio", "rmr-require-direct"),
        ("x86-port-vfio", "x86-identity-vfio"),
        ("arm-port-window", "cxl-ats-required"),
    ];
    let find = |n: &str| all.iter().find(|s| s.name == n).unwrap();
    for p in policies() {
        for (a, b) in pairs {
            let (a, b) = (find(a), find(b));
            assert_eq!(a.platform, b.platform);
            agree(&p, &side_by_side(a, b));
        }
    }
}

#[test]
fn threads_hash_compaction_and_the_memo_change_no_report() {
    let s = load_scenario("arm-port-vfio").unwrap().grown(3);
    for (name, kernel) in [
        ("status-quo", Base::Linux612),
        ("msi-reroute", Base::Linux612),
        ("park-blocked", Base::Linux612),
        ("status-quo", Base::Linux73),
        ("park-blocked", Base::Linux73),
    ] {
        let p = load_policy(name).unwrap();
        let hooks = Interpreter { policy: &p };
        let base = Options {
            base: kernel,
            ..Options::default()
        }
        .unreduced();
        let one = check(&hooks, &s, Options { threads: 1, ..base });
        let two = check(&hooks, &s, Options { threads: 2, ..base });
        let compact = check(
            &hooks,
            &s,
            Options {
                hash_compact: true,
                threads: 2,
                ..base
            },
        );
        let computed = check(
            &hooks,
            &s,
            Options {
                memo: false,
                ..base
            },
        );
        assert_eq!(one.verdicts, computed.verdicts, "{name}");
        assert_eq!(one.stats.states, computed.stats.states, "{name}");
        assert_eq!(one.stats.transitions, computed.stats.transitions, "{name}");
        assert_eq!(one.verdicts, two.verdicts, "{name}");
        assert_eq!(one.stats.states, two.stats.states, "{name}");
        assert_eq!(one.stats.transitions, two.stats.transitions, "{name}");
        assert_eq!(one.verdicts, compact.verdicts, "{name}");
        assert_eq!(one.stats.states, compact.stats.states, "{name}");
        assert!(compact.stats.omission_probability.unwrap() < 1e-9);
    }
}

#[test]
fn sixteen_copies_are_one_component_explored_once() {
    let p = load_policy("status-quo").unwrap();
    let s = load_scenario("arm-port-vfio").unwrap();
    let hooks = Interpreter { policy: &p };
    let one = check(&hooks, &s, Options::default());
    let r = check(&hooks, &s.grown(16), Options::default());
    let red = r.stats.reduction.as_ref().unwrap();
    assert_eq!(red.components, 16);
    assert_eq!(red.explored, 1);
    assert_eq!(red.full_states, (one.stats.states as f64).powi(16));
    assert_eq!(r.stats.states, one.stats.states);
    for (a, b) in one.verdicts.iter().zip(&r.verdicts) {
        assert_eq!((a.status, a.trace.len()), (b.status, b.trace.len()));
    }
}
