//! The command line: every subcommand, its arguments and their defaults.

use crate::error::CliError;
use crate::kernel;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::PathBuf;
use switchyard::dsl::Base;
use switchyard_model as model;

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
pub(crate) struct Cli {
    /// Output format for commands that print data.
    #[arg(long, global = true, value_enum, default_value_t = Format::Text)]
    pub(crate) format: Format,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    Text,
    Json,
}

#[derive(Subcommand)]
pub(crate) enum Command {
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
        #[command(flatten)]
        search: SearchArgs,
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
        /// The base of the second policy, when it differs from the first's (--base):
        /// `diff status-quo status-quo --base linux-6.12 --against-base linux-7.3` is one
        /// policy on two kernels.
        #[arg(long, value_name = "BASE")]
        against_base: Option<Base>,
        #[command(flatten)]
        search: SearchArgs,
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
        /// Replay the checker's shortest counterexample for this property (as `check`
        /// prints it) instead of the fixed script.
        #[arg(long, value_name = "PROPERTY")]
        trace: Option<String>,
        /// Run this branch (or revision) of the tree as it is, instead of the policy's
        /// generated series.
        #[arg(long)]
        branch: Option<String>,
        #[command(flatten)]
        kernel: KernelArgs,
    },
    /// Confirm verdicts in the kernel: for each policy and each scenario the QEMU machine
    /// can run, the fixed script and the checker's shortest counterexample for every
    /// violated property, each policy's kernel built once and booted as often as needed
    /// (several boots at once where the machine has the cores). Prints a fidelity table:
    /// agree, disagree, or not replayable with the reason. Exits 1 on any disagreement.
    Confirm {
        /// Built-in names or paths.
        #[arg(required = true)]
        policies: Vec<String>,
        /// Scenarios; default: every built-in the QEMU machine can run.
        #[arg(long = "scenario", short = 's')]
        scenarios: Vec<String>,
        /// Boots at once; default: the machine's cores.
        #[arg(long)]
        boots: Option<usize>,
        #[command(flatten)]
        kernel: KernelArgs,
    },
    /// Measure the checker: states per second, time to verdict and memory per stored
    /// state, on the built-in scenario with the most states (or the one given); with
    /// --scale, on the scenario grown to each number of copies; with --against spin, beside
    /// SPIN on the same model.
    Bench {
        /// The policy to explore with.
        #[arg(default_value = "status-quo")]
        policy: String,
        /// The scenario; default: the built-in with the most reachable states.
        #[arg(long, short = 's')]
        scenario: Option<String>,
        /// How long to keep exploring, in seconds (without --scale).
        #[arg(long, default_value_t = 2.0)]
        seconds: f64,
        /// The scenario this many times over (each copy its own groups), e.g. `4`.
        #[arg(long, conflicts_with = "scale")]
        copies: Option<usize>,
        /// One row per number of copies in the range, e.g. `1..=16`: states,
        /// transitions, time to verdict, peak memory.
        #[arg(long, value_parser = parse_range)]
        scale: Option<(usize, usize)>,
        /// Also run SPIN on the same model (`gen promela`): time to every verdict and
        /// states per second of both, and their ratios. Exits 1 if the verdicts differ.
        #[arg(long, value_enum, conflicts_with = "scale")]
        against: Option<Peer>,
        #[command(flatten)]
        search: SearchArgs,
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
        /// The kernel git tree. Default: $SWITCHYARD_TREE, else the base's imported
        /// linux-source in the cache (imported the first time; linux-6.12 unless --base
        /// names another).
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
pub(crate) enum GenCmd {
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
    /// model's verdicts in the cover letter. Each patch is addressed To: the maintainers and
    /// Cc: the reviewers and lists the tree's scripts/get_maintainer.pl names for it, the
    /// cover letter to all of them. Nothing is written if any anchor is missing.
    Series(SeriesArgs),
    /// Write the policy's model on a scenario as Promela for SPIN 6.5: the state as
    /// globals, every action an inline, the policy's hooks translated from the IR, each
    /// transition of the checker one d_step, the properties as assertions chosen with
    /// `spin -DPROP=k` (0 none, 10 all). Its search gives the checker's verdicts and,
    /// without reduction, its states plus SPIN's state before boot.
    Promela {
        /// A built-in name or a path.
        policy: String,
        /// The scenario (built-in name or path).
        #[arg(long, short = 's')]
        scenario: String,
        /// The file to write; default: standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// The kernel release whose behaviour the model has.
        #[arg(long, default_value_t = Base::default())]
        base: Base,
    },
}

/// `gen series`.
#[derive(clap::Args)]
pub(crate) struct SeriesArgs {
    /// A built-in name or a path.
    pub(crate) policy: String,
    /// The directory to write the patches to (created).
    #[arg(short, long)]
    pub(crate) output: PathBuf,
    /// A Linux 6.12 or 7.3 git tree. Default: $SWITCHYARD_TREE, else
    /// ~/.cache/switchyard/BASE (linux-6.12 unless --base names another), imported from
    /// the base's Debian linux-source tarball the first time.
    #[arg(long)]
    pub(crate) tree: Option<PathBuf>,
    /// The revision the series applies to (default HEAD); or a kernel base by name
    /// (`linux-6.12`, `linux-7.3`): the default tree is then that base's import, and a
    /// tree given must be that release.
    #[arg(long, value_name = "REV|BASE")]
    pub(crate) base: Option<BaseOrRevision>,
    /// The version of the series: `[PATCH RFC vN k/n]`.
    #[arg(short = 'v', long = "reroll-count", value_name = "N")]
    pub(crate) version: Option<u32>,
    /// Add a Signed-off-by: trailer with the author.
    #[arg(long)]
    pub(crate) signoff: bool,
    /// The author, "Name <email>"; default: user.name and user.email from git config.
    #[arg(long, value_name = "IDENT")]
    pub(crate) from: Option<String>,
    /// The previous version's directory: its change-id is kept and the cover letter
    /// says what changed since.
    #[arg(long, value_name = "PREV_DIR")]
    pub(crate) range_diff: Option<PathBuf>,
    /// Address every mail To: ADDR instead of the maintainers get_maintainer.pl names
    /// (repeatable; with --to or --cc, get_maintainer.pl is not run).
    #[arg(long, value_name = "ADDR")]
    pub(crate) to: Vec<String>,
    /// Copy every mail to ADDR instead of the reviewers and lists get_maintainer.pl
    /// names (repeatable).
    #[arg(long, value_name = "ADDR")]
    pub(crate) cc: Vec<String>,
    /// Run the tree's scripts/checkpatch.pl --strict on each written patch and print what
    /// it finds; exit 1 if it finds an error or a warning.
    #[arg(long)]
    pub(crate) check: bool,
}

#[derive(Subcommand)]
pub(crate) enum TreeCmd {
    /// Import a base's Debian linux-source tarball into a new git repository: one base
    /// commit on branch `base`, the work tree checked out, `git status` clean. Re-running
    /// on a finished import does nothing and says so. Linux 6.12's package is installed
    /// from the machine's sources; Linux 7.3's (trixie-backports) is fetched once with
    /// `apt-get download` against a source list of switchyard's own, into
    /// ~/.cache/switchyard/debs/, unless /usr/src/linux-source-7.3.tar.xz is installed.
    Init {
        /// The directory to create (or an earlier import of it).
        dir: PathBuf,
        /// The kernel base to import: linux-6.12 (default) or linux-7.3.
        #[arg(long, conflicts_with = "from_tarball")]
        base: Option<Base>,
        /// A kernel source tarball (.tar.xz, .tar.gz or .tar) to import instead;
        /// default: the base's, /usr/src/linux-source-6.12.tar.xz for linux-6.12.
        #[arg(long)]
        from_tarball: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
pub(crate) enum PolicyCmd {
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
pub(crate) enum ScenarioCmd {
    /// List the built-in scenarios with their one-line summaries.
    List,
    /// Show a scenario: topology, moves and their bounds, script.
    Show {
        /// A built-in name or a path.
        scenario: String,
    },
}

/// `apply`'s options besides the source and the tree.
#[derive(clap::Args)]
pub(crate) struct ApplyArgs {
    /// The branch to create. Default: switchyard/POLICY-vN.
    #[arg(long)]
    pub(crate) branch: Option<String>,
    /// The revision to apply on (default: the cover letter's base-commit, else HEAD); or
    /// a kernel base by name (`linux-6.12`, `linux-7.3`): the default tree is then that
    /// base's import, and a tree given must be that release.
    #[arg(long, value_name = "REV|BASE")]
    pub(crate) base: Option<BaseOrRevision>,
    /// Check the new branch out (the work tree must be clean).
    #[arg(long)]
    pub(crate) checkout: bool,
    /// For a policy: the version of the series, `[PATCH RFC vN k/n]`.
    #[arg(short = 'v', long = "reroll-count", value_name = "N")]
    pub(crate) version: Option<u32>,
    /// For a policy: the author, "Name <email>"; default: the tree's git config.
    #[arg(long, value_name = "IDENT")]
    pub(crate) from: Option<String>,
    /// For a policy: add a Signed-off-by: trailer with the author.
    #[arg(long)]
    pub(crate) signoff: bool,
}

impl Format {
    /// Prints data as JSON or through the text renderer.
    pub(crate) fn emit<T: serde::Serialize>(
        self,
        out: &mut dyn Write,
        value: &T,
        text: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> Result<(), CliError> {
        let r = match self {
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
}

/// `--base` of `gen series` and `apply`: a kernel base by its name, or a revision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum BaseOrRevision {
    /// `linux-6.12`, `linux-7.3`.
    Kernel(Base),
    /// Anything else: a revision of the tree.
    Revision(String),
}

impl std::str::FromStr for BaseOrRevision {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match Base::from_name(s) {
            Some(b) => BaseOrRevision::Kernel(b),
            None => BaseOrRevision::Revision(s.to_string()),
        })
    }
}

impl BaseOrRevision {
    /// The kernel base `--base` names, if it names one.
    pub(crate) fn kernel(arg: &Option<BaseOrRevision>) -> Option<Base> {
        match arg {
            Some(BaseOrRevision::Kernel(b)) => Some(*b),
            _ => None,
        }
    }

    /// The revision `--base` names, if it names one.
    pub(crate) fn revision(arg: Option<BaseOrRevision>) -> Option<String> {
        match arg {
            Some(BaseOrRevision::Revision(r)) => Some(r),
            _ => None,
        }
    }
}

/// Where the kernel comes from, how it is built, and the deadlines of its boots: shared
/// by `run` and `confirm`.
#[derive(clap::Args, Debug)]
pub(crate) struct KernelArgs {
    /// A kernel git tree (from `tree init`, or any with drivers/iommu); default:
    /// $SWITCHYARD_TREE, else the base's linux-source tarball imported into the cache.
    #[arg(long)]
    pub(crate) tree: Option<PathBuf>,
    /// The kernel base: linux-6.12 (default) or linux-7.3. Chooses the default tree
    /// (CACHE/BASE) and the cache's directories of its builds; a tree given with --tree
    /// must be that release (its Makefile says), and without --base its release is the
    /// base.
    #[arg(long)]
    pub(crate) base: Option<Base>,
    /// Where sources, builds, series and initramfs go.
    #[arg(long, default_value_os_t = kernel::default_cache())]
    pub(crate) cache: PathBuf,
    /// Parallel make jobs.
    #[arg(long, short = 'j', default_value_t = 3)]
    pub(crate) jobs: usize,
    /// Seconds from power-on to the guest agent.
    #[arg(long, default_value_t = 180)]
    pub(crate) boot_timeout: u64,
    /// The longest silence, in seconds, between two agent lines.
    #[arg(long, default_value_t = 60)]
    pub(crate) step_timeout: u64,
    /// How long the guest waits for an interrupt after each raise, in seconds.
    #[arg(long, default_value_t = 5)]
    pub(crate) raise_wait: u64,
}

impl KernelArgs {
    /// The run options, with the branch `run --branch` gives.
    pub(crate) fn options(self, branch: Option<String>) -> crate::run::Options {
        crate::run::Options {
            tree: self.tree,
            base: self.base,
            branch,
            cache: self.cache,
            jobs: self.jobs,
            boot_timeout: std::time::Duration::from_secs(self.boot_timeout),
            step_timeout: std::time::Duration::from_secs(self.step_timeout),
            raise_wait: std::time::Duration::from_secs(self.raise_wait),
        }
    }
}

/// How the checker searches: shared by `check`, `diff` and `bench`.
#[derive(Args, Clone, Copy, Debug)]
pub(crate) struct SearchArgs {
    /// Stop exploring a scenario (each component of it) after this many distinct states:
    /// inconclusive.
    #[arg(long, default_value_t = model::explore::DEFAULT_MAX_STATES)]
    pub(crate) max_states: usize,
    /// Explore every interleaving of every group's moves, instead of checking groups that
    /// nothing joins apart and identical ones once (same verdicts and trace lengths).
    #[arg(long)]
    pub(crate) whole: bool,
    /// Store a 64-bit hash of each state instead of the state; prints the probability
    /// that two states were taken for one.
    #[arg(long)]
    pub(crate) hash_compact: bool,
    /// Threads expanding states; default: one per core.
    #[arg(long, default_value_t = 0)]
    pub(crate) threads: usize,
    /// The kernel release whose behaviour the model has: linux-6.12 or linux-7.3.
    #[arg(long, default_value_t = Base::default())]
    pub(crate) base: Base,
}

impl SearchArgs {
    pub(crate) fn options(self) -> model::Options {
        model::Options {
            max_states: self.max_states,
            reduce: !self.whole,
            hash_compact: self.hash_compact,
            threads: self.threads,
            base: self.base,
            ..model::Options::default()
        }
    }
}

/// A checker to compare with.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Peer {
    /// SPIN 6.5 (Debian package `spin`) on the model written as Promela.
    Spin,
}

/// `A..=B` (both included), `A..B` (B left out, as in Rust), or `N` alone: the first and
/// last number of copies.
fn parse_range(text: &str) -> Result<(usize, usize), String> {
    let num = |t: &str| {
        t.trim()
            .parse::<usize>()
            .map_err(|_| format!("`{t}` is not a number of copies"))
    };
    let (a, b) = match text.split_once("..") {
        Some((a, b)) => match b.strip_prefix('=') {
            Some(b) => (num(a)?, num(b)?),
            None => (num(a)?, num(b)?.saturating_sub(1)),
        },
        None => (num(text)?, num(text)?),
    };
    if a == 0 || b < a {
        return Err(format!(
            "`{text}`: give numbers of copies from 1, the smaller first (e.g. 1..=16)"
        ));
    }
    Ok((a, b))
}
