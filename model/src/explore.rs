//! The exhaustive checker: breadth-first over a scenario's moves within their bounds, each
//! distinct state stored once, so the first violation found for a property has a shortest
//! trace. A state budget ends the search with "inconclusive", never with memory exhaustion.
//! States are stored packed ([`crate::store`]) and expanded by every core; a scenario is
//! checked in independent components unless told otherwise ([`crate::reduce`]).

use crate::interp::PolicyHooks;
use crate::machine::{GroupId, Machine, State, VfioStep};
use crate::moves::{apply, boot, enabled, Mv, Outcome};
use crate::props::{boot_violation, state_violation, step_violation, user_has, Property};
use crate::store::{Codec, Local, Mix, Overflow, Seen};
use serde::Serialize;
use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::sync::Arc;
use std::time::Instant;
use switchyard_dsl::scenario::{Move, Scenario, VfioBackend};
use switchyard_dsl::Base;

/// Explores at most this many distinct states unless told otherwise (per component, when
/// the scenario is checked in components).
pub const DEFAULT_MAX_STATES: usize = 2_000_000;

#[derive(Clone, Copy, Debug)]
pub struct Options {
    pub max_states: usize,
    /// Check groups that no move or property joins apart, and each class of identical
    /// ones once ([`crate::reduce`]); the verdicts and the trace lengths are those of the
    /// whole search.
    pub reduce: bool,
    /// Keep a 64-bit hash of each state instead of the state (hash compaction): less
    /// memory, at the printed probability that two states were taken for one.
    pub hash_compact: bool,
    /// Threads that expand states; 0: one per core. The result does not depend on it.
    pub threads: usize,
    /// Take a transition's effect on its groups from a memo once it has been worked out
    /// (see `Effect`); off, every transition runs the policy's hooks. The result does not
    /// depend on it; the tests hold the two equal.
    pub memo: bool,
    /// The kernel release whose behaviour the environment has (the machine's
    /// base-specific facts).
    pub base: Base,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_states: DEFAULT_MAX_STATES,
            reduce: true,
            hash_compact: false,
            threads: 0,
            memo: true,
            base: Base::default(),
        }
    }
}

impl Options {
    /// The whole search, as it was before any reduction: every interleaving of every
    /// group's moves.
    pub fn unreduced(self) -> Options {
        Options {
            reduce: false,
            ..self
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

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Stats {
    /// Distinct states stored (with reduction: in the components explored).
    pub states: usize,
    pub transitions: usize,
    pub depth: usize,
    /// Whether every reachable state was explored.
    pub complete: bool,
    /// Memory the stored states took at the end, per state, in bytes: the packed states,
    /// the table that finds them, the links that rebuild traces, the slot contents.
    pub bytes_per_state: usize,
    /// How the scenario was cut, when it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reduction: Option<Reduction>,
    /// With hash compaction: the probability that two distinct states were taken for one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub omission_probability: Option<f64>,
    /// Wall time; not part of snapshots.
    #[serde(skip)]
    pub micros: u128,
}

/// What checking in components saved.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Reduction {
    /// Independent components (sets of groups no move or property joins).
    pub components: usize,
    /// Components explored: one per class of identical ones.
    pub explored: usize,
    /// States and transitions of the whole search: the product of the components'.
    pub full_states: f64,
    pub full_transitions: f64,
    /// The whole search's depth: the components' depths added up.
    pub full_depth: usize,
}

impl Eq for Stats {}

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

/// The groups a user opens (each `vfio_claim` transition's), which `vfio-usable` asks
/// about, in transition order.
pub(crate) fn vfio_groups(moves: &[Transition]) -> Vec<GroupId> {
    moves
        .iter()
        .filter_map(|t| match t.mv {
            Mv::VfioClaim(g) => Some(g),
            _ => None,
        })
        .collect()
}

/// Checks a policy against a scenario: in components when `opts.reduce`
/// ([`crate::reduce::check`]), otherwise the whole search.
pub fn check(hooks: &dyn PolicyHooks, scenario: &Scenario, opts: Options) -> Report {
    if opts.reduce {
        return crate::reduce::check(hooks, scenario, opts);
    }
    let start = Instant::now();
    let applicable = applicable(scenario);
    let raw = search(hooks, scenario, &applicable, opts);
    let verdicts = verdicts(hooks, scenario, opts.base, &applicable, &raw.findings);
    Report {
        policy: hooks.policy_name().to_string(),
        scenario: scenario.name.clone(),
        verdicts,
        stats: Stats {
            states: raw.states,
            transitions: raw.transitions,
            depth: raw.depth,
            complete: raw.findings.complete,
            bytes_per_state: raw.bytes_per_state,
            reduction: None,
            omission_probability: opts
                .hash_compact
                .then(|| crate::store::omission_probability(raw.states)),
            micros: start.elapsed().as_micros(),
        },
    }
}

/// The properties the scenario can exercise.
pub(crate) fn applicable(scenario: &Scenario) -> Vec<Property> {
    Property::ALL
        .into_iter()
        .filter(|p| p.applies(scenario))
        .collect()
}

/// What a search found, as paths of transitions from boot: enough to give every verdict.
#[derive(Clone, Debug, Default)]
pub(crate) struct Findings {
    /// The first violation of each property: the path to the state, or to and through the
    /// violating move; and why.
    pub(crate) found: Vec<(Property, Vec<Mv>, String)>,
    /// Per group a user opens (`vfio_claim` transitions, in order): whether some reachable
    /// state has it open.
    pub(crate) opened: Vec<bool>,
    /// The first open step that failed, through that step.
    pub(crate) failed_open: Option<(Vec<Mv>, String)>,
    pub(crate) complete: bool,
}

/// A search's findings and its figures.
pub(crate) struct Raw {
    pub(crate) findings: Findings,
    pub(crate) states: usize,
    pub(crate) transitions: usize,
    pub(crate) depth: usize,
    pub(crate) bytes_per_state: usize,
}

/// The verdicts findings give, with each trace replayed on `scenario` from boot.
pub(crate) fn verdicts(
    hooks: &dyn PolicyHooks,
    scenario: &Scenario,
    base: Base,
    applicable: &[Property],
    f: &Findings,
) -> Vec<Verdict> {
    let moves = transitions(scenario);
    let index = |path: &[Mv]| -> Vec<u16> {
        path.iter()
            .map(|mv| {
                moves
                    .iter()
                    .position(|t| t.mv == *mv)
                    .expect("a finding's moves are the scenario's transitions")
                    as u16
            })
            .collect()
    };
    let verdict = |p, status, reason: Option<String>, trace| Verdict {
        property: p,
        status,
        reason,
        trace,
    };
    Property::ALL
        .into_iter()
        .map(|p| {
            if !applicable.contains(&p) {
                verdict(p, Status::NotApplicable, None, vec![])
            } else if p == Property::VfioUsable {
                if f.opened.iter().all(|&o| o) {
                    verdict(p, Status::Holds, None, vec![])
                } else if !f.complete {
                    verdict(p, Status::Inconclusive, None, vec![])
                } else {
                    match &f.failed_open {
                        Some((path, why)) => verdict(
                            p,
                            Status::Violated,
                            Some(format!(
                                "no reachable state has the group open; shortest attempt: {why}"
                            )),
                            replay(hooks, scenario, base, &index(path)),
                        ),
                        None => verdict(
                            p,
                            Status::Violated,
                            Some("no reachable state lets a user open the group".to_string()),
                            vec![],
                        ),
                    }
                }
            } else if let Some((_, path, why)) = f.found.iter().find(|x| x.0 == p) {
                verdict(
                    p,
                    Status::Violated,
                    Some(why.clone()),
                    replay(hooks, scenario, base, &index(path)),
                )
            } else if f.complete {
                verdict(p, Status::Holds, None, vec![])
            } else {
                verdict(p, Status::Inconclusive, None, vec![])
            }
        })
        .collect()
}

/// What a worker saw of one transition it tried: the step's findings, and the state it
/// led to.
struct Tried {
    parent: u32,
    mv: u16,
    /// Step properties this move violates (among those not yet found).
    step: Vec<(Property, String)>,
    failed_open: Option<String>,
    /// Where the successor's slot ids start in the share's `ids` (those not yet interned
    /// as `NEW | index into the share's locals`).
    at: usize,
    /// The successor was stored before the chunk began.
    stored: bool,
    /// The state properties the successor violates and the user's groups it has open
    /// (among those not yet found).
    state: Vec<(Property, String)>,
    opened: Vec<usize>,
    /// Worked out rather than taken from the memo: the key to record it under.
    learn: Option<MemoKey>,
}

const NEW: u32 = 1 << 31;

/// What one worker hands back for its share of a chunk, in order.
struct Share {
    tried: Vec<Tried>,
    /// The successors' slot ids, end to end.
    ids: Vec<u32>,
    locals: Vec<(usize, Local)>,
    /// Transitions found not enabled, from slot contents the memo did not know.
    disabled: Vec<MemoKey>,
}

/// A transition and the ids of the slots it acts on (the second `NONE` for one slot).
type MemoKey = (u16, u32, u32);
const NONE: u32 = u32::MAX;

/// What a transition does, as a function of the slots it acts on: a move reads and
/// changes only its own groups' slots (`Mv::groups`), and its findings are judged within
/// them, so the same transition from the same contents of those slots always does the
/// same. The memo holds it once worked out, and the search then takes a transition by
/// replacing ids. A state property is recorded only while it is not found, when no slot
/// outside the move's violates it (the parent state did not), so its reason is the move's
/// slots' too.
enum Effect {
    Disabled,
    Next {
        ids: [u32; 2],
        step: Vec<(Property, String)>,
        failed_open: Option<String>,
        state: Vec<(Property, String)>,
        opened: Vec<usize>,
    },
}

/// The breadth-first search over `scenario`'s transitions, judging `applicable`.
///
/// States are kept packed ([`crate::store`]); each level of the search is expanded in
/// chunks, a chunk's states shared out among the worker threads, which only read what
/// is stored. Their results are then taken in the order a single thread would have made
/// them — states, then moves, in index order — so the states' numbering, the first
/// violation of each property and so every trace are the same with any number of
/// threads.
pub(crate) fn search(
    hooks: &dyn PolicyHooks,
    scenario: &Scenario,
    applicable: &[Property],
    opts: Options,
) -> Raw {
    let mut width = 1;
    loop {
        match search_with(hooks, scenario, applicable, opts, width) {
            Ok(raw) => return raw,
            // A slot had more distinct contents than its ids hold: again, wider.
            Err(Overflow) => width *= 2,
        }
    }
}

fn search_with(
    hooks: &dyn PolicyHooks,
    scenario: &Scenario,
    applicable: &[Property],
    opts: Options,
    width: usize,
) -> Result<Raw, Overflow> {
    let moves = transitions(scenario);
    let layout = Machine::layout(scenario);
    let vfio_groups = vfio_groups(&moves);
    // Each move's counter lives in the slot of the first group it acts on.
    let mover: Vec<GroupId> = scenario
        .moves
        .iter()
        .map(|m| Mv::resolve(scenario, &m.mv)[0].groups(&layout, scenario)[0])
        .collect();
    let mut codec = Codec::new(scenario.groups.len(), &layout, &mover, width);
    // Slot i is group i's.
    let touched: Vec<Vec<usize>> = moves
        .iter()
        .map(|t| t.mv.groups(&layout, scenario))
        .collect();
    let mut seen = Seen::new(codec.key_len(), opts.hash_compact);
    let mut memo: HashMap<MemoKey, Effect, BuildHasherDefault<Mix>> = HashMap::default();

    let (init, _, boot_warning) = boot(scenario, hooks, opts.base, false);
    let mut parents: Vec<u32> = vec![u32::MAX];
    let mut via: Vec<u16> = vec![u16::MAX];
    let mut found: Vec<(Property, u32, Option<u16>, String)> = Vec::new();
    let mut opened: Vec<bool> = vec![false; vfio_groups.len()];
    let mut failed_open: Option<(u32, u16, String)> = None;
    let mut transitions = 0usize;
    let mut complete = true;

    {
        let mut m = Machine::with_layout(scenario, init.clone(), layout.clone(), opts.base);
        m.warning = boot_warning;
        for &p in applicable {
            if let Some(why) = state_violation(&m, p).or_else(|| boot_violation(&m, p)) {
                found.push((p, 0, None, why));
            }
        }
        for (i, &g) in vfio_groups.iter().enumerate() {
            opened[i] |= user_has(&m, g);
        }
        let mut ids = Vec::new();
        for i in 0..codec.slots.len() {
            let l = codec.local(i, &init);
            ids.push(codec.intern(i, l)?);
        }
        let mut key = Vec::new();
        codec.pack(&ids, &mut key);
        seen.insert_new(&key, 0);
    }

    let threads = match opts.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    // Big enough to keep the workers busy between two merges, small enough that a
    // chunk's results stay a small part of the memory the states take.
    const CHUNK: usize = 4096;
    let mut level = (0usize, 1usize);
    let mut depth = 0usize;
    let mut key = Vec::with_capacity(codec.key_len());
    'search: while level.0 < level.1 {
        let mut at = level.0;
        while at < level.1 {
            let end = (at + CHUNK).min(level.1);
            let not_found: Vec<Property> = applicable
                .iter()
                .copied()
                .filter(|p| !found.iter().any(|f| f.0 == *p))
                .collect();
            let closed: Vec<usize> = (0..vfio_groups.len()).filter(|&i| !opened[i]).collect();
            let want_failed = failed_open.is_none();
            let ctx = Worker {
                hooks,
                scenario,
                moves: &moves,
                layout: &layout,
                codec: &codec,
                seen: &seen,
                template: &init,
                touched: &touched,
                memo: &memo,
                use_memo: opts.memo,
                not_found: &not_found,
                closed: &closed,
                vfio_groups: &vfio_groups,
                want_failed,
                base: opts.base,
            };
            let shares: Vec<Share> = if threads <= 1 || end - at < 64 {
                vec![ctx.expand(at..end)]
            } else {
                let per = (end - at).div_ceil(threads);
                std::thread::scope(|sc| {
                    let handles: Vec<_> = (0..threads)
                        .map(|t| {
                            let lo = (at + t * per).min(end);
                            let hi = (lo + per).min(end);
                            let ctx = &ctx;
                            sc.spawn(move || ctx.expand(lo..hi))
                        })
                        .collect();
                    handles
                        .into_iter()
                        .map(|h| h.join().expect("a worker does not panic"))
                        .collect()
                })
            };
            // Merge, in the order one thread would have gone.
            for mut share in shares {
                for k in share.disabled.drain(..) {
                    memo.entry(k).or_insert(Effect::Disabled);
                }
                let mut interned: Vec<Option<u32>> = vec![None; share.locals.len()];
                for t in share.tried {
                    transitions += 1;
                    let ids = &mut share.ids[t.at..t.at + codec.slots.len()];
                    for id in ids.iter_mut() {
                        if *id & NEW != 0 {
                            let k = (*id & !NEW) as usize;
                            *id = match interned[k] {
                                Some(x) => x,
                                None => {
                                    let (slot, l) = &share.locals[k];
                                    let x = codec.intern(*slot, l.clone())?;
                                    interned[k] = Some(x);
                                    x
                                }
                            };
                        }
                    }
                    if let Some(k) = t.learn {
                        let touched = &touched[usize::from(t.mv)];
                        memo.entry(k).or_insert_with(|| Effect::Next {
                            ids: [ids[touched[0]], touched.get(1).map_or(NONE, |&i| ids[i])],
                            step: t.step.clone(),
                            failed_open: t.failed_open.clone(),
                            state: t.state.clone(),
                            opened: t.opened.clone(),
                        });
                    }
                    for (p, why) in t.step {
                        if !found.iter().any(|f| f.0 == p) {
                            found.push((p, t.parent, Some(t.mv), why));
                        }
                    }
                    if let Some(why) = t.failed_open {
                        failed_open.get_or_insert((t.parent, t.mv, why));
                    }
                    if t.stored {
                        continue;
                    }
                    key.clear();
                    codec.pack(ids, &mut key);
                    if seen.contains(&key) {
                        continue;
                    }
                    if seen.len() >= opts.max_states {
                        complete = false;
                        break 'search;
                    }
                    let idx = parents.len();
                    seen.insert_new(&key, idx);
                    parents.push(t.parent);
                    via.push(t.mv);
                    for (p, why) in t.state {
                        if !found.iter().any(|f| f.0 == p) {
                            found.push((p, idx as u32, None, why));
                        }
                    }
                    for i in t.opened {
                        opened[i] = true;
                    }
                }
            }
            at = end;
            seen.forget_before(at);
        }
        level = (level.1, parents.len());
        if level.0 < level.1 {
            depth += 1;
        }
    }

    let path_to = |mut idx: u32| -> Vec<Mv> {
        let mut path = Vec::new();
        while idx != 0 {
            path.push(moves[usize::from(via[idx as usize])].mv);
            idx = parents[idx as usize];
        }
        path.reverse();
        path
    };
    let through = |idx: u32, mv: Option<u16>| {
        let mut p = path_to(idx);
        p.extend(mv.map(|m| moves[usize::from(m)].mv));
        p
    };
    let states = parents.len();
    let bytes = seen.bytes()
        + codec.bytes()
        + parents.capacity() * std::mem::size_of::<u32>()
        + via.capacity() * std::mem::size_of::<u16>();
    Ok(Raw {
        findings: Findings {
            found: found
                .into_iter()
                .map(|(p, idx, mv, why)| (p, through(idx, mv), why))
                .collect(),
            opened,
            failed_open: failed_open.map(|(idx, mv, why)| (through(idx, Some(mv)), why)),
            complete,
        },
        states,
        transitions,
        depth,
        bytes_per_state: bytes / states.max(1),
    })
}

/// What every worker reads: nothing it can change.
struct Worker<'a, 's> {
    hooks: &'a dyn PolicyHooks,
    scenario: &'s Scenario,
    moves: &'a [Transition],
    layout: &'a Arc<[GroupId]>,
    codec: &'a Codec,
    seen: &'a Seen,
    template: &'a State,
    /// Per transition, the slots it can change.
    touched: &'a [Vec<usize>],
    memo: &'a HashMap<MemoKey, Effect, BuildHasherDefault<Mix>>,
    use_memo: bool,
    not_found: &'a [Property],
    closed: &'a [usize],
    vfio_groups: &'a [GroupId],
    want_failed: bool,
    base: Base,
}

impl Worker<'_, '_> {
    /// Tries every transition of the stored states in `range`.
    fn expand(&self, range: std::ops::Range<usize>) -> Share {
        let mut share = Share {
            tried: Vec::new(),
            ids: Vec::new(),
            locals: Vec::new(),
            disabled: Vec::new(),
        };
        let mut scratch = self.codec.local(0, self.template);
        let mut ids = Vec::new();
        let mut key = Vec::with_capacity(self.codec.key_len());
        let state_props: Vec<Property> = self
            .not_found
            .iter()
            .copied()
            .filter(|&p| p.is_state())
            .collect();
        let step_props: Vec<Property> = self
            .not_found
            .iter()
            .copied()
            .filter(|&p| !p.is_state())
            .collect();
        // One machine for the state being expanded, one for each move tried from it:
        // refilled, not made anew, so a transition costs no allocation of its own.
        let mut before = Machine::with_layout(
            self.scenario,
            self.template.clone(),
            self.layout.clone(),
            self.base,
        );
        let mut m = Machine::with_layout(
            self.scenario,
            self.template.clone(),
            self.layout.clone(),
            self.base,
        );
        for idx in range {
            self.codec.unpack(self.seen.key(idx), &mut ids);
            // Decoded only when a transition is not in the memo.
            let mut decoded = false;
            for (mi, t) in self.moves.iter().enumerate() {
                let touched = &self.touched[mi];
                let memo_key = (
                    mi as u16,
                    ids[touched[0]],
                    touched.get(1).map_or(NONE, |&i| ids[i]),
                );
                let at = share.ids.len();
                if let Some(e) = self.memo.get(&memo_key).filter(|_| self.use_memo) {
                    let Effect::Next {
                        ids: next,
                        step,
                        failed_open,
                        state,
                        opened,
                    } = e
                    else {
                        continue;
                    };
                    share.ids.extend_from_slice(&ids);
                    for (j, &i) in touched.iter().enumerate() {
                        share.ids[at + i] = next[j];
                    }
                    key.clear();
                    self.codec.pack(&share.ids[at..], &mut key);
                    let stored = self.seen.contains(&key);
                    share.tried.push(Tried {
                        parent: idx as u32,
                        mv: mi as u16,
                        step: step.clone(),
                        failed_open: failed_open.clone().filter(|_| self.want_failed),
                        at,
                        stored,
                        state: if stored { Vec::new() } else { state.clone() },
                        opened: if stored { Vec::new() } else { opened.clone() },
                        learn: None,
                    });
                    continue;
                }
                if !decoded {
                    self.codec.decode_into(&ids, &mut before.state);
                    decoded = true;
                }
                let state = &before.state;
                let mv = t.mv;
                if t.bound
                    .is_some_and(|b| state.used[b] >= self.scenario.moves[b].bound as u8)
                {
                    share.disabled.push(memo_key);
                    continue;
                }
                m.state.clone_from(state);
                m.warning = None;
                if !enabled(&m, mv) {
                    share.disabled.push(memo_key);
                    continue;
                }
                if let Some(b) = t.bound {
                    m.state.used[b] += 1;
                }
                let outcome = apply(&mut m, self.hooks, mv);
                let step = step_props
                    .iter()
                    .filter_map(|&p| step_violation(&before, &m, mv, &outcome, p).map(|w| (p, w)))
                    .collect();
                let failed_open = match (mv, &outcome) {
                    (
                        Mv::VfioClaim(_) | Mv::VfioAttach(_) | Mv::VfioCookie(_),
                        Outcome::Failed { errno, .. },
                    ) => Some(format!("{} fails with {errno}", mv.label(self.scenario))),
                    _ => None,
                };
                // The successor's slot ids: only the slots of the groups the move acts on
                // can have changed, and those often have not.
                share.ids.extend_from_slice(&ids);
                let mut all_known = true;
                for &i in touched {
                    if self.codec.same(i, &m.state, ids[i]) {
                        continue;
                    }
                    self.codec.local_into(i, &m.state, &mut scratch);
                    share.ids[at + i] = match self.codec.interners[i].get(&scratch) {
                        Some(x) => x,
                        None => {
                            all_known = false;
                            share.locals.push((i, scratch.clone()));
                            NEW | (share.locals.len() - 1) as u32
                        }
                    };
                }
                debug_assert!(
                    (0..ids.len())
                        .all(|i| touched.contains(&i) || self.codec.same(i, &m.state, ids[i])),
                    "{} changed a group it does not act on",
                    mv.label(self.scenario)
                );
                let stored = all_known && {
                    key.clear();
                    self.codec.pack(&share.ids[at..], &mut key);
                    self.seen.contains(&key)
                };
                // Worked out for the memo whether or not the successor is new.
                share.tried.push(Tried {
                    parent: idx as u32,
                    mv: mi as u16,
                    step,
                    failed_open,
                    at,
                    stored,
                    state: state_props
                        .iter()
                        .filter_map(|&p| state_violation(&m, p).map(|w| (p, w)))
                        .collect(),
                    opened: self
                        .closed
                        .iter()
                        .copied()
                        .filter(|&i| user_has(&m, self.vfio_groups[i]))
                        .collect(),
                    learn: Some(memo_key),
                });
            }
        }
        share
    }
}

/// Replays moves (indices into the scenario's moves) from boot, recording each step.
pub(crate) fn replay(
    hooks: &dyn PolicyHooks,
    scenario: &Scenario,
    base: Base,
    path: &[u16],
) -> Vec<Step> {
    let moves = transitions(scenario);
    let (state, events, _) = boot(scenario, hooks, base, true);
    let before = describe(&Machine::new(
        scenario,
        Machine::empty_state(scenario),
        base,
    ));
    let mut m = Machine::new(scenario, state, base);
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
        if m.probes_at_bind() || (ds.present && !ds.probed) {
            out.push((format!("{name}.in_group"), ds.probed.to_string()));
        }
        let drv = ds.driver.map_or("none".to_string(), |i| {
            m.scenario.drivers[usize::from(i)].kernel_name.clone()
        });
        out.push((format!("{name}.driver"), drv));
        let g = m.group_of(d);
        let msi = match ds.msi {
            crate::machine::Msi::None => "none".to_string(),
            crate::machine::Msi::Intx => "INTx (the MSI allocation was refused)".to_string(),
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

pub fn run_script(hooks: &dyn PolicyHooks, scenario: &Scenario, base: Base) -> Vec<ScriptStep> {
    let (state, _, _) = boot(scenario, hooks, base, false);
    let mut m = Machine::new(scenario, state, base);
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
/// release are the one close of the group (`vfio_close`), so they too, and so are a bind
/// and its probe's vector allocation (one write to `bind`). A trace that puts
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
            Mv::Bind(x, drv) => {
                let spec = &scenario.drivers[usize::from(drv)];
                if spec.msi && spec.managed_dma {
                    match next {
                        Some(Mv::AllocVectors(y)) if y == x => i += 1,
                        None => {}
                        Some(_) => return Err(inside("the bind, between dma_configure and the probe's pci_alloc_irq_vectors()")),
                    }
                }
                Move::Bind {
                    device: d(x),
                    driver: scenario.drivers[usize::from(drv)].name.clone(),
                }
            }
            Mv::AllocVectors(_) => {
                return Err(NotReplayable::Inside {
                    n,
                    step: mv.label(scenario),
                    inside: "a bind, apart from its dma_configure",
                })
            }
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
pub fn boot_groups(
    hooks: &dyn PolicyHooks,
    scenario: &Scenario,
    base: Base,
) -> Vec<(String, Option<String>)> {
    let (state, _, _) = boot(scenario, hooks, base, false);
    let m = Machine::new(scenario, state, base);
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
