//! `gen series`: a policy as an RFC patch series for a kernel base (Linux 6.12 or 7.3).
//!
//! The base is a parameter of every step: where each hook lives (`sites`, a row per base
//! where a function moved or changed), what the C needs (`need`, a row per base where a
//! preparatory patch differs or is already upstream), and the text (`templates`,
//! linux-6.12's with a later base's own files laid over them). 6.12 is named below.
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
//! - `templates`: the text templates under `kernel-templates/BASE/`;
//! - `error`, `base`, `options`: [`SeriesError`], [`BaseTree`] and [`Base`], [`Options`]
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
pub use base::{Base, BaseTree};
pub use error::SeriesError;
pub use options::{Identity, Options};
pub use patch::{Series, SeriesPatch};

/// Whether `policy` has a series on `base` at all: it changes C, every changed hook has
/// a site there, every construct in their bodies has a C rendering, and everything that
/// C needs exists on `base`. Needs no kernel tree, so callers can refuse a policy before
/// importing or reading one.
pub fn expressible(policy: &Policy, base: Base) -> Result<(), SeriesError> {
    hooks::render_all(policy, &hooks::load_status_quo()?, base).map(drop)
}

/// Plans and renders the series of `policy` against the files of `tree`, a tree of
/// `base` at the revision `base_commit`.
pub fn generate(
    policy: &Policy,
    base: Base,
    tree: &dyn BaseTree,
    base_commit: &str,
    opts: &Options,
) -> Result<Series, SeriesError> {
    let rendered = hooks::render_all(policy, &hooks::load_status_quo()?, base)?;
    let t = templates::Templates::load(base)?;
    let planned = plan::plan(policy, &rendered, &t)?;
    let applied = edit::apply(tree, base, planned)?;
    // What the policy relies on its preparatory patches for, said in the cover letter as
    // in the policy's log.
    let needs: std::collections::BTreeSet<need::Need> = rendered
        .iter()
        .flat_map(|r| r.old_uses.needs.iter().chain(&r.new_uses.needs).copied())
        .collect();
    let relies_on = need::notes(&t, &[], &needs)?;
    patch::series(policy, applied, tree, base_commit, opts, &t, &relies_on)
}
