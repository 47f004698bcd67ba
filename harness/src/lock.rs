//! Locks that let several switchyard processes share one cache or one kernel tree.
//!
//! A lock is `flock(2)` on a lock file of its own, never on the thing it protects, and a
//! lock file is never removed: the kernel drops the lock when its holder exits however it
//! exits, so a killed run leaves no stale lock, and two processes always lock the same
//! inode. A process that finds a lock taken says whom it waits for
//! ([`Waiting`], from the holder's pid in `/proc/locks`) and polls, so that a signal
//! ([`crate::interrupt`]) ends the wait.
//!
//! An exclusive holder writes its pid into the lock file and, while it changes what the
//! lock protects, the stage it is in ([`Lock::stage`]). A stage is cleared when it ends,
//! normally or with an error; it stays only when the holder was interrupted or killed, so
//! the next holder learns from [`Lock::previous`] that the work was cut short, and where.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rustix::fs::FlockOperation;

use crate::interrupt::{self, Interrupted};

/// How often a waiting process tries the lock again.
const POLL: Duration = Duration::from_millis(100);

/// Shared (readers) or exclusive (a writer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Any number of shared holders together, no exclusive one.
    Shared,
    /// One holder alone.
    Exclusive,
}

/// Why a lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// The lock file could not be created or locked.
    #[error("cannot lock `{}` (lock file `{}`): {source}", what.display(), file.display())]
    Io {
        /// What the lock protects.
        what: PathBuf,
        /// The lock file.
        file: PathBuf,
        /// The error.
        #[source]
        source: io::Error,
    },
    /// A signal came while waiting.
    #[error(transparent)]
    Interrupted(#[from] Interrupted),
}

/// Someone else holds a lock this process waits for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    /// What the lock protects.
    pub what: PathBuf,
    /// The holder's pid, when it can be told.
    pub holder: Option<u32>,
}

impl std::fmt::Display for Waiting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.holder {
            Some(pid) => write!(
                f,
                "waiting for another switchyard (pid {pid}) holding the lock on {}",
                self.what.display()
            ),
            None => write!(
                f,
                "waiting for another switchyard holding the lock on {}",
                self.what.display()
            ),
        }
    }
}

/// What the previous exclusive holder of a lock left in it: it stopped during `stage`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Previous {
    /// Its pid.
    pub pid: Option<u32>,
    /// The stage it was in.
    pub stage: String,
    /// The signal that stopped it, when it was one it received.
    pub signal: Option<String>,
}

/// A held lock, released when dropped.
#[derive(Debug)]
pub struct Lock {
    file: File,
    path: PathBuf,
    what: PathBuf,
    mode: Mode,
    previous: Option<Previous>,
    stage: Option<String>,
}

/// Takes the lock in `file` on `what`, in `mode`, creating the file (and its directory)
/// if needed. If another process holds it, `waiting` is called once and the lock is
/// tried again every 100 ms until it is free or a signal comes.
pub fn acquire(
    file: &Path,
    what: &Path,
    mode: Mode,
    waiting: &mut dyn FnMut(&Waiting),
) -> Result<Lock, LockError> {
    let err = |source| LockError::Io {
        what: what.to_path_buf(),
        file: file.to_path_buf(),
        source,
    };
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir).map_err(err)?;
    }
    let op = match mode {
        Mode::Shared => FlockOperation::NonBlockingLockShared,
        Mode::Exclusive => FlockOperation::NonBlockingLockExclusive,
    };
    let mut told = false;
    loop {
        let f = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(file)
            .map_err(err)?;
        loop {
            match rustix::fs::flock(&f, op) {
                Ok(()) => break,
                Err(rustix::io::Errno::WOULDBLOCK) => {
                    interrupt::check()?;
                    if !told {
                        told = true;
                        waiting(&Waiting {
                            what: what.to_path_buf(),
                            holder: holder(&f, file),
                        });
                    }
                    std::thread::sleep(POLL);
                }
                Err(rustix::io::Errno::INTR) => interrupt::check()?,
                Err(e) => return Err(err(e.into())),
            }
        }
        // The file locked must still be the one at the path (a lock file is never
        // removed by switchyard, but a person may remove a cache).
        let same = match (f.metadata(), std::fs::metadata(file)) {
            (Ok(a), Ok(b)) => a.ino() == b.ino() && a.dev() == b.dev(),
            _ => false,
        };
        if !same {
            continue;
        }
        let mut lock = Lock {
            file: f,
            path: file.to_path_buf(),
            what: what.to_path_buf(),
            mode,
            previous: None,
            stage: None,
        };
        if mode == Mode::Exclusive {
            lock.previous = parse_previous(&lock.read());
            lock.write(&format!("pid {}\n", std::process::id()))
                .map_err(err)?;
        }
        return Ok(lock);
    }
}

/// The pid of a process holding a lock on `f`: from `/proc/locks`, else the pid an
/// exclusive holder wrote into the file, if that process is alive.
fn holder(f: &File, path: &Path) -> Option<u32> {
    let meta = f.metadata().ok()?;
    let (major, minor) = (rustix::fs::major(meta.dev()), rustix::fs::minor(meta.dev()));
    let key = format!("{major:02x}:{minor:02x}:{}", meta.ino());
    let me = std::process::id();
    let from_proc = std::fs::read_to_string("/proc/locks")
        .ok()
        .and_then(|locks| {
            locks.lines().find_map(|l| {
                let w: Vec<&str> = l.split_whitespace().collect();
                // "1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF"; a blocked waiter's
                // line has "->" before FLOCK.
                if w.get(1) == Some(&"->") {
                    return None;
                }
                let at = w.iter().position(|x| *x == "FLOCK")?;
                let pid: u32 = w.get(at + 3)?.parse().ok()?;
                (w.get(at + 4) == Some(&key.as_str()) && pid != me).then_some(pid)
            })
        });
    from_proc.or_else(|| {
        let text = std::fs::read_to_string(path).ok()?;
        let pid: u32 = text.lines().next()?.strip_prefix("pid ")?.parse().ok()?;
        Path::new(&format!("/proc/{pid}")).exists().then_some(pid)
    })
}

fn parse_previous(text: &str) -> Option<Previous> {
    let mut pid = None;
    let mut stage = None;
    let mut signal = None;
    for line in text.lines() {
        if let Some(p) = line.strip_prefix("pid ") {
            pid = p.parse().ok();
        } else if let Some(s) = line.strip_prefix("stage ") {
            stage = Some(s.to_string());
        } else if let Some(s) = line.strip_prefix("interrupted by ") {
            signal = Some(s.to_string());
        }
    }
    Some(Previous {
        pid,
        stage: stage?,
        signal,
    })
}

impl Lock {
    /// What the lock protects.
    pub fn what(&self) -> &Path {
        &self.what
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The mode it is held in.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The stage the previous exclusive holder was in when it stopped without finishing
    /// it (interrupted or killed); `None` when it finished or there was none.
    pub fn previous(&self) -> Option<&Previous> {
        self.previous.as_ref()
    }

    fn read(&mut self) -> String {
        let mut s = String::new();
        let _ = self.file.rewind();
        let _ = self.file.read_to_string(&mut s);
        s
    }

    fn write(&mut self, text: &str) -> io::Result<()> {
        self.file.set_len(0)?;
        self.file.rewind()?;
        self.file.write_all(text.as_bytes())?;
        self.file.flush()
    }

    /// Records that the holder is now in `stage` (an exclusive holder only; a shared
    /// lock records nothing), until [`Lock::end`] or the lock is released. If the process
    /// is interrupted before then, the record stays, with the signal, for the next holder
    /// ([`Lock::previous`]); a process killed outright leaves it without one.
    pub fn begin(&mut self, stage: &str) {
        if self.mode == Mode::Exclusive {
            self.stage = Some(stage.to_string());
            let _ = self.write(&format!("pid {}\nstage {stage}\n", std::process::id()));
        }
    }

    /// Ends the stage [`Lock::begin`] started.
    pub fn end(&mut self) {
        if self.mode == Mode::Exclusive && self.stage.take().is_some() {
            let _ = self.write(&format!("pid {}\n", std::process::id()));
        }
    }

    /// Turns an exclusive lock into a shared one (others may then share it, and an
    /// exclusive waiter may take it in between: flock's conversion is not atomic). Waits
    /// as [`acquire`] does.
    pub fn share(&mut self, waiting: &mut dyn FnMut(&Waiting)) -> Result<(), LockError> {
        if self.mode == Mode::Shared {
            return Ok(());
        }
        self.stage = None;
        let _ = self.write("");
        let mut told = false;
        loop {
            match rustix::fs::flock(&self.file, FlockOperation::NonBlockingLockShared) {
                Ok(()) => {
                    self.mode = Mode::Shared;
                    return Ok(());
                }
                Err(rustix::io::Errno::WOULDBLOCK) | Err(rustix::io::Errno::INTR) => {
                    interrupt::check()?;
                    if !told {
                        told = true;
                        waiting(&Waiting {
                            what: self.what.clone(),
                            holder: holder(&self.file, &self.path),
                        });
                    }
                    std::thread::sleep(POLL);
                }
                Err(e) => {
                    return Err(LockError::Io {
                        what: self.what.clone(),
                        file: self.path.clone(),
                        source: e.into(),
                    })
                }
            }
        }
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        if self.mode != Mode::Exclusive {
            return;
        }
        let text = match (&self.stage, interrupt::requested()) {
            (Some(stage), Some(sig)) => format!(
                "pid {}\nstage {stage}\ninterrupted by {}\n",
                std::process::id(),
                sig.name()
            ),
            _ => String::new(),
        };
        let _ = self.write(&text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::{Command, Stdio};

    fn never(_: &Waiting) {
        panic!("nobody holds this lock")
    }

    #[test]
    fn shared_holders_share_and_an_exclusive_one_waits_for_them() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("x.lock");
        let a = acquire(&file, dir.path(), Mode::Shared, &mut never).unwrap();
        let b = acquire(&file, dir.path(), Mode::Shared, &mut never).unwrap();
        let waited = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let w = waited.clone();
        let (f, d) = (file.clone(), dir.path().to_path_buf());
        let t = std::thread::spawn(move || {
            acquire(&f, &d, Mode::Exclusive, &mut |x| {
                w.lock().unwrap().push(x.clone())
            })
            .unwrap()
        });
        std::thread::sleep(Duration::from_millis(300));
        assert!(!t.is_finished(), "took the lock beside two shared holders");
        drop(a);
        std::thread::sleep(Duration::from_millis(300));
        assert!(!t.is_finished(), "took the lock beside a shared holder");
        drop(b);
        let held = t.join().unwrap();
        assert_eq!(held.mode(), Mode::Exclusive);
        let waited = waited.lock().unwrap();
        assert_eq!(waited.len(), 1, "told once: {waited:?}");
        assert_eq!(waited[0].what, dir.path());
        // Threads of one process: /proc/locks names this process, which is not "another
        // switchyard"; the file holds no exclusive holder's pid yet.
        assert_eq!(waited[0].holder, None);
    }

    /// A holder in another process is named by its pid; killed, it leaves no lock.
    #[test]
    fn a_killed_holder_is_named_and_leaves_no_lock() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("y.lock");
        let mut holder = Command::new("flock")
            .args(["-F", "-x"])
            .arg(&file)
            .args(["sh", "-c", "echo locked; exec sleep 60"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("flock(1) from util-linux");
        let mut line = String::new();
        io::BufRead::read_line(
            &mut io::BufReader::new(holder.stdout.take().unwrap()),
            &mut line,
        )
        .unwrap();
        assert_eq!(line, "locked\n");
        let pid = holder.id();
        let killer = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            holder.kill().unwrap();
            holder.wait().unwrap();
        });
        let mut seen = Vec::new();
        let lock = acquire(&file, Path::new("/the/thing"), Mode::Exclusive, &mut |w| {
            seen.push(w.to_string())
        })
        .unwrap();
        killer.join().unwrap();
        assert_eq!(
            seen,
            [format!(
                "waiting for another switchyard (pid {pid}) holding the lock on /the/thing"
            )]
        );
        assert_eq!(lock.previous(), None);
        let text = std::fs::read_to_string(&file).unwrap();
        assert_eq!(text, format!("pid {}\n", std::process::id()));
    }

    #[test]
    fn a_stage_cut_short_is_what_the_next_holder_finds() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("z.lock");
        let mut l = acquire(&file, dir.path(), Mode::Exclusive, &mut never).unwrap();
        l.begin("configure");
        l.end();
        drop(l);
        let mut l = acquire(&file, dir.path(), Mode::Exclusive, &mut never).unwrap();
        assert_eq!(l.previous(), None, "an ended stage is no leftover");
        // A stage that ends with an ordinary error: the lock is released in it.
        l.begin("build");
        drop(l);
        let l = acquire(&file, dir.path(), Mode::Exclusive, &mut never).unwrap();
        assert_eq!(l.previous(), None, "a finished stage is no leftover");
        drop(l);
        // A holder that died during its stage: what its record looks like.
        std::fs::write(&file, "pid 4242\nstage build\ninterrupted by SIGTERM\n").unwrap();
        let l = acquire(&file, dir.path(), Mode::Exclusive, &mut never).unwrap();
        assert_eq!(
            l.previous(),
            Some(&Previous {
                pid: Some(4242),
                stage: "build".into(),
                signal: Some("SIGTERM".into()),
            })
        );
        drop(l);
        let l = acquire(&file, dir.path(), Mode::Exclusive, &mut never).unwrap();
        assert_eq!(l.previous(), None, "reported once, then cleared");
    }

    #[test]
    fn an_exclusive_lock_becomes_shared() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("s.lock");
        let mut l = acquire(&file, dir.path(), Mode::Exclusive, &mut never).unwrap();
        l.share(&mut never).unwrap();
        let other = acquire(&file, dir.path(), Mode::Shared, &mut never).unwrap();
        assert_eq!((l.mode(), other.mode()), (Mode::Shared, Mode::Shared));
    }
}
