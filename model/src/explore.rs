//! The exhaustive checker: breadth-first over a scenario's moves within their bounds, each
//! distinct state stored once, so the first violation found for a property has a shortest
//! trace. A state budget ends the search with "inconclusive", never with memory exhaustion.

use crate::interp::PolicyHooks;
use crate::machine::{GroupId, Machine, State, VfioStep};
use crate::moves::{apply, boot, enabled, Mv, Outcome};
use crate::props::{boot_violation, state_violation, step_violation, user_has, Property};
use serde::Serialize;
use std::collections::{HashMap, VecDeque};
use std::time::Instant;
use switchyard_dsl::scenario::{Move, Scenario, VfioBackend};

/// Explores at most this many distinct states unless told otherwise.
pub const DEFAULT_MAX_STATES: usize = 2_000_000;

#[derive(Clone, Copy, Debug)]
pub struct Options {
    pub max_states: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_states: DEFAULT_MAX_STATES,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Holds,
    Violated,
    NotApplicable,
    Inconclusive,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Holds => "holds",
            Status::Violated => "VIOLATED",
            Status::NotApplicable => "n/a",
            Status::Inconclusive => "inconclusive",
        }
    }
}

/// One numbered step of a trace: the move, what it returned, what happened inside it,
/// and the state it changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Step {
    /// 0 is boot.
    pub n: usize,
    #[serde(rename = "move")]
    pub mv: String,
    pub outcome: Option<Outcome>,
    pub events: Vec<String>,
    pub changes: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub property: Property,
    pub status: Status,
    /// Why it is violated (or, for `vfio-usable`, what stopped the user).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The shortest counterexample (for `vfio-usable`: the shortest failed attempt).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub trace: Vec<Step>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Stats {
    pub states: usize,
    pub transitions: usize,
    pub depth: usize,
    /// Whether every reachable state was explored.
    pub complete: bool,
    /// Approximate memory per stored state, in bytes.
    pub bytes_per_state: usize,
    /// Wall time; not part of snapshots.
    #[serde(skip)]
    pub micros: u128,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Report {
    pub policy: String,
    pub scenario: String,
    pub verdicts: Vec<Verdict>,
    pub stats: Stats,
}

impl Report {
    pub fn violated(&self) -> bool {
        self.verdicts.iter().any(|v| v.status == Status::Violated)
    }
    pub fn verdict(&self, p: Property) -> &Verdict {
        self.verdicts
            .iter()
            .find(|v| v.property == p)
            .expect("every property has a verdict")
    }
}

/// Where a state came from: its parent's index and the move (index into the scenario's
/// moves) that led here.
#[derive(Clone, Copy)]
struct Link {
    parent: u32,
    mv: u16,
}

/// A transition the checker tries, and the scenario move whose bound it counts against:
/// the first kernel step of a move counts, the steps that continue it (the attach and
/// MSI cookie of an open, the release of a close) are enabled only by the state the
/// first one leaves.
#[derive(Clone, Copy)]
pub(crate) struct Transition {
    pub(crate) mv: Mv,
    pub(crate) bound: Option<usize>,
}

/// The transitions of a scenario: every kernel step of every move, each once.
pub(crate) fn transitions(s: &Scenario) -> Vec<Transition> {
    let mut out: Vec<Transition> = Vec::new();
    for (i, m) in s.moves.iter().enumerate() {
        for (k, mv) in Mv::resolve(s, &m.mv).into_iter().enumerate() {
            if !out.iter().any(|t| t.mv == mv) {
                out.push(Transition {
                    mv,
                    bound: (k == 0).then_some(i),
                });
            }
        }
    }
    out
}

/// Checks a policy against a scenario.
pub fn check(hooks: &dyn PolicyHooks, scenario: &Scenario, opts: Options) -> Report {
    let start = Instant::now();
    let moves = transitions(scenario);
    let applicable: Vec<Property> = Property::ALL
        .into_iter()
        .filter(|p| p.applies(scenario))
        .collect();
    let vfio_groups: Vec<usize> = moves
        .iter()
        .filter_map(|t| {
            if let Mv::VfioClaim(g) = t.mv {
                Some(g)
            } else {
                None
            }
        })
        .collect();

    let (init, _, boot_warning) = boot(scenario, hooks, false);
    let mut index: HashMap<State, u32> = HashMap::new();
    let mut links: Vec<Link> = vec![Link {
        parent: u32::MAX,
        mv: u16::MAX,
    }];
    let mut depth_of: Vec<u16> = vec![0];
    let mut queue: VecDeque<(State, u32)> = VecDeque::new();
    // First violation per property: (state index before the move, the move), or the state
    // itself (move None) for state properties.
    let mut found: HashMap<Property, (u32, Option<u16>, String)> = HashMap::new();
    let mut opened: Vec<bool> = vec![false; vfio_groups.len()];
    let mut failed_open: Option<(u32, u16, String)> = None;
    let mut transitions = 0usize;
    let mut complete = true;

    let check_state =
        |m: &Machine, idx: u32, found: &mut HashMap<Property, (u32, Option<u16>, String)>| {
            for &p in &applicable {
                if let std::collections::hash_map::Entry::Vacant(e) = found.entry(p) {
                    if let Some(why) = state_violation(m, p) {
                        e.insert((idx, None, why));
                    }
                }
            }
        };

    {
        let mut m = Machine::new(scenario, init.clone());
        m.warning = boot_warning;
        check_state(&m, 0, &mut found);
        for &p in &applicable {
            if let Some(why) = boot_violation(&m, p) {
                found.entry(p).or_insert((0, None, why));
            }
        }
        for (i, &g) in vfio_groups.iter().enumerate() {
            opened[i] |= user_has(&m, g);
        }
    }
    index.insert(init.clone(), 0);
    queue.push_back((init, 0));

    let mut max_depth = 0usize;
    'search: while let Some((state, idx)) = queue.pop_front() {
        let depth = usize::from(depth_of[idx as usize]);
        max_depth = max_depth.max(depth);
        for (mi, t) in moves.iter().enumerate() {
            let mv = t.mv;
            if t.bound
                .is_some_and(|b| state.used[b] >= scenario.moves[b].bound as u8)
            {
                continue;
            }
            let mut m = Machine::new(scenario, state.clone());
            if !enabled(&m, mv) {
                continue;
            }
            if let Some(b) = t.bound {
                m.state.used[b] += 1;
            }
            let outcome = apply(&mut m, hooks, mv);
            transitions += 1;
            for &p in &applicable {
                if let std::collections::hash_map::Entry::Vacant(e) = found.entry(p) {
                    if let Some(why) = step_violation(&state, &m, mv, &outcome, p) {
                        e.insert((idx, Some(mi as u16), why));
                    }
                }
            }
            if let (
                Mv::VfioClaim(_) | Mv::VfioAttach(_) | Mv::VfioCookie(_),
                Outcome::Failed { errno },
            ) = (mv, &outcome)
            {
                if failed_open.is_none() {
                    failed_open = Some((
                        idx,
                        mi as u16,
                        format!("{} fails with {errno}", mv.label(scenario)),
                    ));
                }
            }
            if index.contains_key(&m.state) {
                continue;
            }
            if index.len() >= opts.max_states {
                complete = false;
                break 'search;
            }
            let new_idx = links.len() as u32;
            check_state(&m, new_idx, &mut found);
            for (i, &g) in vfio_groups.iter().enumerate() {
                opened[i] |= user_has(&m, g);
            }
            links.push(Link {
                parent: idx,
                mv: mi as u16,
            });
            depth_of.push(depth_of[idx as usize] + 1);
            index.insert(m.state.clone(), new_idx);
            queue.push_back((m.state, new_idx));
        }
    }

    // Rebuild every state on a trace by replaying from boot: the map is keyed by state,
    // not by index, and a replay also yields the events.
    let path_to = |mut idx: u32| -> Vec<u16> {
        let mut path = Vec::new();
        while idx != 0 {
            let l = links[idx as usize];
            path.push(l.mv);
            idx = l.parent;
        }
        path.reverse();
        path
    };

    let mut verdicts = Vec::new();
    for p in Property::ALL {
        let v = if !applicable.contains(&p) {
            Verdict {
                property: p,
                status: Status::NotApplicable,
                reason: None,
                trace: vec![],
            }
        } else if p == Property::VfioUsable {
            if opened.iter().all(|o| *o) {
                Verdict {
                    property: p,
                    status: Status::Holds,
                    reason: None,
                    trace: vec![],
                }
            } else if !complete {
                Verdict {
                    property: p,
                    status: Status::Inconclusive,
                    reason: None,
                    trace: vec![],
                }
            } else {
                let (reason, trace) = match &failed_open {
                    Some((idx, mi, why)) => {
                        let mut path = path_to(*idx);
                        path.push(*mi);
                        (
                            format!(
                                "no reachable state has the group open; shortest attempt: {why}"
                            ),
                            replay(hooks, scenario, &path),
                        )
                    }
                    None => (
                        "no reachable state lets a user open the group".to_string(),
                        vec![],
                    ),
                };
                Verdict {
                    property: p,
                    status: Status::Violated,
                    reason: Some(reason),
                    trace,
                }
            }
        } else if let Some((idx, mv, why)) = found.get(&p) {
            let mut path = path_to(*idx);
            if let Some(mi) = mv {
                path.push(*mi);
            }
            Verdict {
                property: p,
                status: Status::Violated,
                reason: Some(why.clone()),
                trace: replay(hooks, scenario, &path),
            }
        } else if complete {
            Verdict {
                property: p,
                status: Status::Holds,
                reason: None,
                trace: vec![],
            }
        } else {
            Verdict {
                property: p,
                status: Status::Inconclusive,
                reason: None,
                trace: vec![],
            }
        };
        verdicts.push(v);
    }

    let sample = Machine::empty_state(scenario);
    let bytes_per_state = std::mem::size_of::<State>() * 2
        + sample.devices.len() * std::mem::size_of::<crate::machine::DevState>()
        + sample.groups.len() * std::mem::size_of::<crate::machine::GroupState>()
        + sample.used.len()
        + std::mem::size_of::<u32>()
        + std::mem::size_of::<Link>()
        + std::mem::size_of::<u16>();
    Report {
        policy: hooks.policy_name().to_string(),
        scenario: scenario.name.clone(),
        verdicts,
        stats: Stats {
            states: index.len(),
            transitions,
            depth: max_depth,
            complete,
            bytes_per_state,
            micros: start.elapsed().as_micros(),
        },
    }
}

/// Replays moves (indices into the scenario's moves) from boot, recording each step.
pub(crate) fn replay(hooks: &dyn PolicyHooks, scenario: &Scenario, path: &[u16]) -> Vec<Step> {
    let moves = transitions(scenario);
    let (state, events, _) = boot(scenario, hooks, true);
    let before = describe(&Machine::new(scenario, Machine::empty_state(scenario)));
    let mut m = Machine::new(scenario, state);
    let mut steps = vec![Step {
        n: 0,
        mv: "boot".into(),
        outcome: None,
        events,
        changes: diff(&before, &describe(&m)),
    }];
    for (i, &mi) in path.iter().enumerate() {
        let before = describe(&m);
        m.logging = true;
        m.log.clear();
        let t = moves[usize::from(mi)];
        if let Some(b) = t.bound {
            m.state.used[b] += 1;
        }
        let outcome = apply(&mut m, hooks, t.mv);
        steps.push(Step {
            n: i + 1,
            mv: t.mv.label(scenario),
            outcome: Some(outcome),
            events: std::mem::take(&mut m.log),
            changes: diff(&before, &describe(&m)),
        });
    }
    steps
}

/// The state as `name.field = value` lines, for diffs in traces.
pub(crate) fn describe(m: &Machine) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (g, gs) in m.state.groups.iter().enumerate() {
        let name = m.group_name(g);
        let dom = gs.domain.map_or("none".to_string(), |d| m.dom_label(g, d));
        out.push((format!("{name}.domain"), dom));
        out.push((
            format!("{name}.owner"),
            if gs.owned {
                "user".into()
            } else {
                "none".into()
            },
        ));
        out.push((format!("{name}.owner_cnt"), gs.owner_cnt.to_string()));
        let vfio = match gs.vfio {
            VfioStep::Closed => "closed",
            VfioStep::Claimed => "claimed",
            VfioStep::Attached => "attached, no MSI cookie yet",
            VfioStep::Open => "open",
            VfioStep::Detached => "detached, not yet released",
        };
        out.push((format!("{name}.vfio"), vfio.to_string()));
        out.push((format!("{name}.default_type"), gs.default_type.to_string()));
    }
    for (d, ds) in m.state.devices.iter().enumerate() {
        let name = m.dev_name(d);
        out.push((format!("{name}.present"), ds.present.to_string()));
        if m.scenario.platform.probes_at_bind() {
            out.push((format!("{name}.in_group"), ds.probed.to_string()));
        }
        let drv = ds.driver.map_or("none".to_string(), |i| {
            m.scenario.drivers[usize::from(i)].kernel_name.clone()
        });
        out.push((format!("{name}.driver"), drv));
        let g = m.group_of(d);
        let msi = match ds.msi {
            crate::machine::Msi::None => "none".to_string(),
            crate::machine::Msi::Live(a) => {
                let reach = if ds.msi_masked {
                    "masked, a message waits in its pending bit"
                } else if m.reaches_doorbell(d, a) {
                    "reaches the doorbell"
                } else {
                    "does NOT reach the doorbell"
                };
                let at = match a {
                    crate::machine::MsiAddr::Direct => "untranslated".to_string(),
                    crate::machine::MsiAddr::Physical => "physical doorbell".to_string(),
                    crate::machine::MsiAddr::Iova(dom) => {
                        format!("IOVA in {}", m.dom_label(g, dom))
                    }
                };
                format!("live ({at}; {reach})")
            }
        };
        out.push((format!("{name}.msi"), msi));
        out.push((
            format!("{name}.ats"),
            if ds.ats_on { "on".into() } else { "off".into() },
        ));
        let dev = &m.scenario.devices[d];
        if dev.kind == switchyard_dsl::scenario::PciKind::RootPort && dev.aer {
            out.push((
                format!("{name}.aer_status"),
                if ds.aer_pending {
                    "pending (sticky)".into()
                } else {
                    "clear".into()
                },
            ));
        }
    }
    out
}

fn diff(before: &[(String, String)], after: &[(String, String)]) -> Vec<String> {
    after
        .iter()
        .filter_map(|(k, v)| {
            let old = before.iter().find(|(bk, _)| bk == k).map(|(_, bv)| bv);
            match old {
                Some(o) if o == v => None,
                Some(o) => Some(format!("{k}: {o} -> {v}")),
                None => Some(format!("{k}: {v}")),
            }
        })
        .collect()
}

/// The outcome of each step of the scenario's fixed script, and the groups' domains
/// after it. A step that cannot happen in the state the script reached is reported as
/// such and skipped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ScriptStep {
    pub n: usize,
    #[serde(rename = "move")]
    pub mv: String,
    /// `None` when the step was not possible.
    pub outcome: Option<Outcome>,
    pub domains: Vec<(String, String)>,
}

impl ScriptStep {
    /// The observable outcome as one line: what the harness compares.
    pub fn observed(&self) -> String {
        let out = match &self.outcome {
            Some(o) => o.to_string(),
            None => "not possible in this state".to_string(),
        };
        let doms: Vec<String> = self
            .domains
            .iter()
            .map(|(g, d)| format!("{g}: {d}"))
            .collect();
        format!("{out} [{}]", doms.join(", "))
    }
}

pub fn run_script(hooks: &dyn PolicyHooks, scenario: &Scenario) -> Vec<ScriptStep> {
    let (state, _, _) = boot(scenario, hooks, false);
    let mut m = Machine::new(scenario, state);
    let mut out = Vec::new();
    for (i, step) in scenario.script.iter().enumerate() {
        // A step is possible when its first kernel step is; the rest follow until one
        // fails (a close of a group only claimed has no release to follow).
        let steps = Mv::resolve(scenario, step);
        let outcome = enabled(&m, steps[0]).then(|| {
            let mut last = Outcome::Ok;
            for &mv in &steps {
                if !enabled(&m, mv) {
                    continue;
                }
                last = apply(&mut m, hooks, mv);
                if matches!(last, Outcome::Failed { .. }) {
                    break;
                }
            }
            last
        });
        let domains = (0..scenario.groups.len())
            .map(|g| {
                let d = m.state.groups[g]
                    .domain
                    .map_or("none".to_string(), |d| m.dom_label(g, d));
                (m.group_name(g).to_string(), d)
            })
            .collect();
        out.push(ScriptStep {
            n: i + 1,
            mv: step.to_string(),
            outcome,
            domains,
        });
    }
    out
}

/// Why a checker trace cannot become a script the harness performs.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NotReplayable {
    /// The verdict has no trace: the property holds, or was not checked.
    #[error("{0} has no counterexample on this scenario")]
    NoTrace(String),
    /// A step lands inside one ioctl or close, where userspace cannot stop the kernel.
    #[error("step {n}, {step}, happens inside {inside}, which userspace cannot interrupt")]
    Inside {
        /// The trace's step number.
        n: usize,
        /// The step.
        step: String,
        /// The call it lands in.
        inside: &'static str,
    },
    /// A step the trace names that is not one of the scenario's transitions.
    #[error("step {n}, {step}, is not a transition of this scenario")]
    Unknown {
        /// The trace's step number.
        n: usize,
        /// The step.
        step: String,
    },
}

/// The script a user (or the harness) performs to follow a checker trace: each transition
/// as the call that makes it. The claim is `vfio_claim`; type1's attach and MSI cookie are
/// the one `VFIO_SET_IOMMU` (`vfio_attach`), so they must be adjacent; the detach and the
/// release are the one close of the group (`vfio_close`), so they too. A trace that puts
/// another step inside one of those calls is not replayable: the kernel holds no lock
/// there that would exclude it, but userspace has no way to stop the call in the middle.
pub fn replay_script(scenario: &Scenario, verdict: &Verdict) -> Result<Vec<Move>, NotReplayable> {
    if verdict.trace.is_empty() {
        return Err(NotReplayable::NoTrace(verdict.property.to_string()));
    }
    let known = transitions(scenario);
    let g = |g: GroupId| scenario.groups[g].name.clone();
    let d = |d: crate::machine::DevId| scenario.devices[d].name.clone();
    let steps: Vec<&Step> = verdict.trace.iter().filter(|s| s.n > 0).collect();
    let mut mvs = Vec::new();
    for s in &steps {
        let Some(t) = known.iter().find(|t| t.mv.label(scenario) == s.mv) else {
            return Err(NotReplayable::Unknown {
                n: s.n,
                step: s.mv.clone(),
            });
        };
        mvs.push((s.n, t.mv));
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < mvs.len() {
        let (n, mv) = mvs[i];
        let next = mvs.get(i + 1).map(|x| x.1);
        let inside = |what: &'static str| {
            let (n2, m2) = mvs[i + 1];
            NotReplayable::Inside {
                n: n2,
                step: m2.label(scenario),
                inside: what,
            }
        };
        let step = match mv {
            Mv::Add(x) => Move::Add { device: d(x) },
            Mv::Remove(x) => Move::Remove { device: d(x) },
            Mv::Bind(x, drv) => Move::Bind {
                device: d(x),
                driver: scenario.drivers[usize::from(drv)].name.clone(),
            },
            Mv::Unbind(x) => Move::Unbind { device: d(x) },
            Mv::VfioClaim(x) => Move::VfioClaim { group: g(x) },
            Mv::VfioAttach(x) => {
                if scenario.vfio_backend == VfioBackend::Type1 {
                    match next {
                        Some(Mv::VfioCookie(y)) if y == x => i += 1,
                        // The violation is the attach itself: the trace ends there.
                        None => {}
                        Some(_) => return Err(inside("VFIO_SET_IOMMU, between iommu_attach_group() and iommu_get_msi_cookie()")),
                    }
                }
                Move::VfioAttach { group: g(x) }
            }
            Mv::VfioCookie(_) => {
                return Err(NotReplayable::Inside {
                    n,
                    step: mv.label(scenario),
                    inside: "VFIO_SET_IOMMU, apart from its attach",
                })
            }
            Mv::VfioDetach(x) => {
                match next {
                    Some(Mv::VfioRelease(y)) if y == x => i += 1,
                    None => {}
                    Some(_) => return Err(inside("the group's close, between iommu_detach_group() and iommu_group_release_dma_owner()")),
                }
                Move::VfioClose { group: g(x) }
            }
            Mv::VfioRelease(_) => {
                return Err(NotReplayable::Inside {
                    n,
                    step: mv.label(scenario),
                    inside: "the group's close, apart from its detach",
                })
            }
            Mv::RaiseAer(x) => Move::RaiseAer { device: d(x) },
            Mv::WriteType(x, ty) => Move::WriteType { group: g(x), ty },
        };
        out.push(step);
        i += 1;
    }
    Ok(out)
}

/// Each device's group right after boot, as sysfs shows it (`iommu_group`): the group's
/// name, or `None` for a device absent or not yet probed into its group.
pub fn boot_groups(hooks: &dyn PolicyHooks, scenario: &Scenario) -> Vec<(String, Option<String>)> {
    let (state, _, _) = boot(scenario, hooks, false);
    let m = Machine::new(scenario, state);
    scenario
        .devices
        .iter()
        .enumerate()
        .map(|(d, spec)| {
            let g = m.state.devices[d]
                .probed
                .then(|| scenario.groups[m.group_of(d)].name.clone());
            (spec.name.clone(), g)
        })
        .collect()
}
