//! The three fuzz targets. Each takes one text and runs what a user's command would run on
//! it, returning the features it reached (the coverage proxy the corpus keeps inputs for):
//!
//! - [`Target::Policy`]: `switchyard lint` on a policy — parse, checks, `extends` resolution,
//!   every diagnostic rendered; for an accepted policy, its hook bodies printed as
//!   `policy show` does. Features: each diagnostic code, the first code, each changed hook.
//! - [`Target::Scenario`]: the same for a scenario. Features: each diagnostic code, the first
//!   code, each kind of move declared.
//! - [`Target::Model`]: policy -> model -> exhaustive check within a state budget, plus the
//!   scenario's fixed script. The text is a policy and a scenario separated by a line
//!   [`PAIR_SEPARATOR`]; a lone policy is checked against a built-in scenario (and a lone
//!   scenario under a built-in policy) chosen from the text's hash. Features: each
//!   (property, verdict) pair, complete or not, the number of states (log2), each script
//!   outcome kind.

use crate::rng::fnv;
use std::sync::OnceLock;
use switchyard_dsl::scenario::Scenario;
use switchyard_dsl::{
    builtins, load_policy, load_scenario, load_str, LoadError, Loaded, Policy, SourceKind,
};
use switchyard_model::{check, run_script, Interpreter, Options, Status};

/// Separates the policy from the scenario in a model input.
pub const PAIR_SEPARATOR: &str = "//@ scenario";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    Policy,
    Scenario,
    Model,
}

impl Target {
    pub const ALL: [Target; 3] = [Target::Policy, Target::Scenario, Target::Model];

    pub fn name(self) -> &'static str {
        match self {
            Target::Policy => "policy",
            Target::Scenario => "scenario",
            Target::Model => "model",
        }
    }

    pub fn from_name(s: &str) -> Option<Target> {
        Target::ALL.into_iter().find(|t| t.name() == s)
    }

    pub fn index(self) -> usize {
        self as usize
    }

    /// Runs the target on `text`; `max_states` is the model's state budget.
    pub fn run(self, text: &str, max_states: usize) -> Vec<u64> {
        let mut f = Features::new(self);
        match self {
            Target::Policy | Target::Scenario => lint(text, &mut f),
            Target::Model => model(text, max_states, &mut f),
        }
        f.0
    }
}

/// Feature ids: a hash of the target, a tag and a detail.
struct Features(Vec<u64>, Target);

impl Features {
    fn new(t: Target) -> Features {
        Features(Vec::new(), t)
    }
    fn add(&mut self, tag: &str, detail: &str) {
        let mut h = fnv(self.1.name().as_bytes());
        for part in [tag.as_bytes(), b"\0", detail.as_bytes()] {
            for b in part {
                h ^= u64::from(*b);
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
        }
        self.0.push(h);
    }
}

fn errors(e: &LoadError, f: &mut Features) {
    // What `lint` prints: the summary line and every diagnostic, rendered and as JSON.
    let _ = e.to_string();
    match e {
        LoadError::Invalid { errors, .. } => {
            if let Some(first) = errors.first() {
                f.add("first", first.code.as_str());
            }
            for err in errors {
                f.add("code", err.code.as_str());
                let _ = err.render_plain();
                let _ = err.to_json();
            }
        }
        LoadError::Io { .. } => f.add("error", "io"),
        LoadError::NotFound { .. } => f.add("error", "not-found"),
        LoadError::WrongKind { .. } => f.add("error", "wrong-kind"),
    }
}

fn lint(text: &str, f: &mut Features) {
    let name = match f.1 {
        Target::Scenario => "fuzz.scenario.rs",
        _ => "fuzz.policy.rs",
    };
    match load_str(name, text) {
        Ok(Loaded::Policy(p)) => {
            f.add("loaded", "policy");
            let _ = p.summary();
            for h in p.changed_hooks() {
                let imp = p.hook(h);
                let _ = imp.signature();
                let _ = imp.body.render(8);
                f.add("hook", &h.id());
            }
        }
        Ok(Loaded::Scenario(s)) => {
            f.add("loaded", "scenario");
            let _ = s.summary();
            for m in &s.moves {
                let mv = m.mv.to_string();
                f.add("move", mv.split('(').next().unwrap_or(""));
            }
        }
        Err(e) => errors(&e, f),
    }
}

struct Builtins {
    policies: Vec<Policy>,
    scenarios: Vec<Scenario>,
}

fn builtin_ir() -> &'static Builtins {
    static B: OnceLock<Builtins> = OnceLock::new();
    B.get_or_init(|| Builtins {
        policies: builtins(SourceKind::Policy)
            .map(|b| load_policy(b.name).expect("built-in policies load"))
            .collect(),
        scenarios: builtins(SourceKind::Scenario)
            .map(|b| load_scenario(b.name).expect("built-in scenarios load"))
            .collect(),
    })
}

/// Loads the built-ins' IR once; call before fuzzing so the first input is not slow.
pub fn warm_up() {
    builtin_ir();
}

fn model(text: &str, max_states: usize, f: &mut Features) {
    let b = builtin_ir();
    let pick = fnv(text.as_bytes()) as usize;
    let (policy, scenario): (Policy, Scenario) = match text.split_once(PAIR_SEPARATOR) {
        Some((p, s)) => {
            let policy = match load_str("fuzz.policy.rs", p) {
                Ok(Loaded::Policy(p)) => *p,
                Ok(Loaded::Scenario(_)) => return f.add("input", "policy-half-is-a-scenario"),
                Err(e) => return errors(&e, f),
            };
            let scenario = match load_str("fuzz.scenario.rs", s) {
                Ok(Loaded::Scenario(s)) => *s,
                Ok(Loaded::Policy(_)) => return f.add("input", "scenario-half-is-a-policy"),
                Err(e) => return errors(&e, f),
            };
            (policy, scenario)
        }
        None => match load_str("fuzz.rs", text) {
            Ok(Loaded::Policy(p)) => (*p, b.scenarios[pick % b.scenarios.len()].clone()),
            Ok(Loaded::Scenario(s)) => (b.policies[pick % b.policies.len()].clone(), *s),
            Err(e) => return errors(&e, f),
        },
    };
    let hooks = Interpreter { policy: &policy };
    // Both kernel bases, one per input.
    let base = switchyard_dsl::Base::ALL[pick % switchyard_dsl::Base::ALL.len()];
    f.add("base", base.name());
    // One thread: the fuzzer runs a target per core already.
    let report = check(
        &hooks,
        &scenario,
        Options {
            max_states,
            threads: 1,
            base,
            ..Options::default()
        },
    );
    for v in &report.verdicts {
        f.add(v.property.name(), v.status.label());
        if v.status == Status::Violated {
            f.add("trace-len", &v.trace.len().min(16).to_string());
        }
    }
    f.add("complete", if report.stats.complete { "yes" } else { "no" });
    let log2 = usize::BITS - report.stats.states.leading_zeros();
    f.add("states-log2", &log2.to_string());
    for step in run_script(&hooks, &scenario, base) {
        let kind = match &step.outcome {
            None => "not-possible".to_string(),
            Some(o) => o.to_string().split(':').next().unwrap_or("").to_string(),
        };
        f.add("script", &kind);
        let _ = step.observed();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_target_reports_features_for_the_builtins() {
        for b in switchyard_dsl::BUILTINS {
            for t in Target::ALL {
                assert!(!t.run(b.text, 500).is_empty(), "{} on {}", t.name(), b.name);
            }
        }
        // A bad input reaches a diagnostic code; different codes are different features.
        let a = Target::Policy.run("policy! { name = 1; }", 10);
        let c = Target::Policy.run("policy! { on nope() {} }", 10);
        assert!(!a.is_empty() && !c.is_empty());
        assert_ne!(a, c);
    }
}
