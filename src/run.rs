//! `switchyard run`: build a policy's kernel, boot it in QEMU, replay the scenario's fixed
//! script, and compare what the kernel did with what the model predicted, step by step.

use serde::Serialize;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;
use switchyard::dsl::{self, Policy, Scenario};
use switchyard_generator::model::{self, moves::Irq, moves::Outcome, Interpreter, ScriptStep};
use switchyard_harness::qemu::{GuestResult, StepObservation};
use switchyard_harness::{guest, initramfs, kbuild, qemu, tree, worktree};

/// The kernel source every default run starts from.
pub const TARBALL: &str = "/usr/src/linux-source-6.12.tar.xz";

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum RunError {
    #[error(transparent)]
    #[diagnostic(code(switchyard::run::scenario))]
    Guest(#[from] guest::GuestError),
    #[error(transparent)]
    #[diagnostic(code(switchyard::run::tree), help("give an imported or existing kernel git tree with --tree, or let run import {TARBALL} (package linux-source-6.12)"))]
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
    #[error("policy `{policy}` changes the kernel, and no branch holding its series was given")]
    #[diagnostic(
        code(switchyard::run::series),
        help("apply the policy's series to the tree and pass its branch with --branch NAME")
    )]
    NeedsBranch { policy: String },
    #[error("scenario `{0}` has no fixed script to replay")]
    #[diagnostic(
        code(switchyard::run::script),
        help("add a `script {{ ... }}` block to the scenario")
    )]
    NoScript(String),
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

pub struct Options {
    pub tree: Option<PathBuf>,
    pub branch: Option<String>,
    pub cache: PathBuf,
    pub jobs: usize,
    pub boot_timeout: Duration,
    pub step_timeout: Duration,
    pub raise_wait: Duration,
}

/// The default cache: `$XDG_CACHE_HOME/switchyard`, else `~/.cache/switchyard`.
pub fn default_cache() -> PathBuf {
    std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(|| PathBuf::from(".cache"))
        .join("switchyard")
}

/// One step, predicted and observed.
#[derive(Debug, Serialize)]
pub struct Compared {
    pub n: usize,
    #[serde(rename = "move")]
    pub mv: String,
    pub predicted: String,
    pub observed: String,
    pub agree: bool,
    pub model_domain: String,
    pub sysfs_domain: Option<String>,
    pub smmu: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct RunReport {
    pub policy: String,
    pub scenario: String,
    pub revision: String,
    pub steps: Vec<Compared>,
    pub agree: bool,
}

/// What the model's outcome says in the terms the guest can observe.
fn predicted(step: &ScriptStep) -> (&'static str, String) {
    match &step.outcome {
        None => ("ok", "nothing happens (not possible in this state)".into()),
        Some(Outcome::Ok) => ("ok", "ok".into()),
        Some(Outcome::Failed { errno }) => (errno.name(), format!("fails: {errno}")),
        Some(Outcome::Irq { irq }) => match irq {
            Irq::Delivered => ("delivered", "AER delivered".into()),
            Irq::Lost { .. } => ("lost", "AER lost (IOMMU fault)".into()),
            Irq::Unsignalled => ("silent", "AER not signalled (status still pending)".into()),
            Irq::Masked => ("silent", "AER not signalled (vectors freed)".into()),
            Irq::Unreported => ("silent", "AER not reported (no driver)".into()),
        },
    }
}

fn observed(obs: Option<&StepObservation>) -> (String, String) {
    let Some(o) = obs else {
        return ("missing".into(), "the guest did not reach this step".into());
    };
    match &o.result {
        None => ("missing".into(), "no result line".into()),
        Some(GuestResult::Ok) => ("ok".into(), "ok".into()),
        Some(GuestResult::Errno { name, at, .. }) => {
            (name.clone(), format!("fails: {name} (at {at})"))
        }
        Some(GuestResult::Irq {
            delivered: true, ..
        }) => ("delivered".into(), "AER delivered".into()),
        Some(GuestResult::Irq {
            delivered: false, ..
        }) => match o.smmu.first() {
            Some(e) => (
                "lost".into(),
                format!(
                    "AER lost: SMMU event 0x{:02x}, stream 0x{:x}, IOVA 0x{:x}",
                    e.id, e.stream_id, e.addr
                ),
            ),
            None => ("silent".into(), "AER not signalled, no SMMU event".into()),
        },
    }
}

pub fn compare(prediction: &[ScriptStep], observations: &[StepObservation]) -> Vec<Compared> {
    prediction
        .iter()
        .map(|p| {
            let obs = observations.iter().find(|o| o.n == p.n);
            let (pc, ptext) = predicted(p);
            let (oc, otext) = observed(obs);
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
                smmu: obs
                    .map(|o| {
                        o.smmu
                            .iter()
                            .map(|e| {
                                format!(
                                    "event 0x{:02x} sid 0x{:x} addr 0x{:x}",
                                    e.id, e.stream_id, e.addr
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            }
        })
        .collect()
}

struct Progress {
    tty: bool,
}

impl Progress {
    fn say(&self, text: &str) {
        if self.tty {
            eprint!("\r\x1b[K");
        }
        eprintln!("{text}");
    }
    fn update(&self, text: &str) {
        if self.tty {
            eprint!("\r\x1b[K{text}");
            let _ = std::io::stderr().flush();
        }
    }
    fn done(&self) {
        if self.tty {
            eprint!("\r\x1b[K");
        }
    }
}

fn cache_dir(p: &Path) -> Result<PathBuf, RunError> {
    std::fs::create_dir_all(p).map_err(|source| RunError::Cache {
        path: p.to_path_buf(),
        source,
    })?;
    Ok(p.to_path_buf())
}

/// Builds, boots and compares; the report says whether kernel and model agree.
pub fn run(policy: &Policy, scenario: &Scenario, opts: &Options) -> Result<RunReport, RunError> {
    let progress = Progress {
        tty: std::io::stderr().is_terminal(),
    };
    if scenario.script.is_empty() {
        return Err(RunError::NoScript(scenario.name.clone()));
    }
    let prediction = model::run_script(&Interpreter { policy }, scenario);
    let machine = guest::machine(scenario)?;
    let script = guest::script(scenario, opts.raise_wait.as_millis() as u64)?;
    if opts.branch.is_none() && !policy.changed_hooks().is_empty() {
        return Err(RunError::NeedsBranch {
            policy: policy.name.clone(),
        });
    }
    let cache = cache_dir(&opts.cache)?;

    // The kernel tree: given, or imported into the cache once.
    let tree_dir = match &opts.tree {
        Some(t) => t.clone(),
        None => {
            let dir = cache.join("linux-6.12");
            let mut last = 0;
            let outcome = tree::init(&dir, Path::new(TARBALL), &mut |p| {
                if p.files_done / 5000 != last {
                    last = p.files_done / 5000;
                    progress.update(&format!("importing {TARBALL}: {} files", p.files_done));
                }
            })?;
            progress.done();
            if let tree::InitOutcome::Imported(r) = &outcome {
                progress.say(&format!(
                    "imported {TARBALL} into {} ({} files)",
                    dir.display(),
                    r.files
                ));
            }
            dir
        }
    };
    let kt = tree::open(&tree_dir)?;
    let repo = kt.repo();
    let (label, commit) = match &opts.branch {
        Some(b) => {
            let obj = repo
                .revparse_single(b)
                .map_err(|_| RunError::NoBranch(tree_dir.clone(), b.clone()))?;
            let c = obj
                .peel_to_commit()
                .map_err(|_| RunError::NoBranch(tree_dir.clone(), b.clone()))?;
            (b.replace('/', "-"), c.id())
        }
        None => ("base".to_string(), kt.base()),
    };
    let short = &commit.to_string()[..12];
    let src = cache.join("src").join(format!("{label}-{short}"));
    progress.update(&format!("writing {short} to {}", src.display()));
    let m = worktree::materialize(repo, commit, &src)?;
    progress.done();
    if m.written > 0 {
        progress.say(&format!(
            "wrote {} of {} files of {short} to {}",
            m.written,
            m.total,
            src.display()
        ));
    }

    let out = cache.join("build").join(&label);
    let image = kbuild::build(&src, &out, opts.jobs, &mut |e| match e {
        kbuild::BuildEvent::Configuring => {
            progress.say("configuring the kernel (allnoconfig + harness fragment)")
        }
        kbuild::BuildEvent::Compiled { objects, last } => {
            progress.update(&format!("building: {objects} objects [{last}]"))
        }
    })?;
    progress.done();
    progress.say(&format!("built {}", image.display()));

    let agent = guest::agent(&cache.join("guest"))?;
    let rundir = cache_dir(&cache.join("run"))?;
    let initrd = rundir.join(format!("{}-{}.cpio.gz", label, scenario.name));
    initramfs::write(&initrd, &agent, &script).map_err(|source| RunError::Cache {
        path: initrd.clone(),
        source,
    })?;
    progress.say(&format!("booting: {}", scenario.name));
    let cfg = qemu::RunConfig {
        qemu: qemu::QEMU.into(),
        kernel: image,
        initrd,
        machine,
        workdir: rundir,
        boot_timeout: opts.boot_timeout,
        step_timeout: opts.step_timeout,
    };
    let output = qemu::run(&cfg)?;
    let steps = compare(&prediction, &output.steps);
    let agree = steps.iter().all(|s| s.agree);
    Ok(RunReport {
        policy: policy.name.clone(),
        scenario: scenario.name.clone(),
        revision: format!("{label} ({short})"),
        steps,
        agree,
    })
}

pub fn render(out: &mut dyn Write, r: &RunReport) -> std::io::Result<()> {
    writeln!(
        out,
        "policy {} on {}, kernel {}",
        r.policy, r.scenario, r.revision
    )?;
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

pub fn load(policy: &str, scenario: &str) -> Result<(Policy, Scenario), dsl::LoadError> {
    Ok((dsl::load_policy(policy)?, dsl::load_scenario(scenario)?))
}
