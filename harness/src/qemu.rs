//! Boots the harness kernel in QEMU, drives the guest agent's script, injects AER over
//! QMP, and turns the console into per-step observations: what the agent printed, and
//! the faults the IOMMU driver logged (SMMUv3 event records on arm64, DMAR fault records
//! on x86-64).
//!
//! Every wait has a deadline; a kernel panic or a silent guest ends the run with the
//! console's tail; the QEMU process is killed and reaped on every exit path (it runs in a
//! process group of its own, [`crate::interrupt::Group`], whose `Drop` kills it, and which
//! a SIGINT or SIGTERM kills at once). The console is read by a thread that forwards whole lines
//! as they arrive, never through a buffered reader that could hide a line.

use crate::guest::Machine;
use crate::interrupt::{self, Group, Interrupted};
use serde::Serialize;
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// How to run one boot.
#[derive(Clone, Debug)]
pub struct RunConfig {
    /// The QEMU binary.
    pub qemu: PathBuf,
    /// The kernel `Image`.
    pub kernel: PathBuf,
    /// The agent's initramfs.
    pub initrd: PathBuf,
    /// The scenario's machine.
    pub machine: Machine,
    /// Where the QMP socket goes.
    pub workdir: PathBuf,
    /// From start to the agent's READY line.
    pub boot_timeout: Duration,
    /// The longest silence between two agent lines once it runs.
    pub step_timeout: Duration,
    /// Where the whole console is written as it arrives, if anywhere.
    pub console_log: Option<PathBuf>,
}

/// Why a boot did not yield observations. Each carries the console's tail.
#[derive(Debug, thiserror::Error)]
pub enum QemuError {
    /// QEMU could not be started.
    #[error("cannot start {qemu}: {source} (install {package} >= 8 from bookworm-backports)")]
    Spawn {
        /// The binary.
        qemu: String,
        /// Its Debian package.
        package: &'static str,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// The kernel panicked.
    #[error("the kernel panicked{}:\n{tail}", at_step(*step))]
    Panic {
        /// The step running, if the agent had started.
        step: Option<usize>,
        /// The console's last lines.
        tail: String,
    },
    /// The agent never said READY.
    #[error("the guest did not reach its agent within {secs} s:\n{tail}")]
    BootTimeout {
        /// The deadline.
        secs: u64,
        /// The console's last lines.
        tail: String,
    },
    /// The agent stopped printing.
    #[error("the guest went silent for {secs} s{}:\n{tail}", at_step(*step))]
    Hang {
        /// The step running.
        step: Option<usize>,
        /// The deadline.
        secs: u64,
        /// The console's last lines.
        tail: String,
    },
    /// QEMU exited on its own before the agent was done.
    #[error("QEMU exited before the agent finished ({status}):\n{tail}")]
    Exited {
        /// Its exit status.
        status: String,
        /// The console's last lines and QEMU's own error output.
        tail: String,
    },
    /// An agent line did not reach the host whole: missing, cut, or naming a step the
    /// agent never announced. No observation is attributed by guesswork.
    #[error("the console lost the agent's line{}: {what} (the whole console: {log}):\n{tail}", at_step(*step))]
    Lost {
        /// The step whose line was lost, if known.
        step: Option<usize>,
        /// What was wrong.
        what: String,
        /// Where the console was written.
        log: String,
        /// The console's last lines.
        tail: String,
    },
    /// The QMP conversation failed.
    #[error("QMP: {0}")]
    Qmp(String),
    /// A signal stopped the run; QEMU was killed with it.
    #[error(transparent)]
    Interrupted(#[from] Interrupted),
    /// The script raised AER at a device the machine does not have.
    #[error("the guest asked to raise AER at {bdf}, which is not a device of this machine")]
    NoDevice {
        /// The device's PCI address.
        bdf: String,
    },
}

fn at_step(step: Option<usize>) -> String {
    step.map(|s| format!(" during step {s}"))
        .unwrap_or_default()
}

/// A fault the IOMMU driver logged while a step ran.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "iommu")]
pub enum IommuFault {
    /// An SMMUv3 event record (`arm_smmu_evtq_thread()`).
    Smmu {
        /// The event type; 0x10 is F_TRANSLATION.
        id: u8,
        /// The requester's StreamID (on PCI, its RID: 0x10 is 00:02.0).
        stream_id: u32,
        /// The input address (IOVA) of the faulting transaction.
        addr: u64,
    },
    /// A VT-d fault record (`dmar_fault_do_one()`): a DMA request the remapping
    /// refused, or an interrupt request the interrupt remapping refused.
    Dmar {
        /// `DMA Read`, `DMA Write` or `INTR-REMAP`.
        request: String,
        /// The requester, `BB:DD.F`.
        source: String,
        /// The faulting address (DMA), or the interrupt's index (INTR-REMAP).
        addr: u64,
        /// The fault reason code.
        reason: u8,
    },
}

impl std::fmt::Display for IommuFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IommuFault::Smmu {
                id,
                stream_id,
                addr,
            } => write!(f, "event 0x{id:02x} sid 0x{stream_id:x} addr 0x{addr:x}"),
            IommuFault::Dmar {
                request,
                source,
                addr,
                reason,
            } if request == "INTR-REMAP" => write!(
                f,
                "{request} device {source} index 0x{addr:x} reason 0x{reason:02x}"
            ),
            IommuFault::Dmar {
                request,
                source,
                addr,
                reason,
            } => write!(
                f,
                "{request} device {source} addr 0x{addr:x} reason 0x{reason:02x}"
            ),
        }
    }
}

/// A DMAR fault line, `DMAR: [DMA Write NO_PASID] Request device [00:02.0] fault addr
/// 0xfee00000 [fault reason 0x05] ...` or `DMAR: [INTR-REMAP] Request device [00:02.0]
/// fault index 0x3 [fault reason 0x25] ...`, as `dmar_fault_do_one()` prints it.
fn dmar_fault(line: &str) -> Option<IommuFault> {
    let rest = line.split("DMAR: [").nth(1)?;
    let (kind, rest) = rest.split_once(']')?;
    let request = kind
        .trim_end_matches(" NO_PASID")
        .split(" PASID ")
        .next()?
        .to_string();
    let (_, rest) = rest.split_once("Request device [")?;
    let (source, rest) = rest.split_once(']')?;
    let rest = rest.trim_start();
    let rest = rest
        .strip_prefix("fault addr 0x")
        .or_else(|| rest.strip_prefix("fault index 0x"))?;
    let (addr, rest) = rest.split_once(' ')?;
    let (_, rest) = rest.split_once("[fault reason 0x")?;
    let (reason, _) = rest.split_once(']')?;
    Some(IommuFault::Dmar {
        request,
        source: source.to_string(),
        addr: u64::from_str_radix(addr, 16).ok()?,
        reason: u8::from_str_radix(reason, 16).ok()?,
    })
}

/// What a step returned in the guest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "result")]
pub enum GuestResult {
    /// The step succeeded.
    Ok,
    /// The step was not performed: the model says it cannot happen in this state.
    Skipped,
    /// A system call failed.
    Errno {
        /// The errno value.
        errno: i32,
        /// Its name (`EBUSY`).
        name: String,
        /// Which call (`VFIO_GROUP_SET_CONTAINER`, `bind`, ...).
        at: String,
    },
    /// AER raised: whether the aerdrv interrupt count rose before the deadline.
    Irq {
        /// The count rose.
        delivered: bool,
        /// The count before the raise.
        before: i64,
        /// The count at the end of the wait.
        after: i64,
    },
}

/// What the guest and the console showed of one step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StepObservation {
    /// The step's number in the script (from 1).
    pub n: usize,
    /// The agent's verb (`bind`, `raise`, `vfio_open`, ...).
    pub verb: String,
    /// What the step returned; `None` if the agent printed no result.
    pub result: Option<GuestResult>,
    /// IOMMU faults logged while the step ran.
    pub faults: Vec<IommuFault>,
    /// The AER driver logged an error message.
    pub aer_logged: bool,
    /// The device's group number and sysfs `type` after the step.
    pub domain: Option<(String, String)>,
}

/// A finished boot.
#[derive(Clone, Debug, Serialize)]
pub struct RunOutput {
    /// Each step the agent ran.
    pub steps: Vec<StepObservation>,
    /// Set-up problems the agent reported (SERR# or unbind failures).
    pub setup: Vec<String>,
    /// The whole console.
    #[serde(skip)]
    pub console: Vec<String>,
}

struct Qmp {
    reader: BufReader<UnixStream>,
    writer: UnixStream,
}

impl Qmp {
    fn connect(path: &Path, deadline: Instant) -> Result<Qmp, QemuError> {
        let stream = loop {
            match UnixStream::connect(path) {
                Ok(s) => break s,
                Err(e) if Instant::now() > deadline || interrupt::requested().is_some() => {
                    return Err(QemuError::Qmp(format!(
                        "cannot connect to {}: {e}",
                        path.display()
                    )))
                }
                Err(_) => std::thread::sleep(Duration::from_millis(50)),
            }
        };
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .map_err(|e| QemuError::Qmp(e.to_string()))?;
        let writer = stream
            .try_clone()
            .map_err(|e| QemuError::Qmp(e.to_string()))?;
        let mut q = Qmp {
            reader: BufReader::new(stream),
            writer,
        };
        q.read_reply("greeting", "QMP")?;
        q.execute(serde_json::json!({"execute": "qmp_capabilities"}))?;
        Ok(q)
    }

    /// Reads until a message with `key` (skipping asynchronous events).
    fn read_reply(&mut self, what: &str, key: &str) -> Result<serde_json::Value, QemuError> {
        loop {
            let mut line = String::new();
            let n = self
                .reader
                .read_line(&mut line)
                .map_err(|e| QemuError::Qmp(format!("reading the {what}: {e}")))?;
            if n == 0 {
                return Err(QemuError::Qmp(format!(
                    "QEMU closed the socket before the {what}"
                )));
            }
            let v: serde_json::Value = serde_json::from_str(&line)
                .map_err(|e| QemuError::Qmp(format!("bad {what} `{}`: {e}", line.trim())))?;
            if let Some(err) = v.get("error") {
                return Err(QemuError::Qmp(format!("{what}: {err}")));
            }
            if v.get(key).is_some() {
                return Ok(v);
            }
        }
    }

    fn execute(&mut self, cmd: serde_json::Value) -> Result<serde_json::Value, QemuError> {
        let text = format!("{cmd}\n");
        self.writer
            .write_all(text.as_bytes())
            .map_err(|e| QemuError::Qmp(e.to_string()))?;
        self.read_reply("reply", "return")
    }

    /// `pcie_aer_inject_error -c ID 0x1`: a correctable Receiver Error at the device; QEMU
    /// sends the message up to its root port (`pcie_aer_msg()`).
    fn inject_aer(&mut self, port: &str) -> Result<(), QemuError> {
        let reply = self.execute(serde_json::json!({
            "execute": "human-monitor-command",
            "arguments": {"command-line": format!("pcie_aer_inject_error -c {port} 0x1")}
        }))?;
        // Success prints "OK id: rp1 root bus: ...".
        match reply["return"].as_str() {
            Some(text) if !text.trim().is_empty() && !text.starts_with("OK") => Err(
                QemuError::Qmp(format!("pcie_aer_inject_error: {}", text.trim())),
            ),
            _ => Ok(()),
        }
    }
}

/// The QEMU command line for a run: the machine's own arguments, then what every machine
/// gets.
pub fn command_line(cfg: &RunConfig, qmp: &Path) -> Vec<String> {
    let target = cfg.machine.target;
    let mut append = vec![
        format!("console={}", target.console),
        "panic=-1".into(),
        "rdinit=/init".into(),
        // The agent writes its lines to /dev/kmsg: none may be rate limited away.
        "printk.devkmsg=on".into(),
    ];
    append.extend(target.kernel_args.iter().map(ToString::to_string));
    append.extend(cfg.machine.kernel_args.iter().cloned());
    let mut args: Vec<String> = target.qemu_args.iter().map(ToString::to_string).collect();
    args.extend(
        [
            "-m",
            "512",
            "-display",
            "none",
            "-serial",
            "stdio",
            "-monitor",
            "none",
            "-nic",
            "none",
            "-no-reboot",
        ]
        .iter()
        .map(ToString::to_string),
    );
    args.push("-kernel".into());
    args.push(cfg.kernel.display().to_string());
    args.push("-initrd".into());
    args.push(cfg.initrd.display().to_string());
    args.push("-append".into());
    args.push(append.join(" "));
    args.push("-qmp".into());
    args.push(format!("unix:{},server=on,wait=off", qmp.display()));
    for d in &cfg.machine.devices {
        args.push("-device".into());
        args.push(d.clone());
    }
    args
}

fn console_thread(mut out: impl Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        let mut line = Vec::new();
        loop {
            match out.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    for &b in &buf[..n] {
                        if b == b'\n' {
                            let text = String::from_utf8_lossy(&line)
                                .trim_end_matches('\r')
                                .to_string();
                            line.clear();
                            if tx.send(text).is_err() {
                                return;
                            }
                        } else {
                            line.push(b);
                        }
                    }
                }
            }
        }
        if !line.is_empty() {
            let _ = tx.send(String::from_utf8_lossy(&line).into_owned());
        }
    });
    rx
}

/// Parses the console, line by line.
#[derive(Default)]
pub struct ConsoleParser {
    /// The steps seen so far.
    pub steps: Vec<StepObservation>,
    /// Set-up problems the agent reported.
    pub setup: Vec<String>,
    /// The agent said READY.
    pub ready: bool,
    /// The agent said DONE.
    pub done: bool,
    /// The kernel panicked.
    pub panicked: bool,
    /// Words of an SMMU event record still to come.
    pending_event: Option<(u8, Vec<u64>)>,
    /// A RAISE request the driver must act on: (step, BDF).
    pub raise: Option<(usize, String)>,
    /// Agent lines that did not arrive whole, or that name a step never announced:
    /// (the step, if it could be read; what was wrong).
    pub lost: Vec<(Option<usize>, String)>,
}

impl ConsoleParser {
    /// The step running: kernel messages (faults, AER logs) belong to it.
    fn current(&mut self) -> Option<&mut StepObservation> {
        self.steps.last_mut()
    }

    /// The step an agent line names by its number. A line for a step whose STEP line
    /// never arrived is recorded as lost, not given to another step.
    fn step(&mut self, n: &str, line: &str) -> Option<&mut StepObservation> {
        let Ok(n) = n.parse::<usize>() else {
            self.lost.push((None, format!("garbled line `{line}`")));
            return None;
        };
        match self.steps.iter().position(|s| s.n == n) {
            Some(i) => Some(&mut self.steps[i]),
            None => {
                self.lost.push((
                    Some(n),
                    format!("`{line}` names step {n}, whose STEP line never arrived"),
                ));
                None
            }
        }
    }

    /// What the agent's lines, read whole, fail to account for once it said DONE:
    /// steps numbered 1, 2, ... each announced once with its result, and every line
    /// understood. `None` when the record is complete.
    pub fn incomplete(&self) -> Option<(Option<usize>, String)> {
        if let Some(l) = self.lost.first() {
            return Some(l.clone());
        }
        for (i, s) in self.steps.iter().enumerate() {
            if s.n != i + 1 {
                let missing = if s.n > i + 1 { i + 1 } else { s.n };
                return Some((
                    Some(missing),
                    format!(
                        "step {} follows step {}: the STEP line of step {missing} is missing \
                         or repeated",
                        s.n, i
                    ),
                ));
            }
            if s.result.is_none() {
                return Some((Some(s.n), format!("step {} has no RESULT line", s.n)));
            }
        }
        None
    }

    /// Takes one console line.
    pub fn feed(&mut self, line: &str) {
        if line.contains("Kernel panic - not syncing") {
            self.panicked = true;
        }
        if let Some((id, words)) = &mut self.pending_event {
            if let Some(hex) = line
                .split("0x")
                .nth(1)
                .filter(|_| line.contains("\t0x") || line.trim_start().starts_with("0x"))
            {
                if let Ok(w) = u64::from_str_radix(hex.trim(), 16) {
                    words.push(w);
                    if words.len() == 4 {
                        let ev = IommuFault::Smmu {
                            id: *id,
                            stream_id: (words[0] >> 32) as u32,
                            addr: words[2],
                        };
                        self.pending_event = None;
                        if let Some(s) = self.current() {
                            s.faults.push(ev);
                        }
                    }
                    return;
                }
            }
        }
        if let Some(fault) = dmar_fault(line) {
            if let Some(s) = self.current() {
                s.faults.push(fault);
            }
            return;
        }
        if let Some(rest) = line
            .split("event 0x")
            .nth(1)
            .filter(|_| line.contains("received:"))
        {
            if let Ok(id) = u8::from_str_radix(rest.get(..2).unwrap_or(""), 16) {
                self.pending_event = Some((id, Vec::new()));
            }
            return;
        }
        if line.contains("AER:") && line.contains("error message received from") {
            if let Some(s) = self.current() {
                s.aer_logged = true;
            }
        }
        let Some(msg) = line.split("SWITCHYARD").nth(1) else {
            return;
        };
        let words: Vec<&str> = msg.split_whitespace().collect();
        let agent = format!("SWITCHYARD{msg}");
        let agent = agent.as_str();
        match words.as_slice() {
            ["READY"] => self.ready = true,
            ["DONE"] => self.done = true,
            ["SETUP", rest @ ..] if !rest.is_empty() => self.setup.push(rest.join(" ")),
            ["FATAL", rest @ ..] => self.setup.push(format!("fatal: {}", rest.join(" "))),
            ["STEP", n, verb] => match n.parse() {
                Ok(n) if self.steps.iter().any(|s| s.n == n) => self
                    .lost
                    .push((Some(n), format!("step {n} announced twice (`{agent}`)"))),
                Ok(n) => self.steps.push(StepObservation {
                    n,
                    verb: verb.to_string(),
                    result: None,
                    faults: Vec::new(),
                    aer_logged: false,
                    domain: None,
                }),
                Err(_) => self.lost.push((None, format!("garbled line `{agent}`"))),
            },
            ["RAISE", n, bdf] => match n.parse() {
                Ok(n) => self.raise = Some((n, bdf.to_string())),
                Err(_) => self.lost.push((None, format!("garbled line `{agent}`"))),
            },
            ["RESULT", n, rest @ ..] => {
                let Some(result) = guest_result(rest) else {
                    let n = n.parse().ok();
                    self.lost.push((n, format!("garbled line `{agent}`")));
                    return;
                };
                if let Some(s) = self.step(n, agent) {
                    if s.result.is_some() {
                        let n = s.n;
                        self.lost
                            .push((Some(n), format!("a second RESULT for step {n}: `{agent}`")));
                    } else {
                        s.result = Some(result);
                    }
                }
            }
            ["DOMAIN", n, group, ty] => {
                if let Some(s) = self.step(n, agent) {
                    s.domain = Some((group.to_string(), ty.to_string()));
                }
            }
            _ => self.lost.push((None, format!("garbled line `{agent}`"))),
        }
    }
}

/// A RESULT line's words after the step number; `None` if they are not whole.
fn guest_result(words: &[&str]) -> Option<GuestResult> {
    match words {
        ["ok"] => Some(GuestResult::Ok),
        ["skipped"] => Some(GuestResult::Skipped),
        [errno, name, at] => Some(GuestResult::Errno {
            errno: errno.strip_prefix("errno=")?.parse().ok()?,
            name: name.to_string(),
            at: at.strip_prefix("at=")?.to_string(),
        }),
        [irq, count] => {
            let delivered = match irq.strip_prefix("irq=")? {
                "delivered" => true,
                "none" => false,
                _ => return None,
            };
            let (before, after) = count.strip_prefix("count=")?.split_once("->")?;
            Some(GuestResult::Irq {
                delivered,
                before: before.parse().ok()?,
                after: after.parse().ok()?,
            })
        }
        _ => None,
    }
}

const TAIL: usize = 40;

fn tail(lines: &VecDeque<String>) -> String {
    lines
        .iter()
        .map(|l| format!("  | {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Where a boot is, for progress.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BootEvent {
    /// The guest's agent is up and starts its script.
    Ready,
    /// The agent starts a step of the script.
    Step {
        /// Its number (from 1).
        n: usize,
        /// The agent's verb.
        verb: String,
    },
}

/// Boots the machine and replays the agent's script.
pub fn run(cfg: &RunConfig) -> Result<RunOutput, QemuError> {
    run_with(cfg, &mut |_| {})
}

/// The longest the loop sleeps before it looks for a signal again.
const TICK: Duration = Duration::from_millis(200);

/// [`run`], telling `progress` when the agent is up and as each step starts.
///
/// QEMU runs in a process group of its own ([`interrupt::spawn`]), killed on a signal
/// and on every exit path.
pub fn run_with(
    cfg: &RunConfig,
    progress: &mut dyn FnMut(&BootEvent),
) -> Result<RunOutput, QemuError> {
    std::fs::create_dir_all(&cfg.workdir)
        .map_err(|e| QemuError::Qmp(format!("{}: {e}", cfg.workdir.display())))?;
    // One socket per boot: a process may run several boots at once.
    static BOOTS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = BOOTS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let qmp_path = cfg
        .workdir
        .join(format!("qmp-{}-{n}.sock", std::process::id()));
    let _ = std::fs::remove_file(&qmp_path);
    let mut cmd = Command::new(&cfg.qemu);
    cmd.args(command_line(cfg, &qmp_path))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut guard = interrupt::spawn(&mut cmd).map_err(|source| QemuError::Spawn {
        qemu: cfg.qemu.display().to_string(),
        package: cfg.machine.target.qemu_package,
        source,
    })?;
    let result = drive(cfg, &mut guard, &qmp_path, progress);
    drop(guard);
    let _ = std::fs::remove_file(&qmp_path);
    result
}

/// The host's side of a boot, until the agent is done or something ends it.
fn drive(
    cfg: &RunConfig,
    guard: &mut Group,
    qmp_path: &Path,
    progress: &mut dyn FnMut(&BootEvent),
) -> Result<RunOutput, QemuError> {
    let stdout = guard.child().stdout.take().expect("stdout is piped");
    let mut stderr = guard.child().stderr.take().expect("stderr is piped");
    let lines = console_thread(stdout);
    let start = Instant::now();
    let mut qmp = Qmp::connect(qmp_path, start + Duration::from_secs(20));
    let mut parser = ConsoleParser::default();
    let mut console: Vec<String> = Vec::new();
    let mut log = match &cfg.console_log {
        Some(p) => Some(std::io::LineWriter::new(
            std::fs::File::create(p)
                .map_err(|e| QemuError::Qmp(format!("{}: {e}", p.display())))?,
        )),
        None => None,
    };
    let mut recent: VecDeque<String> = VecDeque::new();
    let mut last_progress = Instant::now();
    let result = loop {
        let (limit, since) = if parser.ready {
            (cfg.step_timeout, last_progress)
        } else {
            (cfg.boot_timeout, start)
        };
        if let Err(i) = interrupt::check() {
            break Err(i.into());
        }
        let left = limit.saturating_sub(since.elapsed());
        match lines.recv_timeout(left.min(TICK)) {
            Ok(line) => {
                if line.contains("SWITCHYARD ") {
                    last_progress = Instant::now();
                }
                let (was_ready, steps) = (parser.ready, parser.steps.len());
                parser.feed(&line);
                if parser.ready && !was_ready {
                    progress(&BootEvent::Ready);
                }
                if parser.steps.len() > steps {
                    if let Some(s) = parser.steps.last() {
                        progress(&BootEvent::Step {
                            n: s.n,
                            verb: s.verb.clone(),
                        });
                    }
                }
                if let Some(w) = &mut log {
                    let _ = writeln!(w, "{line}");
                }
                recent.push_back(line.clone());
                if recent.len() > TAIL {
                    recent.pop_front();
                }
                console.push(line);
                if parser.panicked {
                    // Let the panic's backtrace reach the console, briefly.
                    let until = Instant::now() + Duration::from_millis(500);
                    while let Ok(l) =
                        lines.recv_timeout(until.saturating_duration_since(Instant::now()))
                    {
                        if let Some(w) = &mut log {
                            let _ = writeln!(w, "{l}");
                        }
                        recent.push_back(l.clone());
                        console.push(l);
                    }
                    let step = parser.steps.last().map(|s| s.n);
                    break Err(QemuError::Panic {
                        step,
                        tail: tail(&recent),
                    });
                }
                if let Some((_, bdf)) = parser.raise.take() {
                    let Some(port) = cfg.machine.ids.get(&bdf) else {
                        break Err(QemuError::NoDevice { bdf });
                    };
                    let q = match &mut qmp {
                        Ok(q) => q,
                        Err(e) => break Err(QemuError::Qmp(e.to_string())),
                    };
                    if let Err(e) = q.inject_aer(port) {
                        break Err(e);
                    }
                }
                if parser.done {
                    // The agent powers off; give QEMU a moment to exit by itself.
                    let until = Instant::now() + Duration::from_secs(10);
                    while Instant::now() < until {
                        if let Ok(Some(_)) = guard.try_wait() {
                            break;
                        }
                        std::thread::sleep(Duration::from_millis(50));
                    }
                    if let Some((step, what)) = parser.incomplete() {
                        break Err(QemuError::Lost {
                            step,
                            what,
                            log: cfg
                                .console_log
                                .as_ref()
                                .map_or_else(|| "not kept".into(), |p| p.display().to_string()),
                            tail: tail(&recent),
                        });
                    }
                    break Ok(());
                }
            }
            Err(RecvTimeoutError::Timeout) if !left.is_zero() && left > TICK => continue,
            Err(RecvTimeoutError::Timeout) => {
                let step = parser.steps.last().map(|s| s.n);
                break Err(if parser.ready {
                    QemuError::Hang {
                        step,
                        secs: cfg.step_timeout.as_secs(),
                        tail: tail(&recent),
                    }
                } else {
                    QemuError::BootTimeout {
                        secs: cfg.boot_timeout.as_secs(),
                        tail: tail(&recent),
                    }
                });
            }
            Err(RecvTimeoutError::Disconnected) => {
                if let Err(i) = interrupt::check() {
                    break Err(i.into());
                }
                let status = guard
                    .wait()
                    .map(|s| s.to_string())
                    .unwrap_or_else(|e| e.to_string());
                let mut err = String::new();
                let _ = stderr.read_to_string(&mut err);
                let mut t = tail(&recent);
                if !err.trim().is_empty() {
                    t.push_str(&format!("\nQEMU: {}", err.trim()));
                }
                break Err(QemuError::Exited { status, tail: t });
            }
        }
    };
    result.map(|()| RunOutput {
        steps: parser.steps,
        setup: parser.setup,
        console,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_console_becomes_step_observations() {
        let mut p = ConsoleParser::default();
        for line in [
            "[    1.0] Run /init as init process",
            "SWITCHYARD READY",
            "SWITCHYARD STEP 5 raise",
            "SWITCHYARD RAISE 5 0000:00:02.0",
            "[   40.1] arm-smmu-v3 9050000.smmuv3: event 0x10 received:",
            "[   40.1] arm-smmu-v3 9050000.smmuv3: \t0x0000001000000010",
            "[   40.1] arm-smmu-v3 9050000.smmuv3: \t0x0000020a00000000",
            "[   40.1] arm-smmu-v3 9050000.smmuv3: \t0x00000000fffff040",
            "[   40.1] arm-smmu-v3 9050000.smmuv3: \t0x0000000000000000",
            "SWITCHYARD RESULT 5 irq=none count=1->1",
            "SWITCHYARD DOMAIN 5 0 DMA",
            "SWITCHYARD STEP 6 vfio_open",
            "SWITCHYARD RESULT 6 errno=16 EBUSY at=VFIO_GROUP_SET_CONTAINER",
            "SWITCHYARD DONE",
        ] {
            p.feed(line);
        }
        assert!(p.ready && p.done && !p.panicked);
        assert_eq!(p.raise, Some((5, "0000:00:02.0".into())));
        let s = &p.steps[0];
        assert_eq!(
            s.faults,
            [IommuFault::Smmu {
                id: 0x10,
                stream_id: 0x10,
                addr: 0xfffff040
            }]
        );
        assert_eq!(
            s.faults[0].to_string(),
            "event 0x10 sid 0x10 addr 0xfffff040"
        );
        assert_eq!(
            s.result,
            Some(GuestResult::Irq {
                delivered: false,
                before: 1,
                after: 1
            })
        );
        assert_eq!(s.domain, Some(("0".into(), "DMA".into())));
        assert_eq!(
            p.steps[1].result,
            Some(GuestResult::Errno {
                errno: 16,
                name: "EBUSY".into(),
                at: "VFIO_GROUP_SET_CONTAINER".into()
            })
        );
    }

    #[test]
    fn dmar_fault_records_are_observed_like_smmu_events() {
        let mut p = ConsoleParser::default();
        for line in [
            "SWITCHYARD READY",
            "SWITCHYARD STEP 4 raise",
            "[   30.2] DMAR: DRHD: handling fault status reg 2",
            "[   30.2] DMAR: [DMA Write NO_PASID] Request device [00:02.0] fault addr 0xfee00000 \
             [fault reason 0x05] PTE Write access is not set",
            "[   30.3] DMAR: [INTR-REMAP] Request device [00:02.0] fault index 0x3 \
             [fault reason 0x25] Present field in the IRTE entry is clear",
            "[   30.4] DMAR: [DMA Read PASID 0x1] Request device [01:00.0] fault addr 0x1000 \
             [fault reason 0x59] SM: Present bit in PASID table entry is clear",
            "SWITCHYARD RESULT 4 irq=none count=1->1",
        ] {
            p.feed(line);
        }
        let f: Vec<String> = p.steps[0].faults.iter().map(ToString::to_string).collect();
        assert_eq!(
            f,
            [
                "DMA Write device 00:02.0 addr 0xfee00000 reason 0x05",
                "INTR-REMAP device 00:02.0 index 0x3 reason 0x25",
                "DMA Read device 01:00.0 addr 0x1000 reason 0x59",
            ]
        );
    }

    fn parse(lines: &[&str]) -> ConsoleParser {
        let mut p = ConsoleParser::default();
        for l in lines {
            p.feed(l);
        }
        p
    }

    #[test]
    fn a_result_belongs_to_the_step_it_names_not_the_last_one_seen() {
        // Agent lines as printk records (/dev/kmsg), with their timestamps.
        let p = parse(&[
            "[    2.0] SWITCHYARD READY",
            "[    2.1] SWITCHYARD STEP 1 unbind",
            "[    2.2] SWITCHYARD STEP 2 bind",
            "[    2.3] SWITCHYARD RESULT 1 ok",
            "[    2.4] pcieport 0000:00:02.0: AER: enabled with IRQ 25SWITCHYARD RESULT 2 \
             errno=16 EBUSY at=bind",
            "[    2.5] SWITCHYARD DOMAIN 1 0 DMA",
            "[    2.6] SWITCHYARD DONE",
        ]);
        assert_eq!(p.steps[0].result, Some(GuestResult::Ok));
        assert_eq!(p.steps[0].domain, Some(("0".into(), "DMA".into())));
        assert!(matches!(
            p.steps[1].result,
            Some(GuestResult::Errno { errno: 16, .. })
        ));
        assert_eq!(p.incomplete(), None);
    }

    #[test]
    fn a_kernel_message_inside_an_agent_line_is_reported_not_guessed() {
        let p = parse(&[
            "SWITCHYARD READY",
            "SWITCHYARD STEP 1 raise",
            "SWITCHYARD RAISE 1 0000:00:02.0",
            "SWITCHYARD RESULT 1 irq=deli[    3.3] pcieport 0000:00:02.0: PME: Signaling with IRQ 25",
            "vered count=0->1",
            "SWITCHYARD DONE",
        ]);
        assert_eq!(p.steps[0].result, None);
        let (step, what) = p.incomplete().expect("the cut line is noticed");
        assert_eq!(step, Some(1));
        assert!(
            what.contains("garbled line `SWITCHYARD RESULT 1 irq=deli["),
            "{what}"
        );
    }

    #[test]
    fn a_missing_step_line_shifts_nothing() {
        let p = parse(&[
            "SWITCHYARD READY",
            "SWITCHYARD STEP 1 unbind",
            "SWITCHYARD RESULT 1 ok",
            "SWITCHYARD STEP 2 b[    4.0] pcieport 0000:00:02.0: AER: enabled with IRQ 25",
            "ind",
            "SWITCHYARD RESULT 2 ok",
            "SWITCHYARD STEP 3 raise",
            "SWITCHYARD RESULT 3 irq=delivered count=0->1",
            "SWITCHYARD DONE",
        ]);
        // Step 2's RESULT went to no other step: step 1 keeps its own.
        assert_eq!(p.steps.iter().map(|s| s.n).collect::<Vec<_>>(), [1, 3]);
        assert_eq!(p.steps[0].result, Some(GuestResult::Ok));
        assert!(matches!(
            p.steps[1].result,
            Some(GuestResult::Irq {
                delivered: true,
                ..
            })
        ));
        let (_, what) = p.incomplete().expect("the lost STEP line is noticed");
        assert!(what.contains("STEP 2 b["), "{what}");
    }

    #[test]
    fn a_step_whose_lines_vanished_whole_is_noticed() {
        let mut p = parse(&[
            "SWITCHYARD READY",
            "SWITCHYARD STEP 1 unbind",
            "SWITCHYARD RESULT 1 ok",
            "SWITCHYARD STEP 3 raise",
            "SWITCHYARD RESULT 3 irq=none count=0->0",
            "SWITCHYARD DONE",
        ]);
        let (step, what) = p.incomplete().expect("the gap is noticed");
        assert_eq!(step, Some(2), "{what}");
        // A step announced without a result.
        p = parse(&["SWITCHYARD STEP 1 unbind", "SWITCHYARD DONE"]);
        assert_eq!(
            p.incomplete(),
            Some((Some(1), "step 1 has no RESULT line".into()))
        );
    }
}
