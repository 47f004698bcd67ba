//! Builds the harness kernel of a machine ([`Target`]) out of tree: `allnoconfig`, then
//! the machine's fragment (`kernel/arm64.config`, `kernel/x86_64.config`) merged with the
//! tree's own `scripts/kconfig/merge_config.sh`, then `make Image` (arm64, cross-compiled)
//! or `make bzImage` (x86-64, the host compiler). The configuration is redone only when
//! the fragment changes, so a rebuild after a patch recompiles only what the patch
//! touched.

use crate::interrupt::{self, Interrupted};
use crate::target::Target;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The file in a build directory that holds the fragment it was configured from.
pub const STAMP: &str = ".switchyard-fragment";

/// Why the kernel could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The source directory is not a kernel tree.
    #[error("`{0}` is not a kernel source tree (no Makefile and scripts/kconfig/merge_config.sh)")]
    NotATree(PathBuf),
    /// A build tool could not be started.
    #[error("cannot run {what}: {source} (install make, {compilers}, flex, bison, bc, libssl-dev, libelf-dev)")]
    Spawn {
        /// The tool.
        what: String,
        /// The packages of the machine's compilers.
        compilers: &'static str,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// A configuration step or the link failed; the last lines of its output.
    #[error("{what} failed:\n{}", tail.join("\n"))]
    Step {
        /// The step.
        what: String,
        /// Its output's last lines.
        tail: Vec<String>,
    },
    /// The compiler reported errors, as `file:line:col: error: ...`.
    #[error("the kernel does not compile:\n{}", errors.iter().map(|e| format!("  {e}")).collect::<Vec<_>>().join("\n"))]
    Compile {
        /// The compiler's error lines.
        errors: Vec<String>,
    },
    /// The configuration lacks options the harness needs: the tree's Kconfig renamed or
    /// dropped one the fragment sets, or no longer selects one the reproduction relies on.
    #[error("the kernel's configuration lacks what harness/kernel/{fragment} needs: {}", missing.join(", "))]
    Config {
        /// The fragment.
        fragment: &'static str,
        /// The options, as `CONFIG_X=y`, that `.config` does not have.
        missing: Vec<String>,
    },
    /// A signal stopped the build; make and its compilers were stopped with it.
    #[error(transparent)]
    Interrupted(#[from] Interrupted),
    /// A file in the build directory could not be written.
    #[error("cannot write `{path}`: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
}

/// Progress of a build: the configuration step, the start of `make Image` (`bzImage`), or one more
/// object compiled.
#[derive(Clone, Debug)]
pub enum BuildEvent {
    /// `allnoconfig` and the fragment are being merged.
    Configuring,
    /// `make Image` (`bzImage`) starts.
    Building,
    /// One more object compiled, assembled or linked.
    Compiled {
        /// Objects so far.
        objects: usize,
        /// make's line for the last one.
        last: String,
    },
}

/// `make -C SRC O=OUT ARCH=... [CROSS_COMPILE=...] ARGS...`: the harness kernel's make
/// for the machine, out of tree.
pub fn make(target: &Target, src: &Path, out: &Path, args: &[&str]) -> Command {
    let mut c = Command::new("make");
    c.arg("-C")
        .arg(src)
        .arg(format!("O={}", out.display()))
        .arg(format!("ARCH={}", target.arch));
    if let Some(cross) = target.cross_compile {
        c.arg(format!("CROSS_COMPILE={cross}"));
    }
    c.args(args);
    c
}

/// Runs `cmd` in a process group of its own ([`interrupt::spawn`]), its output
/// collected; a failure is its output's last 20 lines.
fn run_quiet(target: &Target, mut cmd: Command, what: &str) -> Result<(), BuildError> {
    let spawn_err = |source| BuildError::Spawn {
        what: what.into(),
        compilers: target.compiler_packages,
        source,
    };
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut group = interrupt::spawn(&mut cmd).map_err(spawn_err)?;
    let stderr = collect(group.child().stderr.take());
    let stdout = collect(group.child().stdout.take());
    let status = group.wait().map_err(spawn_err)?;
    let (stderr, stdout) = (
        stderr.join().unwrap_or_default(),
        stdout.join().unwrap_or_default(),
    );
    interrupt::check()?;
    if status.success() {
        return Ok(());
    }
    let text = stderr + &stdout;
    let lines: Vec<String> = text.lines().map(str::to_string).collect();
    let tail = lines[lines.len().saturating_sub(20)..].to_vec();
    Err(BuildError::Step {
        what: what.into(),
        tail,
    })
}

/// Reads a pipe to its end on a thread of its own.
fn collect(pipe: Option<impl Read + Send + 'static>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(p) = pipe {
            let _ = BufReader::new(p).read_to_string(&mut s);
        }
        s
    })
}

/// `file:line:col: error: message` lines of a compiler's output.
pub fn compile_errors(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| {
            let mut parts = l.splitn(4, ':');
            let (file, line, col, rest) = (parts.next(), parts.next(), parts.next(), parts.next());
            file.is_some_and(|f| !f.is_empty())
                && line.is_some_and(|n| n.parse::<u32>().is_ok())
                && col.is_some_and(|n| n.parse::<u32>().is_ok())
                && rest.is_some_and(|r| {
                    r.trim_start().starts_with("error") || r.trim_start().starts_with("fatal error")
                })
        })
        .map(str::to_string)
        .collect()
}

/// Configures the build directory `out` for the source tree `src`: `allnoconfig`, then
/// the machine's fragment merged with the tree's `scripts/kconfig/merge_config.sh`, then
/// `olddefconfig`. Done only when `out` has no configuration from this fragment yet;
/// returns whether it configured.
///
/// The stamp that says "configured from this fragment" ([`STAMP`]) is removed first and
/// written last, so a configuration cut short is never taken for a finished one.
pub fn configure(
    target: &Target,
    src: &Path,
    out: &Path,
    progress: &mut dyn FnMut(BuildEvent),
) -> Result<bool, BuildError> {
    if !src.join("Makefile").is_file() || !src.join("scripts/kconfig/merge_config.sh").is_file() {
        return Err(BuildError::NotATree(src.to_path_buf()));
    }
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| BuildError::Io { path, source }
    };
    std::fs::create_dir_all(out).map_err(io(out))?;
    let stamp = out.join(STAMP);
    let configured = std::fs::read_to_string(&stamp).is_ok_and(|s| s == target.fragment)
        && out.join(".config").is_file();
    if configured {
        return Ok(false);
    }
    progress(BuildEvent::Configuring);
    match std::fs::remove_file(&stamp) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io(&stamp)(e)),
        _ => {}
    }
    run_quiet(
        target,
        make(target, src, out, &["allnoconfig"]),
        "make allnoconfig",
    )?;
    let frag = out.join("switchyard.config");
    std::fs::write(&frag, target.fragment).map_err(io(&frag))?;
    let mut merge = Command::new(src.join("scripts/kconfig/merge_config.sh"));
    merge.current_dir(out).env("ARCH", target.arch);
    if let Some(cross) = target.cross_compile {
        merge.env("CROSS_COMPILE", cross);
    }
    merge
        .arg("-m")
        .arg("-O")
        .arg(out)
        .arg(out.join(".config"))
        .arg(&frag);
    run_quiet(target, merge, "merge_config.sh")?;
    run_quiet(
        target,
        make(target, src, out, &["olddefconfig"]),
        "make olddefconfig",
    )?;
    let config = out.join(".config");
    let text = std::fs::read_to_string(&config).map_err(io(&config))?;
    let missing = missing_options(target, &text);
    if !missing.is_empty() {
        return Err(BuildError::Config {
            fragment: target.fragment_name,
            missing,
        });
    }
    std::fs::write(&stamp, target.fragment).map_err(io(&stamp))?;
    Ok(true)
}

/// The options of the fragment and of [`Target::selected`] that a `.config` lacks: every
/// base's Kconfig must give the harness all of them (merge_config.sh only warns when one
/// does not stick).
pub fn missing_options(target: &Target, config: &str) -> Vec<String> {
    let lines: std::collections::HashSet<&str> = config.lines().collect();
    target
        .fragment
        .lines()
        .filter(|l| l.starts_with("CONFIG_"))
        .chain(target.selected.iter().copied())
        .filter(|o| !lines.contains(o))
        .map(str::to_string)
        .collect()
}

/// Builds the machine's boot image (`Image`, `bzImage`) from the source tree `src` into
/// `out` (configured first by [`configure`]); returns the image's path.
pub fn build(
    target: &Target,
    src: &Path,
    out: &Path,
    jobs: usize,
    progress: &mut dyn FnMut(BuildEvent),
) -> Result<PathBuf, BuildError> {
    configure(target, src, out, progress)?;
    interrupt::check()?;
    progress(BuildEvent::Building);
    let what = format!("make {}", target.image_target);
    let spawn_err = |source| BuildError::Spawn {
        what: what.clone(),
        compilers: target.compiler_packages,
        source,
    };
    let mut cmd = make(
        target,
        src,
        out,
        &[&format!("-j{jobs}"), target.image_target],
    );
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut group = interrupt::spawn(&mut cmd).map_err(spawn_err)?;
    let err_thread = collect(group.child().stderr.take());
    let stdout = group.child().stdout.take();
    let mut objects = 0;
    for line in stdout
        .into_iter()
        .flat_map(|o| BufReader::new(o).lines())
        .map_while(Result::ok)
    {
        let t = line.trim_start();
        if t.starts_with("CC ") || t.starts_with("AS ") || t.starts_with("LD ") {
            objects += 1;
            progress(BuildEvent::Compiled {
                objects,
                last: t.to_string(),
            });
        }
    }
    let status = group.wait().map_err(spawn_err)?;
    let errtext = err_thread.join().unwrap_or_default();
    // make was stopped with its group: what it printed is not the build's failure.
    interrupt::check()?;
    if !status.success() {
        let errors = compile_errors(&errtext);
        if errors.is_empty() {
            let lines: Vec<String> = errtext.lines().map(str::to_string).collect();
            let tail = lines[lines.len().saturating_sub(20)..].to_vec();
            return Err(BuildError::Step {
                what: what.clone(),
                tail,
            });
        }
        return Err(BuildError::Compile { errors });
    }
    Ok(out.join(target.image))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_configuration_without_a_needed_option_is_found_out() {
        let full: String = crate::target::ARM64
            .fragment
            .lines()
            .filter(|l| l.starts_with("CONFIG_"))
            .chain(crate::target::ARM64.selected.iter().copied())
            .map(|l| format!("{l}\n"))
            .collect();
        assert!(missing_options(&crate::target::ARM64, &full).is_empty());
        let without = full.replace(
            "CONFIG_IRQ_MSI_IOMMU=y\n",
            "# CONFIG_IRQ_MSI_IOMMU is not set\n",
        );
        assert_eq!(
            missing_options(&crate::target::ARM64, &without),
            ["CONFIG_IRQ_MSI_IOMMU=y"]
        );
        let renamed = full.replace("CONFIG_VFIO_PCI=y", "CONFIG_VFIO_PCI_NEW=y");
        assert_eq!(
            missing_options(&crate::target::ARM64, &renamed),
            ["CONFIG_VFIO_PCI=y"]
        );
    }

    #[test]
    fn compiler_errors_are_found_with_file_and_line() {
        let text = "  CC      drivers/iommu/iommu.o\n\
                    ../drivers/iommu/iommu.c:3200:9: error: 'x' undeclared (first use in this function)\n\
                    ../drivers/iommu/iommu.c:3200:9: note: each undeclared identifier is reported only once\n\
                    make[4]: *** [scripts/Makefile.build:229: drivers/iommu/iommu.o] Error 1\n";
        assert_eq!(
            compile_errors(text),
            ["../drivers/iommu/iommu.c:3200:9: error: 'x' undeclared (first use in this function)"]
        );
    }
}
