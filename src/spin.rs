//! SPIN on a policy's Promela model: `spin -a`, gcc on `pan.c`, `./pan`, its output read
//! back into the checker's verdicts and SPIN's state counts.
//!
//! [`check`] is what `switchyard bench --against spin` measures and what the agreement
//! test compares with the checker. It runs two exhaustive searches of the model
//! [`switchyard_model::promela`] writes, each a pan of its own compiled with
//! `-DSAFETY -DNOREDUCE` (safety only, no partial-order reduction):
//!
//! - the plain state space (`PROP=0`, no assertion), whose counts and time are SPIN's
//!   figures for the model: [`SpinReport::plain`];
//! - every property at once (`PROP=10`, `pan -c0`: the search goes on after a violation,
//!   and each property reports its first violation once), whose violated assertions are
//!   the verdicts: [`SpinReport::verdicts`], [`SpinReport::properties`].
//!
//! SPIN stores one state more than the checker: the state before boot (`init` at its
//! first statement, every global zero), from which boot is SPIN's first transition. Its
//! transition count is the checker's plus two: boot, and the initial state, which pan
//! counts as it counts every stored state (transitions = stored + matched).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Instant;
use switchyard_dsl::ir::Policy;
use switchyard_dsl::scenario::Scenario;
use switchyard_model::promela::{self, Promela, PromelaError, ALL_PROPERTIES};
use switchyard_model::{Property, Status};

/// How pan is built and run.
#[derive(Clone, Debug)]
pub struct Options {
    /// The `spin` program (default: `spin` on PATH).
    pub spin: PathBuf,
    /// The C compiler for pan (default: `gcc` on PATH).
    pub gcc: PathBuf,
    /// gcc's optimisation level for pan (`-O2` by default: pan's search time is what
    /// `bench` reports; `-O0` compiles three times faster, for tiny state spaces).
    pub opt_level: u8,
    /// pan's first depth limit (`-m`); a search that reaches it is run again with ten times
    /// the limit, up to [`Options::max_depth`].
    pub depth: u64,
    /// The largest depth limit tried before the search counts as incomplete.
    pub max_depth: u64,
    /// log2 of pan's hash table slots (`-w`); more states than slots only chain.
    pub hash_bits: u8,
    /// pan's memory limit in megabytes (`-DMEMLIM`); a search that reaches it is
    /// incomplete, and its unviolated properties inconclusive.
    pub memory_mb: u64,
    /// The kernel release whose behaviour the model has.
    pub base: switchyard_dsl::Base,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            spin: PathBuf::from("spin"),
            gcc: PathBuf::from("gcc"),
            opt_level: 2,
            depth: 100_000,
            max_depth: 10_000_000,
            hash_bits: 20,
            memory_mb: 2048,
            base: switchyard_dsl::Base::default(),
        }
    }
}

/// One run of pan.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Search {
    /// The `PROP` it was compiled with (0: none; 10: all).
    pub prop: u32,
    /// `states, stored`: the checker's states plus the state before boot.
    pub states: u64,
    /// `states, matched`.
    pub matched: u64,
    /// `transitions (= stored+matched)`.
    pub transitions: u64,
    /// `depth reached`.
    pub depth: u64,
    /// The depth limit of the run reported (`-m`).
    pub depth_limit: u64,
    /// pan's `elapsed time`, in seconds (pan measures in hundredths).
    pub seconds: f64,
    /// pan's whole run as this process timed it (allocation of its tables included).
    pub wall_seconds: f64,
    /// `total actual memory usage`, in megabytes.
    pub memory_mb: f64,
    /// `State-vector N byte`.
    pub state_vector: u64,
    /// The assertions pan reported violated (`assertion violated ok_no_warn`), in order.
    pub violated: Vec<String>,
    /// pan's `errors: N`: the violations above; anything else pan reports as an error
    /// (an invalid end state, an index out of bounds) is a fault of the model, and
    /// [`check`] fails with it.
    pub errors: u64,
    /// Whether every reachable state was explored.
    pub complete: bool,
}

/// SPIN's verdict on one property.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SpinVerdict {
    pub property: Property,
    /// Holds, violated, n/a (no assertion: the property does not apply to the scenario),
    /// or inconclusive (the search did not finish and found no violation).
    pub status: Status,
    /// Its assertions pan reported violated in the property search: `ok_<property>` for a
    /// violation; for `vfio-usable`, `never_open_<group>` for each group found open.
    pub reported: Vec<String>,
}

/// What SPIN says of a policy on a scenario.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SpinReport {
    pub policy: String,
    pub scenario: String,
    /// One per property, in [`Property::ALL`]'s order, with the checker's statuses.
    pub verdicts: Vec<SpinVerdict>,
    /// The plain state space (`PROP=0`): SPIN's figures for the model.
    pub plain: Search,
    /// Every property at once (`PROP=10`, `-c0`): the same states, with the assertions.
    pub properties: Search,
    /// Whether spin needed `-DATOMIC_STEPS` (a transition too long for a d_step): the
    /// transitions are atomic steps then, with the same states stored.
    pub atomic_steps: bool,
    /// Wall time of `spin -a` and gcc for both searches (the two compile at once).
    pub compile_seconds: f64,
    /// gcc's flags for pan, and pan's for the two searches (the property search adds `-c0`).
    pub gcc_flags: Vec<String>,
    pub pan_flags: Vec<String>,
}

impl SpinReport {
    /// The verdict on `p`.
    pub fn status(&self, p: Property) -> Status {
        self.verdicts
            .iter()
            .find(|v| v.property == p)
            .map_or(Status::NotApplicable, |v| v.status)
    }
}

/// Why SPIN could not give a report.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum SpinError {
    #[error("`{program}` is not installed (or not on PATH)")]
    #[diagnostic(code(switchyard::spin::missing), help("{help}"))]
    Missing {
        program: &'static str,
        help: &'static str,
    },
    #[error(transparent)]
    #[diagnostic(
        code(switchyard::gen_promela),
        help("the checker (`switchyard check`) covers what the Promela back-end does not")
    )]
    Promela(#[from] PromelaError),
    #[error("cannot {what}: {source}")]
    #[diagnostic(code(switchyard::spin::io))]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{step} failed ({status}) on {model}:\n{output}")]
    #[diagnostic(code(switchyard::spin::failed))]
    Failed {
        step: String,
        status: String,
        model: String,
        output: String,
    },
    #[error("pan's output has no `{what}`:\n{output}")]
    #[diagnostic(code(switchyard::spin::output))]
    Output { what: &'static str, output: String },
}

const SPIN_HELP: &str = "install SPIN 6.5: the Debian package `spin` (apt-get install spin)";
const GCC_HELP: &str = "pan is C: install the Debian package `gcc` (apt-get install gcc)";

/// SPIN's verdicts and state counts for `policy` on `scenario`, with the default
/// [`Options`] (pan at `-O2`).
///
/// The contract, for `bench --against spin` and the agreement test:
///
/// - [`SpinReport::verdicts`] has one status per property, as the checker's
///   `Report::verdicts` has: holds, violated, n/a where the property does not apply to
///   the scenario; inconclusive only if pan ran out of memory or depth.
/// - [`SpinReport::plain`]`.states` is the checker's `stats.states + 1` (SPIN's state
///   before boot), `.transitions` its `stats.transitions + 2` (boot, and pan counting the
///   initial state); `.seconds` is pan's search time, `.wall_seconds` pan's whole run.
///   Compiling is not timed.
/// - Errors: [`SpinError::Missing`] when `spin` or `gcc` is not installed (an
///   environment error: exit 2), [`SpinError::Promela`] when the model has a construct the
///   back-end cannot write. `CliError` converts from [`SpinError`].
///
/// Files go to a directory of their own under the system's temporary directory, removed
/// afterwards; several checks can run at once.
pub fn check(policy: &Policy, scenario: &Scenario) -> Result<SpinReport, SpinError> {
    check_with(policy, scenario, &Options::default())
}

/// [`check`] with the given [`Options`].
pub fn check_with(
    policy: &Policy,
    scenario: &Scenario,
    opts: &Options,
) -> Result<SpinReport, SpinError> {
    let model = promela::promela(policy, scenario, opts.base)?;
    let dir = TempDir::new()?;
    let label = format!("{} on {}", policy.name, scenario.name);
    // Both searches' pans are compiled at once: gcc is most of the time.
    let plain_dir = dir.path.join("plain");
    let all_dir = dir.path.join("all");
    let gcc_flags = gcc_flags(scenario, opts);
    let compile = Instant::now();
    let mut compiling = Vec::new();
    let mut spin_flags = Vec::new();
    for (d, prop) in [(&plain_dir, 0), (&all_dir, ALL_PROPERTIES)] {
        mkdir(d)?;
        spin_flags = translate(&model, d, prop, &label, opts)?;
        compiling.push((d, start_gcc(d, &gcc_flags, opts)?));
    }
    // The PROP=10 run's flags; PROP=0's are the same but for PROP.
    let atomic_steps = spin_flags.iter().any(|f| f == "-DATOMIC_STEPS");
    for (d, child) in compiling {
        finish(child, "gcc on pan.c", &label, d)?;
    }
    let compile_seconds = compile.elapsed().as_secs_f64();
    let plain = search(&plain_dir, 0, opts, &[], &label)?;
    let properties = search(&all_dir, ALL_PROPERTIES, opts, &["-c0"], &label)?;
    let verdicts = verdicts(&model, &properties);
    Ok(SpinReport {
        policy: policy.name.clone(),
        scenario: scenario.name.clone(),
        verdicts,
        plain,
        properties,
        atomic_steps,
        compile_seconds,
        gcc_flags,
        pan_flags: pan_flags(opts.depth, opts),
    })
}

/// One search of `policy` on `scenario` compiled with `PROP=prop` (0: none; 1 to 9: the
/// property of that number, [`promela::prop_number`]; 10: all), run with `-c0` so that
/// each assertion is reported once.
pub fn search_prop(
    policy: &Policy,
    scenario: &Scenario,
    prop: u32,
    opts: &Options,
) -> Result<Search, SpinError> {
    let model = promela::promela(policy, scenario, opts.base)?;
    let dir = TempDir::new()?;
    let label = format!("{} on {}", policy.name, scenario.name);
    translate(&model, &dir.path, prop, &label, opts)?;
    let child = start_gcc(&dir.path, &gcc_flags(scenario, opts), opts)?;
    finish(child, "gcc on pan.c", &label, &dir.path)?;
    search(&dir.path, prop, opts, &["-c0"], &label)
}

fn gcc_flags(scenario: &Scenario, opts: &Options) -> Vec<String> {
    vec![
        format!("-O{}", opts.opt_level),
        "-DSAFETY".to_string(),
        "-DNOREDUCE".to_string(),
        format!("-DMEMLIM={}", opts.memory_mb),
        format!("-DVECTORSZ={}", vector_size(scenario)),
    ]
}

/// The checker's statuses from the assertions pan reported.
fn verdicts(model: &Promela, run: &Search) -> Vec<SpinVerdict> {
    Property::ALL
        .into_iter()
        .map(|p| {
            let checked = model.checked.iter().find(|c| c.property == p);
            let reported = checked.map_or_else(Vec::new, |c| {
                c.assertions
                    .iter()
                    .filter(|a| run.violated.contains(a))
                    .cloned()
                    .collect()
            });
            let status = match checked {
                None => Status::NotApplicable,
                Some(c) => {
                    let hit = |a: &String| run.violated.contains(a);
                    if p == Property::VfioUsable {
                        // Each `never_open_G` violated: every group was open somewhere.
                        if c.assertions.iter().all(hit) {
                            Status::Holds
                        } else if run.complete {
                            Status::Violated
                        } else {
                            Status::Inconclusive
                        }
                    } else if c.assertions.iter().any(hit) {
                        Status::Violated
                    } else if run.complete {
                        Status::Holds
                    } else {
                        Status::Inconclusive
                    }
                }
            };
            SpinVerdict {
                property: p,
                status,
                reported,
            }
        })
        .collect()
}

/// A state vector comfortably larger than the model's: ten bytes a device, nine a group,
/// one a move, and pan's own.
fn vector_size(s: &Scenario) -> usize {
    (64 + 10 * s.devices.len() + 9 * s.groups.len() + s.moves.len()).max(1024)
}

fn pan_flags(depth: u64, opts: &Options) -> Vec<String> {
    vec![
        format!("-m{depth}"),
        format!("-w{}", opts.hash_bits),
        "-n".to_string(),
    ]
}

fn mkdir(d: &Path) -> Result<(), SpinError> {
    std::fs::create_dir_all(d).map_err(|source| SpinError::Io {
        what: format!("create {}", d.display()),
        source,
    })
}

/// `spin -DPROP=k -a model.pml` in `dir`; again with `-DATOMIC_STEPS` when a transition's
/// code is longer than SPIN allows a d_step. The flags that worked.
fn translate(
    model: &Promela,
    dir: &Path,
    prop: u32,
    label: &str,
    opts: &Options,
) -> Result<Vec<String>, SpinError> {
    let file = dir.join("model.pml");
    std::fs::write(&file, &model.text).map_err(|source| SpinError::Io {
        what: format!("write {}", file.display()),
        source,
    })?;
    let mut flags = vec![format!("-DPROP={prop}")];
    loop {
        let step = format!("spin {} -a", flags.join(" "));
        let _ = std::fs::remove_file(dir.join("pan.c"));
        let child = Command::new(&opts.spin)
            .args(&flags)
            .args(["-a", "model.pml"])
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| spawn_error(e, "spin", SPIN_HELP))?;
        let output = match finish(child, &step, label, dir) {
            Ok(o) => o,
            Err(SpinError::Failed { output, .. })
                if output.contains("d_step sequence too long") && flags.len() == 1 =>
            {
                flags.push("-DATOMIC_STEPS".to_string());
                continue;
            }
            Err(e) => return Err(e),
        };
        // spin reports some errors on stdout and still exits 0.
        if !dir.join("pan.c").is_file() || output.contains("Error:") {
            return Err(SpinError::Failed {
                step,
                status: "no pan.c".to_string(),
                model: label.to_string(),
                output,
            });
        }
        return Ok(flags);
    }
}

fn start_gcc(
    dir: &Path,
    flags: &[String],
    opts: &Options,
) -> Result<std::process::Child, SpinError> {
    Command::new(&opts.gcc)
        .args(flags)
        .args(["-o", "pan", "pan.c"])
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| spawn_error(e, "gcc", GCC_HELP))
}

fn spawn_error(e: std::io::Error, program: &'static str, help: &'static str) -> SpinError {
    if e.kind() == std::io::ErrorKind::NotFound {
        SpinError::Missing { program, help }
    } else {
        SpinError::Io {
            what: format!("run {program}"),
            source: e,
        }
    }
}

/// Waits for a child; its stdout and stderr, or the failure.
fn finish(
    mut child: std::process::Child,
    step: &str,
    label: &str,
    dir: &Path,
) -> Result<String, SpinError> {
    // stderr is read on a thread of its own so that neither pipe can fill and block.
    let mut err_pipe = child.stderr.take();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(p) = err_pipe.as_mut() {
            let _ = p.read_to_string(&mut s);
        }
        s
    });
    let mut out = String::new();
    if let Some(mut p) = child.stdout.take() {
        p.read_to_string(&mut out).map_err(|source| SpinError::Io {
            what: format!("read the output of {step} in {}", dir.display()),
            source,
        })?;
    }
    let status = child.wait().map_err(|source| SpinError::Io {
        what: format!("wait for {step}"),
        source,
    })?;
    let err = reader.join().unwrap_or_default();
    out.push_str(&err);
    if !status.success() {
        return Err(SpinError::Failed {
            step: step.to_string(),
            status: status.to_string(),
            model: label.to_string(),
            output: tail(&out),
        });
    }
    Ok(out)
}

/// The end of a long output, for an error message.
fn tail(s: &str) -> String {
    let lines: Vec<&str> = s.lines().collect();
    let from = lines.len().saturating_sub(40);
    lines[from..].join("\n")
}

/// Runs pan, deepening its depth limit while the search reaches it.
fn search(
    dir: &Path,
    prop: u32,
    opts: &Options,
    extra: &[&str],
    label: &str,
) -> Result<Search, SpinError> {
    let mut depth = opts.depth.max(1);
    loop {
        let mut args = pan_flags(depth, opts);
        args.extend(extra.iter().map(ToString::to_string));
        let start = Instant::now();
        let child = Command::new(dir.join("pan"))
            .args(&args)
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|source| SpinError::Io {
                what: format!("run pan in {}", dir.display()),
                source,
            })?;
        let out = finish(child, &format!("pan {}", args.join(" ")), label, dir)?;
        let wall = start.elapsed().as_secs_f64();
        let mut s = parse(&out, prop, depth, wall)?;
        faults(&out, &s, &format!("pan {}", args.join(" ")), label)?;
        let too_shallow = out.contains("max search depth too small");
        if too_shallow && depth < opts.max_depth {
            depth = depth.saturating_mul(10).min(opts.max_depth);
            continue;
        }
        s.complete &= !too_shallow;
        return Ok(s);
    }
}

/// An error pan reports that is not a violated assertion: a fault of the model.
fn faults(out: &str, s: &Search, step: &str, label: &str) -> Result<(), SpinError> {
    if s.errors <= s.violated.len() as u64 {
        return Ok(());
    }
    let lines: Vec<&str> = out
        .lines()
        .filter(|l| {
            // `pan:N: what (at depth D)`, not pan's other `pan: ...` lines.
            l.strip_prefix("pan:")
                .and_then(|r| r.split_once(':'))
                .is_some_and(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
                && !l.contains("assertion violated")
        })
        .collect();
    Err(SpinError::Failed {
        step: step.to_string(),
        status: format!(
            "{} errors that are not assertions",
            s.errors - s.violated.len() as u64
        ),
        model: label.to_string(),
        output: if lines.is_empty() {
            tail(out)
        } else {
            lines.join("\n")
        },
    })
}

/// pan's report.
fn parse(out: &str, prop: u32, depth_limit: u64, wall: f64) -> Result<Search, SpinError> {
    let missing = |what| SpinError::Output {
        what,
        output: tail(out),
    };
    let number_before = |suffix: &str| {
        out.lines()
            .find_map(|l| l.trim().strip_suffix(suffix))
            .and_then(|n| n.trim().parse::<f64>().ok())
    };
    let count = |suffix: &'static str| {
        number_before(suffix)
            .map(|n| n as u64)
            .ok_or(missing(suffix))
    };
    let states = count("states, stored")?;
    let matched = count("states, matched")?;
    let transitions = count("transitions (= stored+matched)")?;
    let header = out
        .lines()
        .find(|l| l.starts_with("State-vector "))
        .ok_or(missing("State-vector"))?;
    let field = |key: &str| {
        header
            .split(key)
            .nth(1)
            .and_then(|r| {
                r.split(|c: char| !c.is_ascii_digit())
                    .find(|w| !w.is_empty())
            })
            .and_then(|n| n.parse::<u64>().ok())
    };
    let state_vector = field("State-vector ").ok_or(missing("State-vector N byte"))?;
    let depth = field("depth reached ").ok_or(missing("depth reached"))?;
    let errors = field("errors: ").ok_or(missing("errors"))?;
    let seconds = out
        .lines()
        .find_map(|l| l.strip_prefix("pan: elapsed time "))
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.parse::<f64>().ok())
        .ok_or(missing("pan: elapsed time"))?;
    let memory_mb = number_before("total actual memory usage").unwrap_or(0.0);
    let violated = out
        .lines()
        .filter_map(|l| l.split("assertion violated ").nth(1))
        .filter_map(|r| r.split_whitespace().next())
        .map(str::to_string)
        .collect();
    let complete = !out.contains("Search not completed")
        && !out.contains("out of memory")
        && !out.contains("-DMEMLIM bound");
    Ok(Search {
        prop,
        states,
        matched,
        transitions,
        depth,
        depth_limit,
        seconds,
        wall_seconds: wall,
        memory_mb,
        state_vector,
        violated,
        errors,
        complete,
    })
}

/// A directory of this check's own, removed when dropped.
struct TempDir {
    path: PathBuf,
}

impl TempDir {
    fn new() -> Result<TempDir, SpinError> {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let path = std::env::temp_dir().join(format!(
            "switchyard-spin-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        // A directory left by an earlier process with this pid is not ours to keep.
        let _ = std::fs::remove_dir_all(&path);
        mkdir(&path)?;
        Ok(TempDir { path })
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAN: &str = "pan:1: assertion violated ok_no_silent_loss (at depth 2)
pan:2: assertion violated never_open_g0 (at depth 4)

(Spin Version 6.5.2 -- 6 December 2019)

Full statespace search for:
\tnever claim         \t- (none specified)
\tassertion violations\t+
\tcycle checks       \t- (disabled by -DSAFETY)
\tinvalid end states\t+

State-vector 44 byte, depth reached 10, errors: 2
       51 states, stored
       30 states, matched
       81 transitions (= stored+matched)
        0 atomic steps
hash conflicts:         0 (resolved)

Stats on memory usage (in Megabytes):
    0.003\tequivalent memory usage for states (stored*(State-vector + overhead))
    0.269\tactual memory usage for states
    8.000\tmemory used for hash table (-w20)
    4.578\tmemory used for DFS stack (-m100000)
   12.773\ttotal actual memory usage



pan: elapsed time 0.01 seconds
";

    #[test]
    fn pan_output_is_read() {
        let s = parse(PAN, 10, 100_000, 0.5).unwrap();
        assert_eq!(
            (s.states, s.matched, s.transitions, s.depth, s.state_vector),
            (51, 30, 81, 10, 44)
        );
        assert_eq!(s.violated, ["ok_no_silent_loss", "never_open_g0"]);
        assert_eq!(s.errors, 2);
        assert_eq!(s.seconds, 0.01);
        assert_eq!(s.memory_mb, 12.773);
        assert!(s.complete);
    }

    #[test]
    fn an_error_that_is_no_assertion_is_a_fault_of_the_model() {
        let out = PAN.replace(
            "pan:2: assertion violated never_open_g0 (at depth 4)",
            "pan:2: invalid end state (at depth 4)",
        );
        let s = parse(&out, 10, 100_000, 0.5).unwrap();
        assert_eq!((s.errors, s.violated.len()), (2, 1));
        match faults(&out, &s, "pan", "p on s") {
            Err(SpinError::Failed { output, .. }) => {
                assert_eq!(output, "pan:2: invalid end state (at depth 4)")
            }
            other => panic!("{other:?}"),
        }
        assert!(faults(PAN, &parse(PAN, 10, 1, 0.0).unwrap(), "pan", "p on s").is_ok());
    }

    fn search_of(violated: &[&str], complete: bool) -> Search {
        let mut s = parse(PAN, 10, 100_000, 0.0).unwrap();
        s.violated = violated.iter().map(ToString::to_string).collect();
        s.complete = complete;
        s
    }

    /// Violated assertions are violations, except vfio-usable's: its `never_open_G`
    /// violated is the open it asks for. Properties without assertions are n/a; an
    /// unfinished search proves no property.
    #[test]
    fn assertions_become_the_checker_s_statuses() {
        let policy = switchyard_dsl::load_policy("status-quo").unwrap();
        let scenario = switchyard_dsl::load_scenario("arm-port-vfio").unwrap();
        let model = promela::promela(&policy, &scenario, switchyard_dsl::Base::default()).unwrap();
        let statuses =
            |s: &Search| -> Vec<Status> { verdicts(&model, s).iter().map(|v| v.status).collect() };
        use Status::{Holds as H, Inconclusive as I, NotApplicable as N, Violated as V};
        let found = search_of(
            &["ok_no_silent_loss", "never_open_g0", "ok_msi_delivered"],
            true,
        );
        assert_eq!(statuses(&found), [V, V, H, N, N, N, H, H, H]);
        assert_eq!(
            verdicts(&model, &found)[7].reported,
            ["never_open_g0".to_string()]
        );
        assert_eq!(statuses(&search_of(&[], true)), [H, H, H, N, N, N, H, V, H]);
        assert_eq!(
            statuses(&search_of(&["ok_no_warn"], false)),
            [I, I, I, N, N, N, I, I, V]
        );
    }

    /// A missing `spin` or `gcc` is the environment's fault, with the package to install.
    #[test]
    fn a_missing_program_names_its_package() {
        let policy = switchyard_dsl::load_policy("status-quo").unwrap();
        let scenario = switchyard_dsl::load_scenario("singleton-managed-irq").unwrap();
        let nowhere = PathBuf::from("/nonexistent/switchyard-test");
        let opts = Options {
            spin: nowhere.join("spin"),
            ..Options::default()
        };
        match check_with(&policy, &scenario, &opts) {
            Err(SpinError::Missing { program, help }) => {
                assert_eq!(program, "spin");
                assert!(help.contains("Debian package `spin`"), "{help}");
            }
            other => panic!("{other:?}"),
        }
        let opts = Options {
            gcc: nowhere.join("gcc"),
            ..Options::default()
        };
        if Command::new("spin").arg("-V").output().is_ok() {
            assert!(matches!(
                check_with(&policy, &scenario, &opts),
                Err(SpinError::Missing { program: "gcc", .. })
            ));
        }
    }

    #[test]
    fn an_output_without_counts_is_an_error() {
        assert!(matches!(
            parse("pan: something else\n", 0, 1, 0.0),
            Err(SpinError::Output {
                what: "states, stored",
                ..
            })
        ));
    }
}
