//! The fuzz loop: worker threads draw inputs (generated, or mutated from the built-ins and
//! the corpus), run them through a target under `catch_unwind`, time each one, and keep the
//! inputs that reach features no earlier input reached. A watchdog aborts the run, naming
//! the input, when one runs far past the time limit.

use crate::gen::{self, Size};
use crate::mutate::{self, MAX_INPUT};
use crate::rng::{fnv, Rng};
use crate::target::{self, Target, PAIR_SEPARATOR};
use std::collections::HashSet;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use switchyard_dsl::{builtins, SourceKind};

#[derive(Clone, Debug)]
pub struct Config {
    /// How long to run.
    pub duration: Duration,
    /// Stop after this many inputs, if reached first.
    pub max_inputs: Option<u64>,
    pub threads: usize,
    pub seed: u64,
    /// An input using more CPU time is a hang.
    pub limit: Duration,
    pub targets: Vec<Target>,
    /// Read at the start; new entries are written here.
    pub corpus: PathBuf,
    /// Inputs that panicked or hung are written here.
    pub crashes: PathBuf,
    /// The model's state budget per input.
    pub max_states: usize,
    /// Print a progress line this often (`None`: quiet).
    pub progress: Option<Duration>,
}

#[derive(Clone, Debug, Default)]
pub struct Summary {
    pub inputs: u64,
    /// Per target, in [`Target::ALL`] order.
    pub per_target: [u64; 3],
    pub elapsed: Duration,
    pub panics: u64,
    pub hangs: u64,
    pub slowest: Duration,
    pub slowest_target: Option<Target>,
    /// Corpus entries read at the start.
    pub corpus_start: usize,
    /// Entries added by this run.
    pub corpus_new: usize,
    /// Distinct features reached (built-ins, corpus and this run).
    pub features: usize,
    /// Files written for panics and hangs.
    pub findings: Vec<PathBuf>,
    /// Peak resident set size in KiB (VmHWM), if known.
    pub peak_rss_kib: Option<u64>,
}

impl Summary {
    pub fn clean(&self) -> bool {
        self.panics == 0 && self.hangs == 0
    }
    pub fn per_second(&self) -> f64 {
        self.inputs as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// A corpus entry's target, from its file name (`policy-...`, `scenario-...`, `model-...`).
pub fn entry_target(path: &Path) -> Option<Target> {
    let name = path.file_name()?.to_str()?;
    Target::from_name(name.split('-').next()?)
}

/// The corpus files, sorted.
pub fn corpus_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect(),
        Err(_) => Vec::new(),
    };
    v.sort();
    v
}

/// Peak resident set size of this process in KiB.
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

thread_local! {
    static LAST_PANIC: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// Runs one input through one target, catching a panic; returns the features, or the
/// panic's message and location. Clears the thread's span table afterwards, so a long run
/// neither grows it nor wraps its 32-bit offsets.
pub fn run_one(t: Target, text: &str, max_states: usize) -> Result<Vec<u64>, String> {
    let r = panic::catch_unwind(AssertUnwindSafe(|| t.run(text, max_states)));
    proc_macro2::extra::invalidate_current_thread_spans();
    r.map_err(|payload| {
        let msg = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "non-string panic".into());
        let at = LAST_PANIC.with(|l| std::mem::take(&mut *l.borrow_mut()));
        if at.is_empty() {
            msg
        } else {
            format!("{msg} ({at})")
        }
    })
}

/// Runs `f` with a panic hook that records the location silently (for [`run_one`]), then
/// restores the previous hook.
pub fn quietly<R>(f: impl FnOnce() -> R) -> R {
    let previous = panic::take_hook();
    panic::set_hook(Box::new(|info| {
        let at = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        LAST_PANIC.with(|l| *l.borrow_mut() = at);
    }));
    let r = f();
    panic::set_hook(previous);
    r
}

/// A clock of one thread's CPU time.
#[derive(Clone, Copy)]
struct CpuClock(libc::clockid_t);

impl CpuClock {
    /// The calling thread's clock.
    fn current() -> CpuClock {
        let mut id: libc::clockid_t = libc::CLOCK_THREAD_CPUTIME_ID;
        // SAFETY: `pthread_self()` is the live calling thread and `id` is a valid out-pointer.
        let rc = unsafe { libc::pthread_getcpuclockid(libc::pthread_self(), &mut id) };
        CpuClock(if rc == 0 {
            id
        } else {
            libc::CLOCK_THREAD_CPUTIME_ID
        })
    }

    fn now(self) -> Duration {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is a valid out-pointer; an invalid clock id only returns an error.
        let rc = unsafe { libc::clock_gettime(self.0, &mut ts) };
        if rc != 0 {
            return Duration::ZERO;
        }
        Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
    }
}

/// CPU time the calling thread has used.
pub fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid out-pointer.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// What a worker is running now, for the watchdog: its CPU clock, when the input started
/// (wall time and the thread's CPU time), the target and the input.
type Slot = Mutex<Option<(CpuClock, Instant, Duration, Target, Arc<str>)>>;

struct Shared {
    cfg: Config,
    stop: AtomicBool,
    counts: [AtomicU64; 3],
    total: AtomicU64,
    panics: AtomicU64,
    hangs: AtomicU64,
    slowest_us: AtomicU64,
    corpus_new: AtomicU64,
    state: Mutex<State>,
    slots: Vec<Slot>,
}

struct State {
    features: HashSet<u64>,
    /// Seeds per target, built-ins first; grows with the corpus.
    pools: [Vec<Arc<str>>; 3],
    findings: Vec<PathBuf>,
    /// Panic messages already written, so one bug is recorded once.
    seen_panics: HashSet<String>,
    slowest_target: Option<Target>,
}

/// The most corpus entries one run adds.
const MAX_NEW_ENTRIES: u64 = 300;

fn write_file(dir: &Path, name: &str, text: &str) -> Option<PathBuf> {
    std::fs::create_dir_all(dir).ok()?;
    let path = dir.join(name);
    std::fs::write(&path, text).ok()?;
    Some(path)
}

fn entry_name(prefix: &str, t: Target, text: &str) -> String {
    format!("{prefix}{}-{:016x}.rs", t.name(), fnv(text.as_bytes()))
}

impl Shared {
    fn record_panic(&self, t: Target, text: &str, msg: &str) {
        self.panics.fetch_add(1, Ordering::Relaxed);
        let mut st = self.state.lock().unwrap();
        if st.seen_panics.insert(msg.to_string()) && st.findings.len() < 100 {
            let name = entry_name("panic-", t, text);
            if let Some(p) = write_file(&self.cfg.crashes, &name, text) {
                let _ = std::fs::write(p.with_extension("txt"), format!("{msg}\n"));
                eprintln!(
                    "PANIC in target {}: {msg}\n  input: {}",
                    t.name(),
                    p.display()
                );
                st.findings.push(p);
            }
        }
    }

    fn record_hang(&self, t: Target, text: &str, took: Duration) {
        self.hangs.fetch_add(1, Ordering::Relaxed);
        let mut st = self.state.lock().unwrap();
        if st.findings.len() < 100 {
            let name = entry_name("slow-", t, text);
            if let Some(p) = write_file(&self.cfg.crashes, &name, text) {
                eprintln!(
                    "SLOW input in target {}: {} ms (limit {} ms)\n  input: {}",
                    t.name(),
                    took.as_millis(),
                    self.cfg.limit.as_millis(),
                    p.display()
                );
                st.findings.push(p);
            }
        }
    }

    /// Keeps `text` if it reached a feature no input reached before.
    fn consider(&self, t: Target, text: &str, features: &[u64], local: &mut HashSet<u64>) {
        if features.iter().all(|f| local.contains(f)) {
            return;
        }
        local.extend(features.iter().copied());
        let mut st = self.state.lock().unwrap();
        let mut new = false;
        for f in features {
            new |= st.features.insert(*f);
        }
        if !new || self.corpus_new.load(Ordering::Relaxed) >= MAX_NEW_ENTRIES {
            return;
        }
        if write_file(&self.cfg.corpus, &entry_name("", t, text), text).is_some() {
            self.corpus_new.fetch_add(1, Ordering::Relaxed);
        }
        st.pools[t.index()].push(Arc::from(text));
    }
}

/// Builds one input for a target from the worker's seed pools.
fn make_input(rng: &mut Rng, t: Target, pools: &[Vec<Arc<str>>; 3]) -> String {
    let pool = &pools[t.index()];
    let slip = *rng.pick(&[0, 0, 10, 30, 100]);
    match t {
        Target::Policy | Target::Scenario => {
            let generate = |rng: &mut Rng| match t {
                Target::Policy => gen::policy(rng, Size::PARSE, slip),
                _ => gen::scenario(rng, Size::PARSE, slip),
            };
            match rng.below(10) {
                0..=2 => generate(rng),
                3..=4 => {
                    let g = generate(rng);
                    let other = rng.pick(pool).clone();
                    mutate::mutate(rng, &g, &other, 3)
                }
                _ => {
                    let seed = rng.pick(pool).clone();
                    let other = rng.pick(pool).clone();
                    mutate::mutate(rng, &seed, &other, 4)
                }
            }
        }
        Target::Model => {
            let policies = &pools[Target::Policy.index()];
            let scenarios = &pools[Target::Scenario.index()];
            let (p, s) = match rng.below(10) {
                0..=3 => (
                    gen::policy(rng, Size::MODEL, slip / 10),
                    gen::scenario(rng, Size::MODEL, slip / 10),
                ),
                4..=5 => (
                    rng.pick(policies).to_string(),
                    gen::scenario(rng, Size::MODEL, 0),
                ),
                6 => (
                    gen::policy(rng, Size::MODEL, 0),
                    rng.pick(scenarios).to_string(),
                ),
                7..=8 => {
                    let g = gen::policy(rng, Size::MODEL, 0);
                    let other = rng.pick(policies).clone();
                    (
                        mutate::mutate(rng, &g, &other, 2),
                        gen::scenario(rng, Size::MODEL, 0),
                    )
                }
                _ => {
                    if let Some(seed) = (!pool.is_empty()).then(|| rng.pick(pool).clone()) {
                        let other = rng.pick(pool).clone();
                        return mutate::mutate(rng, &seed, &other, 2);
                    }
                    (
                        gen::policy(rng, Size::MODEL, 0),
                        gen::scenario(rng, Size::MODEL, 0),
                    )
                }
            };
            let mut text = String::with_capacity(p.len() + s.len() + 16);
            text.push_str(&p);
            text.push('\n');
            text.push_str(PAIR_SEPARATOR);
            text.push('\n');
            text.push_str(&s);
            if text.len() > MAX_INPUT {
                let mut cut = MAX_INPUT;
                while !text.is_char_boundary(cut) {
                    cut -= 1;
                }
                text.truncate(cut);
            }
            text
        }
    }
}

fn worker(sh: &Shared, id: usize) {
    let cfg = &sh.cfg;
    let mut rng = Rng::new(cfg.seed ^ (id as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
    let mut local: HashSet<u64> = HashSet::new();
    let mut pools = sh.state.lock().unwrap().pools.clone();
    let mut n: u64 = 0;
    let clock = CpuClock::current();
    while !sh.stop.load(Ordering::Relaxed) {
        if let Some(max) = cfg.max_inputs {
            if sh.total.fetch_add(1, Ordering::Relaxed) >= max {
                sh.total.fetch_sub(1, Ordering::Relaxed);
                sh.stop.store(true, Ordering::Relaxed);
                break;
            }
        } else {
            sh.total.fetch_add(1, Ordering::Relaxed);
        }
        n += 1;
        if n % 4096 == 0 {
            pools = sh.state.lock().unwrap().pools.clone();
        }
        let t = *rng.pick(&cfg.targets);
        let text: Arc<str> = Arc::from(make_input(&mut rng, t, &pools));
        let start = Instant::now();
        let cpu_start = thread_cpu_time();
        *sh.slots[id].lock().unwrap() = Some((clock, start, cpu_start, t, text.clone()));
        let result = run_one(t, &text, cfg.max_states);
        // CPU time, so that a loaded machine's preemption does not pass for a slow input.
        let took = thread_cpu_time().saturating_sub(cpu_start);
        *sh.slots[id].lock().unwrap() = None;
        sh.counts[t.index()].fetch_add(1, Ordering::Relaxed);
        let us = took.as_micros() as u64;
        if us > sh.slowest_us.fetch_max(us, Ordering::Relaxed) {
            sh.state.lock().unwrap().slowest_target = Some(t);
        }
        if took > cfg.limit {
            sh.record_hang(t, &text, took);
        }
        match result {
            Ok(features) => sh.consider(t, &text, &features, &mut local),
            Err(msg) => sh.record_panic(t, &text, &msg),
        }
    }
}

/// Aborts the process when an input has used twice the limit in CPU time (it would never
/// return), or thirty times the limit in wall time (it is blocked).
fn watchdog(sh: &Shared) {
    let (fire_cpu, fire_wall) = (sh.cfg.limit * 2, sh.cfg.limit * 30);
    while !sh.stop.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(50));
        for slot in &sh.slots {
            let running = slot.lock().unwrap().clone();
            if let Some((clock, start, cpu_start, t, text)) = running {
                let cpu = clock.now().saturating_sub(cpu_start);
                if cpu > fire_cpu || start.elapsed() > fire_wall {
                    let name = entry_name("hang-", t, &text);
                    let path = write_file(&sh.cfg.crashes, &name, &text);
                    eprintln!(
                        "HANG: an input of target {} has run for {} ms ({} ms of CPU; limit {} ms); aborting\n  input: {}",
                        t.name(),
                        start.elapsed().as_millis(),
                        cpu.as_millis(),
                        sh.cfg.limit.as_millis(),
                        path.map_or("(could not be written)".into(), |p| p.display().to_string())
                    );
                    std::process::exit(1);
                }
            }
        }
    }
}

/// Runs the fuzzer as configured; prints progress when asked.
pub fn run(cfg: Config) -> Summary {
    target::warm_up();
    quietly(|| run_quietly(cfg))
}

fn run_quietly(cfg: Config) -> Summary {
    let mut state = State {
        features: HashSet::new(),
        pools: [Vec::new(), Vec::new(), Vec::new()],
        findings: Vec::new(),
        seen_panics: HashSet::new(),
        slowest_target: None,
    };
    let mut preload_panics = Vec::new();
    // Seed the pools and the features with the built-ins, then the corpus.
    for (kind, t) in [
        (SourceKind::Policy, Target::Policy),
        (SourceKind::Scenario, Target::Scenario),
    ] {
        for b in builtins(kind) {
            state.pools[t.index()].push(Arc::from(b.text));
            for tt in [t, Target::Model] {
                match run_one(tt, b.text, cfg.max_states) {
                    Ok(f) => state.features.extend(f),
                    Err(m) => preload_panics.push((tt, b.text.to_string(), m)),
                }
            }
        }
    }
    let files = corpus_files(&cfg.corpus);
    let corpus_start = files.len();
    for path in &files {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let text: String = text.chars().take(MAX_INPUT).collect();
        let ts: Vec<Target> = entry_target(path).map_or(Target::ALL.to_vec(), |t| vec![t]);
        for t in ts {
            match run_one(t, &text, cfg.max_states) {
                Ok(f) => state.features.extend(f),
                Err(m) => preload_panics.push((t, text.clone(), m)),
            }
            state.pools[t.index()].push(Arc::from(text.as_str()));
        }
    }
    let sh = Shared {
        stop: AtomicBool::new(false),
        counts: [AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0)],
        total: AtomicU64::new(0),
        panics: AtomicU64::new(0),
        hangs: AtomicU64::new(0),
        slowest_us: AtomicU64::new(0),
        corpus_new: AtomicU64::new(0),
        state: Mutex::new(state),
        slots: (0..cfg.threads).map(|_| Mutex::new(None)).collect(),
        cfg,
    };
    for (t, text, m) in preload_panics {
        sh.record_panic(t, &text, &m);
    }
    let fuzz_start = Instant::now();
    std::thread::scope(|s| {
        for id in 0..sh.cfg.threads {
            let sh = &sh;
            s.spawn(move || worker(sh, id));
        }
        s.spawn(|| watchdog(&sh));
        let mut last_print = Instant::now();
        while !sh.stop.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(20));
            let elapsed = fuzz_start.elapsed();
            if elapsed >= sh.cfg.duration {
                sh.stop.store(true, Ordering::Relaxed);
            }
            if let Some(every) = sh.cfg.progress {
                if last_print.elapsed() >= every {
                    last_print = Instant::now();
                    let total = sh.total.load(Ordering::Relaxed);
                    eprintln!(
                        "[{:>6.0}s] inputs {total} ({:.0}/s)  corpus +{}  panics {}  hangs {}  slowest {:.1} ms CPU",
                        elapsed.as_secs_f64(),
                        total as f64 / elapsed.as_secs_f64(),
                        sh.corpus_new.load(Ordering::Relaxed),
                        sh.panics.load(Ordering::Relaxed),
                        sh.hangs.load(Ordering::Relaxed),
                        sh.slowest_us.load(Ordering::Relaxed) as f64 / 1000.0,
                    );
                }
            }
        }
    });
    let elapsed = fuzz_start.elapsed();
    let per_target = [0, 1, 2].map(|i| sh.counts[i].load(Ordering::Relaxed));
    let st = sh.state.into_inner().unwrap();
    Summary {
        inputs: per_target.iter().sum(),
        per_target,
        elapsed,
        panics: sh.panics.load(Ordering::Relaxed),
        hangs: sh.hangs.load(Ordering::Relaxed),
        slowest: Duration::from_micros(sh.slowest_us.load(Ordering::Relaxed)),
        slowest_target: st.slowest_target,
        corpus_start,
        corpus_new: sh.corpus_new.load(Ordering::Relaxed) as usize,
        features: st.features.len(),
        findings: st.findings,
        peak_rss_kib: peak_rss_kib(),
    }
}
