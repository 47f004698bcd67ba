//! `switchyard bench`: the checker's speed and memory per state.

use crate::check::scenarios;
use crate::cli::Format;
use crate::error::CliError;
use std::io::Write;
use switchyard::dsl;
use switchyard_model::{self as model, Interpreter};

/// Runs `bench`.
pub(crate) fn bench(
    format: Format,
    out: &mut dyn Write,
    policy: &str,
    scenario: Option<&str>,
    seconds: f64,
) -> Result<(), CliError> {
    let policy = dsl::load_policy(policy)?;
    let hooks = Interpreter { policy: &policy };
    let opts = model::Options::default();
    let scenario = match scenario {
        Some(s) => dsl::load_scenario(s)?,
        None => {
            let all = scenarios(&[])?;
            all.into_iter()
                .max_by_key(|s| model::check(&hooks, s, opts).stats.states)
                .expect("there are built-in scenarios")
        }
    };
    let start = std::time::Instant::now();
    let (mut runs, mut states, mut transitions) = (0u64, 0u64, 0u64);
    let mut last = None;
    while runs == 0 || start.elapsed().as_secs_f64() < seconds {
        let r = model::check(&hooks, &scenario, opts);
        runs += 1;
        states += r.stats.states as u64;
        transitions += r.stats.transitions as u64;
        last = Some(r.stats);
    }
    let secs = start.elapsed().as_secs_f64();
    let stats = last.expect("ran at least once");
    #[derive(serde::Serialize)]
    struct Figures<'a> {
        policy: &'a str,
        scenario: &'a str,
        runs: u64,
        seconds: f64,
        states_per_run: usize,
        states_per_second: f64,
        transitions_per_second: f64,
        bytes_per_state: usize,
    }
    let f = Figures {
        policy: &policy.name,
        scenario: &scenario.name,
        runs,
        seconds: secs,
        states_per_run: stats.states,
        states_per_second: states as f64 / secs,
        transitions_per_second: transitions as f64 / secs,
        bytes_per_state: stats.bytes_per_state,
    };
    format.emit(out, &f, |o| {
        writeln!(
            o,
            "policy {} on {} ({} states, {} transitions per exploration)",
            f.policy, f.scenario, stats.states, stats.transitions
        )?;
        writeln!(o, "{} explorations in {:.2} s", f.runs, f.seconds)?;
        writeln!(o, "states per second:      {:.0}", f.states_per_second)?;
        writeln!(o, "transitions per second: {:.0}", f.transitions_per_second)?;
        writeln!(o, "bytes per stored state: {}", f.bytes_per_state)
    })
}
