//! The kernel tree's own scripts on a series, run from the tree's work tree as a
//! maintainer runs them: `scripts/get_maintainer.pl` for whom each mail goes to, and
//! `scripts/checkpatch.pl --strict` for what it finds in each patch. This is the one
//! place either runs; `gen series` and the series test both call it.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use switchyard_harness::interrupt::{self, Interrupted};
use switchyard_series::{Recipients, Series};

pub const GET_MAINTAINER: &str = "scripts/get_maintainer.pl";
pub const CHECKPATCH: &str = "scripts/checkpatch.pl";

/// Stable output without the network or the tree's history: no git statistics, no
/// fallback to commit signers, no role annotations.
const GET_MAINTAINER_ARGS: &[&str] = &["--no-rolestats", "--no-git", "--no-git-fallback"];
/// The maintainers are the mail's `To:`; reviewers and lists its `Cc:`.
const TO_ARGS: &[&str] = &["--no-r", "--no-l"];
const CC_ARGS: &[&str] = &["--no-m"];

/// Why a script of the kernel tree could not be run on the series.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ScriptError {
    #[error("the kernel tree at {} has no {file}", tree.display())]
    #[diagnostic(code(switchyard::series::script_missing), help("{help}"))]
    Missing {
        tree: PathBuf,
        file: String,
        help: &'static str,
    },
    #[error("cannot run perl for {script}: {source}")]
    #[diagnostic(code(switchyard::series::perl), help("{help}"))]
    Perl {
        script: &'static str,
        #[source]
        source: std::io::Error,
        help: &'static str,
    },
    #[error(transparent)]
    #[diagnostic(code(switchyard::interrupted))]
    Interrupted(#[from] Interrupted),
    #[error("{script} failed on {what} ({status}): {output}")]
    #[diagnostic(code(switchyard::series::script_failed))]
    Failed {
        script: &'static str,
        what: String,
        status: String,
        output: String,
    },
}

const ADDRESS_HELP: &str = "the mails are addressed with the tree's scripts/get_maintainer.pl \
     and MAINTAINERS (a checked-out kernel tree, and perl); or give the addressees with \
     --to and --cc";
const CHECK_HELP: &str = "--check runs the tree's scripts/checkpatch.pl with perl: it needs a \
     checked-out kernel tree";

/// What a script printed: whether it exited 0, its stdout and its stderr.
struct Ran {
    ok: bool,
    stdout: String,
    stderr: String,
}

/// `perl SCRIPT ARGS` in `tree`, with `stdin` as its input.
fn perl(
    tree: &Path,
    script: &'static str,
    args: &[&str],
    stdin: Option<&str>,
    what: &str,
    help: &'static str,
) -> Result<Ran, ScriptError> {
    let io = |source| ScriptError::Perl {
        script,
        source,
        help,
    };
    // In a process group of its own that a SIGINT or SIGTERM of switchyard stops too.
    let mut group = interrupt::spawn(
        Command::new("perl")
            .current_dir(tree)
            .arg(script)
            .args(args)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    )
    .map_err(io)?;
    let child = group.child();
    let (input, output, errors) = (child.stdin.take(), child.stdout.take(), child.stderr.take());
    let (stdout, stderr) = std::thread::scope(|s| {
        if let (Some(text), Some(mut pipe)) = (stdin, input) {
            // A script that stops reading early closes the pipe: its exit status says why.
            s.spawn(move || {
                let _ = pipe.write_all(text.as_bytes());
            });
        }
        let errors = s.spawn(move || read_all(errors));
        let stdout = read_all(output);
        (stdout, errors.join().unwrap_or_default())
    });
    let status = group.wait().map_err(io)?;
    interrupt::check()?;
    if status.code().is_none() {
        return Err(ScriptError::Failed {
            script,
            what: what.to_string(),
            status: status.to_string(),
            output: stderr,
        });
    }
    Ok(Ran {
        ok: status.success(),
        stdout,
        stderr,
    })
}

/// All a pipe of a child gives, as text.
fn read_all(pipe: Option<impl std::io::Read>) -> String {
    let mut text = Vec::new();
    if let Some(mut p) = pipe {
        let _ = p.read_to_end(&mut text);
    }
    String::from_utf8_lossy(&text).into_owned()
}

/// The tree's files a script needs, or which one is missing.
fn require(tree: &Path, files: &[&str], help: &'static str) -> Result<(), ScriptError> {
    match files.iter().find(|f| !tree.join(f).is_file()) {
        Some(f) => Err(ScriptError::Missing {
            tree: tree.to_path_buf(),
            file: f.to_string(),
            help,
        }),
        None => Ok(()),
    }
}

/// Whom `get_maintainer.pl` of the tree at `tree` sends one patch to: the maintainers of
/// what it touches as `To:`, their reviewers and lists as `Cc:`.
pub fn get_maintainer(tree: &Path, name: &str, patch: &str) -> Result<Recipients, ScriptError> {
    require(tree, &[GET_MAINTAINER, "MAINTAINERS"], ADDRESS_HELP)?;
    let run = |roles: &[&str]| -> Result<Vec<String>, ScriptError> {
        let args: Vec<&str> = GET_MAINTAINER_ARGS.iter().chain(roles).copied().collect();
        let ran = perl(tree, GET_MAINTAINER, &args, Some(patch), name, ADDRESS_HELP)?;
        if !ran.ok {
            return Err(ScriptError::Failed {
                script: GET_MAINTAINER,
                what: name.to_string(),
                status: "exit status not 0".into(),
                output: ran.stderr,
            });
        }
        Ok(ran
            .stdout
            .lines()
            .map(str::trim)
            .filter(|l| l.contains('@'))
            .map(str::to_string)
            .collect())
    };
    Ok(Recipients {
        to: run(TO_ARGS)?,
        cc: run(CC_ARGS)?,
    }
    .normalised())
}

/// The people a patch's commit log credits in a `*-by:` trailer (Suggested-by,
/// Reported-by, Reviewed-by, ...), but for its author: they are copied on the patch, as
/// `git send-email` and b4 copy them.
pub fn credited(patch: &str) -> Vec<String> {
    let (head, body) = patch.split_once("\n\n").unwrap_or((patch, ""));
    let author = head
        .lines()
        .find_map(|l| l.strip_prefix("From: "))
        .and_then(address_of);
    let log = body.split("\n---\n").next().unwrap_or(body);
    log.lines()
        .filter_map(|l| {
            let (tag, who) = l.split_once(": ")?;
            let named = tag.ends_with("-by")
                && tag.len() > 3
                && tag.chars().all(|c| c.is_ascii_alphabetic() || c == '-');
            let who = who.trim();
            (named && address_of(who).is_some() && address_of(who) != author)
                .then(|| who.to_string())
        })
        .collect()
}

/// The address in `Name <address>`.
fn address_of(who: &str) -> Option<&str> {
    let (_, rest) = who.split_once('<')?;
    rest.strip_suffix('>').filter(|a| a.contains('@'))
}

/// Addresses `series`: every mail to `given` when it names anyone, else each patch to
/// whom the tree's `get_maintainer.pl` names for it (the patches are looked up in
/// parallel) and the people its log credits, and the cover letter to all of them.
pub fn address(series: &mut Series, tree: &Path, given: &Recipients) -> Result<(), ScriptError> {
    if !given.is_empty() {
        series.address(|_, _| given.clone());
        return Ok(());
    }
    require(tree, &[GET_MAINTAINER, "MAINTAINERS"], ADDRESS_HELP)?;
    let found: Vec<Result<Recipients, ScriptError>> = std::thread::scope(|s| {
        let handles: Vec<_> = series
            .patches
            .iter()
            .map(|p| s.spawn(|| get_maintainer(tree, &p.file_name, &p.text)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a get_maintainer.pl thread panicked"))
            .collect()
    });
    let found = found.into_iter().collect::<Result<Vec<_>, _>>()?;
    series.address(|k, p| {
        let mut r = found[k].clone();
        r.cc.extend(credited(&p.text));
        r
    });
    Ok(())
}

/// What `checkpatch.pl --strict` reports on one patch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpatch {
    pub errors: u32,
    pub warnings: u32,
    pub checks: u32,
    /// Each finding as checkpatch prints it: `ERROR:`, `WARNING:` or `CHECK:` and its
    /// message, then where (`#12: FILE: ...`) and the lines concerned.
    pub findings: Vec<String>,
    /// The whole output.
    pub output: String,
}

impl Checkpatch {
    /// No error and no warning (checks may remain).
    pub fn passes(&self) -> bool {
        self.errors == 0 && self.warnings == 0
    }

    /// Nothing at all, checks included.
    pub fn is_clean(&self) -> bool {
        self.passes() && self.checks == 0
    }

    /// `total: E errors, W warnings, C checks, N lines checked` and the findings of
    /// checkpatch's output; `None` when it has no totals line.
    pub fn parse(output: &str) -> Option<Checkpatch> {
        let line = output.lines().find(|l| l.starts_with("total: "))?;
        let n: Vec<u32> = line
            .split(|c: char| !c.is_ascii_digit())
            .filter_map(|w| w.parse().ok())
            .collect();
        let [errors, warnings, checks, ..] = n[..] else {
            return None;
        };
        let mut findings: Vec<String> = Vec::new();
        let mut open = false;
        for l in output.lines() {
            if l.starts_with("total: ") {
                break;
            }
            if ["ERROR:", "WARNING:", "CHECK:"]
                .iter()
                .any(|p| l.starts_with(p))
            {
                findings.push(l.to_string());
                open = true;
            } else if l.trim().is_empty() {
                open = false;
            } else if open {
                let f = findings.last_mut().expect("an open finding");
                f.push('\n');
                f.push_str(l);
            }
        }
        Some(Checkpatch {
            errors,
            warnings,
            checks,
            findings,
            output: output.to_string(),
        })
    }
}

/// `scripts/checkpatch.pl --strict` of the tree at `tree` on the patch file `patch`.
pub fn checkpatch(tree: &Path, patch: &Path) -> Result<Checkpatch, ScriptError> {
    require(tree, &[CHECKPATCH], CHECK_HELP)?;
    let patch = std::path::absolute(patch).unwrap_or_else(|_| patch.to_path_buf());
    let what = patch.display().to_string();
    let ran = perl(
        tree,
        CHECKPATCH,
        &["--strict", "--no-color", &what],
        None,
        &what,
        CHECK_HELP,
    )?;
    Checkpatch::parse(&ran.stdout).ok_or_else(|| ScriptError::Failed {
        script: CHECKPATCH,
        what,
        status: "no totals line".into(),
        output: ran.stdout + &ran.stderr,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn credited_people_are_the_trailers_but_the_author() {
        let patch = "From 0123 Mon Sep 17 00:00:00 2001\n\
                     From: Ada Lovelace <ada@example.org>\n\
                     Subject: [PATCH] iommu: Do it\n\n\
                     Why: because.\n\n\
                     Link: https://lore.kernel.org/r/1@example.org\n\
                     Suggested-by: Jason Gunthorpe <jgg@nvidia.com>\n\
                     Reported-by: Some One <one@example.com>\n\
                     Signed-off-by: Ada Lovelace <ada@example.org>\n\
                     ---\n\
                     Acked-by: Not A Trailer <below@example.org>\n";
        assert_eq!(
            super::credited(patch),
            [
                "Jason Gunthorpe <jgg@nvidia.com>",
                "Some One <one@example.com>"
            ]
        );
    }

    use super::*;

    #[test]
    fn checkpatch_output_is_read() {
        let out = "WARNING: 'recieve' may be misspelled - perhaps 'receive'?\n\
                   #10: \nThe device may recieve.\n                 ^^^^^^^\n\n\
                   CHECK: Alignment should match open parenthesis\n\
                   #40: FILE: drivers/iommu/iommu.c:3210:\n+\tfoo(a,\n+\t\tb);\n\n\
                   total: 0 errors, 1 warnings, 1 checks, 76 lines checked\n\n\
                   NOTE: For some of the reported defects, checkpatch may be able to\n";
        let c = Checkpatch::parse(out).expect("the totals");
        assert_eq!((c.errors, c.warnings, c.checks), (0, 1, 1));
        assert!(!c.passes() && !c.is_clean());
        assert_eq!(c.findings.len(), 2);
        assert!(c.findings[0].starts_with("WARNING: 'recieve'"));
        assert!(c.findings[0].ends_with("^^^^^^^"));
        assert_eq!(
            c.findings[1],
            "CHECK: Alignment should match open parenthesis\n\
             #40: FILE: drivers/iommu/iommu.c:3210:\n+\tfoo(a,\n+\t\tb);"
        );
        let clean = Checkpatch::parse(
            "total: 0 errors, 0 warnings, 0 checks, 76 lines checked\n\n\
             x.patch has no obvious style problems and is ready for submission.\n",
        )
        .unwrap();
        assert!(clean.is_clean() && clean.findings.is_empty());
        assert_eq!(Checkpatch::parse("no summary"), None);
    }
}
