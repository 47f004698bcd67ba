//! Every hook a policy changes, rendered as C twice: as status-quo writes it and as the
//! policy does.

use crate::c::{self, CStmt, Ctx};
use crate::error::SeriesError;
use crate::need::Need;
use crate::sites::{self, Site};
use switchyard_dsl::ir::{HookImpl, Policy};
use switchyard_dsl::Base;

/// A hook rendered twice: as status-quo writes it and as the policy does.
pub(crate) struct Rendered {
    pub(crate) site: Site,
    pub(crate) old: Vec<CStmt>,
    pub(crate) old_uses: c::Uses,
    pub(crate) new: Vec<CStmt>,
    pub(crate) new_uses: c::Uses,
}

/// The kernel function whose irqchip callers have to unwind when a hook it calls fails.
const PREPARE_MSI: &str = "iommu_dma_prepare_msi";

/// A hook's body as C, and what it uses. A body that returns an error from a hook called
/// in iommu_dma_prepare_msi() makes that function fail where the base did not (it only
/// failed to allocate the doorbell's mapping): the series then needs the irqchips that
/// call it to unwind ([`Need::IrqchipUnwind`]).
fn render_hook(
    policy: &Policy,
    site: &Site,
    imp: &HookImpl,
    base: Base,
) -> Result<(Vec<CStmt>, c::Uses), SeriesError> {
    let mut ctx = Ctx::new(imp, site.fallible, site.first_attach, site.facts);
    let body = ctx.body(imp).map_err(|u| SeriesError::NotExpressible {
        policy: policy.name.clone(),
        base,
        hook: imp.hook.id(),
        construct: u.construct,
        reason: u.reason,
    })?;
    if ctx.uses.fails && site.glue.iter().any(|g| g.function == PREPARE_MSI) {
        ctx.uses.needs.insert(Need::IrqchipUnwind);
    }
    for need in &ctx.uses.needs {
        if let Err(reason) = need.spec(base) {
            return Err(SeriesError::NotOnBase {
                policy: policy.name.clone(),
                base,
                reason: reason.to_string(),
            });
        }
    }
    Ok((body, ctx.uses))
}

pub(crate) fn load_status_quo() -> Result<Policy, SeriesError> {
    switchyard_dsl::load_policy("status-quo").map_err(|e| SeriesError::Template {
        name: "status-quo".into(),
        message: e.to_string(),
    })
}

/// Every hook `policy` changes, rendered as status-quo writes it and as the policy does,
/// at its site on `base`.
pub(crate) fn render_all(
    policy: &Policy,
    status_quo: &Policy,
    base: Base,
) -> Result<Vec<Rendered>, SeriesError> {
    let changed = policy.changed_hooks();
    if changed.is_empty() {
        return Err(SeriesError::NoChange {
            policy: policy.name.clone(),
        });
    }
    let mut rendered = Vec::new();
    for hook in changed {
        let site = sites::site(hook, base).ok_or_else(|| SeriesError::NoSite {
            policy: policy.name.clone(),
            base,
            hook: hook.id(),
            reason: sites::unsupported_hook(hook, base).to_string(),
        })?;
        let (new, new_uses) = render_hook(policy, &site, policy.hook(hook), base)?;
        let (old, old_uses) = render_hook(status_quo, &site, status_quo.hook(hook), base)?;
        rendered.push(Rendered {
            site,
            old,
            old_uses,
            new,
            new_uses,
        });
    }
    Ok(rendered)
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchyard_dsl::vocab::Hook;

    fn prepare_msi(policy: &str, base: Base) -> Rendered {
        let p = switchyard_dsl::load_policy(policy).expect("a built-in loads");
        let sq = load_status_quo().expect("status-quo loads");
        render_all(&p, &sq, base)
            .expect("the policy renders")
            .into_iter()
            .find(|r| r.site.hook == Hook::PrepareMsi)
            .expect("the policy changes prepare_msi")
    }

    /// A prepare_msi body that fails makes iommu_dma_prepare_msi() fail where the base
    /// did not: its irqchip callers must unwind, on every base. Status-quo's body cannot
    /// fail and needs nothing.
    #[test]
    fn a_failing_prepare_msi_needs_the_irqchips_to_unwind() {
        for base in Base::ALL {
            let r = prepare_msi("vfio-hard-fail", base);
            assert!(r.new_uses.fails, "{base}");
            assert!(r.new_uses.needs.contains(&Need::IrqchipUnwind), "{base}");
            assert!(!r.old_uses.fails, "{base}");
            assert!(!r.old_uses.needs.contains(&Need::IrqchipUnwind), "{base}");
        }
    }
}
