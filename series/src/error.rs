//! Why a series could not be generated.

use std::path::PathBuf;
use switchyard_dsl::Base;

/// Why a series could not be generated. Nothing is written in any of these cases.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum SeriesError {
    #[error("policy `{policy}` changes nothing relative to status-quo: there is no C to write")]
    #[diagnostic(
        code(switchyard::series::no_change),
        help("a series needs a policy that defines at least one hook differently")
    )]
    NoChange { policy: String },
    #[error("policy `{policy}` changes hook `{hook}`, which has no place in {base}: {reason}")]
    #[diagnostic(code(switchyard::series::no_site))]
    NoSite {
        policy: String,
        base: Base,
        hook: String,
        reason: String,
    },
    #[error(
        "policy `{policy}`, hook `{hook}`: `{construct}` has no C rendering on {base}: {reason}"
    )]
    #[diagnostic(
        code(switchyard::series::not_expressible),
        help("the model can still check this policy; the C needs a kernel capability first")
    )]
    NotExpressible {
        policy: String,
        base: Base,
        hook: String,
        construct: String,
        reason: String,
    },
    #[error("{file}: cannot find the {anchor} (found {found})")]
    #[diagnostic(
        code(switchyard::series::anchor),
        help("the tree at the base revision differs from {base} here; nothing was written")
    )]
    Anchor {
        base: Base,
        file: String,
        anchor: String,
        found: String,
    },
    #[error("cannot read {path} from the kernel tree: {message}")]
    #[diagnostic(code(switchyard::series::tree))]
    Tree { path: String, message: String },
    #[error("policy `{policy}` has no series on {base}: {reason}")]
    #[diagnostic(
        code(switchyard::series::not_on_base),
        help("generate it against a tree of another base; the model can still check it")
    )]
    NotOnBase {
        policy: String,
        base: Base,
        reason: String,
    },
    #[error("the kernel tree's Makefile states Linux {version}, a release switchyard has no series for (known: {known})")]
    #[diagnostic(
        code(switchyard::series::unknown_base),
        help("use a tree of one of the known releases")
    )]
    UnknownBase { version: String, known: String },
    #[error("template {name}: {message}")]
    #[diagnostic(code(switchyard::series::template))]
    Template { name: String, message: String },
    #[error("git error while {action}: {message}")]
    #[diagnostic(code(switchyard::series::git))]
    Git { action: String, message: String },
    #[error("cannot write {}: {source}", path.display())]
    #[diagnostic(code(switchyard::series::io))]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("no author identity: {0}")]
    #[diagnostic(
        code(switchyard::series::identity),
        help("set user.name and user.email in git config, or pass --from \"Name <email>\"")
    )]
    Identity(String),
    #[error("{} holds no series to compare with: {reason}", dir.display())]
    #[diagnostic(code(switchyard::series::range_diff))]
    PreviousSeries { dir: PathBuf, reason: String },
}
