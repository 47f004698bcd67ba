//! `switchyard run`: build a policy's kernel, boot it in QEMU, replay the scenario's fixed
//! script, and compare what the kernel did with what the model predicted, step by step.
//!
//! # Which kernel
//!
//! status-quo runs the tree's base: the import's commit (`refs/switchyard/base`), or HEAD
//! of any other kernel git tree. `--branch NAME` runs that branch as it is. Without
//! `--branch`, a policy that changes the kernel runs its series, generated here and
//! applied to the base as a branch of the tree:
//!
//! - The series is what `gen series` writes, with a fixed author ([`SERIES_AUTHOR`]) and
//!   the base commit's date as its date, so generating it again gives the same patches.
//! - Its branch is `switchyard/POLICY-v1`, the branch `switchyard apply POLICY` names. If
//!   that branch does not exist, the series is applied as it (atomically, as `apply`
//!   does). If it exists and holds exactly this series on this base (same patches,
//!   messages, authors, dates and resulting trees; see
//!   [`switchyard_harness::apply::branch_state`]), it is reused: a second run builds
//!   nothing new.
//! - If it exists and holds something else — the policy or the generator changed since,
//!   the tree's base moved, or someone committed to it — it is left exactly as it is and
//!   the series becomes the next version, `switchyard/POLICY-v2` with `[PATCH RFC v2 k/n]`
//!   subjects, and so on: what is built is always the policy as it is written now, and no
//!   existing branch is ever rewritten. Each branch passed over is named on stderr and in
//!   the report. To build an older or a hand-edited branch, pass it with `--branch` — as
//!   for a branch `apply POLICY` made: it carries the git config's author and the time it
//!   was applied, so it is never this series.
//!
//! The series itself is kept in the cache (`series/LABEL`), to read or to send.
//!
//! # Where it is built
//!
//! Each branch has a source directory (`src/LABEL`, the branch's name with `-` for `/`;
//! `base` for the base) and a build directory (`build/LABEL`) in the cache, always paired,
//! because kbuild records the source directory's path in what it builds. The commit is
//! written into the source directory incrementally ([`worktree`]). A branch built for the
//! first time starts from the base's pair when there is one ([`seed`]): its source files
//! hard-linked, its build copied with mtimes kept and paths rewritten, so only what the
//! series changes, and what depends on it, is compiled.
//!
//! # Shared, and stopped
//!
//! Each stage holds the lock of what it changes ([`switchyard_harness::lock`]): the
//! tree's to import into it or to create a branch; `src/LABEL.lock` while the branch's
//! series is generated and applied and its commit written out, until the build is done;
//! `build/LABEL.lock` exclusive to configure and build and shared while the image boots
//! (or seeds another branch's build); `run/LABEL-SCENARIO.lock` while it boots. A second
//! run of the same policy waits where the first one works and then finds its work done.
//! An exclusive holder records the stage it is in; if it is cut short (a signal: every
//! child's process group is stopped, the run exits 128 + the signal; or a kill), the next
//! holder says so and continues or repairs it ([`resume`], [`repair`]).

use crate::cli::Format;
use crate::error::CliError;
use crate::kernel::{KernelError, Progress};
use serde::Serialize;
use std::cell::Cell;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;
use switchyard::dsl::scenario::Iommu;
use switchyard::dsl::{self, Base, Policy, Scenario};
use switchyard::rfc::{self, Revision};
use switchyard_harness::apply::{self, ApplyError, ApplyOptions, BranchState};
use switchyard_harness::git2::Oid;
use switchyard_harness::interrupt::{self, Interrupted};
use switchyard_harness::lock::{Lock, LockError, Mode};
use switchyard_harness::qemu::{BootEvent, GuestResult, IommuFault, StepObservation};
use switchyard_harness::target::Target;
use switchyard_harness::tree::DEFAULT_TARBALL;
use switchyard_harness::{guest, initramfs, kbuild, qemu, seed, tree, worktree};
use switchyard_model::{self as model, moves::Irq, moves::Outcome, Interpreter, ScriptStep};
use switchyard_series as series;

/// Why `run` stopped. The kernel-tree work it shares with `apply` fails as
/// [`KernelError`]; the tree and the apply it does on its own keep codes and help of
/// their own, which name `run`'s options.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub(crate) enum RunError {
    #[error(transparent)]
    #[diagnostic(code(switchyard::run::scenario))]
    Guest(#[from] guest::GuestError),
    #[error(transparent)]
    #[diagnostic(code(switchyard::run::tree), help("give an imported or existing kernel git tree with --tree, or let run import {DEFAULT_TARBALL} (package linux-source-6.12)"))]
    Tree(#[from] tree::TreeError),
    #[error(transparent)]
    #[diagnostic(code(switchyard::run::worktree))]
    Worktree(#[from] worktree::WorktreeError),
    #[error(transparent)]
    #[diagnostic(code(switchyard::run::build))]
    Build(#[from] kbuild::BuildError),
    #[error(transparent)]
    #[diagnostic(code(switchyard::run::boot))]
    Qemu(#[from] qemu::QemuError),
    #[error("`{0}` has no branch or revision `{1}`")]
    #[diagnostic(
        code(switchyard::run::branch),
        help("list the tree's branches with `git -C TREE branch`")
    )]
    NoBranch(PathBuf, String),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Kernel(Box<KernelError>),
    // `{0}` rather than `transparent`: the apply errors already say their cause.
    #[error("{0}")]
    #[diagnostic(
        code(switchyard::run::apply),
        help("the tree's refs, HEAD, index and work tree are as they were; to run a branch of your own, pass it with --branch")
    )]
    Apply(ApplyError),
    #[error("branches {first} to {last} all hold other series than `{policy}`'s")]
    #[diagnostic(
        code(switchyard::run::versions),
        help("delete the branches you no longer need (`git -C TREE branch -D ...`), or pass one with --branch")
    )]
    Versions {
        policy: String,
        first: String,
        last: String,
    },
    #[error("git error in `{}` while {action}: {source}", tree.display())]
    #[diagnostic(code(switchyard::run::git))]
    Git {
        tree: PathBuf,
        action: String,
        #[source]
        source: switchyard_harness::git2::Error,
    },
    #[error(transparent)]
    #[diagnostic(
        code(switchyard::run::seed),
        help("remove the branch's directories under the cache's src/ and build/ to start it over")
    )]
    Seed(#[from] seed::SeedError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Base(Box<CliError>),
    #[error("scenario `{0}` has no fixed script to replay")]
    #[diagnostic(
        code(switchyard::run::script),
        help("add a `script {{ ... }}` block to the scenario")
    )]
    NoScript(String),
    #[error("no property named `{name}`")]
    #[diagnostic(code(switchyard::run::property), help("properties: {known}"))]
    UnknownProperty { name: String, known: String },
    #[error("the counterexample for {property} on {scenario} is not replayable: {why}")]
    #[diagnostic(
        code(switchyard::run::not_replayable),
        help("`switchyard check POLICY -s SCENARIO` shows the trace; only a fixed script or a trace the guest can follow is run")
    )]
    NotReplayable {
        property: String,
        scenario: String,
        why: String,
    },
    #[error(transparent)]
    #[diagnostic(
        code(switchyard::run::lock),
        help("another switchyard may hold it; the cache's lock files are the *.lock files beside its directories")
    )]
    Lock(#[from] LockError),
    #[error("{signal} during the {stage}; every process it started was stopped")]
    #[diagnostic(
        code(switchyard::run::interrupted),
        help("the next run continues or repairs what this one left, and says which")
    )]
    Interrupted {
        signal: Interrupted,
        stage: &'static str,
    },
    #[error("cannot use the cache directory `{path}`: {source}")]
    #[diagnostic(
        code(switchyard::run::cache),
        help("pass a writable directory with --cache")
    )]
    Cache {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl From<Interrupted> for RunError {
    fn from(signal: Interrupted) -> Self {
        RunError::Interrupted {
            signal,
            stage: "run",
        }
    }
}

impl From<series::SeriesError> for RunError {
    fn from(e: series::SeriesError) -> Self {
        RunError::Kernel(Box::new(KernelError::Series(e)))
    }
}

/// `run`'s options.
pub(crate) struct Options {
    pub(crate) tree: Option<PathBuf>,
    /// `--base`: the default tree's base, and what a given tree must be.
    pub(crate) base: Option<Base>,
    pub(crate) branch: Option<String>,
    pub(crate) cache: PathBuf,
    pub(crate) jobs: usize,
    pub(crate) boot_timeout: Duration,
    pub(crate) step_timeout: Duration,
    pub(crate) raise_wait: Duration,
}

/// One step, predicted and observed.
#[derive(Debug, Serialize)]
pub(crate) struct Compared {
    pub(crate) n: usize,
    #[serde(rename = "move")]
    pub(crate) mv: String,
    pub(crate) predicted: String,
    pub(crate) observed: String,
    pub(crate) agree: bool,
    pub(crate) model_domain: String,
    pub(crate) sysfs_domain: Option<String>,
    pub(crate) iommu_faults: Vec<String>,
}

#[derive(Debug, Serialize)]
pub(crate) struct RunReport {
    pub(crate) policy: String,
    pub(crate) scenario: String,
    pub(crate) revision: String,
    /// How the policy's series came to be on the branch that was built; absent when the
    /// base or a `--branch` was built.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) series: Option<SeriesUse>,
    pub(crate) steps: Vec<Compared>,
    pub(crate) agree: bool,
    /// The property whose counterexample was replayed instead of the fixed script.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) trace: Option<String>,
}

/// The branch `run` built a policy's series from, and how it came to hold it.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct SeriesUse {
    /// `switchyard/POLICY-vN`.
    pub(crate) branch: String,
    /// Whether this run applied the series or found it there.
    pub(crate) action: Action,
    /// The commit the series is on.
    pub(crate) base: String,
    /// The branch's commits, oldest first: id and subject.
    pub(crate) commits: Vec<(String, String)>,
    /// Where the series' mails were written.
    pub(crate) dir: PathBuf,
    /// Earlier versions' branches that hold something else, left as they are.
    pub(crate) superseded: Vec<Superseded>,
}

/// How the branch came to hold the series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Action {
    /// Created by this run.
    Applied,
    /// It already held this very series.
    Reused,
}

/// A branch passed over because it holds another series.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Superseded {
    pub(crate) branch: String,
    pub(crate) reason: String,
}

/// How the model names the blocking domain in an outcome (`Machine::dom_label`).
const BLOCKED: &str = "blocked";

/// What the model's outcome says in the terms the guest can observe on the machine.
fn predicted(step: &ScriptStep, target: &Target) -> (&'static str, String) {
    match &step.outcome {
        None => ("not performed", "not possible in this state".into()),
        Some(Outcome::Ok) => ("ok", "ok".into()),
        Some(Outcome::Failed { errno, .. }) => (errno.name(), format!("fails: {errno}")),
        Some(Outcome::Irq { irq }) => match irq {
            Irq::Delivered => ("delivered", "AER delivered".into()),
            // SMMUv3 aborts every transaction of a stream whose group is in the blocking
            // domain (STE.Config = abort, arm_smmu_make_abort_ste()) and records no event
            // for it: what the guest sees of that loss is neither an interrupt nor an event.
            // VT-d's blocking state clears the PASID entry without Fault Processing Disable
            // (intel_pasid_tear_down_entry(..., false)), so a request it refuses is a
            // recorded fault like any other.
            Irq::Lost { domain, .. } if domain == BLOCKED && target.iommu == Iommu::Smmuv3 => (
                "silent",
                "AER lost (aborted in the blocking domain: no SMMU event)".into(),
            ),
            Irq::Lost { .. } => ("lost", "AER lost (IOMMU fault)".into()),
            Irq::Unsignalled => ("silent", "AER not signalled (status still pending)".into()),
            Irq::Held => (
                "silent",
                "AER held (vectors masked: no interrupt, no fault)".into(),
            ),
            Irq::Unreported => ("silent", "AER not reported (no driver)".into()),
        },
    }
}

fn observed(obs: Option<&StepObservation>, target: &Target) -> (String, String) {
    let Some(o) = obs else {
        return ("missing".into(), "the guest did not reach this step".into());
    };
    match &o.result {
        None => ("missing".into(), "no result line".into()),
        Some(GuestResult::Ok) => ("ok".into(), "ok".into()),
        Some(GuestResult::Skipped) => ("not performed".into(), "not performed".into()),
        Some(GuestResult::Errno { name, at, .. }) => {
            (name.clone(), format!("fails: {name} (at {at})"))
        }
        Some(GuestResult::Irq {
            delivered: true, ..
        }) => ("delivered".into(), "AER delivered".into()),
        Some(GuestResult::Irq {
            delivered: false, ..
        }) => match o.faults.first() {
            Some(IommuFault::Smmu {
                id,
                stream_id,
                addr,
            }) => (
                "lost".into(),
                format!("AER lost: SMMU event 0x{id:02x}, stream 0x{stream_id:x}, IOVA 0x{addr:x}"),
            ),
            Some(IommuFault::Dmar {
                request,
                source,
                addr,
                reason,
            }) => (
                "lost".into(),
                format!(
                    "AER lost: DMAR fault ({request}) from {source} at 0x{addr:x}, reason 0x{reason:02x}"
                ),
            ),
            None => (
                "silent".into(),
                format!("AER not signalled, no {}", target.fault),
            ),
        },
    }
}

/// Step 0, the boot: the groups the model derived from the topology
/// (`pci_device_group()`) against the ones the kernel made (the set-up's `group` lines),
/// and the built-in drivers the model binds at boot against the ones the kernel bound
/// (`expect`). Any difference is a disagreement like any step's.
fn booted(
    scenario: &Scenario,
    model_groups: &[(String, Option<String>)],
    setup: &[String],
) -> Vec<Compared> {
    let name_of = |pci: &str| {
        scenario
            .devices
            .iter()
            .find(|d| d.pci.eq_ignore_ascii_case(pci))
            .map_or(pci.to_string(), |d| d.name.clone())
    };
    // Devices by group, groups in the order their first member appears; a device in no
    // group is an entry of its own.
    let partition = |each: Vec<(String, Option<String>)>| {
        let mut seen: Vec<(Option<String>, Vec<String>)> = Vec::new();
        for (dev, g) in each {
            match seen.iter_mut().find(|(h, _)| g.is_some() && *h == g) {
                Some((_, members)) => members.push(dev),
                None => seen.push((g, vec![dev])),
            }
        }
        seen.iter()
            .map(|(g, m)| match g {
                Some(_) => format!("{{{}}}", m.join(", ")),
                None => format!("{{{} without a group}}", m.join(", ")),
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let predicted_groups = partition(model_groups.to_vec());
    let observed_groups = partition(
        setup
            .iter()
            .filter_map(|l| {
                let mut w = l.split_whitespace();
                let (Some("group"), Some(pci), Some(id)) = (w.next(), w.next(), w.next()) else {
                    return None;
                };
                Some((name_of(pci), (id != "none").then(|| id.to_string())))
            })
            .collect(),
    );
    let bound: Vec<String> = scenario
        .devices
        .iter()
        .filter_map(|d| {
            let drv = scenario.driver(d.driver.as_deref()?)?;
            Some(format!("{}: {}", d.name, drv.kernel_name))
        })
        .collect();
    let mut predicted = format!("groups {predicted_groups}");
    if !bound.is_empty() {
        predicted.push_str(&format!("; bound at boot: {}", bound.join(", ")));
    }
    let wrong: Vec<&str> = setup
        .iter()
        .filter(|l| l.starts_with("expect "))
        .map(String::as_str)
        .collect();
    let mut observed = format!("groups {observed_groups}");
    if !bound.is_empty() {
        if wrong.is_empty() {
            observed.push_str(&format!("; bound at boot: {}", bound.join(", ")));
        } else {
            observed.push_str(&format!("; not as predicted: {}", wrong.join("; ")));
        }
    }
    vec![Compared {
        n: 0,
        mv: "boot".into(),
        agree: predicted == observed,
        predicted,
        observed,
        model_domain: String::new(),
        sysfs_domain: None,
        iommu_faults: Vec::new(),
    }]
}

fn compare(
    prediction: &[ScriptStep],
    observations: &[StepObservation],
    target: &Target,
) -> Vec<Compared> {
    prediction
        .iter()
        .map(|p| {
            let obs = observations.iter().find(|o| o.n == p.n);
            let (pc, ptext) = predicted(p, target);
            let (oc, otext) = observed(obs, target);
            Compared {
                n: p.n,
                mv: p.mv.clone(),
                predicted: ptext,
                observed: otext,
                agree: pc == oc,
                model_domain: p
                    .domains
                    .iter()
                    .map(|(g, d)| format!("{g}: {d}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                sysfs_domain: obs
                    .and_then(|o| o.domain.as_ref())
                    .map(|(g, t)| format!("group {g} type {t}")),
                iommu_faults: obs
                    .map(|o| o.faults.iter().map(ToString::to_string).collect())
                    .unwrap_or_default(),
            }
        })
        .collect()
}

/// The author of the series `run` generates: the identity the import commits with.
const SERIES_AUTHOR: (&str, &str) = tree::IMPORT_IDENTITY;

/// How many versions of a policy's series `run` tries before giving up.
const MAX_VERSION: u32 = 99;

fn cache_dir(p: &Path) -> Result<PathBuf, RunError> {
    let cache_err = |source| RunError::Cache {
        path: p.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(p).map_err(cache_err)?;
    // Absolute and without symlinks: kbuild records the source directory's real path,
    // and the cache's directories are compared with it.
    std::fs::canonicalize(p).map_err(cache_err)
}

fn cache_io(path: &Path) -> impl FnOnce(std::io::Error) -> RunError {
    let path = path.to_path_buf();
    move |source| RunError::Cache { path, source }
}

/// Where a base's sources, builds, series, guest agent and boots go below the cache: the
/// cache itself for Linux 6.12 (the layout from before there were bases, so its caches
/// stay valid), `work/BASE` for any other base. The base's tree is `BASE` beside it
/// ([`crate::kernel::cache_import`]).
pub(crate) fn work_root(cache: &Path, base: Base) -> PathBuf {
    if base == Base::default() {
        cache.to_path_buf()
    } else {
        cache.join("work").join(base.name())
    }
}

/// A branch's directories' name in the cache.
fn label(branch: &str) -> String {
    branch.trim_start_matches("refs/heads/").replace('/', "-")
}

/// The revision status-quo runs and series are applied on: an import's commit, else HEAD.
fn base_revision(tree_dir: &Path) -> &'static str {
    let import = switchyard_harness::git2::Repository::open(tree_dir)
        .is_ok_and(|r| r.find_reference(tree::IMPORT_MARKER_REF).is_ok());
    if import {
        tree::IMPORT_MARKER_REF
    } else {
        "HEAD"
    }
}

/// Runs `run`; returns whether the kernel agreed with the model.
pub(crate) fn command(
    format: Format,
    out: &mut dyn Write,
    policy: &str,
    scenario: &str,
    trace: Option<&str>,
    opts: &Options,
) -> Result<bool, CliError> {
    let (policy, mut scenario) = load(policy, scenario)?;
    let mut replayed = None;
    if let Some(name) = trace {
        let property = property(name)?;
        scenario = traced(&policy, &scenario, property, run_base(opts)?)?;
        replayed = Some(property.name().to_string());
    }
    let mut report = run(&policy, &scenario, opts)?;
    report.trace = replayed;
    format.emit(out, &report, |o| render(o, &report))?;
    Ok(report.agree)
}

/// Builds, boots and compares; the report says whether kernel and model agree.
///
/// Each stage takes the locks of what it changes (see the module's documentation) and
/// says on stderr what it waits for; a signal ends the stage it lands in, and the run, as
/// [`RunError::Interrupted`].
pub(crate) fn run(
    policy: &Policy,
    scenario: &Scenario,
    opts: &Options,
) -> Result<RunReport, RunError> {
    let progress = Progress::stderr();
    let plan = plan(policy, scenario, opts)?;
    let built = build_kernel(policy, plan.target(), opts, &progress)?;
    replay(policy, scenario, plan, &built, opts, &progress)
}

/// A policy's kernel, built: what any number of boots of it need.
pub(crate) struct Built {
    kernel: Kernel,
    dirs: Dirs,
    image: PathBuf,
    /// The base's part of the cache ([`work_root`]).
    cache: PathBuf,
    /// The build directory's lock, shared while boots read the image.
    _build: Lock,
}

/// Imports the tree, applies the policy's series (or takes `--branch`), checks the
/// branch out into the machine's part of the cache and builds it for the machine.
pub(crate) fn build_kernel(
    policy: &Policy,
    target: &'static Target,
    opts: &Options,
    progress: &Progress,
) -> Result<Built, RunError> {
    let cache = cache_dir(&opts.cache)?;
    let at = Current::default();
    let (kt, base) = at.stage("import", || import(opts, &cache, progress))?;
    let work = work_root(&cache, base);
    let (kernel, mut branch) = at.stage("apply", || apply(policy, &kt, opts, &work, progress))?;
    let donor = crate::kernel::is_cache_import(kt.dir(), &cache, base);
    let (dirs, mut out) = at.stage("checkout", || {
        checkout(&kt, &kernel, target, &work, donor, &mut branch, progress)
    })?;
    let image = at.stage("build", || {
        build(target, &dirs, &mut out, opts.jobs, &at, progress)
    })?;
    // The sources are not read again; the image is, until every boot of it is done, so
    // the build stays locked, shared, as long as this lives.
    drop(branch);
    at.stage("boot", || {
        out.share(&mut |w| progress.say(&w.to_string()))?;
        Ok(())
    })?;
    Ok(Built {
        kernel,
        dirs,
        image,
        cache: work,
        _build: out,
    })
}

/// Boots a built kernel with a planned script and compares every step.
pub(crate) fn replay(
    policy: &Policy,
    scenario: &Scenario,
    plan: Plan,
    built: &Built,
    opts: &Options,
    progress: &Progress,
) -> Result<RunReport, RunError> {
    let Plan {
        base,
        prediction,
        guest,
    } = plan;
    let target = guest.machine.target;
    let at = Current::default();
    let (observed, setup) = at.stage("boot", || {
        boot(
            guest,
            built.image.clone(),
            &built.dirs,
            &built.cache,
            opts,
            &at,
            progress,
        )
    })?;
    let model_groups = model::boot_groups(&Interpreter { policy }, scenario, base);
    let mut steps = booted(scenario, &model_groups, &setup);
    steps.extend(compare(&prediction, &observed, target));
    let agree = steps.iter().all(|s| s.agree);
    let kernel = &built.kernel;
    Ok(RunReport {
        policy: policy.name.clone(),
        scenario: scenario.name.clone(),
        revision: format!("{} ({})", kernel.name, kernel.short()),
        series: kernel.series.clone(),
        steps,
        agree,
        trace: None,
    })
}

/// The stage a run is in, for [`RunError::Interrupted`].
#[derive(Default)]
struct Current(Cell<&'static str>);

impl Current {
    fn set(&self, stage: &'static str) {
        self.0.set(stage);
    }

    /// Runs a stage: not at all once a signal came, and any error it ends with after a
    /// signal is the signal's.
    fn stage<T>(
        &self,
        name: &'static str,
        f: impl FnOnce() -> Result<T, RunError>,
    ) -> Result<T, RunError> {
        self.set(name);
        let result = interrupt::check()
            .map_err(RunError::from)
            .and_then(|()| f());
        match (result, interrupt::requested()) {
            (Err(_), Some(signal)) => Err(RunError::Interrupted {
                signal,
                stage: self.0.get(),
            }),
            (result, _) => result,
        }
    }
}

/// Takes a lock, saying on stderr whom it waits for.
fn lock(file: &Path, what: &Path, mode: Mode, progress: &Progress) -> Result<Lock, LockError> {
    switchyard_harness::lock::acquire(file, what, mode, &mut |w| progress.say(&w.to_string()))
}

/// The lock of a directory `cache/KIND/LABEL`: `cache/KIND/LABEL.lock`.
fn dir_lock(dir: &Path, mode: Mode, progress: &Progress) -> Result<Lock, LockError> {
    let mut name = dir.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    lock(&dir.with_file_name(name), dir, mode, progress)
}

/// Says what the previous holder of `lock` left unfinished, and what this run does about
/// it; returns the kind of stage it was (`apply`, `checkout`, `configure`, `build`,
/// `boot`, `replay`).
fn resume(lock: &Lock, progress: &Progress) -> Option<String> {
    let p = lock.previous()?;
    let who = p.pid.map(|pid| format!(" (pid {pid})")).unwrap_or_default();
    let kind = p
        .stage
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string();
    let next = match kind.as_str() {
        "apply" => "applying it again",
        "checkout" | "build" => "continuing it",
        "configure" => "configuring again",
        "boot" | "replay" => "booting again",
        _ => "starting it again",
    };
    progress.say(&match &p.signal {
        Some(signal) => format!(
            "the previous run{who} was interrupted by {signal} during the {}; {next}",
            p.stage
        ),
        None => format!(
            "the previous run{who} ended during the {} without finishing it; {next}",
            p.stage
        ),
    });
    Some(kind)
}

/// Removes `path`, a file or a directory that an interrupted run left, saying so.
fn repair(path: &Path, what: &str, progress: &Progress) -> Result<(), RunError> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(_) => return Ok(()),
    };
    if meta.is_dir() {
        std::fs::remove_dir_all(path).map_err(cache_io(path))?;
    } else {
        std::fs::remove_file(path).map_err(cache_io(path))?;
    }
    progress.say(&format!("repaired: removed {what} {}", path.display()));
    Ok(())
}

/// What a run needs from the scenario before any kernel work: the model's prediction,
/// the guest machine and the script it replays.
pub(crate) struct Plan {
    /// The kernel base the prediction is the model's of: the one the run boots.
    base: Base,
    prediction: Vec<ScriptStep>,
    guest: Guest,
}

impl Plan {
    /// The machine this plan boots.
    pub(crate) fn target(&self) -> &'static Target {
        self.guest.machine.target
    }

    /// Names this plan's boot files after a case of the scenario as well, so that boots of
    /// one scenario with different scripts can run side by side.
    pub(crate) fn tag(&mut self, case: &str) {
        self.guest.scenario = format!("{}-{case}", self.guest.scenario);
    }
}

/// The guest a scenario boots: its machine and the script its agent replays.
struct Guest {
    scenario: String,
    machine: guest::Machine,
    script: String,
}

/// A property by the name `check` prints.
fn property(name: &str) -> Result<model::Property, RunError> {
    model::Property::ALL
        .into_iter()
        .find(|p| p.name() == name)
        .ok_or_else(|| RunError::UnknownProperty {
            name: name.to_string(),
            known: model::Property::ALL
                .iter()
                .map(|p| p.name())
                .collect::<Vec<_>>()
                .join(", "),
        })
}

/// The scenario with the checker's shortest counterexample for `property` on `base` (the
/// kernel the run boots) as its script, or why the harness cannot follow it.
pub(crate) fn traced(
    policy: &Policy,
    scenario: &Scenario,
    property: model::Property,
    base: Base,
) -> Result<Scenario, RunError> {
    let report = model::check(&Interpreter { policy }, scenario, checked_on(base));
    with_trace(scenario, report.verdict(property))
}

/// The scenario with a verdict's counterexample as its script, or why there is none the
/// guest can follow.
pub(crate) fn with_trace(
    scenario: &Scenario,
    verdict: &model::Verdict,
) -> Result<Scenario, RunError> {
    let property = verdict.property;
    if verdict.status != model::Status::Violated {
        return Err(RunError::NotReplayable {
            property: property.name().to_string(),
            scenario: scenario.name.clone(),
            why: format!(
                "{} {} there, so there is no counterexample",
                property.name(),
                verdict.status.label()
            ),
        });
    }
    let script = model::replay_script(scenario, verdict).map_err(|e| RunError::NotReplayable {
        property: property.name().to_string(),
        scenario: scenario.name.clone(),
        why: e.to_string(),
    })?;
    if script.is_empty() {
        return Err(RunError::NotReplayable {
            property: property.name().to_string(),
            scenario: scenario.name.clone(),
            why: "the counterexample is the boot itself, which the guest cannot observe without \
                  a step (an interrupt raised, as msi-delivered's trace does)"
                .to_string(),
        });
    }
    let mut s = scenario.clone();
    s.script = script;
    Ok(s)
}

/// The checker's options for the counterexamples a run on `base` replays: that base's
/// model, so the traces are the ones its kernel is asked about.
pub(crate) fn checked_on(base: Base) -> model::Options {
    model::Options {
        base,
        ..model::Options::default()
    }
}

/// The base a run boots, known before any tree is imported: the given tree's release
/// (its Makefile; a `--base` that differs is refused), else `--base`, else 6.12.
pub(crate) fn run_base(opts: &Options) -> Result<Base, RunError> {
    let given = opts
        .tree
        .clone()
        .or_else(|| std::env::var_os("SWITCHYARD_TREE").map(PathBuf::from));
    match given {
        Some(dir) if dir.is_dir() => {
            crate::kernel::tree_base(&dir, opts.base).map_err(|e| RunError::Kernel(Box::new(e)))
        }
        _ => Ok(opts.base.unwrap_or_default()),
    }
}

/// The prediction and the guest's inputs. A scenario without a script, and a policy
/// without C, are refused here, before a tree is imported or read.
pub(crate) fn plan(policy: &Policy, scenario: &Scenario, opts: &Options) -> Result<Plan, RunError> {
    if scenario.script.is_empty() {
        return Err(RunError::NoScript(scenario.name.clone()));
    }
    let base = run_base(opts)?;
    CliError::for_base(policy, base).map_err(|e| RunError::Base(Box::new(e)))?;
    let prediction = model::run_script(&Interpreter { policy }, scenario, base);
    let machine = guest::machine(scenario)?;
    let possible: Vec<bool> = prediction.iter().map(|p| p.outcome.is_some()).collect();
    let script = guest::script(scenario, opts.raise_wait.as_millis() as u64, &possible)?;
    if opts.branch.is_none() && !policy.changed_hooks().is_empty() {
        series::expressible(policy, base)?;
    }
    Ok(Plan {
        base,
        prediction,
        guest: Guest {
            scenario: scenario.name.clone(),
            machine,
            script,
        },
    })
}

/// The kernel tree, found as every command finds it (given, else `$SWITCHYARD_TREE`, else
/// imported into the cache once), open at its base.
fn import(
    opts: &Options,
    cache: &Path,
    progress: &Progress,
) -> Result<(tree::KernelTree, Base), RunError> {
    let (tree_dir, base) =
        crate::kernel::kernel_tree(opts.tree.clone(), opts.base, cache, progress).map_err(|e| {
            match e {
                KernelError::Tree(e) => RunError::Tree(e),
                other => RunError::Kernel(Box::new(other)),
            }
        })?;
    Ok((tree::open_at(&tree_dir, base_revision(&tree_dir))?, base))
}

/// The kernel a run builds: a branch's name and commit, and the series it holds.
struct Kernel {
    name: String,
    commit: Oid,
    series: Option<SeriesUse>,
}

impl Kernel {
    fn short(&self) -> String {
        self.commit.to_string()[..12].to_string()
    }
}

/// Which commit is built: `--branch`, the base for a policy that changes nothing, else
/// the branch holding the policy's series, applied when needed. Returns it with the lock
/// of its source directory (`src/LABEL`), which is also the lock of the branch's series
/// in the cache.
fn apply(
    policy: &Policy,
    kt: &tree::KernelTree,
    opts: &Options,
    cache: &Path,
    progress: &Progress,
) -> Result<(Kernel, Lock), RunError> {
    let fixed = |name: String, commit: Oid| -> Result<(Kernel, Lock), RunError> {
        let lock = dir_lock(
            &cache.join("src").join(label(&name)),
            Mode::Exclusive,
            progress,
        )?;
        resume(&lock, progress);
        let kernel = Kernel {
            name,
            commit,
            series: None,
        };
        Ok((kernel, lock))
    };
    match &opts.branch {
        Some(b) => {
            let no_branch = || RunError::NoBranch(kt.dir().to_path_buf(), b.clone());
            let obj = kt.repo().revparse_single(b).map_err(|_| no_branch())?;
            let c = obj.peel_to_commit().map_err(|_| no_branch())?;
            fixed(b.clone(), c.id())
        }
        None if policy.changed_hooks().is_empty() => fixed("base".to_string(), kt.base()),
        None => {
            let (used, head, lock) = policy_branch(policy, kt, cache, progress)?;
            let kernel = Kernel {
                name: used.branch.clone(),
                commit: head,
                series: Some(used),
            };
            Ok((kernel, lock))
        }
    }
}

/// A branch's source and build directories in the cache.
struct Dirs {
    label: String,
    src: PathBuf,
    out: PathBuf,
}

/// Writes the kernel's commit into its source directory (whose lock `branch` is); a new
/// branch's pair starts as the base's. The pairs are in the machine's part of the base's
/// part of the cache ([`Target::cache_root`] of [`work_root`]): each machine has its own,
/// as a build directory is of one architecture. `donor`: the tree is the cache's own
/// import. Returns the directories with the lock of the build directory, taken
/// exclusive.
fn checkout(
    kt: &tree::KernelTree,
    kernel: &Kernel,
    target: &Target,
    cache: &Path,
    donor: bool,
    branch: &mut Lock,
    progress: &Progress,
) -> Result<(Dirs, Lock), RunError> {
    let root = target.cache_root(cache);
    let short = kernel.short();
    let label = label(&kernel.name);
    let src = root.join("src").join(&label);
    let out = root.join("build").join(&label);
    branch.begin(&format!("checkout of {short} to {}", src.display()));
    let out_lock = dir_lock(&out, Mode::Exclusive, progress)?;
    if resume(&out_lock, progress).as_deref() == Some("configure") {
        // A configuration cut short: its stamp is gone (kbuild removes it first), but a
        // half-written .config must not meet the next configure's allnoconfig half-way.
        for f in [".config", kbuild::STAMP] {
            repair(&out.join(f), "the half-written", progress)?;
        }
    }
    for dir in [&src, &out] {
        let mut name = dir.file_name().unwrap_or_default().to_os_string();
        name.push(".partial");
        repair(&dir.with_file_name(name), "the half-made copy", progress)?;
    }
    adopt(&src, &out, progress)?;
    let (base_src, base_out) = (root.join("src/base"), root.join("build/base"));
    if label != "base" && !out.exists() {
        // Read only, and only once the base's own runs are done changing it.
        let _base_locks = (
            dir_lock(&base_src, Mode::Shared, progress)?,
            dir_lock(&base_out, Mode::Shared, progress)?,
        );
        let built = seed::source_of(&base_out).is_some_and(|s| s == base_src)
            && std::fs::read_to_string(base_out.join(kbuild::STAMP))
                .is_ok_and(|f| f == target.fragment);
        if built {
            progress.update(&format!(
                "starting {} from {}",
                out.display(),
                base_out.display()
            ));
            let s = seed::seed(&base_src, &base_out, &src, &out)?;
            progress.done();
            progress.say(&format!(
                "started {label} from the base's build: {} source files linked, {} build files copied ({} re-pointed)",
                s.linked, s.copied, s.rewritten
            ));
        }
    }
    progress.update(&format!("writing {short} to {}", src.display()));
    // The cache's own import lends its work tree's files to every file written here that
    // it holds unchanged (all of them for the base's directory): see `worktree::Donor`.
    // A tree of the user's never does.
    let donor = donor.then(|| worktree::Donor::of(kt.repo())).flatten();
    let m = worktree::materialize_from(kt.repo(), kernel.commit, &src, donor.as_ref())?;
    progress.done();
    if m.written > 0 || m.removed > 0 {
        let linked = if m.linked > 0 {
            format!(" ({} shared with {})", m.linked, kt.dir().display())
        } else {
            String::new()
        };
        progress.say(&format!(
            "wrote {} of {} files of {short} to {}{linked}{}",
            m.written,
            m.total,
            src.display(),
            if m.removed > 0 {
                format!(", removed {}", m.removed)
            } else {
                String::new()
            }
        ));
    }
    branch.end();
    Ok((Dirs { label, src, out }, out_lock))
}

/// Builds the machine's kernel image in the branch's build directory, whose lock `out`
/// is.
fn build(
    target: &Target,
    dirs: &Dirs,
    out: &mut Lock,
    jobs: usize,
    at: &Current,
    progress: &Progress,
) -> Result<PathBuf, RunError> {
    let mut compiled = 0;
    let build_dir = dirs.out.display().to_string();
    let image = kbuild::build(target, &dirs.src, &dirs.out, jobs, &mut |e| match e {
        kbuild::BuildEvent::Configuring => {
            at.set("configure");
            out.begin(&format!("configure of {build_dir}"));
            progress.say(&format!(
                "configuring the kernel (ARCH={} allnoconfig + harness/kernel/{})",
                target.arch, target.fragment_name
            ))
        }
        kbuild::BuildEvent::Building => {
            at.set("build");
            out.begin(&format!("build of {build_dir}"));
            progress.say(&format!(
                "building in {build_dir} (make -j{jobs} {})",
                target.image_target
            ))
        }
        kbuild::BuildEvent::Compiled { objects, last } => {
            compiled = objects;
            progress.update(&format!("building: {objects} objects [{last}]"))
        }
    })?;
    out.end();
    progress.done();
    progress.say(&if compiled == 0 {
        format!("kernel up to date: {}", image.display())
    } else {
        format!("built {} ({compiled} objects compiled)", image.display())
    });
    Ok(image)
}

/// Boots the image with the scenario's guest and returns what the guest saw at each step,
/// and the problems its set-up reported. The boot's files (`run/LABEL-SCENARIO.*`) have a
/// lock of their own, so two runs of one kernel on one scenario boot one after the other.
fn boot(
    guest: Guest,
    image: PathBuf,
    dirs: &Dirs,
    cache: &Path,
    opts: &Options,
    at: &Current,
    progress: &Progress,
) -> Result<(Vec<StepObservation>, Vec<String>), RunError> {
    let agent = {
        let guest_dir = cache.join("guest");
        let _lock = dir_lock(&guest_dir, Mode::Exclusive, progress)?;
        guest::agent(&guest_dir, guest.machine.target)?
    };
    let rundir = cache.join("run");
    std::fs::create_dir_all(&rundir).map_err(cache_io(&rundir))?;
    let name = format!("{}-{}", dirs.label, guest.scenario);
    let mut lock = dir_lock(&rundir.join(&name), Mode::Exclusive, progress)?;
    resume(&lock, progress);
    for sock in stale_sockets(&rundir) {
        repair(&sock, "the QMP socket of an interrupted boot,", progress)?;
    }
    let initrd = rundir.join(format!("{name}.cpio.gz"));
    initramfs::write(&initrd, &agent, &guest.script).map_err(cache_io(&initrd))?;
    lock.begin(&format!("boot of {} on {}", dirs.label, guest.scenario));
    progress.say(&format!("booting: {}", guest.scenario));
    let cfg = qemu::RunConfig {
        qemu: guest.machine.target.qemu.into(),
        kernel: image,
        initrd,
        machine: guest.machine,
        console_log: Some(rundir.join(format!("{name}.console.log"))),
        workdir: rundir,
        boot_timeout: opts.boot_timeout,
        step_timeout: opts.step_timeout,
    };
    let output = qemu::run_with(&cfg, &mut |e| match e {
        BootEvent::Ready => {
            at.set("replay");
            lock.begin(&format!("replay of {} on {}", guest.scenario, dirs.label));
            progress.say(&format!("replaying the script of {}", guest.scenario));
        }
        BootEvent::Step { n, verb } => progress.update(&format!("step {n}: {verb}")),
    })?;
    lock.end();
    progress.done();
    Ok((output.steps, output.setup))
}

/// QMP sockets in `rundir` (`qmp-PID-N.sock`, see [`qemu::run`]) of processes that are
/// gone.
fn stale_sockets(rundir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(rundir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let pid: u32 = name
                .strip_prefix("qmp-")?
                .strip_suffix(".sock")?
                .split('-')
                .next()?
                .parse()
                .ok()?;
            let gone = pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists();
            gone.then(|| e.path())
        })
        .collect()
}

/// Makes `out` a build of the source directory `src`. A build directory records its
/// source directory's path; when that is another one (an older cache layout, where
/// source directories were named after label and commit, or a cache that was moved), the
/// old source directory becomes `src` if it is in this cache, and the build is re-pointed
/// at `src`, mtimes kept, so nothing is rebuilt for the move. A build whose source
/// directory is gone is removed: it starts over.
fn adopt(src: &Path, out: &Path, progress: &Progress) -> Result<(), RunError> {
    let Some(old) = seed::source_of(out) else {
        return Ok(());
    };
    if old == src {
        return Ok(());
    }
    if old.is_dir() && old.parent() == src.parent() {
        if src.exists() {
            std::fs::remove_dir_all(src).map_err(cache_io(src))?;
        }
        std::fs::rename(&old, src).map_err(cache_io(&old))?;
    } else if !src.is_dir() {
        std::fs::remove_dir_all(out).map_err(cache_io(out))?;
        return Ok(());
    }
    let s = seed::repoint(out, &old, src)?;
    progress.say(&format!(
        "moved the source of {} to {} ({} build files re-pointed)",
        out.display(),
        src.display(),
        s.rewritten
    ));
    Ok(())
}

/// The branch holding `policy`'s series on the base of `kt`: found or applied, as the
/// module's documentation says. Returns how, the branch's commit, and the lock of its
/// source directory, which covers its series in the cache too.
fn policy_branch(
    policy: &Policy,
    kt: &tree::KernelTree,
    cache: &Path,
    progress: &Progress,
) -> Result<(SeriesUse, Oid, Lock), RunError> {
    let git = |action: &str| {
        let action = action.to_string();
        let tree = kt.dir().to_path_buf();
        move |source| RunError::Git {
            tree,
            action,
            source,
        }
    };
    let base = kt.base();
    let date = kt
        .repo()
        .find_commit(base)
        .map_err(git("reading the base commit"))?
        .time()
        .seconds();
    let author = series::Identity {
        name: SERIES_AUTHOR.0.into(),
        email: SERIES_AUTHOR.1.into(),
    };
    let mut superseded = Vec::new();
    for v in 1..=MAX_VERSION {
        let branch = crate::kernel::default_branch(&policy.name, Some(v));
        let mut lock = dir_lock(
            &cache.join("src").join(label(&branch)),
            Mode::Exclusive,
            progress,
        )?;
        resume(&lock, progress);
        // Written aside first: the series directory of a branch passed over is not this
        // series, and must not look like it. Under the lock, one found is a leftover.
        let dir = cache.join("series").join(label(&branch));
        let candidate = cache.join("series").join(format!("{}.new", label(&branch)));
        repair(&candidate, "the half-written series", progress)?;
        lock.begin(&format!("apply of {}'s series as {branch}", policy.name));
        progress.say(&format!(
            "generating the series of {} for {branch}",
            policy.name
        ));
        let how = Revision {
            // v1 is `apply POLICY`'s default: no version in the subjects.
            version: (v > 1).then_some(v),
            date: Some(date),
            ..Revision::default()
        };
        let s = rfc::policy_series(policy, kt, author.clone(), how)?;
        interrupt::check()?;
        s.write(&candidate)?;
        // Whether the branch holds it, and creating it if not, under the tree's lock: an
        // `apply` elsewhere may be creating branches in the same tree.
        let tree_lock = crate::kernel::lock_tree(kt.dir(), Mode::Exclusive, progress)?;
        let state = apply::branch_state(kt.dir(), &candidate, &branch, &base.to_string())
            .map_err(RunError::Apply)?;
        if matches!(state, BranchState::Differs { .. }) {
            std::fs::remove_dir_all(&candidate).map_err(cache_io(&candidate))?;
        } else {
            if dir.exists() {
                std::fs::remove_dir_all(&dir).map_err(cache_io(&dir))?;
            }
            std::fs::rename(&candidate, &dir).map_err(cache_io(&dir))?;
        }
        let (action, head) = match state {
            BranchState::Absent => {
                let o = apply::apply_series(
                    kt.dir(),
                    &dir,
                    ApplyOptions {
                        branch: branch.clone(),
                        base: Some(base.to_string()),
                        checkout: false,
                    },
                )
                .map_err(RunError::Apply)?;
                (Action::Applied, o.head)
            }
            BranchState::Holds { head } => (Action::Reused, head),
            BranchState::Differs { reason, .. } => {
                lock.end();
                progress.say(&format!(
                    "{branch} holds another series ({reason}); left as it is"
                ));
                superseded.push(Superseded { branch, reason });
                continue;
            }
        };
        drop(tree_lock);
        // The branch's commits, oldest first.
        let mut commits = Vec::new();
        let mut c = kt
            .repo()
            .find_commit(head)
            .map_err(git("reading a commit"))?;
        while c.id() != base {
            commits.push((
                c.id().to_string(),
                c.summary().unwrap_or_default().to_string(),
            ));
            c = c.parent(0).map_err(git("reading a commit"))?;
        }
        commits.reverse();
        let used = SeriesUse {
            branch,
            action,
            base: base.to_string(),
            commits,
            dir,
            superseded,
        };
        progress.say(&match action {
            Action::Applied => format!(
                "applied {} patches of {} to {} as branch {} (series in {})",
                used.commits.len(),
                policy.name,
                kt.dir().display(),
                used.branch,
                used.dir.display()
            ),
            Action::Reused => format!(
                "branch {} already holds the series of {}: reusing it",
                used.branch, policy.name
            ),
        });
        lock.end();
        return Ok((used, head, lock));
    }
    Err(RunError::Versions {
        policy: policy.name.clone(),
        first: crate::kernel::default_branch(&policy.name, Some(1)),
        last: crate::kernel::default_branch(&policy.name, Some(MAX_VERSION)),
    })
}

fn render(out: &mut dyn Write, r: &RunReport) -> std::io::Result<()> {
    writeln!(
        out,
        "policy {} on {}, kernel {}",
        r.policy, r.scenario, r.revision
    )?;
    if let Some(p) = &r.trace {
        writeln!(
            out,
            "  replaying the checker's shortest counterexample for {p} (`check` shows it)"
        )?;
    }
    if let Some(s) = &r.series {
        for old in &s.superseded {
            writeln!(out, "  {} passed over: {}", old.branch, old.reason)?;
        }
        writeln!(
            out,
            "  {} patches on base {}, {}:",
            s.commits.len(),
            &s.base[..12.min(s.base.len())],
            if s.action == Action::Applied {
                "generated and applied by this run"
            } else {
                "the branch already held them"
            }
        )?;
        for (id, subject) in &s.commits {
            writeln!(out, "    {} {subject}", &id[..12.min(id.len())])?;
        }
    }
    writeln!(out)?;
    let rows: Vec<Vec<String>> = r
        .steps
        .iter()
        .map(|s| {
            vec![
                s.n.to_string(),
                s.mv.clone(),
                s.predicted.clone(),
                s.observed.clone(),
                if s.agree {
                    String::new()
                } else {
                    "<- DISAGREE".into()
                },
            ]
        })
        .collect();
    crate::show::table(
        out,
        &[
            "#".into(),
            "STEP".into(),
            "MODEL".into(),
            "KERNEL".into(),
            String::new(),
        ],
        &rows,
    )?;
    writeln!(out)?;
    for s in &r.steps {
        if let Some(d) = &s.sysfs_domain {
            writeln!(out, "step {}: model {}; sysfs {d}", s.n, s.model_domain)?;
        }
    }
    writeln!(out)?;
    if r.agree {
        writeln!(out, "the kernel agrees with the model at every step")
    } else {
        let n = r.steps.iter().filter(|s| !s.agree).count();
        writeln!(
            out,
            "the kernel disagrees with the model at {n} step{}",
            if n == 1 { "" } else { "s" }
        )
    }
}

fn load(policy: &str, scenario: &str) -> Result<(Policy, Scenario), dsl::LoadError> {
    Ok((dsl::load_policy(policy)?, dsl::load_scenario(scenario)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_base_other_than_6_12_builds_in_its_own_part_of_the_cache() {
        let cache = Path::new("/c");
        assert_eq!(work_root(cache, Base::Linux612), Path::new("/c"));
        assert_eq!(
            work_root(cache, Base::Linux73),
            Path::new("/c/work/linux-7.3")
        );
        // Beside the base's import, never inside it.
        assert!(!work_root(cache, Base::Linux73)
            .starts_with(crate::kernel::cache_import(cache, Base::Linux73)));
    }
    use switchyard_dsl::vocab::Errno;

    fn step(n: usize, outcome: Option<Outcome>) -> ScriptStep {
        ScriptStep {
            n,
            mv: format!("step {n}"),
            outcome,
            domains: Vec::new(),
        }
    }

    fn seen(n: usize, result: GuestResult) -> StepObservation {
        StepObservation {
            n,
            verb: "x".into(),
            result: Some(result),
            faults: Vec::new(),
            aer_logged: false,
            domain: None,
        }
    }

    fn errno(name: &str) -> GuestResult {
        GuestResult::Errno {
            errno: 1,
            name: name.into(),
            at: "ioctl".into(),
        }
    }

    fn irq(delivered: bool) -> GuestResult {
        GuestResult::Irq {
            delivered,
            before: 0,
            after: i64::from(delivered),
        }
    }

    /// Each kind of difference between the model and the guest is a disagreement, and
    /// the same outcome on both sides is agreement.
    #[test]
    fn every_kind_of_difference_disagrees() {
        let cases: Vec<(Option<Outcome>, GuestResult, bool)> = vec![
            (Some(Outcome::Ok), GuestResult::Ok, true),
            (None, GuestResult::Skipped, true),
            // Impossible in the model, performed in the guest, and the reverse.
            (None, GuestResult::Ok, false),
            (Some(Outcome::Ok), GuestResult::Skipped, false),
            // A different errno, an error against success.
            (
                Some(Outcome::Failed {
                    errno: Errno::EPERM,
                    message: None,
                }),
                errno("EBUSY"),
                false,
            ),
            (Some(Outcome::Ok), errno("EBUSY"), false),
            (
                Some(Outcome::Failed {
                    errno: Errno::EBUSY,
                    message: None,
                }),
                errno("EBUSY"),
                true,
            ),
            // Delivered against lost, lost against delivered.
            (
                Some(Outcome::Irq {
                    irq: Irq::Delivered,
                }),
                irq(false),
                false,
            ),
            (
                Some(Outcome::Irq {
                    irq: Irq::Lost {
                        domain: "user #1".into(),
                        addr: "x".into(),
                    },
                }),
                irq(true),
                false,
            ),
            (
                Some(Outcome::Irq {
                    irq: Irq::Delivered,
                }),
                irq(true),
                true,
            ),
        ];
        for (i, (predicted, observed, agree)) in cases.into_iter().enumerate() {
            let c = compare(
                &[step(1, predicted.clone())],
                &[seen(1, observed.clone())],
                &switchyard_harness::target::ARM64,
            );
            assert_eq!(c[0].agree, agree, "case {i}: {predicted:?} vs {observed:?}");
        }
        // A step the guest never reached disagrees with anything.
        let c = compare(
            &[step(1, Some(Outcome::Ok))],
            &[],
            &switchyard_harness::target::ARM64,
        );
        assert!(!c[0].agree);
    }

    /// The model's groups after boot on arm64: the port, probed when pcieport bound; the
    /// endpoint not yet in a group (it joins at its first bind).
    fn arm_port_vfio() -> (Scenario, Vec<(String, Option<String>)>) {
        let s = switchyard_dsl::load_scenario("arm-port-vfio").unwrap();
        let p = switchyard_dsl::load_policy("status-quo").unwrap();
        let g = model::boot_groups(&Interpreter { policy: &p }, &s, dsl::Base::default());
        (s, g)
    }

    /// A built-in driver the kernel did not bind at boot is a disagreement at step 0.
    #[test]
    fn a_built_in_driver_missing_at_boot_disagrees() {
        let (s, g) = arm_port_vfio();
        let groups = [
            "group 0000:00:02.0 1".to_string(),
            "group 0000:01:00.0 none".to_string(),
        ];
        let ok = booted(&s, &g, &groups);
        assert_eq!(ok.len(), 1);
        assert!(ok[0].agree, "{:?}", ok[0]);
        assert_eq!(
            ok[0].predicted,
            "groups {port} {nic without a group}; bound at boot: port: pcieport"
        );
        let mut setup = groups.to_vec();
        setup.push("expect 0000:00:02.0 pcieport found=none".into());
        let bad = booted(&s, &g, &setup);
        assert!(!bad[0].agree);
        assert!(bad[0].observed.contains("found=none"));
    }

    /// Groups the kernel made otherwise than the model disagree at step 0: a device in a
    /// group the model says it has not joined yet, or two devices split.
    #[test]
    fn groups_other_than_the_models_disagree() {
        let (s, g) = arm_port_vfio();
        let joined = booted(
            &s,
            &g,
            &["group 0000:00:02.0 1".into(), "group 0000:01:00.0 1".into()],
        );
        assert!(!joined[0].agree, "{:?}", joined[0]);
        assert_eq!(
            joined[0].observed,
            "groups {port, nic}; bound at boot: port: pcieport"
        );
        let both = [
            ("nic".to_string(), Some("g0".to_string())),
            ("port".to_string(), Some("g0".to_string())),
        ];
        let split = booted(
            &s,
            &both,
            &["group 0000:01:00.0 2".into(), "group 0000:00:02.0 1".into()],
        );
        assert!(!split[0].agree, "{:?}", split[0]);
    }
}
