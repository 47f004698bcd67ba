//! A policy's RFC series on a kernel git tree: the series back-end (which reads files
//! through [`BaseTree`] and knows no git) joined to the harness's tree (which owns every
//! git operation), the model's verdicts that the cover letter carries, and the tree's
//! own scripts run on the series (`scripts`: get_maintainer.pl, checkpatch.pl).

mod scripts;

pub use scripts::{address, checkpatch, get_maintainer, Checkpatch, ScriptError};

use std::path::{Path, PathBuf};
use switchyard_dsl::ir::Policy;
use switchyard_dsl::SourceKind;
use switchyard_harness::lock::{self, LockError, Mode, Waiting};
use switchyard_harness::tree::{self, KernelTree, MemoryCommit};
use switchyard_model::{self as model, Interpreter, Status};
use switchyard_series::{self as series, Base, BaseTree, Identity, Series, SeriesError};

/// Which version of a policy's series to write, and how; the author is given apart.
#[derive(Debug, Clone, Default)]
pub struct Revision {
    /// `-v N`: the series' version (none: `[PATCH RFC k/n]`).
    pub version: Option<u32>,
    /// Add `Signed-off-by:` with the author's identity.
    pub signoff: bool,
    /// The author date, seconds since the epoch; now when `None`.
    pub date: Option<i64>,
    /// The previous version's directory, for the cover letter's changes and change-id.
    pub range_diff: Option<PathBuf>,
}

/// `policy`'s RFC series against the base of `tree`, by `author`, with the model's
/// verdicts in the cover letter: what `gen series`, `apply POLICY` and `run` write. The
/// series is written for the release the tree's Makefile states at its base revision
/// ([`tree_base`]).
pub fn policy_series(
    policy: &Policy,
    tree: &KernelTree,
    author: Identity,
    how: Revision,
) -> Result<Series, SeriesError> {
    let opts = series::Options {
        version: how.version,
        signoff: how.signoff,
        from: author,
        date: how.date,
        range_diff: how.range_diff,
        verdicts: None,
    };
    let git = GitBase(tree);
    let base = tree_base(&git)?;
    let opts = series::Options {
        verdicts: Some(verdicts(policy, base)?),
        ..opts
    };
    series::generate(policy, base, &git, &tree.base().to_string(), &opts)
}

/// The kernel base of a tree: the release its top-level Makefile states
/// (`VERSION`, `PATCHLEVEL`), which must be one switchyard writes series for.
pub fn tree_base(tree: &dyn BaseTree) -> Result<Base, SeriesError> {
    let makefile = tree.read("Makefile")?;
    Base::from_makefile(&makefile).ok_or_else(|| {
        let field = |key: &str| {
            makefile.lines().find_map(|l| {
                let (k, v) = l.split_once('=')?;
                (k.trim() == key).then(|| v.trim().to_string())
            })
        };
        let version = match (field("VERSION"), field("PATCHLEVEL")) {
            (Some(v), Some(p)) => format!("{v}.{p}"),
            _ => "(no VERSION and PATCHLEVEL)".to_string(),
        };
        let known: Vec<&str> = Base::ALL.iter().map(|b| b.name()).collect();
        SeriesError::UnknownBase {
            version,
            known: known.join(", "),
        }
    })
}

/// The lock file of the series output directory `dir`: `.NAME.lock` beside it, not in
/// it, because `git send-email DIR` sends every file a directory holds, dot files too.
pub fn series_lock(dir: &Path) -> PathBuf {
    let name = dir.file_name().map_or_else(
        || "series".to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    dir.with_file_name(format!(".{name}.lock"))
}

/// Why a series could not be written.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum WriteError {
    /// The output directory's lock.
    #[error(transparent)]
    #[diagnostic(
        code(switchyard::series::lock),
        help("another switchyard may be writing a series there")
    )]
    Lock(#[from] LockError),
    /// Writing the files.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Series(#[from] SeriesError),
}

/// Writes `series` to `dir` (see [`Series::write`]) holding the directory's lock
/// ([`series_lock`]), so that two writers to one directory write one after the other and
/// leave one whole series; `waiting` is told whom it waits for. The directory is created
/// only now, once the series exists in memory.
pub fn write_series(
    series: &Series,
    dir: &Path,
    waiting: &mut dyn FnMut(&Waiting),
) -> Result<Vec<PathBuf>, WriteError> {
    let _lock = lock::acquire(&series_lock(dir), dir, Mode::Exclusive, waiting)?;
    Ok(series.write(dir)?)
}

/// A kernel tree at its base revision, as the series generator reads it.
pub struct GitBase<'t>(pub &'t KernelTree);

impl BaseTree for GitBase<'_> {
    fn read(&self, path: &str) -> Result<String, SeriesError> {
        let tree = self.0;
        let bytes =
            tree.read_at(&tree.base().to_string(), path)
                .map_err(|e| SeriesError::Tree {
                    path: path.to_string(),
                    message: e.to_string(),
                })?;
        String::from_utf8(bytes).map_err(|_| SeriesError::Tree {
            path: path.to_string(),
            message: "not UTF-8".into(),
        })
    }

    fn commit_chain(
        &self,
        base: &str,
        files: &[Vec<(String, String)>],
        messages: &[String],
        who: &Identity,
        time: i64,
    ) -> Result<Vec<String>, SeriesError> {
        let commits: Vec<MemoryCommit> = files
            .iter()
            .zip(messages)
            .map(|(files, message)| MemoryCommit { files, message })
            .collect();
        self.0
            .commit_in_memory(base, &commits, &who.name, &who.email, time)
            .map_err(|e| SeriesError::Git {
                action: "committing the series in memory".into(),
                message: e.to_string(),
            })
    }
}

/// Opens the kernel tree at `dir` with `base` as the base revision.
pub fn open_tree(dir: &Path, base: &str) -> Result<KernelTree, SeriesError> {
    tree::open_at(dir, base).map_err(|e| SeriesError::Tree {
        path: dir.display().to_string(),
        message: e.to_string(),
    })
}

/// The author in the git config of the repository at `dir` (or the global one).
pub fn git_identity(dir: &Path) -> Result<Identity, SeriesError> {
    let (name, email) = tree::git_identity(dir).map_err(SeriesError::Identity)?;
    Ok(Identity { name, email })
}

/// The model's verdicts for `policy` on every built-in scenario, one line per scenario,
/// for the cover letter.
pub fn verdicts(policy: &Policy, base: Base) -> Result<String, SeriesError> {
    let hooks = Interpreter { policy };
    let mut lines = Vec::new();
    let scenarios: Vec<_> = switchyard_dsl::builtins(SourceKind::Scenario).collect();
    let width = scenarios.iter().map(|b| b.name.len()).max().unwrap_or(0);
    for b in scenarios {
        let s = switchyard_dsl::load_scenario(b.name).map_err(|e| SeriesError::Template {
            name: b.name.to_string(),
            message: e.to_string(),
        })?;
        let r = model::check(
            &hooks,
            &s,
            model::Options {
                base,
                ..model::Options::default()
            },
        );
        let with = |st: Status| -> Vec<&str> {
            r.verdicts
                .iter()
                .filter(|v| v.status == st)
                .map(|v| v.property.name())
                .collect()
        };
        let (violated, inconclusive) = (with(Status::Violated), with(Status::Inconclusive));
        let holds = with(Status::Holds).len();
        let mut line = format!("  {:<width$}  {holds} hold", s.name);
        if !violated.is_empty() {
            line.push_str(&format!("; VIOLATED: {}", violated.join(", ")));
        }
        if !inconclusive.is_empty() {
            line.push_str(&format!("; inconclusive: {}", inconclusive.join(", ")));
        }
        lines.push(line);
    }
    Ok(lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tree of one file, its Makefile.
    struct Makefile(&'static str);

    impl BaseTree for Makefile {
        fn read(&self, path: &str) -> Result<String, SeriesError> {
            match path {
                "Makefile" => Ok(self.0.to_string()),
                _ => Err(SeriesError::Tree {
                    path: path.into(),
                    message: "not in this tree".into(),
                }),
            }
        }

        fn commit_chain(
            &self,
            _: &str,
            _: &[Vec<(String, String)>],
            _: &[String],
            _: &Identity,
            _: i64,
        ) -> Result<Vec<String>, SeriesError> {
            Err(SeriesError::Git {
                action: "committing".into(),
                message: "a Makefile is no git tree".into(),
            })
        }
    }

    #[test]
    fn the_base_is_the_release_the_makefile_states() {
        let seven = Makefile("# SPDX-License-Identifier: GPL-2.0\nVERSION = 7\nPATCHLEVEL = 3\n");
        assert_eq!(tree_base(&seven).unwrap(), Base::Linux73);
        let six = Makefile("VERSION = 6\nPATCHLEVEL = 12\nSUBLEVEL = 57\n");
        assert_eq!(tree_base(&six).unwrap(), Base::Linux612);
        let old = tree_base(&Makefile("VERSION = 6\nPATCHLEVEL = 1\n")).unwrap_err();
        assert_eq!(
            old.to_string(),
            "the kernel tree's Makefile states Linux 6.1, a release switchyard has no series \
             for (known: linux-6.12, linux-7.3)"
        );
        let none = tree_base(&Makefile("all:\n")).unwrap_err();
        assert!(matches!(none, SeriesError::UnknownBase { .. }), "{none}");
    }
}
