//! `switchyard confirm`: the kernel's word on every verdict it can be asked about.
//!
//! For each policy and scenario, the cases are the scenario's fixed script and the
//! checker's shortest counterexample for every property it finds violated. Every case is
//! planned first (prediction, machine, guest script), so what cannot be replayed is known
//! before any kernel work and reported with its reason; then each policy's kernel is
//! built once and booted once per case, several boots at a time.

use crate::cli::Format;
use crate::error::CliError;
use crate::kernel::Progress;
use crate::run::{self, Options, Plan, RunError, RunReport};
use crate::show::table;
use serde::Serialize;
use std::io::Write;
use switchyard_dsl::{self as dsl, scenario::Scenario, Policy, SourceKind};
use switchyard_harness::guest;
use switchyard_model::{self as model, Interpreter};

/// What the kernel said about one case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Verdict {
    /// Every step, boot included, as the model predicts.
    Agree,
    /// At least one step otherwise.
    Disagree,
    /// The case cannot be performed in the guest, or its kernel cannot be built or
    /// booted.
    NotReplayable,
}

/// One row of the fidelity table.
#[derive(Debug, Serialize)]
pub(crate) struct Row {
    pub(crate) policy: String,
    pub(crate) scenario: String,
    /// `script`, or `trace PROPERTY`.
    pub(crate) case: String,
    pub(crate) result: Verdict,
    /// Why it is not replayable, or the first step that disagrees.
    pub(crate) detail: String,
    /// The run's report, for an agreeing or disagreeing case.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) run: Option<RunReport>,
}

#[derive(Debug, Serialize)]
struct Table {
    rows: Vec<Row>,
    /// No case disagrees.
    agree: bool,
}

/// A case waiting for its boot.
struct Planned {
    row: usize,
    scenario: Scenario,
    plan: Plan,
}

/// Runs `confirm`; returns whether no case disagreed.
pub(crate) fn command(
    format: Format,
    out: &mut dyn Write,
    policies: &[String],
    scenarios: &[String],
    boots: Option<usize>,
    opts: &Options,
) -> Result<bool, CliError> {
    let policies: Vec<Policy> = policies
        .iter()
        .map(|p| dsl::load_policy(p))
        .collect::<Result<_, _>>()?;
    let chosen: Vec<Scenario> = if scenarios.is_empty() {
        dsl::builtins(SourceKind::Scenario)
            .filter_map(|b| dsl::load_scenario(b.name).ok())
            .filter(|s| guest::machine(s).is_ok())
            .collect()
    } else {
        scenarios
            .iter()
            .map(|s| dsl::load_scenario(s))
            .collect::<Result<_, _>>()?
    };
    let boots = boots
        .or_else(|| std::thread::available_parallelism().ok().map(|n| n.get()))
        .unwrap_or(1)
        .max(1);
    let base = run::run_base(opts)?;
    let progress = Progress::stderr();
    let mut rows: Vec<Row> = Vec::new();
    for policy in &policies {
        let mut planned: Vec<Planned> = Vec::new();
        for s in &chosen {
            for (case, traced) in cases(policy, s, base) {
                let row = rows.len();
                rows.push(Row {
                    policy: policy.name.clone(),
                    scenario: s.name.clone(),
                    case: case.clone(),
                    result: Verdict::NotReplayable,
                    detail: String::new(),
                    run: None,
                });
                match traced.and_then(|t| run::plan(policy, &t, opts).map(|p| (t, p))) {
                    Ok((scenario, mut plan)) => {
                        plan.tag(&case.replace(' ', "-"));
                        planned.push(Planned {
                            row,
                            scenario,
                            plan,
                        });
                    }
                    Err(e) => rows[row].detail = reason(&e),
                }
            }
        }
        // One kernel per machine the planned cases boot.
        let mut machines: Vec<Vec<Planned>> = Vec::new();
        for p in planned {
            match machines
                .iter_mut()
                .find(|m| m[0].plan.target() == p.plan.target())
            {
                Some(m) => m.push(p),
                None => machines.push(vec![p]),
            }
        }
        let mut results = Vec::new();
        for planned in machines {
            let built = run::build_kernel(policy, planned[0].plan.target(), opts, &progress)?;
            results.extend(boot_all(policy, planned, &built, opts, &progress, boots));
        }
        for (row, result) in results {
            let r = &mut rows[row];
            match result {
                Ok(report) => {
                    r.result = if report.agree {
                        Verdict::Agree
                    } else {
                        Verdict::Disagree
                    };
                    r.detail = first_difference(&report);
                    r.run = Some(report);
                }
                Err(e) => r.detail = reason(&e),
            }
        }
    }
    let agree = rows.iter().all(|r| r.result != Verdict::Disagree);
    let t = Table { rows, agree };
    format.emit(out, &t, |o| render(o, &t))?;
    Ok(agree)
}

/// The cases of a policy on a scenario: its fixed script, then the counterexample of each
/// property the model of `base` (the kernel booted) finds violated, in the checker's order.
fn cases(
    policy: &Policy,
    s: &Scenario,
    base: dsl::Base,
) -> Vec<(String, Result<Scenario, RunError>)> {
    let mut out = Vec::new();
    if !s.script.is_empty() {
        out.push(("script".to_string(), Ok(s.clone())));
    }
    let report = model::check(&Interpreter { policy }, s, run::checked_on(base));
    for v in &report.verdicts {
        if v.status == model::Status::Violated {
            out.push((
                format!("trace {}", v.property.name()),
                run::with_trace(s, v),
            ));
        }
    }
    out
}

/// Boots every planned case of one kernel, `boots` at a time, and returns each row's
/// result.
fn boot_all(
    policy: &Policy,
    planned: Vec<Planned>,
    built: &run::Built,
    opts: &Options,
    progress: &Progress,
    boots: usize,
) -> Vec<(usize, Result<RunReport, RunError>)> {
    let mut results = Vec::new();
    let mut queue = planned.into_iter();
    loop {
        let batch: Vec<Planned> = queue.by_ref().take(boots).collect();
        if batch.is_empty() {
            break;
        }
        std::thread::scope(|scope| {
            let handles: Vec<_> = batch
                .into_iter()
                .map(|p| {
                    scope.spawn(move || {
                        let r = run::replay(policy, &p.scenario, p.plan, built, opts, progress);
                        (p.row, r)
                    })
                })
                .collect();
            for h in handles {
                match h.join() {
                    Ok(r) => results.push(r),
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }
        });
    }
    results
}

/// Why a case is not replayable, in one line.
fn reason(e: &RunError) -> String {
    match e {
        RunError::NotReplayable { why, .. } => why.clone(),
        other => other
            .to_string()
            .lines()
            .next()
            .unwrap_or_default()
            .to_string(),
    }
}

/// The first step at which kernel and model differ, or nothing when they agree.
fn first_difference(r: &RunReport) -> String {
    r.steps
        .iter()
        .find(|s| !s.agree)
        .map(|s| {
            format!(
                "step {} {}: model {}, kernel {}",
                s.n, s.mv, s.predicted, s.observed
            )
        })
        .unwrap_or_default()
}

fn render(out: &mut dyn Write, t: &Table) -> std::io::Result<()> {
    let rows: Vec<Vec<String>> = t
        .rows
        .iter()
        .map(|r| {
            let result = match r.result {
                Verdict::Agree => "agree".to_string(),
                Verdict::Disagree => "DISAGREE".to_string(),
                Verdict::NotReplayable => "not replayable".to_string(),
            };
            vec![
                r.policy.clone(),
                r.scenario.clone(),
                r.case.clone(),
                result,
                r.detail.clone(),
            ]
        })
        .collect();
    let head: Vec<String> = ["POLICY", "SCENARIO", "CASE", "RESULT", "DETAIL"]
        .iter()
        .map(|h| h.to_string())
        .collect();
    table(out, &head, &rows)?;
    writeln!(out)?;
    let n = |k: Verdict| t.rows.iter().filter(|r| r.result == k).count();
    writeln!(
        out,
        "{} agree, {} disagree, {} not replayable",
        n(Verdict::Agree),
        n(Verdict::Disagree),
        n(Verdict::NotReplayable)
    )
}
