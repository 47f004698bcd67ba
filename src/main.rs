//! The `switchyard` command.
//!
//! Exit codes: 0 ok; 1 a check found a violation; 2 bad input or environment.

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use switchyard::dsl::{self, LoadError, Loaded, Policy, Scenario, SourceKind};
use switchyard_model::{self as model, Interpreter};
use switchyard_series as series;

mod kernel;
mod report;
mod run;
mod show;

#[derive(Parser)]
#[command(
    name = "switchyard",
    version,
    about = "Prototype, check and generate IOMMU domain-transition policies",
    long_about = "Write a domain-transition policy once in a Rust-syntax DSL; inspect it, \
                  check it against scenarios, and turn it into kernel patches.\n\n\
                  NAME arguments name a built-in (`switchyard policy list`); anything with a \
                  `/` or ending in `.rs` is a path."
)]
struct Cli {
    /// Output format for commands that print data.
    #[arg(long, global = true, value_enum, default_value_t = Format::Text)]
    format: Format,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Built-in and user policies.
    #[command(subcommand)]
    Policy(PolicyCmd),
    /// Built-in and user scenarios.
    #[command(subcommand)]
    Scenario(ScenarioCmd),
    /// Explore a policy against scenarios; print each property's verdict and the
    /// shortest counterexample of each violation. Exits 1 when anything is violated.
    Check {
        /// A built-in name or a path.
        policy: String,
        /// Scenarios to check (built-in names or paths); every built-in when none.
        #[arg(long = "scenario", short = 's')]
        scenarios: Vec<String>,
        /// Stop exploring a scenario after this many distinct states (inconclusive).
        #[arg(long, default_value_t = model::explore::DEFAULT_MAX_STATES)]
        max_states: usize,
        /// Also print each scenario's fixed script with the outcome of every step.
        #[arg(long)]
        script: bool,
    },
    /// Compare two policies: verdicts that differ, counterexamples that appear or
    /// disappear, and each fixed script's outcomes step by step.
    Diff {
        /// The first policy (built-in name or path).
        a: String,
        /// The second policy.
        b: String,
        /// Scenarios to compare on; every built-in when none.
        #[arg(long = "scenario", short = 's')]
        scenarios: Vec<String>,
        /// Stop exploring a scenario after this many distinct states (inconclusive).
        #[arg(long, default_value_t = model::explore::DEFAULT_MAX_STATES)]
        max_states: usize,
    },
    /// Build the policy's kernel, boot it in QEMU (arm64, SMMUv3, GICv3 ITS), replay the
    /// scenario's fixed script, and compare each step with the model's prediction. Exits 1
    /// when the kernel and the model disagree at any step.
    ///
    /// A policy that changes the kernel runs its series, generated and applied to the
    /// tree's base as branch switchyard/POLICY-v1 (reused when it already holds this very
    /// series; the next free version when it holds something else, which is left alone),
    /// unless --branch names the branch to run. Its first build starts from the base's.
    Run {
        /// A built-in name or a path.
        policy: String,
        /// The scenario whose fixed script is replayed.
        #[arg(long, short = 's')]
        scenario: String,
        /// A kernel git tree (from `tree init`, or any with drivers/iommu); default: the
        /// linux-source-6.12 tarball imported into the cache.
        #[arg(long)]
        tree: Option<PathBuf>,
        /// Run this branch (or revision) of the tree as it is, instead of the policy's
        /// generated series.
        #[arg(long)]
        branch: Option<String>,
        /// Where sources, builds, series and initramfs go.
        #[arg(long, default_value_os_t = run::default_cache())]
        cache: PathBuf,
        /// Parallel make jobs.
        #[arg(long, short = 'j', default_value_t = 3)]
        jobs: usize,
        /// Seconds from power-on to the guest agent.
        #[arg(long, default_value_t = 180)]
        boot_timeout: u64,
        /// The longest silence, in seconds, between two agent lines.
        #[arg(long, default_value_t = 60)]
        step_timeout: u64,
        /// How long the guest waits for an interrupt after each raise, in seconds.
        #[arg(long, default_value_t = 5)]
        raise_wait: u64,
    },
    /// Measure the checker: states per second and bytes per stored state, on the built-in
    /// scenario with the most states (or the one given).
    Bench {
        /// The policy to explore with.
        #[arg(default_value = "status-quo")]
        policy: String,
        /// The scenario; default: the built-in with the most reachable states.
        #[arg(long, short = 's')]
        scenario: Option<String>,
        /// How long to keep exploring, in seconds.
        #[arg(long, default_value_t = 2.0)]
        seconds: f64,
    },
    /// Generate artifacts from a policy.
    #[command(subcommand)]
    Gen(GenCmd),
    /// Kernel git trees to generate against, apply to and build.
    #[command(subcommand)]
    Tree(TreeCmd),
    /// Apply a series directory (`gen series` or `git format-patch` output), or a
    /// policy's series generated on the spot, to a kernel tree as a new branch: one commit
    /// per patch, author, date and message kept. Atomic: on any failure the tree's refs,
    /// HEAD, index and work tree are exactly as before.
    Apply {
        /// A series directory, or a policy (built-in name or path).
        series: String,
        /// The kernel git tree. Default: $SWITCHYARD_TREE, else the imported
        /// linux-source-6.12 in the cache (imported the first time).
        #[arg(long)]
        tree: Option<PathBuf>,
        #[command(flatten)]
        args: ApplyArgs,
    },
    /// Check policy and scenario files; print every problem with its location.
    Lint {
        /// Files to check (`*.policy.rs`, `*.scenario.rs`).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Print a shell completion script.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

#[derive(Subcommand)]
enum GenCmd {
    /// Write the policy's checkable model as a standalone Cargo crate: its hooks in Rust
    /// generated from the IR; `cargo test` in it checks every built-in scenario with them
    /// and compares with the interpreter, and `cargo run --bin check` prints the verdicts.
    Model {
        /// A built-in name or a path.
        policy: String,
        /// The directory to write (created; an earlier generated crate is rewritten).
        #[arg(short, long)]
        output: PathBuf,
        /// switchyard's source tree, whose model library the crate builds on.
        #[arg(long, default_value = env!("CARGO_MANIFEST_DIR"))]
        switchyard_src: PathBuf,
    },
    /// Write the policy as an RFC patch series for Linux 6.12, as `git format-patch
    /// --cover-letter --rfc --base` would: preparatory patches, the hooks moved into
    /// functions of their own (no functional change), then the policy's change, with the
    /// model's verdicts in the cover letter. Nothing is written if any anchor is missing.
    Series {
        /// A built-in name or a path.
        policy: String,
        /// The directory to write the patches to (created).
        #[arg(short, long)]
        output: PathBuf,
        /// A Linux 6.12 git tree. Default: $SWITCHYARD_TREE, else
        /// ~/.cache/switchyard/linux-6.12, imported from the Debian linux-source-6.12
        /// tarball the first time.
        #[arg(long)]
        tree: Option<PathBuf>,
        /// The revision the series applies to.
        #[arg(long, default_value = "HEAD")]
        base: String,
        /// The version of the series: `[PATCH RFC vN k/n]`.
        #[arg(short = 'v', long = "reroll-count", value_name = "N")]
        version: Option<u32>,
        /// Add a Signed-off-by: trailer with the author.
        #[arg(long)]
        signoff: bool,
        /// The author, "Name <email>"; default: user.name and user.email from git config.
        #[arg(long, value_name = "IDENT")]
        from: Option<String>,
        /// The previous version's directory: its change-id is kept and the cover letter
        /// says what changed since.
        #[arg(long, value_name = "PREV_DIR")]
        range_diff: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum TreeCmd {
    /// Import the Debian linux-source-6.12 tarball into a new git repository: one base
    /// commit on branch `base`, the work tree checked out, `git status` clean. Re-running
    /// on a finished import does nothing and says so.
    Init {
        /// The directory to create (or an earlier import of it).
        dir: PathBuf,
        /// The kernel source tarball (.tar.xz, .tar.gz or .tar).
        #[arg(long, default_value = switchyard_harness::tree::DEFAULT_TARBALL)]
        from_tarball: PathBuf,
    },
}

#[derive(Subcommand)]
enum PolicyCmd {
    /// List the built-in policies with their one-line summaries.
    List,
    /// Show a policy with every hook resolved through `extends`.
    Show {
        /// A built-in name or a path.
        policy: String,
        /// Only the hooks whose behaviour differs from status-quo.
        #[arg(long)]
        changed: bool,
    },
}

#[derive(Subcommand)]
enum ScenarioCmd {
    /// List the built-in scenarios with their one-line summaries.
    List,
    /// Show a scenario: topology, moves and their bounds, script.
    Show {
        /// A built-in name or a path.
        scenario: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut out = std::io::stdout().lock();
    let result = match cli.command {
        Command::Policy(PolicyCmd::List) => policy_list(cli.format, &mut out),
        Command::Policy(PolicyCmd::Show { policy, changed }) => dsl::load_policy(&policy)
            .map_err(CliError::from)
            .and_then(|p| emit(cli.format, &mut out, &p, |o| show::policy(o, &p, changed))),
        Command::Scenario(ScenarioCmd::List) => scenario_list(cli.format, &mut out),
        Command::Scenario(ScenarioCmd::Show { scenario }) => dsl::load_scenario(&scenario)
            .map_err(CliError::from)
            .and_then(|s| emit(cli.format, &mut out, &s, |o| show::scenario(o, &s))),
        Command::Check {
            policy,
            scenarios,
            max_states,
            script,
        } => match check(
            cli.format, &mut out, &policy, &scenarios, max_states, script,
        ) {
            Ok(true) => return ExitCode::from(1),
            Ok(false) => Ok(()),
            Err(e) => Err(e),
        },
        Command::Diff {
            a,
            b,
            scenarios,
            max_states,
        } => diff(cli.format, &mut out, &a, &b, &scenarios, max_states),
        Command::Run {
            policy,
            scenario,
            tree,
            branch,
            cache,
            jobs,
            boot_timeout,
            step_timeout,
            raise_wait,
        } => {
            let opts = run::Options {
                tree,
                branch,
                cache,
                jobs,
                boot_timeout: std::time::Duration::from_secs(boot_timeout),
                step_timeout: std::time::Duration::from_secs(step_timeout),
                raise_wait: std::time::Duration::from_secs(raise_wait),
            };
            match run_cmd(cli.format, &mut out, &policy, &scenario, &opts) {
                Ok(true) => Ok(()),
                Ok(false) => return ExitCode::from(1),
                Err(e) => Err(e),
            }
        }
        Command::Bench {
            policy,
            scenario,
            seconds,
        } => bench(cli.format, &mut out, &policy, scenario.as_deref(), seconds),
        Command::Gen(GenCmd::Model {
            policy,
            output,
            switchyard_src,
        }) => gen_model(&mut out, &policy, &output, &switchyard_src),
        Command::Gen(GenCmd::Series {
            policy,
            output,
            tree,
            base,
            version,
            signoff,
            from,
            range_diff,
        }) => gen_series(
            &mut out,
            &policy,
            &output,
            tree,
            &base,
            series::Options {
                version,
                signoff,
                range_diff,
                ..series::Options::default()
            },
            from.as_deref(),
        ),
        Command::Tree(TreeCmd::Init { dir, from_tarball }) => {
            tree_init(cli.format, &mut out, &dir, &from_tarball)
        }
        Command::Apply { series, tree, args } => {
            apply_cmd(cli.format, &mut out, &series, tree, args)
        }
        Command::Lint { paths } => match lint(cli.format, &mut out, &paths) {
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
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            report(&e);
            ExitCode::from(2)
        }
    }
}

/// Prints data as JSON or through the text renderer.
fn emit<T: serde::Serialize>(
    format: Format,
    out: &mut dyn Write,
    value: &T,
    text: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), CliError> {
    let r = match format {
        Format::Json => serde_json::to_writer_pretty(&mut *out, value)
            .map_err(std::io::Error::from)
            .and_then(|()| writeln!(out)),
        Format::Text => text(out),
    };
    match r {
        // A closed pipe (`| head`) ends the output; it is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.map_err(CliError::Output),
    }
}

/// What the command itself can fail with, besides a source that does not load.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
enum CliError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Load(#[from] LoadError),
    #[error("cannot write the output: {0}")]
    #[diagnostic(code(switchyard::output))]
    Output(std::io::Error),
    #[error(transparent)]
    #[diagnostic(
        code(switchyard::gen_model),
        help("give an empty or new directory with -o")
    )]
    GenModel(#[from] model::codegen::GenError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Run(#[from] run::RunError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Series(#[from] series::SeriesError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Kernel(#[from] kernel::KernelError),
    #[error("`{0}` is not an identity of the form \"Name <email>\"")]
    #[diagnostic(
        code(switchyard::from),
        help("for example --from \"A U Thor <author@example.org>\"")
    )]
    BadFrom(String),
    #[error("switchyard's source tree is not at `{0}`")]
    #[diagnostic(
        code(switchyard::source_tree),
        help(
            "the generated crate builds on switchyard's model library: pass --switchyard-src DIR"
        )
    )]
    SourceTree(PathBuf),
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

/// Runs `run`; returns whether the kernel agreed with the model.
fn run_cmd(
    format: Format,
    out: &mut dyn Write,
    policy: &str,
    scenario: &str,
    opts: &run::Options,
) -> Result<bool, CliError> {
    let (policy, scenario) = run::load(policy, scenario)?;
    let report = run::run(&policy, &scenario, opts)?;
    emit(format, out, &report, |o| run::render(o, &report))?;
    Ok(report.agree)
}

fn bench(
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
    emit(format, out, &f, |o| {
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

fn gen_model(
    out: &mut dyn Write,
    spec: &str,
    dir: &std::path::Path,
    src: &std::path::Path,
) -> Result<(), CliError> {
    let policy = dsl::load_policy(spec)?;
    let (model_dir, dsl_dir) = (src.join("model"), src.join("dsl"));
    if !model_dir.join("Cargo.toml").is_file() || !dsl_dir.join("Cargo.toml").is_file() {
        return Err(CliError::SourceTree(src.to_path_buf()));
    }
    // The texts the generated crate needs to load the policy again: its own, and those of
    // ancestors that are files (found as the loader finds them: beside the policy).
    let mut files = Vec::new();
    let read = |p: &std::path::Path| {
        std::fs::read_to_string(p).map_err(|source| LoadError::Io {
            path: p.to_path_buf(),
            source,
        })
    };
    match &policy.origin {
        dsl::Origin::File(path) => {
            let path = std::path::Path::new(path);
            files.push((policy.name.clone(), read(path)?));
            let base = path.parent().unwrap_or(std::path::Path::new("."));
            for name in policy.chain.iter().skip(1) {
                let sibling = base.join(format!("{name}.policy.rs"));
                if sibling.is_file() {
                    files.push((name.clone(), read(&sibling)?));
                }
            }
        }
        _ => {
            let b = dsl::builtin(SourceKind::Policy, &policy.name).expect("a built-in policy");
            files.push((policy.name.clone(), b.text.to_string()));
        }
    }
    let lock = src.join("Cargo.lock");
    let sources = model::codegen::Sources {
        model: &model_dir,
        dsl: &dsl_dir,
        lockfile: lock.is_file().then_some(lock.as_path()),
    };
    model::codegen::write_crate(&policy, &files, dir, &sources)?;
    writeln!(
        out,
        "wrote the model of `{}` to {}",
        policy.name,
        dir.display()
    )
    .map_err(CliError::Output)?;
    writeln!(
        out,
        "  cargo test --manifest-path {}/Cargo.toml",
        dir.display()
    )
    .map_err(CliError::Output)?;
    Ok(())
}

/// The kernel tree a command works on: the one given, else `$SWITCHYARD_TREE`, else the
/// linux-source-6.12 tarball imported into the cache (once, with progress).
fn kernel_tree(tree: Option<PathBuf>) -> Result<PathBuf, CliError> {
    if let Some(t) = tree {
        return Ok(t);
    }
    let dir = match std::env::var_os("SWITCHYARD_TREE") {
        Some(d) => PathBuf::from(d),
        None => run::default_cache().join("linux-6.12"),
    };
    if dir.join(".git").exists() {
        return Ok(dir);
    }
    let progress = kernel::Progress::stderr();
    let tarball = std::path::Path::new(switchyard_harness::tree::DEFAULT_TARBALL);
    progress.say(&format!(
        "importing {} into {} (once)",
        tarball.display(),
        dir.display()
    ));
    if let switchyard_harness::tree::InitOutcome::Imported(r) =
        kernel::init(&dir, tarball, &progress).map_err(kernel::KernelError::from)?
    {
        progress.say(&format!(
            "imported {} into {} ({} files, {:.1} s)",
            tarball.display(),
            dir.display(),
            r.files,
            r.elapsed.as_secs_f64()
        ));
    }
    Ok(dir)
}

/// Runs `tree init`.
fn tree_init(
    format: Format,
    out: &mut dyn Write,
    dir: &std::path::Path,
    tarball: &std::path::Path,
) -> Result<(), CliError> {
    let progress = kernel::Progress::stderr();
    if format == Format::Text && !dir.join(".git").exists() {
        progress.say(&format!(
            "importing {} into {}",
            tarball.display(),
            dir.display()
        ));
    }
    let outcome = kernel::init(dir, tarball, &progress).map_err(kernel::KernelError::from)?;
    let report = kernel::InitReport::new(dir, &outcome);
    emit(format, out, &report, |o| report.render(o))
}

/// `apply`'s options besides the source and the tree.
#[derive(clap::Args)]
struct ApplyArgs {
    /// The branch to create. Default: switchyard/POLICY-vN.
    #[arg(long)]
    branch: Option<String>,
    /// The revision to apply on. Default: the cover letter's base-commit, else HEAD.
    #[arg(long)]
    base: Option<String>,
    /// Check the new branch out (the work tree must be clean).
    #[arg(long)]
    checkout: bool,
    /// For a policy: the version of the series, `[PATCH RFC vN k/n]`.
    #[arg(short = 'v', long = "reroll-count", value_name = "N")]
    version: Option<u32>,
    /// For a policy: the author, "Name <email>"; default: the tree's git config.
    #[arg(long, value_name = "IDENT")]
    from: Option<String>,
    /// For a policy: add a Signed-off-by: trailer with the author.
    #[arg(long)]
    signoff: bool,
}

/// Runs `apply`.
fn apply_cmd(
    format: Format,
    out: &mut dyn Write,
    target: &str,
    tree: Option<PathBuf>,
    args: ApplyArgs,
) -> Result<(), CliError> {
    let started = std::time::Instant::now();
    let as_dir = std::path::Path::new(target);
    let (source, name, version) = if as_dir.is_dir() {
        let (name, version) = kernel::describe_dir(as_dir);
        (kernel::Source::Dir(as_dir.to_path_buf()), name, version)
    } else {
        let policy = dsl::load_policy(target)?;
        let name = policy.name.clone();
        (kernel::Source::Policy(Box::new(policy)), name, args.version)
    };
    let from = match &args.from {
        Some(f) => Some(series::Identity::parse(f).ok_or_else(|| CliError::BadFrom(f.clone()))?),
        None => None,
    };
    let tree_dir = kernel_tree(tree)?;
    let opts = switchyard_harness::apply::ApplyOptions {
        branch: args
            .branch
            .unwrap_or_else(|| kernel::default_branch(&name, version)),
        base: args.base,
        checkout: args.checkout,
    };
    let gen = kernel::Generate {
        version: args.version,
        from,
        signoff: args.signoff,
        date: None,
    };
    let outcome = kernel::apply_source(&tree_dir, &source, opts, &gen)?;
    let report = kernel::ApplyReport::new(&tree_dir, &outcome, started);
    emit(format, out, &report, |o| report.render(o))
}

fn gen_series(
    out: &mut dyn Write,
    spec: &str,
    dir: &std::path::Path,
    tree: Option<PathBuf>,
    base: &str,
    mut opts: series::Options,
    from: Option<&str>,
) -> Result<(), CliError> {
    let policy = dsl::load_policy(spec)?;
    let tree_dir = kernel_tree(tree)?;
    let tree = switchyard::rfc::open_tree(&tree_dir, base)?;
    opts.from = Some(match from {
        Some(f) => series::Identity::parse(f).ok_or_else(|| CliError::BadFrom(f.to_string()))?,
        None => switchyard::rfc::git_identity(&tree_dir)?,
    });
    opts.verdicts = Some(switchyard::rfc::verdicts(&policy)?);
    let s = series::generate(
        &policy,
        &switchyard::rfc::GitBase(&tree),
        &tree.base().to_string(),
        &opts,
    )?;
    let written = s.write(dir)?;
    writeln!(
        out,
        "wrote {} patches and a cover letter for `{}` to {} (base-commit {})",
        s.patches.len(),
        policy.name,
        dir.display(),
        s.base_commit
    )
    .map_err(CliError::Output)?;
    for p in written {
        writeln!(out, "  {}", p.display()).map_err(CliError::Output)?;
    }
    Ok(())
}

/// The scenarios a command runs on: those named, or every built-in.
fn scenarios(names: &[String]) -> Result<Vec<Scenario>, CliError> {
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
fn check(
    format: Format,
    out: &mut dyn Write,
    policy: &str,
    names: &[String],
    max_states: usize,
    with_script: bool,
) -> Result<bool, CliError> {
    let policy = dsl::load_policy(policy)?;
    let hooks = Interpreter { policy: &policy };
    let opts = model::Options { max_states };
    let scenarios = scenarios(names)?;
    let reports: Vec<model::Report> = scenarios
        .iter()
        .map(|s| model::check(&hooks, s, opts))
        .collect();
    let scripts: Vec<(String, Vec<model::ScriptStep>)> = scenarios
        .iter()
        .filter(|s| with_script && !s.script.is_empty())
        .map(|s| (s.name.clone(), model::run_script(&hooks, s)))
        .collect();
    #[derive(serde::Serialize)]
    struct Json<'a> {
        policy: &'a str,
        reports: &'a [model::Report],
        #[serde(skip_serializing_if = "<[_]>::is_empty")]
        scripts: &'a [(String, Vec<model::ScriptStep>)],
    }
    emit(
        format,
        out,
        &Json {
            policy: &policy.name,
            reports: &reports,
            scripts: &scripts,
        },
        |o| {
            report::check(o, &policy.name, &reports, report::Timing(true))?;
            for (name, steps) in &scripts {
                writeln!(o)?;
                writeln!(o, "{name}: fixed script")?;
                report::script(o, steps)?;
            }
            Ok(())
        },
    )?;
    Ok(reports.iter().any(model::Report::violated))
}

fn diff(
    format: Format,
    out: &mut dyn Write,
    a: &str,
    b: &str,
    names: &[String],
    max_states: usize,
) -> Result<(), CliError> {
    let (pa, pb) = (dsl::load_policy(a)?, dsl::load_policy(b)?);
    let (ha, hb) = (Interpreter { policy: &pa }, Interpreter { policy: &pb });
    let opts = model::Options { max_states };
    let scenarios = scenarios(names)?;
    let reports: Vec<(model::Report, model::Report)> = scenarios
        .iter()
        .map(|s| (model::check(&ha, s, opts), model::check(&hb, s, opts)))
        .collect();
    let rows: Vec<report::DiffRow> = reports
        .iter()
        .zip(&scenarios)
        .map(|((ra, rb), s)| report::DiffRow {
            a: ra,
            b: rb,
            script_a: model::run_script(&ha, s),
            script_b: model::run_script(&hb, s),
        })
        .collect();
    #[derive(serde::Serialize)]
    struct VerdictPair {
        property: model::Property,
        a: model::Status,
        b: model::Status,
    }
    #[derive(serde::Serialize)]
    struct StepPair {
        n: usize,
        #[serde(rename = "move")]
        mv: String,
        a: String,
        b: String,
    }
    #[derive(serde::Serialize)]
    struct ScenarioDiff {
        scenario: String,
        verdicts: Vec<VerdictPair>,
        script: Vec<StepPair>,
        first_divergence: Option<usize>,
    }
    let json: Vec<ScenarioDiff> = rows
        .iter()
        .map(|r| {
            let script: Vec<StepPair> = r
                .script_a
                .iter()
                .zip(&r.script_b)
                .map(|(x, y)| StepPair {
                    n: x.n,
                    mv: x.mv.clone(),
                    a: x.observed(),
                    b: y.observed(),
                })
                .collect();
            ScenarioDiff {
                scenario: r.a.scenario.clone(),
                verdicts: r
                    .a
                    .verdicts
                    .iter()
                    .zip(&r.b.verdicts)
                    .filter(|(x, y)| x.status != y.status)
                    .map(|(x, y)| VerdictPair {
                        property: x.property,
                        a: x.status,
                        b: y.status,
                    })
                    .collect(),
                first_divergence: script.iter().find(|s| s.a != s.b).map(|s| s.n),
                script,
            }
        })
        .collect();
    #[derive(serde::Serialize)]
    struct Json<'a> {
        a: &'a str,
        b: &'a str,
        scenarios: Vec<ScenarioDiff>,
    }
    emit(
        format,
        out,
        &Json {
            a: &pa.name,
            b: &pb.name,
            scenarios: json,
        },
        |o| report::diff(o, &pa.name, &pb.name, &rows),
    )
}

fn policy_list(format: Format, out: &mut dyn Write) -> Result<(), CliError> {
    let policies: Vec<Policy> = dsl::builtins(SourceKind::Policy)
        .map(|b| dsl::load_policy(b.name))
        .collect::<Result<_, _>>()?;
    #[derive(serde::Serialize)]
    struct Row<'a> {
        name: &'a str,
        extends: Option<&'a str>,
        summary: String,
        changed_hooks: Vec<String>,
    }
    let rows: Vec<Row> = policies
        .iter()
        .map(|p| Row {
            name: &p.name,
            extends: p.parent.as_deref(),
            summary: p.summary(),
            changed_hooks: p.changed_hooks().iter().map(|h| h.id()).collect(),
        })
        .collect();
    emit(format, out, &rows, |o| {
        let table: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                vec![
                    r.name.to_string(),
                    r.extends.unwrap_or("-").to_string(),
                    r.summary.clone(),
                ]
            })
            .collect();
        show::table(
            o,
            &["POLICY".into(), "EXTENDS".into(), "SUMMARY".into()],
            &table,
        )
    })
}

fn scenario_list(format: Format, out: &mut dyn Write) -> Result<(), CliError> {
    let scenarios: Vec<Scenario> = dsl::builtins(SourceKind::Scenario)
        .map(|b| dsl::load_scenario(b.name))
        .collect::<Result<_, _>>()?;
    #[derive(serde::Serialize)]
    struct Row<'a> {
        name: &'a str,
        msi_translated: bool,
        devices: usize,
        script_steps: usize,
        summary: String,
    }
    let rows: Vec<Row> = scenarios
        .iter()
        .map(|s| Row {
            name: &s.name,
            msi_translated: s.msi_translated,
            devices: s.devices.len(),
            script_steps: s.script.len(),
            summary: s.summary(),
        })
        .collect();
    emit(format, out, &rows, |o| {
        let table: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                let msi = if r.msi_translated {
                    "translated"
                } else {
                    "direct"
                };
                vec![r.name.to_string(), msi.to_string(), r.summary.clone()]
            })
            .collect();
        show::table(
            o,
            &["SCENARIO".into(), "MSI".into(), "SUMMARY".into()],
            &table,
        )
    })
}

fn lint(format: Format, out: &mut dyn Write, paths: &[PathBuf]) -> Result<bool, CliError> {
    #[derive(serde::Serialize)]
    struct FileResult {
        file: String,
        ok: bool,
        kind: Option<SourceKind>,
        name: Option<String>,
        errors: Vec<dsl::diag::DslErrorJson>,
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    }
    let mut results = Vec::new();
    let mut failed = 0;
    for path in paths {
        let file = path.display().to_string();
        let r = match dsl::load_file(path) {
            Ok(Loaded::Policy(p)) => FileResult {
                file,
                ok: true,
                kind: Some(SourceKind::Policy),
                name: Some(p.name.clone()),
                errors: vec![],
                error: None,
            },
            Ok(Loaded::Scenario(s)) => FileResult {
                file,
                ok: true,
                kind: Some(SourceKind::Scenario),
                name: Some(s.name.clone()),
                errors: vec![],
                error: None,
            },
            Err(e) => {
                failed += 1;
                let message = e.to_string();
                let errors = match e {
                    LoadError::Invalid { errors, .. } => errors,
                    other => {
                        if format == Format::Text {
                            report(&CliError::Load(other));
                        }
                        vec![]
                    }
                };
                if format == Format::Text {
                    errors.iter().for_each(|d| render(d));
                }
                FileResult {
                    error: errors.is_empty().then_some(message),
                    errors: errors.iter().map(|d| d.to_json()).collect(),
                    file,
                    ok: false,
                    kind: None,
                    name: None,
                }
            }
        };
        results.push(r);
    }
    emit(format, out, &results, |o| {
        for r in results.iter().filter(|r| r.ok) {
            let kind = r.kind.map_or("", SourceKind::name);
            writeln!(
                o,
                "ok  {}  ({kind} {})",
                r.file,
                r.name.as_deref().unwrap_or("")
            )?;
        }
        writeln!(
            o,
            "{} file{} checked, {failed} with problems",
            results.len(),
            if results.len() == 1 { "" } else { "s" }
        )
    })?;
    Ok(failed == 0)
}
