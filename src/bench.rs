//! `switchyard bench`: the checker's speed and memory per state, at scale, and beside SPIN.

use crate::check::scenarios;
use crate::cli::{Format, Peer};
use crate::error::CliError;
use serde::Serialize;
use std::io::Write;
use std::time::Instant;
use switchyard::dsl::{self, Policy, Scenario};
use switchyard_model::{self as model, Interpreter, Report};

/// What `bench` was asked for.
pub(crate) struct Bench<'a> {
    pub(crate) policy: &'a str,
    pub(crate) scenario: Option<&'a str>,
    pub(crate) seconds: f64,
    pub(crate) copies: Option<usize>,
    pub(crate) scale: Option<(usize, usize)>,
    pub(crate) against: Option<Peer>,
    pub(crate) opts: model::Options,
}

/// Runs `bench`; returns whether SPIN's verdicts differ from the checker's.
pub(crate) fn bench(format: Format, out: &mut dyn Write, b: &Bench) -> Result<bool, CliError> {
    let policy = dsl::load_policy(b.policy)?;
    CliError::for_base(&policy, b.opts.base)?;
    let hooks = Interpreter { policy: &policy };
    let base = match b.scenario {
        Some(s) => dsl::load_scenario(s)?,
        None => {
            let all = scenarios(&[])?;
            all.into_iter()
                .max_by_key(|s| model::check(&hooks, s, b.opts.unreduced()).stats.states)
                .expect("there are built-in scenarios")
        }
    };
    if let Some((lo, hi)) = b.scale {
        return scale(format, out, &policy, &base, lo, hi, b).map(|()| false);
    }
    let scenario = match b.copies {
        Some(k) => base.grown(k),
        None => base,
    };
    match b.against {
        Some(Peer::Spin) => against_spin(format, out, &policy, &scenario, b.opts),
        None => throughput(format, out, &policy, &scenario, b).map(|()| false),
    }
}

/// Explorations of one scenario, again and again for `seconds`.
fn throughput(
    format: Format,
    out: &mut dyn Write,
    policy: &Policy,
    scenario: &Scenario,
    b: &Bench,
) -> Result<(), CliError> {
    let hooks = Interpreter { policy };
    reset_peak();
    let start = Instant::now();
    let (mut runs, mut states, mut transitions) = (0u64, 0u64, 0u64);
    let mut last = None;
    while runs == 0 || start.elapsed().as_secs_f64() < b.seconds {
        let r = model::check(&hooks, scenario, b.opts);
        runs += 1;
        states += r.stats.states as u64;
        transitions += r.stats.transitions as u64;
        last = Some(r.stats);
    }
    let secs = start.elapsed().as_secs_f64();
    let stats = last.expect("ran at least once");
    #[derive(Serialize)]
    struct Figures<'a> {
        policy: &'a str,
        scenario: &'a str,
        base: dsl::Base,
        runs: u64,
        seconds: f64,
        states_per_run: usize,
        states_per_second: f64,
        transitions_per_second: f64,
        bytes_per_state: usize,
        peak_rss_bytes: Option<u64>,
    }
    let f = Figures {
        policy: &policy.name,
        scenario: &scenario.name,
        base: b.opts.base,
        runs,
        seconds: secs,
        states_per_run: stats.states,
        states_per_second: states as f64 / secs,
        transitions_per_second: transitions as f64 / secs,
        bytes_per_state: stats.bytes_per_state,
        peak_rss_bytes: peak_rss(),
    };
    format.emit(out, &f, |o| {
        writeln!(
            o,
            "policy {} on {}, {} ({} states, {} transitions per exploration{})",
            f.policy,
            f.scenario,
            f.base,
            stats.states,
            stats.transitions,
            search_kind(&stats)
        )?;
        writeln!(o, "{} explorations in {:.2} s", f.runs, f.seconds)?;
        writeln!(o, "states per second:      {:.0}", f.states_per_second)?;
        writeln!(o, "transitions per second: {:.0}", f.transitions_per_second)?;
        writeln!(
            o,
            "bytes per stored state: {} (the search's own count)",
            f.bytes_per_state
        )?;
        if let Some(p) = f.peak_rss_bytes {
            writeln!(o, "peak RSS:               {}", mib(p))?;
        }
        Ok(())
    })
}

/// How a report's states were searched, for a heading.
fn search_kind(s: &model::explore::Stats) -> String {
    match &s.reduction {
        Some(r) => format!(
            "; {} components, {} explored, {} states in the whole search",
            r.components,
            r.explored,
            big(r.full_states)
        ),
        None => String::new(),
    }
}

/// One row of the scaling table. Each row names what it measured, so rows of several runs
/// (other policies, scenarios or bases) can be put side by side.
#[derive(Serialize)]
struct Row<'a> {
    policy: &'a str,
    scenario: &'a str,
    base: dsl::Base,
    copies: usize,
    groups: usize,
    /// The whole search's states and transitions (with reduction: the components'
    /// combined).
    states: f64,
    transitions: f64,
    /// States stored.
    explored: usize,
    complete: bool,
    seconds: f64,
    peak_rss_bytes: Option<u64>,
    /// Peak RSS over the states stored.
    rss_bytes_per_state: Option<f64>,
    violated: Vec<String>,
}

/// The scenario grown to each number of copies from `lo` to `hi`, checked once each.
fn scale(
    format: Format,
    out: &mut dyn Write,
    policy: &Policy,
    base: &Scenario,
    lo: usize,
    hi: usize,
    b: &Bench,
) -> Result<(), CliError> {
    let hooks = Interpreter { policy };
    let mut rows = Vec::new();
    for k in lo..=hi {
        let s = base.grown(k);
        reset_peak();
        let start = Instant::now();
        let r = model::check(&hooks, &s, b.opts);
        let seconds = start.elapsed().as_secs_f64();
        let peak = peak_rss();
        rows.push(row(
            Measured {
                policy: &policy.name,
                scenario: &base.name,
                base: b.opts.base,
            },
            k,
            &s,
            &r,
            seconds,
            peak,
        ));
        // Rows come as they are measured: a large one takes a while.
        if format == Format::Text {
            let first = k == lo;
            Format::Text.emit(out, &(), |o| {
                if first {
                    writeln!(
                        o,
                        "policy {} on {}, {}, grown to {lo}..={hi} copies ({})",
                        policy.name,
                        base.name,
                        b.opts.base,
                        if b.opts.reduce {
                            "in components, identical ones once"
                        } else {
                            "the whole search"
                        }
                    )?;
                    writeln!(
                        o,
                        "{:>6} {:>6} {:>14} {:>14} {:>10} {:>10} {:>10} {:>8}  violated",
                        "copies",
                        "groups",
                        "states",
                        "transitions",
                        "explored",
                        "time",
                        "peak RSS",
                        "B/state"
                    )?;
                }
                print_row(o, rows.last().expect("pushed"))?;
                o.flush()
            })?;
        }
    }
    if format == Format::Json {
        format.emit(out, &rows, |_| Ok(()))?;
    }
    Ok(())
}

/// What a scaling run measures: the policy, the scenario before it is grown, the base.
struct Measured<'a> {
    policy: &'a str,
    scenario: &'a str,
    base: dsl::Base,
}

fn row<'a>(
    m: Measured<'a>,
    k: usize,
    s: &Scenario,
    r: &Report,
    seconds: f64,
    peak: Option<u64>,
) -> Row<'a> {
    let (states, transitions) = match &r.stats.reduction {
        Some(red) => (red.full_states, red.full_transitions),
        None => (r.stats.states as f64, r.stats.transitions as f64),
    };
    Row {
        policy: m.policy,
        scenario: m.scenario,
        base: m.base,
        copies: k,
        groups: s.groups.len(),
        states,
        transitions,
        explored: r.stats.states,
        complete: r.stats.complete,
        seconds,
        peak_rss_bytes: peak,
        rss_bytes_per_state: peak.map(|p| p as f64 / r.stats.states.max(1) as f64),
        violated: r
            .verdicts
            .iter()
            .filter(|v| v.status == model::Status::Violated)
            .map(|v| v.property.to_string())
            .collect(),
    }
}

fn print_row(out: &mut dyn Write, r: &Row) -> std::io::Result<()> {
    let states = if r.complete {
        big(r.states)
    } else {
        format!("> {} (budget)", big(r.states))
    };
    writeln!(
        out,
        "{:>6} {:>6} {:>14} {:>14} {:>10} {:>10} {:>10} {:>8}  {}",
        r.copies,
        r.groups,
        states,
        big(r.transitions),
        r.explored,
        duration(r.seconds),
        r.peak_rss_bytes.map_or("-".to_string(), mib),
        r.rss_bytes_per_state
            .map_or("-".to_string(), |b| format!("{b:.1}")),
        if r.violated.is_empty() {
            "none".to_string()
        } else {
            r.violated.join(", ")
        }
    )
}

/// The checker and SPIN on the same scenario: each one's time to every verdict and states
/// per second, and the ratios. SPIN's figures are pan's own runs (`spin -a` and gcc are
/// not timed): its time to verdict is the run that checks every property at once, its
/// states per second the plain search's; ours are one `check` in this process, once as
/// `check` runs it (in components) and once as the whole search.
fn against_spin(
    format: Format,
    out: &mut dyn Write,
    policy: &Policy,
    scenario: &Scenario,
    opts: model::Options,
) -> Result<bool, CliError> {
    let hooks = Interpreter { policy };
    let start = Instant::now();
    let ours = model::check(&hooks, scenario, opts);
    let ours_secs = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let whole = model::check(&hooks, scenario, opts.unreduced());
    let whole_secs = start.elapsed().as_secs_f64();
    // pan's hash table sized for the states it will store, as a SPIN user would (-w).
    let spin_opts = switchyard::spin::Options {
        hash_bits: (whole.stats.states.max(1).ilog2() + 2).clamp(18, 30) as u8,
        base: opts.base,
        ..switchyard::spin::Options::default()
    };
    let spin = switchyard::spin::check_with(policy, scenario, &spin_opts)?;
    #[derive(Serialize)]
    struct Side {
        states: u64,
        transitions: u64,
        /// Time to every verdict.
        seconds: f64,
        states_per_second: f64,
        complete: bool,
    }
    let side = |states: u64, transitions: u64, seconds: f64, complete: bool| Side {
        states,
        transitions,
        seconds,
        states_per_second: states as f64 / seconds.max(1e-9),
        complete,
    };
    #[derive(Serialize)]
    struct Figures<'a> {
        policy: &'a str,
        scenario: &'a str,
        base: dsl::Base,
        ours: Side,
        ours_whole: Side,
        /// pan checking every property at once.
        spin: Side,
        /// pan's plain search (no property).
        spin_plain: Side,
        spin_compile_seconds: f64,
        /// SPIN's time to every verdict over the checker's.
        time_ratio: f64,
        /// The checker's states per second (whole search) over SPIN's (plain search).
        states_per_second_ratio: f64,
        verdicts_agree: bool,
    }
    let agree = ours
        .verdicts
        .iter()
        .all(|v| spin.status(v.property) == v.status);
    let s = &ours.stats;
    let f = Figures {
        policy: &policy.name,
        scenario: &scenario.name,
        base: opts.base,
        ours: side(s.states as u64, s.transitions as u64, ours_secs, s.complete),
        ours_whole: side(
            whole.stats.states as u64,
            whole.stats.transitions as u64,
            whole_secs,
            whole.stats.complete,
        ),
        spin: side(
            spin.properties.states,
            spin.properties.transitions,
            spin.properties.wall_seconds,
            spin.properties.complete,
        ),
        spin_plain: side(
            spin.plain.states,
            spin.plain.transitions,
            spin.plain.wall_seconds,
            spin.plain.complete,
        ),
        spin_compile_seconds: spin.compile_seconds,
        time_ratio: spin.properties.wall_seconds / ours_secs.max(1e-9),
        states_per_second_ratio: (whole.stats.states as f64 / whole_secs.max(1e-9))
            / (spin.plain.states as f64 / spin.plain.wall_seconds.max(1e-9)),
        verdicts_agree: agree,
    };
    format.emit(out, &f, |o| {
        writeln!(o, "policy {} on {}, {}", f.policy, f.scenario, f.base)?;
        writeln!(
            o,
            "{:<36} {:>12} {:>14} {:>10} {:>12}",
            "", "states", "transitions", "time", "states/s"
        )?;
        for (name, s) in [
            ("switchyard check (components)", &f.ours),
            ("switchyard check --whole", &f.ours_whole),
            ("SPIN pan, every property", &f.spin),
            ("SPIN pan, no property", &f.spin_plain),
        ] {
            writeln!(
                o,
                "{name:<36} {:>12} {:>14} {:>10} {:>12.0}{}",
                s.states,
                s.transitions,
                duration(s.seconds),
                s.states_per_second,
                if s.complete { "" } else { "  (incomplete)" }
            )?;
        }
        writeln!(
            o,
            "(SPIN: spin -a and gcc took {} more; pan's runs are timed as a whole, from start \
             to exit)",
            duration(f.spin_compile_seconds)
        )?;
        writeln!(
            o,
            "time to verdict, SPIN / switchyard:                {:.1}x",
            f.time_ratio
        )?;
        writeln!(
            o,
            "states per second, switchyard --whole / SPIN:      {:.2}x",
            f.states_per_second_ratio
        )?;
        writeln!(
            o,
            "verdicts: {}",
            if f.verdicts_agree {
                "the same"
            } else {
                "DIFFERENT"
            }
        )
    })?;
    Ok(!agree)
}

/// Resets the process's peak RSS to its current RSS (Linux: `/proc/self/clear_refs`).
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// The process's peak RSS since the last reset (`VmHWM`), where the kernel says it.
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

fn duration(s: f64) -> String {
    if s < 1.0 {
        format!("{:.1} ms", s * 1000.0)
    } else {
        format!("{s:.2} s")
    }
}

/// A count, exact while it fits, else in scientific notation.
fn big(n: f64) -> String {
    if n < 1e15 {
        format!("{n:.0}")
    } else {
        format!("{n:.3e}")
    }
}
