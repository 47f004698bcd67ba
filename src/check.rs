//! `switchyard check`: a policy explored against scenarios, with each property's verdict.

use crate::cli::Format;
use crate::error::CliError;
use crate::report;
use std::io::Write;
use switchyard::dsl::{self, Scenario, SourceKind};
use switchyard_model::{self as model, Interpreter};

/// The scenarios a command runs on: those named, or every built-in.
pub(crate) fn scenarios(names: &[String]) -> Result<Vec<Scenario>, CliError> {
    if names.is_empty() {
        Ok(dsl::builtins(SourceKind::Scenario)
            .map(|b| dsl::load_scenario(b.name))
            .collect::<Result<_, _>>()?)
    } else {
        Ok(names
            .iter()
            .map(|n| dsl::load_scenario(n))
            .collect::<Result<_, _>>()?)
    }
}

/// Runs `check`; returns whether anything is violated.
pub(crate) fn check(
    format: Format,
    out: &mut dyn Write,
    policy: &str,
    names: &[String],
    opts: model::Options,
    with_script: bool,
) -> Result<bool, CliError> {
    let policy = dsl::load_policy(policy)?;
    CliError::for_base(&policy, opts.base)?;
    let hooks = Interpreter { policy: &policy };
    let scenarios = scenarios(names)?;
    let reports: Vec<model::Report> = scenarios
        .iter()
        .map(|s| model::check(&hooks, s, opts))
        .collect();
    let scripts: Vec<(String, Vec<model::ScriptStep>)> = scenarios
        .iter()
        .filter(|s| with_script && !s.script.is_empty())
        .map(|s| (s.name.clone(), model::run_script(&hooks, s, opts.base)))
        .collect();
    #[derive(serde::Serialize)]
    struct Json<'a> {
        policy: &'a str,
        base: dsl::Base,
        reports: &'a [model::Report],
        #[serde(skip_serializing_if = "<[_]>::is_empty")]
        scripts: &'a [(String, Vec<model::ScriptStep>)],
    }
    let json = Json {
        policy: &policy.name,
        base: opts.base,
        reports: &reports,
        scripts: &scripts,
    };
    format.emit(out, &json, |o| {
        report::check(o, &policy.name, opts.base, &reports, report::Timing(true))?;
        for (name, steps) in &scripts {
            writeln!(o)?;
            writeln!(o, "{name}: fixed script")?;
            report::script(o, steps)?;
        }
        Ok(())
    })?;
    Ok(reports.iter().any(model::Report::violated))
}
