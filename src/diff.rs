//! `switchyard diff`: two policies compared on the same scenarios, computed once as a
//! [`PolicyDiff`] that the text renderer and `--format json` both print.

use crate::check::scenarios;
use crate::cli::Format;
use crate::error::CliError;
use crate::report;
use serde::Serialize;
use std::io::Write;
use switchyard::dsl::{self, Scenario};
use switchyard_model::explore::Step;
use switchyard_model::{self as model, Interpreter, Property, Status};

/// Two policies compared: for each scenario, the verdicts that differ and the fixed
/// script's outcomes under both.
#[derive(Serialize)]
pub(crate) struct PolicyDiff {
    pub(crate) a: String,
    pub(crate) b: String,
    /// The kernel base each policy is checked on.
    pub(crate) base_a: dsl::Base,
    pub(crate) base_b: dsl::Base,
    pub(crate) scenarios: Vec<ScenarioDiff>,
}

/// One scenario under both policies.
#[derive(Serialize)]
pub(crate) struct ScenarioDiff {
    pub(crate) scenario: String,
    /// The properties whose verdict differs.
    pub(crate) verdicts: Vec<VerdictPair>,
    /// The fixed script, step by step (empty when the scenario has none).
    pub(crate) script: Vec<StepPair>,
    /// The first step whose outcomes differ.
    pub(crate) first_divergence: Option<usize>,
}

/// A property whose verdict differs between the two policies.
#[derive(Serialize)]
pub(crate) struct VerdictPair {
    pub(crate) property: Property,
    pub(crate) a: Status,
    pub(crate) b: Status,
    /// The counterexample that disappears (violated under a) or appears (under b).
    #[serde(skip)]
    pub(crate) counterexample: Option<Counterexample>,
}

/// A violation's counterexample, under the policy it belongs to.
pub(crate) struct Counterexample {
    /// Whether it is the first policy's, that is, whether it disappears.
    pub(crate) disappears: bool,
    pub(crate) reason: Option<String>,
    pub(crate) trace: Vec<Step>,
}

/// One step of a fixed script, observed under both policies.
#[derive(Serialize)]
pub(crate) struct StepPair {
    pub(crate) n: usize,
    #[serde(rename = "move")]
    pub(crate) mv: String,
    pub(crate) a: String,
    pub(crate) b: String,
}

impl PolicyDiff {
    /// Checks both policies on every scenario and runs each fixed script under both: the
    /// first on `opts.base`, the second on `base_b`.
    pub(crate) fn compute(
        pa: &dsl::Policy,
        pb: &dsl::Policy,
        scenarios: &[Scenario],
        opts: model::Options,
        base_b: dsl::Base,
    ) -> PolicyDiff {
        let (ha, hb) = (Interpreter { policy: pa }, Interpreter { policy: pb });
        let opts_b = model::Options {
            base: base_b,
            ..opts
        };
        let scenarios = scenarios
            .iter()
            .map(|s| {
                let (ra, rb) = (model::check(&ha, s, opts), model::check(&hb, s, opts_b));
                let (sa, sb) = (
                    model::run_script(&ha, s, opts.base),
                    model::run_script(&hb, s, base_b),
                );
                let script: Vec<StepPair> = sa
                    .iter()
                    .zip(&sb)
                    .map(|(x, y)| StepPair {
                        n: x.n,
                        mv: x.mv.clone(),
                        a: x.observed(),
                        b: y.observed(),
                    })
                    .collect();
                ScenarioDiff {
                    scenario: ra.scenario.clone(),
                    verdicts: ra
                        .verdicts
                        .iter()
                        .zip(&rb.verdicts)
                        .filter(|(x, y)| x.status != y.status)
                        .map(|(x, y)| VerdictPair {
                            property: x.property,
                            a: x.status,
                            b: y.status,
                            counterexample: match (x.status, y.status) {
                                (Status::Violated, _) => Some((true, x)),
                                (_, Status::Violated) => Some((false, y)),
                                _ => None,
                            }
                            .map(|(disappears, v)| Counterexample {
                                disappears,
                                reason: v.reason.clone(),
                                trace: v.trace.clone(),
                            }),
                        })
                        .collect(),
                    first_divergence: script.iter().find(|s| s.a != s.b).map(|s| s.n),
                    script,
                }
            })
            .collect();
        PolicyDiff {
            a: pa.name.clone(),
            b: pb.name.clone(),
            base_a: opts.base,
            base_b,
            scenarios,
        }
    }
}

/// Runs `diff`.
pub(crate) fn diff(
    format: Format,
    out: &mut dyn Write,
    (a, b): (&str, &str),
    names: &[String],
    opts: model::Options,
    base_b: dsl::Base,
) -> Result<(), CliError> {
    let (pa, pb) = (dsl::load_policy(a)?, dsl::load_policy(b)?);
    CliError::for_base(&pa, opts.base)?;
    CliError::for_base(&pb, base_b)?;
    let scenarios = scenarios(names)?;
    let d = PolicyDiff::compute(&pa, &pb, &scenarios, opts, base_b);
    format.emit(out, &d, |o| report::diff(o, &d))
}
