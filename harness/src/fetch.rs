//! A base's kernel tarball, from its Debian package: the tarball the package installs
//! when it is installed, else the package fetched once into a directory of switchyard's
//! own and extracted there.
//!
//! The fetch never touches the machine's package configuration: `apt-get` reads a source
//! list written here (one line, the base's suite) and keeps its package lists and its
//! download cache here too (`-o Dir::Etc::sourcelist=... -o Dir::Etc::sourceparts=-
//! -o Dir::State::Lists=... -o Dir::Cache=...`), so the suite is known to this one
//! `apt-get update` and `apt-get download` and to nothing else on the machine. The
//! signatures are checked with the machine's keyring, as for any suite.
//!
//! Layout of the directory (`~/.cache/switchyard/debs/` by default):
//!
//! ```text
//! apt/                  the private source list, package lists and cache
//! PACKAGE/              the package's files (dpkg-deb -x), written to PACKAGE.partial
//!                       first; the downloaded .deb is removed once they are there
//! debs.lock             held while fetching: a second process waits, then finds it
//! ```

use crate::lock::{self, LockError, Mode};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use switchyard_dsl::Base;

/// The Debian mirror the private source list names, unless `SWITCHYARD_DEBIAN_MIRROR`
/// gives another.
pub const DEFAULT_MIRROR: &str = "http://deb.debian.org/debian";

/// Why a base's tarball is not there.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The base's package comes from the machine's own sources and is not installed.
    #[error("{tarball} is missing: install the Debian package {package}")]
    NotInstalled {
        /// The tarball the package installs.
        tarball: &'static str,
        /// The package.
        package: &'static str,
    },
    /// A tool the fetch needs is not there.
    #[error("cannot run {tool}: {source} (the fetch of {package} needs apt-get and dpkg-deb, Debian's apt and dpkg)")]
    Tool {
        /// The tool.
        tool: &'static str,
        /// The package being fetched.
        package: &'static str,
        /// Why it did not start.
        #[source]
        source: std::io::Error,
    },
    /// A step of the fetch failed: its command and its output's last lines.
    #[error("{step} failed (offline, or the mirror {mirror} unreachable?):\n{}", tail.join("\n"))]
    Step {
        /// The command.
        step: String,
        /// The mirror.
        mirror: String,
        /// The last lines of its output.
        tail: Vec<String>,
    },
    /// The package held no tarball where the base says it is.
    #[error("{deb} holds no {tarball}")]
    NoTarball {
        /// The package file.
        deb: PathBuf,
        /// The tarball looked for.
        tarball: &'static str,
    },
    /// A file of the fetch's directory could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// The fetch's directory could not be locked.
    #[error(transparent)]
    Lock(#[from] LockError),
    /// A signal stopped the fetch; what it wrote is removed or left to be redone.
    #[error(transparent)]
    Interrupted(#[from] crate::interrupt::Interrupted),
}

/// Where a base's tarball is: installed, or already fetched into `debs`; `None` when it
/// must be fetched.
pub fn found(base: Base, debs: &Path) -> Option<PathBuf> {
    found_in(Path::new(base.source().tarball), &extracted(base, debs))
}

/// The first of the installed and the fetched tarball that is there.
fn found_in(installed: &Path, fetched: &Path) -> Option<PathBuf> {
    [installed, fetched]
        .into_iter()
        .find(|t| t.is_file())
        .map(Path::to_path_buf)
}

/// Where a fetched package's tarball is in `debs`.
fn extracted(base: Base, debs: &Path) -> PathBuf {
    let src = base.source();
    debs.join(src.package)
        .join(src.tarball.trim_start_matches('/'))
}

/// The base's tarball: the installed one, else the one fetched into `debs` earlier, else
/// its package fetched now (with `say` told what is being done). A base whose package
/// comes from the machine's own sources (6.12) is never fetched: it is installed with
/// the machine's package manager, like every other build dependency.
pub fn tarball(base: Base, debs: &Path, say: &mut dyn FnMut(&str)) -> Result<PathBuf, FetchError> {
    if let Some(t) = found(base, debs) {
        return Ok(t);
    }
    let src = base.source();
    let Some(suite) = src.suite else {
        return Err(FetchError::NotInstalled {
            tarball: src.tarball,
            package: src.package,
        });
    };
    let _lock = lock::acquire(&debs.join("debs.lock"), debs, Mode::Exclusive, &mut |w| {
        say(&w.to_string())
    })?;
    if let Some(t) = found(base, debs) {
        // Another switchyard fetched it while this one waited.
        return Ok(t);
    }
    let mirror =
        std::env::var("SWITCHYARD_DEBIAN_MIRROR").unwrap_or_else(|_| DEFAULT_MIRROR.to_string());
    let deb = download(src.package, suite, &mirror, debs, say)?;
    say(&format!("extracting {}", deb.display()));
    let into = debs.join(src.package);
    let partial = debs.join(format!("{}.partial", src.package));
    for d in [&partial, &into] {
        if d.exists() {
            std::fs::remove_dir_all(d).map_err(io(d))?;
        }
    }
    let mut x = Command::new("dpkg-deb");
    x.arg("-x").arg(&deb).arg(&partial);
    let step = format!("dpkg-deb -x {}", deb.display());
    run(x, &step, src.package, &mirror, &debs.join("dpkg-deb.log"))?;
    if !partial.join(src.tarball.trim_start_matches('/')).is_file() {
        return Err(FetchError::NoTarball {
            deb,
            tarball: src.tarball,
        });
    }
    std::fs::rename(&partial, &into).map_err(io(&into))?;
    // The tarball is what is kept; the package would only double the space it takes.
    std::fs::remove_file(&deb).map_err(io(&deb))?;
    Ok(extracted(base, debs))
}

/// `apt-get update` and `apt-get download PACKAGE` against a source list of the suite
/// alone, everything apt keeps under `debs/apt`; returns the downloaded package file.
fn download(
    package: &'static str,
    suite: &str,
    mirror: &str,
    debs: &Path,
    say: &mut dyn FnMut(&str),
) -> Result<PathBuf, FetchError> {
    let apt = debs.join("apt");
    let (lists, cache) = (apt.join("lists"), apt.join("cache"));
    for d in [lists.join("partial"), cache.join("archives/partial")] {
        std::fs::create_dir_all(&d).map_err(io(&d))?;
    }
    let list = apt.join("sources.list");
    let line = format!("deb {mirror} {suite} main\n");
    std::fs::write(&list, &line).map_err(io(&list))?;
    let apt_get = |args: &[&str]| {
        let mut c = Command::new("apt-get");
        c.current_dir(debs)
            .arg("-q")
            .arg("-o")
            .arg(format!("Dir::Etc::sourcelist={}", list.display()))
            .args(["-o", "Dir::Etc::sourceparts=-"])
            .arg("-o")
            .arg(format!("Dir::State::Lists={}", lists.display()))
            .arg("-o")
            .arg(format!("Dir::Cache={}", cache.display()))
            // Root hands downloads to the _apt user, which cannot write here.
            .args(["-o", "APT::Sandbox::User=root"])
            .args(args);
        c
    };
    say(&format!(
        "fetching {package} from {mirror} {suite} (apt-get download, a source list of its own)"
    ));
    let log = apt.join("apt-get.log");
    // An unreachable mirror is a warning to a plain update, and the download would then
    // say only that the package is unknown.
    run(
        apt_get(&["update", "--error-on=any"]),
        &format!("apt-get update of {suite}"),
        package,
        mirror,
        &log,
    )?;
    // Packages of earlier fetches (another version) are not this one.
    let before = debs_of(debs, package);
    run(
        apt_get(&["download", package]),
        &format!("apt-get download {package}"),
        package,
        mirror,
        &log,
    )?;
    let after = debs_of(debs, package);
    after
        .iter()
        .find(|d| !before.contains(d))
        .or_else(|| after.last())
        .cloned()
        .ok_or_else(|| FetchError::Step {
            step: format!("apt-get download {package}"),
            mirror: mirror.to_string(),
            tail: vec![format!("no {package}_*.deb in {}", debs.display())],
        })
}

/// The `PACKAGE_*.deb` files in `dir`, sorted.
fn debs_of(dir: &Path, package: &str) -> Vec<PathBuf> {
    let prefix = format!("{package}_");
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&prefix) && n.ends_with(".deb"))
        })
        .collect();
    v.sort();
    v
}

/// Runs a step of the fetch in a process group of its own, its output in `log`; the
/// output's last lines on failure.
fn run(
    mut cmd: Command,
    step: &str,
    package: &'static str,
    mirror: &str,
    log: &Path,
) -> Result<(), FetchError> {
    let tool = if step.starts_with("apt-get") {
        "apt-get"
    } else {
        "dpkg-deb"
    };
    let file = std::fs::File::create(log).map_err(io(log))?;
    let file2 = file.try_clone().map_err(io(log))?;
    cmd.stdin(Stdio::null()).stdout(file).stderr(file2);
    let spawn = |source| FetchError::Tool {
        tool,
        package,
        source,
    };
    let status = crate::interrupt::spawn(&mut cmd)
        .and_then(|mut group| group.wait())
        .map_err(spawn)?;
    crate::interrupt::check()?;
    if status.success() {
        return Ok(());
    }
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<String> = text.lines().map(str::to_string).collect();
    Err(FetchError::Step {
        step: step.to_string(),
        mirror: mirror.to_string(),
        tail: lines[lines.len().saturating_sub(12)..].to_vec(),
    })
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> FetchError {
    let path = path.to_path_buf();
    move |source| FetchError::Io { path, source }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_installed_tarball_comes_first_then_the_fetched_one() {
        let debs = tempfile::tempdir().unwrap();
        let fetched = extracted(Base::Linux73, debs.path());
        assert_eq!(
            fetched,
            debs.path()
                .join("linux-source-7.3/usr/src/linux-source-7.3.tar.xz")
        );
        let installed = debs.path().join("installed.tar.xz");
        assert_eq!(found_in(&installed, &fetched), None);
        std::fs::create_dir_all(fetched.parent().unwrap()).unwrap();
        std::fs::write(&fetched, b"").unwrap();
        assert_eq!(found_in(&installed, &fetched), Some(fetched.clone()));
        std::fs::write(&installed, b"").unwrap();
        assert_eq!(found_in(&installed, &fetched), Some(installed));
    }

    #[test]
    fn the_machines_own_base_is_never_fetched() {
        let debs = tempfile::tempdir().unwrap();
        match tarball(Base::Linux612, debs.path(), &mut |_| {}) {
            // Installed: that is the tarball, and nothing was fetched.
            Ok(t) => assert_eq!(t, Path::new(Base::Linux612.source().tarball)),
            Err(e) => assert!(matches!(e, FetchError::NotInstalled { .. }), "{e}"),
        }
        assert!(std::fs::read_dir(debs.path()).unwrap().next().is_none());
    }
}
