//! What a command can fail with, besides a source that does not load: one error type
//! for the whole binary, rendered by `main` with its code and help.

use crate::{kernel, run};
use std::path::PathBuf;
use switchyard::dsl::LoadError;
use switchyard_model as model;
use switchyard_series as series;

/// What the command itself can fail with, besides a source that does not load.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub(crate) enum CliError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Load(#[from] LoadError),
    #[error("cannot write the output: {0}")]
    #[diagnostic(code(switchyard::output))]
    Output(std::io::Error),
    #[error(transparent)]
    #[diagnostic(
        code(switchyard::gen_model),
        help("give an empty or new directory with -o")
    )]
    GenModel(#[from] model::codegen::GenError),
    #[error(transparent)]
    #[diagnostic(
        code(switchyard::gen_promela),
        help("the checker (`switchyard check`) covers what the Promela back-end does not")
    )]
    Promela(#[from] model::promela::PromelaError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Spin(#[from] switchyard::spin::SpinError),
    #[error("cannot write `{path}`: {source}")]
    #[diagnostic(code(switchyard::output))]
    WriteFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    #[diagnostic(transparent)]
    Run(#[from] run::RunError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Series(#[from] series::SeriesError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Kernel(#[from] kernel::KernelError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Write(#[from] switchyard::rfc::WriteError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Script(#[from] switchyard::rfc::ScriptError),
    #[error("`{0}` is not a mail address (\"Name <email>\" or email)")]
    #[diagnostic(
        code(switchyard::address),
        help("for example --to \"A U Thor <author@example.org>\" or --cc list@example.org")
    )]
    BadAddress(String),
    #[error("`{0}` is not an identity of the form \"Name <email>\"")]
    #[diagnostic(
        code(switchyard::from),
        help("for example --from \"A U Thor <author@example.org>\"")
    )]
    BadFrom(String),
    #[error("switchyard's source tree is not at `{0}`")]
    #[diagnostic(
        code(switchyard::source_tree),
        help(
            "the generated crate builds on switchyard's model library: pass --switchyard-src DIR"
        )
    )]
    SourceTree(PathBuf),
    #[error("policy `{policy}` does not apply to {base}: it applies to {bases}")]
    #[diagnostic(
        code(switchyard::base),
        help("its `bases` attribute (or an ancestor's) says so; choose one with --base")
    )]
    NotForBase {
        policy: String,
        base: switchyard::dsl::Base,
        bases: String,
    },
}

impl CliError {
    /// Refuses a policy on a base its `bases` leave out.
    pub(crate) fn for_base(
        policy: &switchyard::dsl::Policy,
        base: switchyard::dsl::Base,
    ) -> Result<(), CliError> {
        if policy.applies_to(base) {
            return Ok(());
        }
        Err(CliError::NotForBase {
            policy: policy.name.clone(),
            base,
            bases: policy
                .bases
                .iter()
                .map(|b| b.name())
                .collect::<Vec<_>>()
                .join(", "),
        })
    }
}
