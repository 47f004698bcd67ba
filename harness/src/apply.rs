//! Applying a patch series (a `git format-patch` directory) to a kernel tree
//! as a new branch, atomically.
//!
//! # Why in memory
//!
//! `git am` applies through the index and the work tree, so a failure in
//! patch 7 of 9 leaves a half-applied tree, a `.git/rebase-apply` and a
//! moved branch for the user to clean up. Here every patch is applied with
//! libgit2 to the previous commit's *tree*, in memory
//! ([`Repository::apply_to_tree`]); the resulting trees and commits are
//! written to the object database, and the branch ref is created only after
//! the last patch applied. Objects written before a failure are unreachable
//! and harmless (`git gc` drops them); refs, HEAD, the index and the work
//! tree are untouched. Only with [`ApplyOptions::checkout`] is the work tree
//! involved, and then only at the very end, after everything else succeeded
//! and only if it was clean.

use std::cell::RefCell;
use std::fs;
use std::path::{Path, PathBuf};

use git2::{build::CheckoutBuilder, Diff, Oid, Repository, Signature, StatusOptions, Time};

use crate::mbox::{self, MailPatch, MboxError};

/// What [`apply_series`] should do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplyOptions {
    /// The branch to create (`name` or `refs/heads/name`); it must not exist.
    pub branch: String,
    /// The revision to apply on. `None`: the cover letter's `base-commit:`
    /// if it has one, else HEAD.
    pub base: Option<String>,
    /// Check the new branch out once it is complete (the work tree must be
    /// clean). Without it HEAD, the index and the work tree are not touched.
    pub checkout: bool,
}

/// One commit made from one patch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedPatch {
    /// The patch file.
    pub file: PathBuf,
    /// The commit made from it.
    pub commit: Oid,
    /// Its subject (the commit title).
    pub subject: String,
}

/// What [`apply_series`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplyOutcome {
    /// The full name of the created branch (`refs/heads/...`).
    pub branch: String,
    /// The commit the series was applied on.
    pub base: Oid,
    /// Where the base came from: `"--base"`, `"cover letter"` or `"HEAD"`.
    pub base_from: &'static str,
    /// The branch's commit: the last patch's.
    pub head: Oid,
    /// One entry per patch, in order.
    pub commits: Vec<AppliedPatch>,
    /// Whether the branch was checked out.
    pub checked_out: bool,
}

/// Why a series was not applied. Whatever the variant, refs, HEAD, the index
/// and the work tree are as they were before the call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApplyError {
    /// The tree is not a git repository.
    #[error("{} is not a git repository: {source}", tree.display())]
    NotARepository {
        /// The directory.
        tree: PathBuf,
        /// libgit2's error.
        source: git2::Error,
    },
    /// The series directory cannot be read.
    #[error("cannot read the series directory {}: {source}", dir.display())]
    SeriesUnreadable {
        /// The directory (or the file in it).
        dir: PathBuf,
        /// The error from the file system.
        source: std::io::Error,
    },
    /// The series directory holds no patch.
    #[error(
        "no patches in {}: expected NNNN-*.patch files as git format-patch writes \
         (0000-cover-letter.patch alone is not a series)",
        dir.display()
    )]
    EmptySeries {
        /// The directory.
        dir: PathBuf,
    },
    /// A patch file is not a patch mail `git am` would accept.
    #[error("{}: not a valid patch mail: {source}", patch.display())]
    Malformed {
        /// The patch file.
        patch: PathBuf,
        /// What is wrong, and where.
        source: MboxError,
    },
    /// A patch's diff cannot be parsed.
    #[error("{}: the diff cannot be parsed: {source}", patch.display())]
    BadDiff {
        /// The patch file.
        patch: PathBuf,
        /// libgit2's error.
        source: git2::Error,
    },
    /// A patch does not apply to the tree the previous ones produced.
    #[error(
        "{} does not apply: {file}{hunk} on top of {on}: {source}",
        patch.display(),
        hunk = hunk.as_ref().map(|h| format!(", {h}")).unwrap_or_default(),
    )]
    DoesNotApply {
        /// The patch file.
        patch: PathBuf,
        /// The file of the patch that failed.
        file: String,
        /// The failing hunk, e.g. `hunk #2 @@ -10,6 +10,7 @@ static int f(void)`.
        hunk: Option<String>,
        /// What it was applied to: the base, or the previous patch.
        on: String,
        /// libgit2's error.
        source: git2::Error,
    },
    /// The base revision is not a commit of the repository.
    #[error(
        "base {rev} (from {from}) is not a commit in {}: {source}",
        tree.display()
    )]
    BaseNotFound {
        /// The revision.
        rev: String,
        /// Where it came from: `--base`, `cover letter` or `HEAD`.
        from: &'static str,
        /// The repository.
        tree: PathBuf,
        /// libgit2's error.
        source: git2::Error,
    },
    /// The branch name is not a valid ref name.
    #[error("'{branch}' is not a valid branch name")]
    InvalidBranch {
        /// The name as given.
        branch: String,
    },
    /// The branch already exists.
    #[error("branch {branch} already exists (at {target}); pick another name or delete it")]
    BranchExists {
        /// The full ref name.
        branch: String,
        /// Where it points.
        target: String,
    },
    /// Checkout was asked for, but the work tree or index has changes.
    #[error(
        "cannot check out {branch}: {} has uncommitted changes ({})",
        tree.display(),
        describe_paths(paths, *count)
    )]
    DirtyWorkTree {
        /// The branch that would have been checked out.
        branch: String,
        /// The repository.
        tree: PathBuf,
        /// The first few changed paths.
        paths: Vec<String>,
        /// How many paths changed.
        count: usize,
    },
    /// Checkout was asked for in a bare repository.
    #[error("cannot check out {branch}: {} is a bare repository", tree.display())]
    BareRepository {
        /// The branch.
        branch: String,
        /// The repository.
        tree: PathBuf,
    },
    /// The final checkout was refused (e.g. an untracked file would be
    /// overwritten); the branch was not created.
    #[error("cannot check out {branch} in {}: {source}; the branch was not created", tree.display())]
    Checkout {
        /// The branch.
        branch: String,
        /// The repository.
        tree: PathBuf,
        /// libgit2's error.
        source: git2::Error,
    },
    /// Another libgit2 operation failed.
    #[error("git error in {} while {action}: {source}", tree.display())]
    Git {
        /// The repository.
        tree: PathBuf,
        /// What was being done.
        action: String,
        /// libgit2's error.
        source: git2::Error,
    },
}

fn describe_paths(paths: &[String], count: usize) -> String {
    let mut text = paths.join(", ");
    if count > paths.len() {
        text.push_str(&format!(" and {} more", count - paths.len()));
    }
    text
}

/// A series directory: the patch files in order, and the cover letter's
/// `base-commit:` if there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Series {
    /// The `*.patch` files except the cover letter, sorted by name.
    pub patches: Vec<PathBuf>,
    /// The cover letter (`*0000-cover-letter.patch`), if present.
    pub cover_letter: Option<PathBuf>,
    /// The cover letter's `base-commit:`.
    pub base_commit: Option<String>,
}

/// Lists a series directory.
pub fn read_series(dir: &Path) -> Result<Series, ApplyError> {
    let unreadable = |source| ApplyError::SeriesUnreadable {
        dir: dir.to_path_buf(),
        source,
    };
    let mut patches = Vec::new();
    let mut cover_letter = None;
    for entry in fs::read_dir(dir).map_err(unreadable)? {
        let entry = entry.map_err(unreadable)?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.ends_with(".patch") || !path.is_file() {
            continue;
        }
        if name.ends_with("0000-cover-letter.patch") {
            cover_letter = Some(path);
        } else {
            patches.push(path);
        }
    }
    patches.sort();
    if patches.is_empty() {
        return Err(ApplyError::EmptySeries {
            dir: dir.to_path_buf(),
        });
    }
    let base_commit = match &cover_letter {
        Some(cover) => {
            let bytes = fs::read(cover).map_err(|source| ApplyError::SeriesUnreadable {
                dir: cover.clone(),
                source,
            })?;
            mbox::base_commit(&bytes)
        }
        None => None,
    };
    Ok(Series {
        patches,
        cover_letter,
        base_commit,
    })
}

/// Opens the kernel tree a series is applied to.
fn open(tree: &Path) -> Result<Repository, ApplyError> {
    Repository::open(tree).map_err(|source| ApplyError::NotARepository {
        tree: tree.to_path_buf(),
        source,
    })
}

/// `map_err` for a git2 call on `tree`, saying what was being done.
fn git_error(tree: &Path, action: &str) -> impl FnOnce(git2::Error) -> ApplyError {
    let (tree, action) = (tree.to_path_buf(), action.to_string());
    move |source| ApplyError::Git {
        tree,
        action,
        source,
    }
}

/// Applies the series in directory `series` to the repository at `tree` as
/// the new branch `opts.branch`: one commit per patch, with the patch's
/// author, author date, subject and message, the committer being the
/// repository's configured user (or the author when none is configured).
///
/// Atomic: on any error no ref is created or moved and HEAD, the index and
/// the work tree are as before.
pub fn apply_series(
    tree: &Path,
    series: &Path,
    opts: ApplyOptions,
) -> Result<ApplyOutcome, ApplyError> {
    let repo = open(tree)?;
    let git = |action: &str| git_error(tree, action);

    let branch = if opts.branch.starts_with("refs/heads/") {
        opts.branch.clone()
    } else {
        format!("refs/heads/{}", opts.branch)
    };
    if opts.branch.is_empty() || !git2::Reference::is_valid_name(&branch) {
        return Err(ApplyError::InvalidBranch {
            branch: opts.branch.clone(),
        });
    }
    check_branch_free(&repo, &branch)?;

    let series = read_series(series)?;
    let (base_rev, base_from) = match (&opts.base, &series.base_commit) {
        (Some(rev), _) => (rev.clone(), "--base"),
        (None, Some(rev)) => (rev.clone(), "cover letter"),
        (None, None) => ("HEAD".to_string(), "HEAD"),
    };
    let base = repo
        .revparse_single(&base_rev)
        .and_then(|o| o.peel_to_commit())
        .map_err(|source| ApplyError::BaseNotFound {
            rev: base_rev.clone(),
            from: base_from,
            tree: tree.to_path_buf(),
            source,
        })?;

    if opts.checkout {
        check_clean(&repo, tree, &branch)?;
    }

    // Parse everything before writing anything.
    let mails = read_mails(&series)?;

    let configured = repo.signature().ok();
    let mut parent = base.clone();
    let mut commits = Vec::with_capacity(mails.len());
    for (file, mail, diff) in &mails {
        let parent_tree = parent.tree().map_err(git("reading a tree"))?;
        let index = apply_one(&repo, &parent_tree, diff).map_err(|failure| {
            let on = if parent.id() == base.id() {
                format!("base {}", short(base.id()))
            } else {
                format!("the previous patch ({})", short(parent.id()))
            };
            ApplyError::DoesNotApply {
                patch: file.clone(),
                file: failure
                    .file
                    .unwrap_or_else(|| "(before the first file)".into()),
                hunk: failure.hunk,
                on,
                source: failure.error,
            }
        })?;
        let mut index = index;
        let tree_id = index.write_tree_to(&repo).map_err(git("writing a tree"))?;
        let new_tree = repo.find_tree(tree_id).map_err(git("reading a tree"))?;
        let when = Time::new(mail.date_seconds, mail.date_offset_minutes);
        let author =
            Signature::new(&mail.author_name, &mail.author_email, &when).map_err(|source| {
                ApplyError::Malformed {
                    patch: file.clone(),
                    source: MboxError {
                        line: None,
                        reason: format!("unusable author: {source}"),
                    },
                }
            })?;
        let committer = configured.clone().unwrap_or_else(|| author.clone());
        let id = repo
            .commit(
                None,
                &author,
                &committer,
                &mail.message,
                &new_tree,
                &[&parent],
            )
            .map_err(git("writing a commit"))?;
        parent = repo.find_commit(id).map_err(git("reading a commit"))?;
        commits.push(AppliedPatch {
            file: file.clone(),
            commit: id,
            subject: mail.subject.clone(),
        });
    }
    let head = parent.id();

    // Everything applied: now, and only now, the refs.
    check_branch_free(&repo, &branch)?;
    if opts.checkout {
        check_clean(&repo, tree, &branch)?;
    }
    let reflog = format!(
        "switchyard apply: {} patches on {}",
        commits.len(),
        short(base.id())
    );
    repo.reference(&branch, head, false, &reflog)
        .map_err(|source| match repo.find_reference(&branch) {
            Ok(existing) => ApplyError::BranchExists {
                branch: branch.clone(),
                target: existing
                    .target()
                    .map_or_else(|| "a symbolic ref".into(), |t| t.to_string()),
            },
            Err(_) => git(&format!("creating {branch}"))(source),
        })?;

    if opts.checkout {
        if let Err(source) = check_out(&repo, &branch, &parent) {
            if let Ok(mut created) = repo.find_reference(&branch) {
                if created.target() == Some(head) {
                    let _ = created.delete();
                }
            }
            return Err(ApplyError::Checkout {
                branch,
                tree: tree.to_path_buf(),
                source,
            });
        }
    }

    Ok(ApplyOutcome {
        branch,
        base: base.id(),
        base_from,
        head,
        commits,
        checked_out: opts.checkout,
    })
}

/// Every patch of `series`, read and parsed: the file, the mail, its diff.
fn read_mails(series: &Series) -> Result<Vec<(PathBuf, MailPatch, Diff<'static>)>, ApplyError> {
    let mut mails = Vec::new();
    for file in &series.patches {
        let bytes = fs::read(file).map_err(|source| ApplyError::SeriesUnreadable {
            dir: file.clone(),
            source,
        })?;
        let mail = mbox::parse(&bytes).map_err(|source| ApplyError::Malformed {
            patch: file.clone(),
            source,
        })?;
        let diff = Diff::from_buffer(&mail.diff).map_err(|source| ApplyError::BadDiff {
            patch: file.clone(),
            source,
        })?;
        mails.push((file.clone(), mail, diff));
    }
    Ok(mails)
}

/// What a branch holds, compared with a series: see [`branch_state`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BranchState {
    /// There is no such branch.
    Absent,
    /// The branch is the series applied on the base, as [`apply_series`] makes it.
    Holds {
        /// The branch's commit.
        head: Oid,
    },
    /// The branch is something else.
    Differs {
        /// The branch's commit.
        head: Oid,
        /// The first difference found, e.g. `patch 3/6 changes other files`.
        reason: String,
    },
}

/// Whether `branch` of the repository at `tree` holds exactly the series in the
/// directory `series` applied on the revision `base`: one commit per patch, in order,
/// the first one's parent `base`, each with its patch's message, author and author date,
/// and each with the tree that its patch applied to its parent gives. The committer is
/// not compared (it is whoever applied the series, and when).
///
/// Reads only: no ref moves. Trees computed for the comparison are written to the object
/// database, where those that no commit holds stay unreachable.
pub fn branch_state(
    tree: &Path,
    series: &Path,
    branch: &str,
    base: &str,
) -> Result<BranchState, ApplyError> {
    let repo = open(tree)?;
    let git = |action: &str| git_error(tree, action);
    let full = if branch.starts_with("refs/heads/") {
        branch.to_string()
    } else {
        format!("refs/heads/{branch}")
    };
    let Ok(reference) = repo.find_reference(&full) else {
        return Ok(BranchState::Absent);
    };
    let series = read_series(series)?;
    let mails = read_mails(&series)?;
    let base = repo
        .revparse_single(base)
        .and_then(|o| o.peel_to_commit())
        .map_err(|source| ApplyError::BaseNotFound {
            rev: base.to_string(),
            from: "--base",
            tree: tree.to_path_buf(),
            source,
        })?;
    let tip = reference
        .peel_to_commit()
        .map_err(git(&format!("reading {full}")))?;
    let head = tip.id();
    let differs = |reason: String| Ok(BranchState::Differs { head, reason });
    let n = mails.len();

    // The branch's last n commits, oldest first, on the base.
    let fewer = |have: usize| {
        format!(
            "it has {have} commit{} on the base where the series has {n} patches",
            if have == 1 { "" } else { "s" }
        )
    };
    if tip.id() == base.id() {
        return differs(fewer(0));
    }
    let mut chain = vec![tip];
    while chain.len() < n {
        let last = chain.last().expect("not empty");
        if last.parent_count() != 1 {
            return differs(format!(
                "it is not a line of {n} commits on base {}",
                short(base.id())
            ));
        }
        let parent = last.parent(0).map_err(git("reading a commit"))?;
        if parent.id() == base.id() {
            return differs(fewer(chain.len()));
        }
        chain.push(parent);
    }
    chain.reverse();
    let first = &chain[0];
    if first.parent_count() != 1
        || first.parent_id(0).map_err(git("reading a commit"))? != base.id()
    {
        return differs(format!(
            "it is not the {n} patches of the series on base {}",
            short(base.id())
        ));
    }

    for (k, (commit, (_, mail, diff))) in chain.iter().zip(&mails).enumerate() {
        let which = format!("patch {}/{n}", k + 1);
        if commit.message_bytes() != mail.message.as_bytes() {
            return differs(format!("{which} has another message"));
        }
        let author = commit.author();
        if author.name_bytes() != mail.author_name.as_bytes()
            || author.email_bytes() != mail.author_email.as_bytes()
            || author.when().seconds() != mail.date_seconds
        {
            return differs(format!("{which} has another author or date"));
        }
        let parent_tree = commit
            .parent(0)
            .and_then(|p| p.tree())
            .map_err(git("reading a tree"))?;
        let Ok(mut index) = apply_one(&repo, &parent_tree, diff) else {
            return differs(format!("{which} does not apply where the branch has it"));
        };
        let tree_id = index.write_tree_to(&repo).map_err(git("writing a tree"))?;
        if tree_id != commit.tree_id() {
            return differs(format!("{which} changes the files differently"));
        }
    }
    Ok(BranchState::Holds { head })
}

/// Checks `commit` out (safe mode: nothing uncommitted is overwritten) and
/// points HEAD at `branch`.
fn check_out(
    repo: &Repository,
    branch: &str,
    commit: &git2::Commit<'_>,
) -> Result<(), git2::Error> {
    let mut checkout = CheckoutBuilder::new();
    checkout.safe();
    repo.checkout_tree(commit.as_object(), Some(&mut checkout))?;
    if let Err(e) = repo.set_head(branch) {
        // Put the work tree back to HEAD before reporting.
        if let Ok(head) = repo.head().and_then(|h| h.peel_to_commit()) {
            let mut back = CheckoutBuilder::new();
            back.safe();
            let _ = repo.checkout_tree(head.as_object(), Some(&mut back));
        }
        return Err(e);
    }
    Ok(())
}

fn short(id: Oid) -> String {
    id.to_string()[..12].to_string()
}

fn check_branch_free(repo: &Repository, branch: &str) -> Result<(), ApplyError> {
    match repo.find_reference(branch) {
        Ok(existing) => Err(ApplyError::BranchExists {
            branch: branch.to_string(),
            target: existing
                .target()
                .map_or_else(|| "a symbolic ref".into(), |t| t.to_string()),
        }),
        Err(_) => Ok(()),
    }
}

/// Refuses a bare repository or one with staged or unstaged changes to
/// tracked files. Untracked files do not count: checkout refuses to
/// overwrite them anyway.
fn check_clean(repo: &Repository, tree: &Path, branch: &str) -> Result<(), ApplyError> {
    if repo.is_bare() {
        return Err(ApplyError::BareRepository {
            branch: branch.to_string(),
            tree: tree.to_path_buf(),
        });
    }
    let mut options = StatusOptions::new();
    options
        .include_untracked(false)
        .include_ignored(false)
        .exclude_submodules(true);
    let statuses = repo
        .statuses(Some(&mut options))
        .map_err(|source| ApplyError::Git {
            tree: tree.to_path_buf(),
            action: "reading the work tree status".into(),
            source,
        })?;
    let dirty: Vec<String> = statuses
        .iter()
        .filter(|s| s.status() != git2::Status::CURRENT && !s.status().is_ignored())
        .map(|s| String::from_utf8_lossy(s.path_bytes()).into_owned())
        .collect();
    if dirty.is_empty() {
        return Ok(());
    }
    Err(ApplyError::DirtyWorkTree {
        branch: branch.to_string(),
        tree: tree.to_path_buf(),
        count: dirty.len(),
        paths: dirty.into_iter().take(5).collect(),
    })
}

struct ApplyFailure {
    file: Option<String>,
    hunk: Option<String>,
    error: git2::Error,
}

/// Applies one patch's diff to `tree` in memory. On failure, names the file
/// and hunk libgit2 was working on: the apply callbacks run just before each
/// file and each hunk, so the last ones seen are the failing ones.
fn apply_one(
    repo: &Repository,
    tree: &git2::Tree<'_>,
    diff: &Diff<'_>,
) -> Result<git2::Index, ApplyFailure> {
    let position: RefCell<(Option<String>, usize, Option<String>)> = RefCell::new((None, 0, None));
    let result = {
        let mut options = git2::ApplyOptions::new();
        options.delta_callback(|delta| {
            if let Some(delta) = delta {
                let path = delta.new_file().path().or_else(|| delta.old_file().path());
                let mut pos = position.borrow_mut();
                pos.0 = path.map(|p| p.to_string_lossy().into_owned());
                pos.1 = 0;
                pos.2 = None;
            }
            true
        });
        options.hunk_callback(|hunk| {
            if let Some(hunk) = hunk {
                let mut pos = position.borrow_mut();
                pos.1 += 1;
                let header = String::from_utf8_lossy(hunk.header())
                    .trim_end()
                    .to_string();
                pos.2 = Some(format!("hunk #{} {header}", pos.1));
            }
            true
        });
        repo.apply_to_tree(tree, diff, Some(&mut options))
    };
    result.map_err(|error| {
        let (file, _, hunk) = position.into_inner();
        ApplyFailure { file, hunk, error }
    })
}
