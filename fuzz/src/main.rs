//! `switchyard-fuzz`: runs the fuzz targets for a given time and reports what it did.
//!
//! Exit status: 0 when no input panicked or hung, 1 when one did (the input is written to
//! the crashes directory), 2 on bad arguments.

use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use switchyard_fuzz::runner::thread_cpu_time;
use switchyard_fuzz::{quietly, run, run_one, Config, Target};

#[derive(Parser, Debug)]
#[command(
    name = "switchyard-fuzz",
    about = "Fuzz the switchyard language and model in-process"
)]
struct Cli {
    /// How long to run, in seconds.
    #[arg(long, default_value_t = 60.0)]
    seconds: f64,
    /// Stop earlier, once this many inputs have run.
    #[arg(long)]
    inputs: Option<u64>,
    /// Worker threads.
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// Seed of the generators and mutators; the same seed draws the same inputs.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Time limit per input (CPU time), in milliseconds; an input over it is reported as a
    /// hang.
    #[arg(long, default_value_t = 1000)]
    limit_ms: u64,
    /// Which target to fuzz: policy, scenario, model or all.
    #[arg(long, default_value = "all")]
    target: String,
    /// Corpus directory: read at the start, new entries written to it.
    #[arg(long, default_value = "fuzz/corpus")]
    corpus: PathBuf,
    /// Where inputs that panicked or hung are written.
    #[arg(long, default_value = "fuzz/crashes")]
    crashes: PathBuf,
    /// The model's state budget per input.
    #[arg(long, default_value_t = 2000)]
    max_states: usize,
    /// Seconds between progress lines.
    #[arg(long, default_value_t = 5.0)]
    progress: f64,
    /// Instead of fuzzing, run these files through the targets and report each one's time.
    #[arg(value_name = "FILE")]
    replay: Vec<PathBuf>,
}

/// Runs files (a finding, a corpus entry) through the targets; 1 when one panics or is slow.
fn replay(files: &[PathBuf], targets: &[Target], limit: Duration, max_states: usize) -> ExitCode {
    let mut clean = true;
    for path in files {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: cannot read {}: {e}", path.display());
                return ExitCode::from(2);
            }
        };
        for &t in targets {
            let start = thread_cpu_time();
            let r = quietly(|| run_one(t, &text, max_states));
            let took = thread_cpu_time().saturating_sub(start);
            let verdict = match &r {
                Ok(f) if took <= limit => format!("ok, {} features", f.len()),
                Ok(_) => {
                    clean = false;
                    format!("SLOW (limit {} ms)", limit.as_millis())
                }
                Err(m) => {
                    clean = false;
                    format!("PANIC: {m}")
                }
            };
            println!(
                "{}  {:<8}  {:>9.3} ms of CPU  {verdict}",
                path.display(),
                t.name(),
                took.as_secs_f64() * 1000.0
            );
        }
    }
    if clean {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn bad(msg: &str) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let targets = match cli.target.as_str() {
        "all" => Target::ALL.to_vec(),
        t => match Target::from_name(t) {
            Some(t) => vec![t],
            None => return bad("--target is policy, scenario, model or all"),
        },
    };
    if !(cli.seconds.is_finite() && cli.seconds > 0.0) {
        return bad("--seconds must be a positive number");
    }
    if !(1..=256).contains(&cli.threads) {
        return bad("--threads must be from 1 to 256");
    }
    if cli.limit_ms == 0 {
        return bad("--limit-ms must be at least 1");
    }
    if cli.max_states == 0 {
        return bad("--max-states must be at least 1");
    }
    if !(cli.progress.is_finite() && cli.progress > 0.0) {
        return bad("--progress must be a positive number");
    }
    if !cli.replay.is_empty() {
        switchyard_fuzz::target::warm_up();
        return replay(
            &cli.replay,
            &targets,
            Duration::from_millis(cli.limit_ms),
            cli.max_states,
        );
    }
    let cfg = Config {
        duration: Duration::from_secs_f64(cli.seconds),
        max_inputs: cli.inputs,
        threads: cli.threads,
        seed: cli.seed,
        limit: Duration::from_millis(cli.limit_ms),
        targets,
        corpus: cli.corpus,
        crashes: cli.crashes,
        max_states: cli.max_states,
        progress: Some(Duration::from_secs_f64(cli.progress)),
    };
    eprintln!(
        "fuzzing {} with {} thread(s), seed {}, limit {} ms, state budget {}, corpus {}",
        cfg.targets
            .iter()
            .map(|t| t.name())
            .collect::<Vec<_>>()
            .join(", "),
        cfg.threads,
        cfg.seed,
        cli.limit_ms,
        cfg.max_states,
        cfg.corpus.display()
    );
    let s = run(cfg);
    println!("inputs:      {}", s.inputs);
    for t in Target::ALL {
        println!("  {:<9}  {}", t.name(), s.per_target[t.index()]);
    }
    println!("time:        {:.1} s", s.elapsed.as_secs_f64());
    println!("inputs/s:    {:.0}", s.per_second());
    println!(
        "corpus:      {} entries ({} at start, {} new; kept for new diagnostic codes, accepted hooks and moves, verdicts, state-count buckets, script outcomes; {} features)",
        s.corpus_start + s.corpus_new,
        s.corpus_start,
        s.corpus_new,
        s.features
    );
    println!("panics:      {}", s.panics);
    println!("hangs:       {}", s.hangs);
    println!(
        "slowest:     {:.2} ms of CPU{}",
        s.slowest.as_secs_f64() * 1000.0,
        s.slowest_target
            .map_or(String::new(), |t| format!(" ({})", t.name()))
    );
    match s.peak_rss_kib {
        Some(k) => println!("peak RSS:    {:.1} MiB", k as f64 / 1024.0),
        None => println!("peak RSS:    unknown"),
    }
    for f in &s.findings {
        println!("finding:     {}", f.display());
    }
    if s.clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
