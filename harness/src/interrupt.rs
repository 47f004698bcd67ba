//! SIGINT and SIGTERM: noticed by the main thread, which unwinds through its ordinary
//! error paths, and passed on to every child process the harness started.
//!
//! # How a signal travels
//!
//! [`install`] starts a thread that receives SIGINT and SIGTERM (through signal-hook, so
//! no code of ours runs in a signal handler). On the first signal it records it, for
//! [`requested`] and [`check`], and sends SIGTERM to the process group of every child
//! started through [`spawn`]: each child runs in a process group of its own, so `make`
//! and every compiler it started, or QEMU, get the signal together, and a terminal's
//! Ctrl-C (which goes to switchyard's own process group) reaches them only this way.
//! `make` removes the target it was writing when it is terminated, which is what keeps a
//! build directory usable.
//!
//! The main thread notices the signal where it waits for a child (the child's output
//! ends, its wait returns) and at the checks in the harness's long loops, returns
//! [`Interrupted`] inside its stage's error, and the command exits with 128 + the
//! signal's number (130 for SIGINT, 143 for SIGTERM). Every write to the cache is made
//! so that stopping at any instant leaves something the next run uses or repairs, so
//! the thread also ends the process itself if the main thread has not finished within
//! [`GRACE`] (it may be in the middle of copying a build directory), and at once on a
//! second signal, killing every child group first.
//!
//! # Why a zombie is reaped last
//!
//! A child's process group is named by the child's pid, which the kernel may give to a
//! new process once the child is reaped. [`Group::wait`] therefore waits for the child
//! without reaping it (`waitid` with `WNOWAIT`), removes the group from the set the
//! signal thread kills, kills what is left of the group, and only then reaps: the
//! signal thread never signals a group id that could belong to someone else.

use std::io;
use std::process::{Child, Command, ExitStatus};
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use rustix::process::{Pid, Signal, WaitId, WaitIdOptions};

/// How long the main thread has to unwind after the first signal before the signal
/// thread kills every child group and ends the process itself.
pub const GRACE: Duration = Duration::from_secs(10);

/// The first signal received, 0 before any.
static SIGNAL: AtomicI32 = AtomicI32::new(0);

/// The process groups of the children started through [`spawn`] and not yet reaped.
static GROUPS: Mutex<Vec<i32>> = Mutex::new(Vec::new());

/// The command was stopped by a signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("interrupted by {}", self.name())]
pub struct Interrupted {
    /// The signal's number.
    pub signal: i32,
}

impl Interrupted {
    /// `SIGINT`, `SIGTERM`, or the number.
    pub fn name(&self) -> String {
        signal_name(self.signal)
    }

    /// The conventional exit code of a process stopped by the signal: 128 + its number.
    pub fn exit_code(&self) -> u8 {
        u8::try_from(128 + self.signal).unwrap_or(u8::MAX)
    }
}

fn signal_name(signal: i32) -> String {
    match signal {
        signal_hook::consts::SIGINT => "SIGINT".into(),
        signal_hook::consts::SIGTERM => "SIGTERM".into(),
        n => format!("signal {n}"),
    }
}

/// Starts passing SIGINT and SIGTERM on as the module says. Idempotent.
pub fn install() -> io::Result<()> {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    if INSTALLED.get().is_some() {
        return Ok(());
    }
    let mut signals = signal_hook::iterator::Signals::new([
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGTERM,
    ])?;
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            let Some(first) = signals.forever().next() else {
                return;
            };
            SIGNAL.store(first, Ordering::SeqCst);
            kill_groups(Signal::TERM);
            let deadline = Instant::now() + GRACE;
            loop {
                std::thread::sleep(Duration::from_millis(100));
                let again = signals.pending().next().is_some();
                if again || Instant::now() >= deadline {
                    kill_groups(Signal::KILL);
                    eprintln!(
                        "switchyard: {}; stopping now (the next run repairs or continues what this one left)",
                        if again {
                            format!("{} again", signal_name(first))
                        } else {
                            format!("still busy {} s after {}", GRACE.as_secs(), signal_name(first))
                        }
                    );
                    std::process::exit(128 + first);
                }
            }
        })?;
    let _ = INSTALLED.set(());
    Ok(())
}

fn groups() -> std::sync::MutexGuard<'static, Vec<i32>> {
    GROUPS.lock().unwrap_or_else(|e| e.into_inner())
}

fn kill_groups(signal: Signal) {
    for &pgid in groups().iter() {
        if let Some(pid) = Pid::from_raw(pgid) {
            let _ = rustix::process::kill_process_group(pid, signal);
        }
    }
}

/// The signal received, if one was.
pub fn requested() -> Option<Interrupted> {
    match SIGNAL.load(Ordering::SeqCst) {
        0 => None,
        signal => Some(Interrupted { signal }),
    }
}

/// `Err` once a signal was received.
pub fn check() -> Result<(), Interrupted> {
    requested().map_or(Ok(()), Err)
}

/// A child process in a process group of its own, started by [`spawn`]: killed with
/// its whole group on a signal and when dropped unreaped.
#[derive(Debug)]
pub struct Group {
    child: Child,
    reaped: Option<ExitStatus>,
}

/// Starts `cmd` as the leader of a new process group that the signal thread kills on
/// SIGINT or SIGTERM. A signal that came before the start kills it at once.
pub fn spawn(cmd: &mut Command) -> io::Result<Group> {
    use std::os::unix::process::CommandExt;
    cmd.process_group(0);
    // Held across the start, so that the signal thread either sees the new group or has
    // already recorded its signal, which is checked below.
    let mut set = groups();
    let child = cmd.spawn()?;
    let pgid = child.id() as i32;
    set.push(pgid);
    drop(set);
    let group = Group {
        child,
        reaped: None,
    };
    if requested().is_some() {
        group.signal(Signal::TERM);
    }
    Ok(group)
}

impl Group {
    /// The child, for its pipes.
    pub fn child(&mut self) -> &mut Child {
        &mut self.child
    }

    /// The child's pid, which is also its group's id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    fn signal(&self, signal: Signal) {
        if self.reaped.is_none() {
            if let Some(pid) = Pid::from_raw(self.child.id() as i32) {
                let _ = rustix::process::kill_process_group(pid, signal);
            }
        }
    }

    /// Waits for the child to exit, then kills what is left of its group and reaps it.
    pub fn wait(&mut self) -> io::Result<ExitStatus> {
        if let Some(status) = self.reaped {
            return Ok(status);
        }
        if let Some(pid) = Pid::from_raw(self.child.id() as i32) {
            loop {
                match rustix::process::waitid(
                    WaitId::Pid(pid),
                    WaitIdOptions::EXITED | WaitIdOptions::NOWAIT,
                ) {
                    Err(rustix::io::Errno::INTR) => continue,
                    Err(e) => return Err(e.into()),
                    Ok(_) => break,
                }
            }
        }
        self.finish()
    }

    /// Whether the child has exited; reaps it (as [`Group::wait`]) if it has.
    pub fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        if let Some(status) = self.reaped {
            return Ok(Some(status));
        }
        let Some(pid) = Pid::from_raw(self.child.id() as i32) else {
            return self.finish().map(Some);
        };
        match rustix::process::waitid(
            WaitId::Pid(pid),
            WaitIdOptions::EXITED | WaitIdOptions::NOWAIT | WaitIdOptions::NOHANG,
        ) {
            Ok(Some(_)) => self.finish().map(Some),
            Ok(None) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// The child has exited and is not reaped yet: forgets the group, kills its other
    /// members, reaps the child.
    fn finish(&mut self) -> io::Result<ExitStatus> {
        let pgid = self.child.id() as i32;
        groups().retain(|&g| g != pgid);
        self.signal(Signal::KILL);
        let status = self.child.wait()?;
        self.reaped = Some(status);
        Ok(status)
    }

    /// Kills the whole group and reaps the child.
    pub fn kill(&mut self) -> io::Result<ExitStatus> {
        self.signal(Signal::KILL);
        self.wait()
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        if self.reaped.is_none() {
            let _ = self.kill();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A child's whole group is killed with it: the shell's own child (a `sleep` it
    /// started in the background) does not outlive the group's kill.
    #[test]
    fn a_group_is_killed_whole() {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "sleep 30 & echo $!; wait"])
            .stdout(std::process::Stdio::piped());
        let mut g = spawn(&mut cmd).unwrap();
        let mut line = String::new();
        io::BufRead::read_line(
            &mut io::BufReader::new(g.child().stdout.take().unwrap()),
            &mut line,
        )
        .unwrap();
        let sleeper: i32 = line.trim().parse().unwrap();
        assert!(std::path::Path::new(&format!("/proc/{sleeper}")).exists());
        let status = g.kill().unwrap();
        assert!(!status.success());
        // The sleeper was reparented and is reaped by whoever adopts it; it is gone or
        // a zombie, never running.
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let state = std::fs::read_to_string(format!("/proc/{sleeper}/stat"))
                .ok()
                .and_then(|s| s.rsplit(')').next().map(|r| r.trim().to_string()));
            match state {
                None => break,
                Some(s) if s.starts_with('Z') => break,
                Some(_) if Instant::now() > deadline => panic!("sleep {sleeper} still runs"),
                Some(_) => std::thread::sleep(Duration::from_millis(20)),
            }
        }
        assert!(!groups().contains(&(g.id() as i32)));
    }

    #[test]
    fn a_finished_child_leaves_the_set() {
        let mut g = spawn(&mut Command::new("true")).unwrap();
        let pgid = g.id() as i32;
        assert!(groups().contains(&pgid));
        assert!(g.wait().unwrap().success());
        assert!(!groups().contains(&pgid));
        // Waiting again gives the same status and signals nobody.
        assert!(g.wait().unwrap().success());
    }

    #[test]
    fn exit_codes_are_128_plus_the_signal() {
        let int = Interrupted {
            signal: signal_hook::consts::SIGINT,
        };
        let term = Interrupted {
            signal: signal_hook::consts::SIGTERM,
        };
        assert_eq!((int.exit_code(), term.exit_code()), (130, 143));
        assert_eq!(int.to_string(), "interrupted by SIGINT");
        assert_eq!(term.name(), "SIGTERM");
    }
}
