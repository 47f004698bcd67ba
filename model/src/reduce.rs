//! A scenario checked in components: the reduction that keeps every verdict and the
//! length of every shortest trace.
//!
//! A transition reads and changes only the groups [`Mv::groups`] names (a device's group;
//! for an error raised below a root port, the port's group too), and every property is
//! judged device by device or group by group, each within its own group. So two groups
//! that no transition joins evolve independently: the whole search's states are every
//! combination of the components' states, and its transitions interleave theirs. Hence:
//!
//! - a state or step property is violated in the whole search exactly when it is in some
//!   component, and the shortest counterexample of the whole is the shortest of any
//!   component (moves of other components cannot help, and can be left out of any trace);
//! - `vfio-usable` holds when every component's groups can be opened; its shortest failed
//!   attempt is the shortest of any component;
//! - the whole search's state count is the product of the components' counts, and its
//!   transition count the sum, over components, of each one's transitions times the
//!   other components' states.
//!
//! A component is checked as the whole scenario with only its own moves: the other
//! groups stay as boot left them, as they would in any trace of the whole search that
//! leaves their moves out. Components that are the same up to the names of their
//! devices, groups and moves (same devices in the same tree, same drivers, same moves
//! with the same bounds) are checked once: the policy cannot tell them apart, as the
//! language has no way to name a device. Each trace is replayed on the whole scenario,
//! so it shows the boot and states of every group.
//!
//! The reduction-equivalence test (`model/tests/reduction.rs`) holds this to the whole
//! search on every built-in and on grown scenarios: the same verdicts, the same trace
//! lengths, and the product and sum above equal to the whole search's counts.

use crate::explore::{self, Findings, Options, Reduction, Report, Stats};
use crate::interp::PolicyHooks;
use crate::machine::{GroupId, Machine};
use crate::moves::Mv;
use std::time::Instant;
use switchyard_dsl::scenario::{Device, Scenario};

/// Groups no transition joins with groups outside it, and the scenario's moves (by
/// index) that act on them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Component {
    pub groups: Vec<GroupId>,
    pub moves: Vec<usize>,
}

/// The scenario's components, in the order of their first group. Groups no move acts on
/// belong to none: boot decides them once and for all.
pub fn components(scenario: &Scenario) -> Vec<Component> {
    let layout = Machine::layout(scenario);
    let n = scenario.groups.len();
    let mut parent: Vec<usize> = (0..n).collect();
    fn root(parent: &mut [usize], mut g: usize) -> usize {
        while parent[g] != g {
            parent[g] = parent[parent[g]];
            g = parent[g];
        }
        g
    }
    let touched: Vec<Vec<GroupId>> = scenario
        .moves
        .iter()
        .map(|m| {
            let mut gs: Vec<GroupId> = Mv::resolve(scenario, &m.mv)
                .into_iter()
                .flat_map(|mv| mv.groups(&layout, scenario))
                .collect();
            gs.sort_unstable();
            gs.dedup();
            gs
        })
        .collect();
    for gs in &touched {
        for w in gs.windows(2) {
            let (a, b) = (root(&mut parent, w[0]), root(&mut parent, w[1]));
            parent[a.max(b)] = a.min(b);
        }
    }
    let mut out: Vec<Component> = Vec::new();
    let mut of_root: Vec<Option<usize>> = vec![None; n];
    for (i, gs) in touched.iter().enumerate() {
        let r = root(&mut parent, gs[0]);
        let c = *of_root[r].get_or_insert_with(|| {
            out.push(Component {
                groups: (0..n)
                    .filter(|&g| root(&mut parent.clone(), g) == r)
                    .collect(),
                moves: Vec::new(),
            });
            out.len() - 1
        });
        out[c].moves.push(i);
    }
    out.sort_by_key(|c| c.groups[0]);
    out
}

/// The component as the policy sees it: its devices, groups and moves with every name
/// replaced by its position in the component. Two components with one signature are
/// explored alike.
fn signature(scenario: &Scenario, c: &Component) -> String {
    let layout = Machine::layout(scenario);
    let devices: Vec<usize> = (0..scenario.devices.len())
        .filter(|&d| c.groups.contains(&layout[d]))
        .collect();
    let local_dev = |name: &str| -> String {
        match scenario.devices.iter().position(|d| d.name == name) {
            Some(d) => match devices.iter().position(|&x| x == d) {
                Some(i) => format!("d{i}"),
                None => "outside".to_string(),
            },
            None => "unknown".to_string(),
        }
    };
    let local_group = |name: &str| -> String {
        match scenario.groups.iter().position(|g| g.name == name) {
            Some(g) => match c.groups.iter().position(|&x| x == g) {
                Some(i) => format!("g{i}"),
                None => "outside".to_string(),
            },
            None => "unknown".to_string(),
        }
    };
    let mut sig = String::new();
    for &d in &devices {
        let dev = &scenario.devices[d];
        let local = Device {
            name: local_dev(&dev.name),
            doc: String::new(),
            group: local_group(&dev.group),
            pci: String::new(),
            parent: dev.parent.as_deref().map(local_dev),
            ..dev.clone()
        };
        let root = scenario.root_port(&dev.name).map(|r| local_dev(&r.name));
        sig.push_str(&format!("{local:?} root={root:?}\n"));
    }
    for &i in &c.moves {
        let m = &scenario.moves[i];
        let mv = m.mv.rename(local_dev, local_group);
        sig.push_str(&format!("{mv:?} <= {}\n", m.bound));
    }
    sig
}

/// The scenario with only the component's moves.
fn restrict(scenario: &Scenario, c: &Component) -> Scenario {
    let mut s = scenario.clone();
    s.moves = c.moves.iter().map(|&i| scenario.moves[i].clone()).collect();
    s.script.clear();
    s
}

/// Checks `scenario` in components, each class of identical ones once; a scenario of one
/// component (or none) is checked whole.
pub fn check(hooks: &dyn PolicyHooks, scenario: &Scenario, opts: Options) -> Report {
    let start = Instant::now();
    let comps = components(scenario);
    if comps.len() <= 1 {
        let mut r = explore::check(hooks, scenario, opts.unreduced());
        r.stats.micros = start.elapsed().as_micros();
        return r;
    }
    let applicable = explore::applicable(scenario);
    // Classes of identical components, in the order of their first member.
    let mut classes: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, c) in comps.iter().enumerate() {
        let sig = signature(scenario, c);
        match classes.iter_mut().find(|(s, _)| *s == sig) {
            Some((_, members)) => members.push(i),
            None => classes.push((sig, vec![i])),
        }
    }
    let searched: Vec<(explore::Raw, usize)> = classes
        .iter()
        .map(|(_, members)| {
            let sub = restrict(scenario, &comps[members[0]]);
            (
                explore::search(hooks, &sub, &applicable, opts),
                members.len(),
            )
        })
        .collect();

    // The verdicts: the shortest finding of any component, the first class on a tie.
    let mut f = Findings {
        complete: searched.iter().all(|(r, _)| r.findings.complete),
        ..Findings::default()
    };
    for (raw, _) in &searched {
        for (p, path, why) in &raw.findings.found {
            match f.found.iter_mut().find(|x| x.0 == *p) {
                Some(best) if best.1.len() <= path.len() => {}
                Some(best) => *best = (*p, path.clone(), why.clone()),
                None => f.found.push((*p, path.clone(), why.clone())),
            }
        }
        f.opened.extend(raw.findings.opened.iter().copied());
        if let Some((path, why)) = &raw.findings.failed_open {
            if f.failed_open
                .as_ref()
                .map_or(true, |b| path.len() < b.0.len())
            {
                f.failed_open = Some((path.clone(), why.clone()));
            }
        }
    }
    let verdicts = explore::verdicts(hooks, scenario, opts.base, &applicable, &f);

    // The whole search's counts, from each component's.
    let per_comp: Vec<(f64, f64)> = searched
        .iter()
        .flat_map(|(r, n)| std::iter::repeat((r.states as f64, r.transitions as f64)).take(*n))
        .collect();
    let full_states: f64 = per_comp.iter().map(|c| c.0).product();
    let full_transitions: f64 = per_comp
        .iter()
        .map(|c| c.1 * full_states / c.0.max(1.0))
        .sum();
    let states: usize = searched.iter().map(|(r, _)| r.states).sum();
    let bytes: usize = searched
        .iter()
        .map(|(r, _)| r.bytes_per_state * r.states)
        .sum();
    Report {
        policy: hooks.policy_name().to_string(),
        scenario: scenario.name.clone(),
        verdicts,
        stats: Stats {
            states,
            transitions: searched.iter().map(|(r, _)| r.transitions).sum(),
            depth: searched.iter().map(|(r, _)| r.depth).max().unwrap_or(0),
            complete: f.complete,
            bytes_per_state: bytes / states.max(1),
            reduction: Some(Reduction {
                components: comps.len(),
                explored: classes.len(),
                full_states,
                full_transitions,
                full_depth: searched.iter().map(|(r, n)| r.depth * n).sum(),
            }),
            omission_probability: opts
                .hash_compact
                .then(|| crate::store::omission_probability(states)),
            micros: start.elapsed().as_micros(),
        },
    }
}
