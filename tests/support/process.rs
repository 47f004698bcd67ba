//! `switchyard` as a test drives it from outside: started in a process group of its own,
//! its stderr read line by line as it comes, signalled, and its descendants looked up in
//! `/proc`, so that a test can say that none outlived it.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// A process of the machine, as `/proc/PID/stat` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proc {
    pub pid: u32,
    pub ppid: u32,
    pub pgid: u32,
    pub comm: String,
    /// Start time in clock ticks since boot: with the pid, names one process for good.
    pub start: u64,
}

/// Every process of the machine.
pub fn processes() -> Vec<Proc> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            let open = stat.find('(')?;
            let close = stat.rfind(')')?;
            let comm = stat[open + 1..close].to_string();
            let rest: Vec<&str> = stat[close + 1..].split_whitespace().collect();
            // After the name: state, ppid, pgrp, session, tty, tpgid, flags, minflt,
            // cminflt, majflt, cmajflt, utime, stime, cutime, cstime, priority, nice,
            // num_threads, itrealvalue, starttime.
            if rest.first() == Some(&"Z") {
                return None;
            }
            Some(Proc {
                pid,
                ppid: rest.get(1)?.parse().ok()?,
                pgid: rest.get(2)?.parse().ok()?,
                comm,
                start: rest.get(19)?.parse().ok()?,
            })
        })
        .collect()
}

/// The processes descending from `root` (not `root` itself).
pub fn descendants(root: u32) -> Vec<Proc> {
    let all = processes();
    let parent: BTreeMap<u32, u32> = all.iter().map(|p| (p.pid, p.ppid)).collect();
    all.into_iter()
        .filter(|p| {
            let mut at = p.ppid;
            for _ in 0..64 {
                if at == root {
                    return true;
                }
                match parent.get(&at) {
                    Some(&up) if up != at => at = up,
                    _ => return false,
                }
            }
            false
        })
        .collect()
}

/// A running `switchyard`.
pub struct Running {
    pub child: Child,
    lines: Receiver<String>,
    /// Every stderr line read so far.
    pub stderr: Vec<String>,
    stdout: Option<std::thread::JoinHandle<String>>,
    /// Every descendant seen by [`Running::watch`], by pid.
    pub seen: BTreeMap<u32, Proc>,
}

/// Starts the switchyard binary with `args` in a process group of its own.
pub fn start(args: &[&str]) -> Running {
    let mut child = Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .expect("the binary runs");
    let (tx, lines) = mpsc::channel();
    let err = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(err).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let out = child.stdout.take().unwrap();
    let stdout = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = BufReader::new(out).read_to_string(&mut s);
        s
    });
    Running {
        child,
        lines,
        stderr: Vec::new(),
        stdout: Some(stdout),
        seen: BTreeMap::new(),
    }
}

impl Running {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Records the descendants alive now.
    pub fn watch(&mut self) -> Vec<Proc> {
        let now = descendants(self.pid());
        for p in &now {
            self.seen.insert(p.pid, p.clone());
        }
        now
    }

    /// Reads stderr until a line contains `needle`, watching descendants meanwhile;
    /// panics with what it read if the process ends or `within` passes first.
    pub fn wait_for_line(&mut self, needle: &str, within: Duration) -> String {
        let deadline = Instant::now() + within;
        loop {
            self.watch();
            match self.lines.recv_timeout(Duration::from_millis(500)) {
                Ok(line) => {
                    eprintln!("  | {line}");
                    self.stderr.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(RecvTimeoutError::Timeout) if Instant::now() < deadline => {}
                Err(e) => panic!(
                    "no line with {needle:?} ({e:?}); stderr so far:\n{}",
                    self.stderr.join("\n")
                ),
            }
        }
    }

    /// Waits until a descendant named `comm` runs; returns it.
    pub fn wait_for_process(&mut self, comm: &str, within: Duration) -> Proc {
        let deadline = Instant::now() + within;
        loop {
            if let Some(p) = self.watch().into_iter().find(|p| p.comm == comm) {
                return p;
            }
            assert!(
                Instant::now() < deadline,
                "no {comm} under {} within {within:?}; stderr:\n{}",
                self.pid(),
                self.stderr.join("\n")
            );
            // Drain stderr meanwhile, so the process never blocks on it.
            while let Ok(line) = self.lines.try_recv() {
                eprintln!("  | {line}");
                self.stderr.push(line);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Sends `signal` (`TERM`, `INT`) to the process, or to its whole process group, as
    /// a terminal's Ctrl-C does.
    pub fn signal(&self, signal: &str, group: bool) {
        let target = if group {
            format!("-{}", self.pid())
        } else {
            self.pid().to_string()
        };
        let status = Command::new("kill")
            .args([&format!("-{signal}"), "--", &target])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -{signal} {target}");
    }

    /// Waits for the process to exit (within `within`); its status, stderr and stdout.
    /// Descendants are not watched meanwhile: [`Running::watch`] first to record them.
    pub fn finish(mut self, within: Duration) -> (ExitStatus, Vec<String>, String) {
        let deadline = Instant::now() + within;
        let status = loop {
            while let Ok(line) = self.lines.try_recv() {
                eprintln!("  | {line}");
                self.stderr.push(line);
            }
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!(
                    "{} did not exit within {within:?}; stderr:\n{}",
                    self.pid(),
                    self.stderr.join("\n")
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(2)) {
            eprintln!("  | {line}");
            self.stderr.push(line);
        }
        let stdout = self.stdout.take().unwrap().join().unwrap_or_default();
        (status, std::mem::take(&mut self.stderr), stdout)
    }
}

/// Processes still alive among `seen` (the same pid and start time), or in the process
/// group of one of them or of `root`: what a stopped run left behind.
pub fn survivors(root: u32, seen: &BTreeMap<u32, Proc>) -> Vec<Proc> {
    let mut groups: Vec<u32> = seen.values().map(|p| p.pgid).collect();
    groups.push(root);
    let me = std::process::id();
    let own_group = processes()
        .into_iter()
        .find(|p| p.pid == me)
        .map(|p| p.pgid);
    processes()
        .into_iter()
        .filter(|p| {
            let same = seen.get(&p.pid).is_some_and(|s| s.start == p.start);
            let grouped = groups.contains(&p.pgid) && Some(p.pgid) != own_group;
            same || grouped
        })
        .collect()
}

/// Waits (a little) for a signalled run's processes to be gone, as the kernel reaps
/// orphans; returns what is still there.
pub fn settle(root: u32, seen: &BTreeMap<u32, Proc>) -> Vec<Proc> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let left = survivors(root, seen);
        if left.is_empty() || Instant::now() > deadline {
            return left;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `true` if `path` exists.
pub fn exists(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}
