//! `gen series`: a policy as an RFC patch series for Linux 6.12.
//!
//! The series is planned from the policy's changed hooks (`Policy::changed_hooks()`):
//!
//! 1. preparatory patches for what the C needs and 6.12 lacks (a locked variant of the
//!    default-domain use count, a driver flag, ...), each with its own subsystem prefix;
//! 2. "no functional change" patches that move each changed hook's 6.12 decision into a
//!    function of its own, rendered from `status-quo`'s body, and make the callers (PCI,
//!    platform, AMBA, ...) use it;
//! 3. the policy's patch, which renders the same functions from the policy's bodies, so
//!    its diff is exactly the behaviour the policy changes; its commit message is the
//!    policy's doc and metadata;
//! 4. callers of hooks 6.12 does not have at all (the VFIO MSI-cookie hook), last.
//!
//! [`generate`] is the whole pipeline: the changed hooks rendered as C (`hooks`), the
//! patches planned as edits (`plan`), the edits applied to the base's files in memory
//! (`edit`), and the mails written from the results (`patch`). Every file is read from
//! the kernel tree at the base revision through [`BaseTree`], every place is found by
//! structure (`anchor`), and the whole series is built in memory before anything is
//! written: a missing or ambiguous anchor is an error naming the file, the anchor and
//! what was found, and leaves the output directory untouched.
//!
//! The modules, one line each:
//!
//! - `hooks`: every changed hook rendered as C, as status-quo writes it and as the policy
//!   does;
//! - `c`: the C rendering of every DSL construct, written once;
//! - `sites`: where each hook lives in 6.12 and the glue that calls it;
//! - `need`: what the C needs beyond the hook functions (helpers, group state,
//!   preparatory patches), one row each;
//! - `plan`: the patches in order, as edits;
//! - `functions`: the functions, declarations and glue a hook adds to iommu.c;
//! - `edit`: the edits, applied to the base's files in memory;
//! - `anchor`: places in C found by structure;
//! - `patch`: diffs, mails and the cover letter;
//! - `address`: the mails' `To:` and `Cc:` ([`Recipients`]), given by the caller;
//! - `templates`: the text templates under `kernel-templates/linux-6.12/`;
//! - `error`, `base`, `options`: [`SeriesError`], [`BaseTree`] and [`BASE`], [`Options`]
//!   and [`Identity`].

mod address;
mod anchor;
mod base;
mod c;
mod edit;
mod error;
mod functions;
mod hooks;
mod need;
mod options;
mod patch;
mod plan;
mod sites;
mod templates;

use switchyard_dsl::ir::Policy;

pub use address::Recipients;
pub use base::{BaseTree, BASE};
pub use error::SeriesError;
pub use options::{Identity, Options};
pub use patch::{Series, SeriesPatch};

/// Whether `policy` has a series on 6.12 at all: it changes C, every changed hook has a
/// site, and every construct in their bodies has a C rendering. Needs no kernel tree, so
/// callers can refuse a policy before importing or reading one.
pub fn expressible(policy: &Policy) -> Result<(), SeriesError> {
    hooks::render_all(policy, &hooks::load_status_quo()?).map(drop)
}

/// Plans and renders the series of `policy` against the files of `tree`.
pub fn generate(
    policy: &Policy,
    tree: &dyn BaseTree,
    base_commit: &str,
    opts: &Options,
) -> Result<Series, SeriesError> {
    let rendered = hooks::render_all(policy, &hooks::load_status_quo()?)?;
    let t = templates::Templates::load()?;
    let planned = plan::plan(policy, &rendered, &t)?;
    let applied = edit::apply(tree, planned)?;
    patch::series(policy, applied, tree, base_commit, opts, &t)
}
