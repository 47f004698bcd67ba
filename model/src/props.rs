//! The properties a policy is checked against. Each is a sentence (its doc) and a function.
//! State properties hold in every reachable state; step properties hold for every move;
//! `vfio-usable` asks that a state be reachable.

use crate::machine::{Dom, Machine, Msi, VfioStep};
use crate::moves::{Irq, Mv, Outcome};
use serde::Serialize;
use std::fmt;
use switchyard_dsl::scenario::Scenario;
use switchyard_dsl::vocab::DomainType;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Property {
    MsiDelivered,
    NoSilentLoss,
    UnboundIsolated,
    RequireDirectKept,
    AtsRequiredKept,
    DmaApiWorks,
    UserIsolated,
    VfioUsable,
    NoWarn,
}

impl Property {
    pub const ALL: [Property; 9] = [
        Property::MsiDelivered,
        Property::NoSilentLoss,
        Property::UnboundIsolated,
        Property::RequireDirectKept,
        Property::AtsRequiredKept,
        Property::DmaApiWorks,
        Property::UserIsolated,
        Property::VfioUsable,
        Property::NoWarn,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Property::MsiDelivered => "msi-delivered",
            Property::NoSilentLoss => "no-silent-loss",
            Property::UnboundIsolated => "unbound-isolated",
            Property::RequireDirectKept => "require-direct-kept",
            Property::AtsRequiredKept => "ats-required-kept",
            Property::DmaApiWorks => "dma-api-works",
            Property::UserIsolated => "user-isolated",
            Property::VfioUsable => "vfio-usable",
            Property::NoWarn => "no-warn",
        }
    }

    /// The property as a sentence.
    pub fn doc(self) -> &'static str {
        match self {
            Property::MsiDelivered => "An interrupt raised at a device whose bound driver uses MSI reaches the CPU (invariant I9).",
            Property::NoSilentLoss => "A move that succeeds, and boot with its built-in drivers, leaves every live MSI vector of a bound driver able to reach its doorbell, or masked (its message held) while the group is between two steps of a VFIO open or close; when that cannot be kept, the move fails with an error instead (I10).",
            Property::UnboundIsolated => "A device without a bound driver has no ATS, is not in an identity domain (unless it requires direct mappings), and shares no DMA domain with a DMA-API user (I1-I3).",
            Property::RequireDirectKept => "A device that requires direct mappings (IORT RMR, VT-d RMRR) is never in a domain without them, blocked or parked, nor refused by its group, which leaves it outside the IOMMU's groups: blocked by VT-d's release domain on 6.12, untranslated otherwise (I4).",
            Property::AtsRequiredKept => "A device that needs ATS (CXL.cache) has it whenever a driver is bound and its group is in an identity or paging domain; the blocking domain turns ATS off by design (I6, I2).",
            Property::DmaApiWorks => "A bound DMA-API driver's group is in its default domain with the driver counted, while no user owns it (I11).",
            Property::UserIsolated => "While a user owns a group, it is only ever in the blocking domain or the user's own domain (I12, I13).",
            Property::VfioUsable => "A user can open the group through VFIO: some reachable state has the open completed, the group owned and in the user's domain with its MSI cookie.",
            Property::NoWarn => "No move, and not boot, makes the kernel WARN: a hook that cannot fail does not fail (its error is a WARN_ON()), and a group's last device leaves with ownership released and the group in its default domain (__iommu_group_free_device()).",
        }
    }

    /// Whether the property is judged on each state (otherwise on each step, or, for
    /// `vfio-usable`, on the reachable states together).
    pub(crate) fn is_state(self) -> bool {
        matches!(
            self,
            Property::UnboundIsolated
                | Property::RequireDirectKept
                | Property::AtsRequiredKept
                | Property::DmaApiWorks
                | Property::UserIsolated
        )
    }

    /// Whether the scenario can exercise the property at all.
    pub(crate) fn applies(self, s: &Scenario) -> bool {
        let has_move =
            |f: &dyn Fn(&switchyard_dsl::scenario::Move) -> bool| s.moves.iter().any(|m| f(&m.mv));
        use switchyard_dsl::scenario::Move;
        match self {
            Property::MsiDelivered => has_move(&|m| matches!(m, Move::RaiseAer { .. })),
            Property::NoSilentLoss => s.drivers.iter().any(|d| d.msi),
            Property::UnboundIsolated => true,
            Property::RequireDirectKept => s.devices.iter().any(|d| d.require_direct),
            Property::AtsRequiredKept => s.devices.iter().any(|d| d.ats_required),
            Property::DmaApiWorks => s.drivers.iter().any(|d| d.dma_api),
            Property::UserIsolated | Property::VfioUsable => {
                has_move(&|m| matches!(m, Move::VfioOpen { .. }))
            }
            Property::NoWarn => true,
        }
    }
}

impl fmt::Display for Property {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A property of a single state; `Some(why)` when it is violated there.
pub(crate) fn state_violation(m: &Machine, p: Property) -> Option<String> {
    let s = m.scenario;
    let st = &m.state;
    // Devices in their groups: one the IOMMU core has not probed yet has no STE of its
    // own, which SMMUv3 aborts (and bypasses for an IORT RMR's streams), so it is
    // isolated and keeps its direct mappings.
    let present = || (0..s.devices.len()).filter(|&d| st.devices[d].probed);
    match p {
        Property::UnboundIsolated => present()
            .filter(|&d| st.devices[d].driver.is_none())
            .find_map(|d| {
                let g = m.group_of(d);
                let gs = &st.groups[g];
                let name = m.dev_name(d);
                if st.devices[d].ats_on {
                    return Some(format!("{name} has no driver but ATS is on"));
                }
                let identity = match gs.domain {
                    Some(Dom::Identity) => true,
                    Some(Dom::Default { gen }) => {
                        gen == gs.default_gen && gs.default_type == DomainType::Identity
                    }
                    _ => false,
                };
                if identity && !s.devices[d].require_direct {
                    return Some(format!(
                        "{name} has no driver but its group is in an identity domain"
                    ));
                }
                let dma_domain =
                    matches!(gs.domain, Some(Dom::Default { .. }) | Some(Dom::EmptyDma))
                        && !identity;
                let dma_user = m.members(g).into_iter().find(|&o| st.devices[o].dma_user);
                match dma_user {
                    Some(o) if dma_domain && !gs.owned => Some(format!(
                        "{name} has no driver but shares a DMA domain with {}'s DMA-API mappings",
                        m.dev_name(o)
                    )),
                    _ => None,
                }
            }),
        // A device its group refused (`__iommu_device_set_domain()` on the blocking domain)
        // is outside every group: `iommu_deinit_device()` released it into a domain that
        // keeps or blocks its direct mappings (`Machine::release_keeps_direct`); kept, it
        // is untranslated and isolated from nothing, and VFIO cannot take it.
        Property::RequireDirectKept => (0..s.devices.len())
            .filter(|&d| s.devices[d].require_direct)
            .find_map(|d| {
                let g = m.group_of(d);
                if m.refused(d) {
                    let left = if m.release_keeps_direct() {
                        "untranslated, outside any group"
                    } else {
                        "its DMA blocked by the IOMMU's release domain"
                    };
                    return Some(format!(
                        "{} requires direct mappings but {} refused it: {left}",
                        m.dev_name(d),
                        m.group_name(g)
                    ));
                }
                if !st.devices[d].probed {
                    return None;
                }
                match st.groups[g].domain {
                    Some(dom @ (Dom::Blocked | Dom::EmptyDma)) => Some(format!(
                        "{} requires direct mappings but is in the {} domain",
                        m.dev_name(d),
                        m.dom_label(g, dom)
                    )),
                    _ => None,
                }
            }),
        // I6 asks for ATS in the domains that translate for the driver (identity and
        // paging, the parking domain included); the blocking domain turns ATS off by
        // design (I2), as it does in VFIO's claim before the user's domain is attached.
        Property::AtsRequiredKept => present()
            .filter(|&d| {
                let dom = st.groups[m.group_of(d)].domain;
                s.devices[d].ats_required
                    && st.devices[d].driver.is_some()
                    && !matches!(dom, None | Some(Dom::Blocked))
                    && !st.devices[d].ats_on
            })
            .map(|d| {
                let g = m.group_of(d);
                let dom = st.groups[g]
                    .domain
                    .map_or("no domain".into(), |x| m.dom_label(g, x));
                format!(
                    "{} has a driver bound and needs ATS, but ATS is off in {dom}",
                    m.dev_name(d)
                )
            })
            .next(),
        Property::DmaApiWorks => present().find_map(|d| {
            let drv = st.devices[d].driver.map(|i| &s.drivers[usize::from(i)])?;
            let g = m.group_of(d);
            if !drv.dma_api || st.groups[g].owned {
                return None;
            }
            let on_default = m.domain_is(g, switchyard_dsl::vocab::DomainLit::Default);
            if !on_default || !st.devices[d].dma_user {
                let dom = st.groups[g]
                    .domain
                    .map_or("no domain".into(), |x| m.dom_label(g, x));
                Some(format!(
                    "{}'s driver uses the DMA API but the group is in {dom}",
                    m.dev_name(d)
                ))
            } else {
                None
            }
        }),
        Property::UserIsolated => (0..s.groups.len()).find_map(|g| {
            let gs = &st.groups[g];
            match gs.domain {
                Some(dom) if gs.owned && !matches!(dom, Dom::Blocked | Dom::User { .. }) => {
                    Some(format!(
                        "{} is owned by a user but in the kernel's {} domain",
                        m.group_name(g),
                        m.dom_label(g, dom)
                    ))
                }
                _ => None,
            }
        }),
        Property::MsiDelivered
        | Property::NoSilentLoss
        | Property::VfioUsable
        | Property::NoWarn => None,
    }
}

/// A property of a move from the state `before` holds to the machine's state; `Some(why)`
/// when violated.
pub(crate) fn step_violation(
    before: &Machine,
    m: &Machine,
    mv: Mv,
    outcome: &Outcome,
    p: Property,
) -> Option<String> {
    match p {
        Property::MsiDelivered => match (mv, outcome) {
            // Held by a mask while the group is between two steps of a VFIO open or
            // close: the step that ends the switch unmasks it (a mask at rest is judged
            // by `no-silent-loss`, and the next error then finds the status set).
            (Mv::RaiseAer(d), Outcome::Irq { irq: Irq::Held }) if held_for_switch(m, d) => None,
            (Mv::RaiseAer(d), Outcome::Irq { irq })
                if !matches!(irq, Irq::Delivered | Irq::Unreported) =>
            {
                Some(format!(
                    "{}'s AER: {}",
                    m.dev_name(d),
                    Outcome::Irq { irq: irq.clone() }
                ))
            }
            _ => None,
        },
        Property::NoSilentLoss => {
            if !matches!(outcome, Outcome::Ok) || matches!(mv, Mv::RaiseAer(_)) {
                return None;
            }
            let before_m = before;
            let before = &before.state;
            (0..m.scenario.devices.len()).find_map(|d| {
                let Msi::Live(_) = m.state.devices[d].msi else {
                    return None;
                };
                if m.state.devices[d].driver.is_none() || m.vectors_work(d) {
                    return None;
                }
                let worked = match before.devices[d].msi {
                    Msi::Live(_) => before.devices[d].driver.is_some() && before_m.vectors_work(d),
                    _ => true,
                };
                worked.then(|| {
                    format!(
                        "the move succeeded, but {}'s MSI can no longer reach its doorbell",
                        m.dev_name(d)
                    )
                })
            })
        }
        Property::NoWarn => m.warning.clone(),
        _ => None,
    }
}

/// A property of boot itself, as the step from nothing to the booted state: a built-in
/// driver that bound at boot with vectors that cannot reach their doorbell broke them
/// silently (`no-silent-loss`), as a bind move would.
pub(crate) fn boot_violation(m: &Machine, p: Property) -> Option<String> {
    if p == Property::NoWarn {
        return m.warning.clone();
    }
    if p != Property::NoSilentLoss {
        return None;
    }
    (0..m.scenario.devices.len()).find_map(|d| {
        let Msi::Live(_) = m.state.devices[d].msi else {
            return None;
        };
        (m.state.devices[d].driver.is_some() && !m.vectors_work(d)).then(|| {
            format!(
                "boot succeeded, but {}'s MSI cannot reach its doorbell",
                m.dev_name(d)
            )
        })
    })
}

/// For `msi-delivered`: the error raised at `d` went to a root port whose vectors are
/// masked while its group is between two steps of a VFIO open or close.
fn held_for_switch(m: &Machine, d: usize) -> bool {
    m.root_port_of(d)
        .is_some_and(|r| m.switching(m.group_of(r)))
}

/// For `vfio-usable`: the user's open of the group completed: owned, in the user's
/// domain, with its MSI cookie.
pub(crate) fn user_has(m: &Machine, g: usize) -> bool {
    let gs = &m.state.groups[g];
    gs.owned && gs.vfio == VfioStep::Open && matches!(gs.domain, Some(Dom::User { .. }))
}
