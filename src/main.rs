//! The `switchyard` command.
//!
//! Exit codes: 0 ok; 1 a check found a violation; 2 bad input or environment; 130 or 143
//! stopped by SIGINT or SIGTERM (128 + the signal), every child stopped with it.

use clap::{CommandFactory, Parser};
use cli::{Cli, Command, GenCmd, PolicyCmd, ScenarioCmd, TreeCmd};
use error::CliError;
use std::io::IsTerminal;
use std::process::ExitCode;
use switchyard::dsl::{self, LoadError};
use switchyard_harness::interrupt;
use switchyard_series as series;

mod bench;
mod check;
mod cli;
mod confirm;
mod diff;
mod error;
mod gen;
mod kernel;
mod lists;
mod report;
mod run;
mod show;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The commands that start children or write to a cache or a tree stop on SIGINT and
    // SIGTERM through their error paths; the others keep the default (they stop at once).
    let long = matches!(
        cli.command,
        Command::Run { .. }
            | Command::Apply { .. }
            | Command::Tree(_)
            | Command::Gen(GenCmd::Series(_))
    );
    if long {
        if let Err(e) = interrupt::install() {
            eprintln!("switchyard: cannot handle SIGINT and SIGTERM: {e}");
            return ExitCode::from(2);
        }
    }
    let mut out = std::io::stdout().lock();
    let result = match cli.command {
        Command::Policy(PolicyCmd::List) => lists::policy_list(cli.format, &mut out),
        Command::Policy(PolicyCmd::Show { policy, changed }) => dsl::load_policy(&policy)
            .map_err(CliError::from)
            .and_then(|p| {
                cli.format
                    .emit(&mut out, &p, |o| show::policy(o, &p, changed))
            }),
        Command::Scenario(ScenarioCmd::List) => lists::scenario_list(cli.format, &mut out),
        Command::Scenario(ScenarioCmd::Show { scenario }) => dsl::load_scenario(&scenario)
            .map_err(CliError::from)
            .and_then(|s| cli.format.emit(&mut out, &s, |o| show::scenario(o, &s))),
        Command::Check {
            policy,
            scenarios,
            search,
            script,
        } => match check::check(
            cli.format,
            &mut out,
            &policy,
            &scenarios,
            search.options(),
            script,
        ) {
            Ok(true) => return ExitCode::from(1),
            Ok(false) => Ok(()),
            Err(e) => Err(e),
        },
        Command::Diff {
            a,
            b,
            scenarios,
            against_base,
            search,
        } => diff::diff(
            cli.format,
            &mut out,
            (&a, &b),
            &scenarios,
            search.options(),
            against_base.unwrap_or(search.base),
        ),
        Command::Run {
            policy,
            scenario,
            trace,
            branch,
            kernel,
        } => {
            let opts = kernel.options(branch);
            match run::command(
                cli.format,
                &mut out,
                &policy,
                &scenario,
                trace.as_deref(),
                &opts,
            ) {
                Ok(true) => Ok(()),
                Ok(false) => return ExitCode::from(1),
                Err(e) => Err(e),
            }
        }
        Command::Confirm {
            policies,
            scenarios,
            boots,
            kernel,
        } => {
            let opts = kernel.options(None);
            match confirm::command(cli.format, &mut out, &policies, &scenarios, boots, &opts) {
                Ok(true) => Ok(()),
                Ok(false) => return ExitCode::from(1),
                Err(e) => Err(e),
            }
        }
        Command::Bench {
            policy,
            scenario,
            seconds,
            copies,
            scale,
            against,
            search,
        } => match bench::bench(
            cli.format,
            &mut out,
            &bench::Bench {
                policy: &policy,
                scenario: scenario.as_deref(),
                seconds,
                copies,
                scale,
                against,
                opts: search.options(),
            },
        ) {
            Ok(true) => return ExitCode::from(1),
            Ok(false) => Ok(()),
            Err(e) => Err(e),
        },
        Command::Gen(GenCmd::Model {
            policy,
            output,
            switchyard_src,
        }) => gen::gen_model(&mut out, &policy, &output, &switchyard_src),
        Command::Gen(GenCmd::Promela {
            policy,
            scenario,
            output,
            base,
        }) => gen::gen_promela(&mut out, &policy, &scenario, output.as_deref(), base),
        Command::Gen(GenCmd::Series(args)) => match gen::gen_series(&mut out, args) {
            Ok(true) => Ok(()),
            Ok(false) => return ExitCode::from(1),
            Err(e) => Err(e),
        },
        Command::Tree(TreeCmd::Init {
            dir,
            base,
            from_tarball,
        }) => kernel::tree_init(cli.format, &mut out, &dir, from_tarball.as_deref(), base),
        Command::Apply { series, tree, args } => {
            kernel::apply_cmd(cli.format, &mut out, &series, tree, args)
        }
        Command::Lint { paths } => match lists::lint(cli.format, &mut out, &paths) {
            Ok(true) => return ExitCode::SUCCESS,
            Ok(false) => return ExitCode::from(2),
            Err(e) => Err(e),
        },
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "switchyard", &mut out);
            Ok::<(), CliError>(())
        }
    };
    match result {
        // A signal that came once the work was done stopped nothing.
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            report(&e);
            // Stopped by a signal, whatever error the stage it landed in ended with.
            match interrupt::requested() {
                Some(signal) => ExitCode::from(signal.exit_code()),
                None => ExitCode::from(2),
            }
        }
    }
}

/// Parses `--from`.
fn parse_from(f: &str) -> Result<series::Identity, CliError> {
    series::Identity::parse(f).ok_or_else(|| CliError::BadFrom(f.to_string()))
}

/// Prints an error the way a person reads it, on stderr: each located problem of an
/// invalid source on its own.
fn report(e: &CliError) {
    match e {
        CliError::Load(LoadError::Invalid { errors, .. }) => errors.iter().for_each(|d| render(d)),
        other => render(other),
    }
}

fn render(e: &dyn miette::Diagnostic) {
    let theme = if std::io::stderr().is_terminal() {
        miette::GraphicalTheme::unicode()
    } else {
        miette::GraphicalTheme::unicode_nocolor()
    };
    let mut s = String::new();
    let handler = miette::GraphicalReportHandler::new_themed(theme);
    if handler.render_report(&mut s, e).is_err() {
        s = format!("error: {e}\n");
    }
    eprint!("{s}");
}
