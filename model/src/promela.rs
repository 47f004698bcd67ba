//! `gen promela`: the model as Promela for SPIN 6.5, whose exhaustive search gives the
//! same verdicts as [`check`](crate::check) and, without reduction, the same states.
//!
//! The translation is of the model, not of an explored graph:
//!
//! - the state ([`State`](crate::machine::State)) is the Promela globals, one array per
//!   device field, per group field and the moves' `used` counters; a domain object is a
//!   pair (kind, generation), an MSI address a kind and the domain object of its IOVA;
//! - every action is an `inline` and every predicate a macro (an inline is a statement in
//!   Promela, and a predicate is read inside expressions), each written once, in one arm of
//!   `action` or `attribute`, with the kernel function its [`Machine`] method models;
//!   what the actions and the environment share is `promela/machine.pml`;
//! - every hook body of the policy's `extends` chain is an inline translated from the IR
//!   (`inherit()` is the parent's inline in place; `?` skips the rest of the hook once
//!   `err` is set);
//! - the environment is `promela/moves.pml`, one inline per function of `moves.rs`, and
//!   each transition of `explore::transitions` is one `d_step` of `init`'s loop (an `atomic`
//!   step with `-DATOMIC_STEPS`, for code longer than SPIN allows a `d_step`), guarded by
//!   its move's bound and by `moves::enabled`, so one transition of the checker is one
//!   transition of SPIN and the stored states correspond one to one; boot is one
//!   `atomic` step from SPIN's state before boot, the one state SPIN stores more;
//! - the properties are assertions where the checker evaluates them (`property`): state
//!   properties after boot and after every transition, step properties on every
//!   transition, boot properties once; `vfio-usable` as the assertion that a group is
//!   never open, whose violation is the reachability the property asks for.
//!
//! Temporaries are `hidden` (outside the state vector) and set before every use. The
//! property is chosen with `spin -DPROP=k`: 0 checks none (the plain state space), `k` the
//! k-th of [`Property::ALL`], [`ALL_PROPERTIES`] every one, each reported at most once
//! (for `pan -c0`).
//!
//! [`Machine`]: crate::machine::Machine

use crate::codegen::{hook_body_name, hook_stem};
use crate::explore::{transitions, Transition};
use crate::moves::Mv;
use crate::props::Property;
use std::collections::BTreeSet;
use std::fmt::Write;
use switchyard_dsl::ir::{CmpOp, Expr, HookImpl, Lit, Policy, Stmt};
use switchyard_dsl::scenario::{PciKind, Scenario, VfioBackend};
use switchyard_dsl::vocab::{
    Action, AtsState, Attr, CfgOption, DomainLit, DomainType, Errno, Hook, Kind,
};
use switchyard_dsl::Base;

/// The `PROP` value that checks every property, each reported once.
pub const ALL_PROPERTIES: u32 = 10;

/// The most devices, groups, drivers or moves the model indexes (its indices are bytes).
const MAX_INDEX: usize = 255;

/// What has no faithful Promela translation yet.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PromelaError {
    /// The scenario is larger than the model's byte indices reach.
    #[error("the scenario has {count} {what}; the Promela model indexes at most {max}")]
    TooLarge {
        what: &'static str,
        count: usize,
        max: usize,
    },
    /// A construct of the policy or the scenario that the back-end cannot write faithfully.
    #[error("{construct} has no faithful Promela translation: {reason}")]
    Unsupported { construct: String, reason: String },
}

fn unsupported(construct: impl Into<String>, reason: impl Into<String>) -> PromelaError {
    PromelaError::Unsupported {
        construct: construct.into(),
        reason: reason.into(),
    }
}

/// The Promela text of a policy on a scenario, and how its properties are selected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Promela {
    /// The model, for `spin -a`.
    pub text: String,
    /// The properties that apply to the scenario, in [`Property::ALL`]'s order; the others
    /// have no assertion (the checker's "n/a").
    pub checked: Vec<Checked>,
}

/// How one property is checked in the Promela text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checked {
    pub property: Property,
    /// `spin -DPROP=<prop>` checks it alone.
    pub prop: u32,
    /// The hidden variables its assertions assert (`assert(ok_no_warn)`): pan names the
    /// one violated. For `vfio-usable`, one per VFIO group, each true while the group has
    /// never been open: the property holds when every one of them is violated.
    pub assertions: Vec<String>,
}

impl Promela {
    /// The property an assertion pan reports as violated belongs to.
    pub fn property_of(&self, assertion: &str) -> Option<Property> {
        self.checked
            .iter()
            .find(|c| c.assertions.iter().any(|a| a == assertion))
            .map(|c| c.property)
    }
}

/// `PROP`'s value for a property: its position in [`Property::ALL`], from 1.
pub fn prop_number(p: Property) -> u32 {
    Property::ALL
        .iter()
        .position(|x| *x == p)
        .map_or(0, |i| i as u32 + 1)
}

// ---------------------------------------------------------------- one arm per construct

/// How an action is written.
enum ActionText {
    /// A call of the inline `name`, defined by `def` (its comment names the kernel
    /// function, as the [`Machine`](crate::machine::Machine) method's doc does).
    Inline {
        name: &'static str,
        def: &'static str,
    },
    /// `fail(e)`: `err` is set, and the rest of the hook is skipped. A message
    /// (`fail(e, "...")`) is only printed by the kernel and shown in the model's traces;
    /// no state or property reads it, so SPIN is given none.
    Fail,
    /// `inherit()`: the parent's inline, with the same parameters.
    Inherit,
}

/// The Promela of each action.
fn action(a: Action) -> ActionText {
    match a {
        Action::SetDomain => ActionText::Inline {
            name: "set_domain",
            def: r#"/* set_domain(g, LIT): __iommu_group_set_domain(). Refused with EINVAL when a member
 * requires direct mappings and the new domain is the blocking domain
 * (__iommu_device_set_domain()); otherwise every member moves, and the IOMMU driver sets
 * each capable member's ATS from the new domain. Identity is the default domain when its
 * type is identity; None and Dma are not one domain. */
inline set_domain(g, lit) {
    sd_k = D_NONE;
    sd_gen = 0;
    if
    :: (lit) == DL_Blocked -> sd_k = D_BLOCKED
    :: (lit) == DL_Default -> sd_k = D_DEFAULT; sd_gen = grp_default_gen[g]
    :: (lit) == DL_Identity && grp_default_type[g] == DT_Identity ->
        sd_k = D_DEFAULT; sd_gen = grp_default_gen[g]
    :: (lit) == DL_Identity && grp_default_type[g] != DT_Identity -> sd_k = D_IDENTITY
    :: (lit) == DL_EmptyDma -> sd_k = D_EMPTY_DMA
    :: (lit) == DL_User -> sd_k = D_USER; sd_gen = grp_user_gen[g]
    :: else -> skip
    fi;
    if
    :: sd_k == D_NONE -> err = EINVAL
    :: sd_k == D_BLOCKED && ANY_MEMBER(g, require_direct) -> err = EINVAL
    :: else -> attach(g, sd_k, sd_gen)
    fi
}
"#,
        },
        Action::SetDefaultType => ActionText::Inline {
            name: "set_default_type",
            def: r#"/* set_default_type(g, ty): iommu_setup_default_domain() allocating a new default domain of
 * the type (a new generation); the group stays attached where it is. Identity is refused
 * with EINVAL when a member is untrusted (iommu_get_default_domain_type()); a default
 * domain that already has the type is kept (__iommu_group_alloc_default_domain()). */
inline set_default_type(g, ty) {
    if
    :: (ty) == DT_Identity && ANY_MEMBER(g, untrusted) -> err = EINVAL
    :: else ->
        if
        :: grp_default_type[g] != (ty) ->
            grp_default_type[g] = ty;
            inc_sat(grp_default_gen[g])
        :: else -> skip
        fi
    fi
}
"#,
        },
        Action::UseDefaultDomain => ActionText::Inline {
            name: "use_default_domain",
            def: r#"/* use_default_domain(dev): iommu_device_use_default_domain(). EBUSY when the group
 * already has users and is owned or not in its default domain; otherwise one more DMA-API
 * user. */
inline use_default_domain(d) {
    if
    :: grp_owner_cnt[dev_group[d]] > 0 &&
       (!domain_is_Default(dev_group[d]) || grp_owned[dev_group[d]]) -> err = EBUSY
    :: else ->
        grp_owner_cnt[dev_group[d]] = grp_owner_cnt[dev_group[d]] + 1;
        dev_dma_user[d] = 1
    fi
}
"#,
        },
        Action::UnuseDefaultDomain => ActionText::Inline {
            name: "unuse_default_domain",
            def: r#"/* unuse_default_domain(dev): iommu_device_unuse_default_domain(). */
inline unuse_default_domain(d) {
    dec_sat(grp_owner_cnt[dev_group[d]]);
    dev_dma_user[d] = 0
}
"#,
        },
        Action::MaskMsis => ActionText::Inline {
            name: "mask_msis",
            def: r#"/* mask_msis(dev): each live vector masked at the device (mask_irq() -> the MSI chip's
 * irq_mask, pci_msi_mask_irq()); a message it raises waits in the pending bit. */
inline mask_msis(d) {
    if
    :: dev_msi[d] != MSI_NONE && dev_msi[d] != MSI_INTX && !dev_msi_masked[d] ->
        dev_msi_masked[d] = 1
    :: else -> skip
    fi
}
"#,
        },
        Action::RetargetMsis => ActionText::Inline {
            name: "retarget_msis",
            def: r#"/* retarget_msis(dev): each live vector's doorbell prepared again in the group's current
 * domain (iommu_dma_prepare_msi()), the message recomposed and written
 * (irq_chip_compose_msi_msg(), irq_write_msi_msg, as msi_domain_set_affinity() does), the
 * vector unmasked and replayed once (irq_set_irqchip_state(IRQCHIP_STATE_PENDING)): a
 * pending AER is serviced by aer_irq(). On x86 nothing is prepared again; a held message
 * goes out on the unmask. On 7.3 a refused preparation (compose() gives MSI_INTX) leaves
 * the message as it was. */
inline retarget_msis(d) {
    if
    :: dev_msi[d] == MSI_NONE || dev_msi[d] == MSI_INTX -> skip
    :: else ->
        dev_msi_masked[d] = 0;
        if
        :: MSI_TRANSLATED ->
            compose(d);
            if
            :: cp_a != MSI_INTX ->
                dev_msi[d] = cp_a;
                dev_msi_dom[d] = cp_k;
                dev_msi_gen[d] = cp_gen
            :: else -> skip
            fi
        :: else -> skip
        fi;
        if
        :: dev_aer_pending[d] && aer_listening(d) -> dev_aer_pending[d] = 0
        :: else -> skip
        fi
    fi
}
"#,
        },
        Action::Ats => ActionText::Inline {
            name: "ats",
            def: r#"/* ats(dev, On|Off): pci_enable_ats() / pci_disable_ats(). Enabling fails with EINVAL for
 * a device without the capability, an untrusted one (pci_ats_supported()), or while the
 * group's domain is one the IOMMU driver keeps ATS off for. */
inline ats(d, st) {
    if
    :: (st) == ATS_Off -> dev_ats_on[d] = 0
    :: else ->
        if
        :: !dev_ats_cap[d] || dev_untrusted[d] || grp_dom[dev_group[d]] == D_NONE ||
           !allows_ats(dev_group[d], grp_dom[dev_group[d]], grp_dom_gen[dev_group[d]]) ->
            err = EINVAL
        :: else -> dev_ats_on[d] = 1
        fi
    fi
}
"#,
        },
        Action::Fail => ActionText::Fail,
        Action::Inherit => ActionText::Inherit,
    }
}

/// How an attribute is read.
enum AttrText {
    /// A macro `name(base)`, defined by `def`.
    Macro {
        name: &'static str,
        def: &'static str,
    },
    /// `g.domain`: only compared, with a literal through `domain_is_LIT(g)`, with another
    /// group's by the domain objects.
    CurrentDomain,
    /// `g.devices`: the range of a `for` loop over the members.
    Members,
}

/// The Promela of each attribute.
fn attribute(a: Attr) -> AttrText {
    let m = |name, def| AttrText::Macro { name, def };
    match a {
        Attr::Bound => m(
            "bound",
            "/* dev.bound: dev->driver (device_set_driver()). */\n\
             #define bound(d) (dev_driver[d] != 0)\n",
        ),
        Attr::ManagedDma => m(
            "managed_dma",
            "/* dev.managed_dma: the bound driver's driver_managed_dma. */\n\
             #define managed_dma(d) drv_managed_dma[dev_driver[d]]\n",
        ),
        Attr::IrqOnly => m(
            "irq_only",
            "/* dev.irq_only: the bound driver uses IRQs but no DMA. */\n\
             #define irq_only(d) drv_irq_only[dev_driver[d]]\n",
        ),
        Attr::MsiLive => m(
            "msi_live",
            "/* dev.msi_live: MSI descriptors are allocated. */\n\
             #define msi_live(d) (dev_msi[d] != MSI_NONE && dev_msi[d] != MSI_INTX)\n",
        ),
        Attr::MsiIova => m(
            "msi_iova",
            "/* dev.msi_iova: live vectors whose message carries a doorbell IOVA\n \
             * (iommu_dma_prepare_msi() found an MSI cookie). */\n\
             #define msi_iova(d) (dev_msi[d] == MSI_IOVA)\n",
        ),
        Attr::Untrusted => m(
            "untrusted",
            "/* dev.untrusted: pci_dev->untrusted. */\n\
             #define untrusted(d) dev_untrusted[d]\n",
        ),
        Attr::RequireDirect => m(
            "require_direct",
            "/* dev.require_direct: dev->iommu->require_direct. */\n\
             #define require_direct(d) dev_require_direct[d]\n",
        ),
        Attr::AtsRequired => m(
            "ats_required",
            "/* dev.ats_required: pci_ats_required(). */\n\
             #define ats_required(d) dev_ats_required[d]\n",
        ),
        Attr::AtsOn => m(
            "ats_on",
            "/* dev.ats: pci_dev->ats_enabled. */\n\
             #define ats_on(d) dev_ats_on[d]\n",
        ),
        Attr::Bridge => m(
            "bridge",
            "/* dev.bridge: pci_is_bridge(). */\n\
             #define bridge(d) (dev_kind[d] != K_ENDPOINT)\n",
        ),
        Attr::Domain => AttrText::CurrentDomain,
        Attr::DefaultType => m(
            "default_type",
            "/* g.default_type: group->default_domain->type. */\n\
             #define default_type(g) grp_default_type[g]\n",
        ),
        Attr::Owned => m(
            "owned",
            "/* g.owned: group->owner != NULL. */\n\
             #define owned(g) grp_owned[g]\n",
        ),
        Attr::OwnerCnt => m(
            "owner_cnt",
            "/* g.owner_cnt: group->owner_cnt. */\n\
             #define owner_cnt(g) grp_owner_cnt[g]\n",
        ),
        Attr::BoundCount => m(
            "bound_count",
            "/* g.bound_count: members with dev->driver. */\n\
             #define bound_count(g) COUNT_MEMBERS(g, bound)\n",
        ),
        Attr::GroupRequireDirect => m(
            "group_require_direct",
            "/* g.require_direct: a member's dev->iommu->require_direct. */\n\
             #define group_require_direct(g) ANY_MEMBER(g, require_direct)\n",
        ),
        Attr::GroupAttachDeferred => m(
            "group_attach_deferred",
            "/* g.attach_deferred: a member's dev->iommu->attach_deferred. */\n\
             #define group_attach_deferred(g) ANY_MEMBER(g, deferred_of)\n",
        ),
        Attr::Singleton => m(
            "singleton",
            "/* g.singleton: list_is_singular(&group->devices). */\n\
             #define singleton(g) (COUNT_MEMBERS(g, always) == 1)\n",
        ),
        Attr::Devices => AttrText::Members,
    }
}

/// `g.domain == LIT`, as `Machine::domain_is` reads it: `Default` is the current default
/// domain object; `Dma` and `Identity` match any domain of that type.
fn domain_is(lit: DomainLit) -> &'static str {
    match lit {
        DomainLit::None => "(grp_dom[g] == D_NONE)",
        DomainLit::Blocked => "(grp_dom[g] == D_BLOCKED)",
        DomainLit::Default => {
            "(grp_dom[g] == D_DEFAULT && grp_dom_gen[g] == grp_default_gen[g])"
        }
        DomainLit::Identity => {
            "(grp_dom[g] == D_IDENTITY || \\\n    (grp_dom[g] == D_DEFAULT && grp_default_type[g] == DT_Identity))"
        }
        DomainLit::Dma => {
            "(grp_dom[g] == D_EMPTY_DMA || \\\n    (grp_dom[g] == D_DEFAULT && grp_default_type[g] == DT_Dma))"
        }
        DomainLit::EmptyDma => "(grp_dom[g] == D_EMPTY_DMA)",
        DomainLit::User => "(grp_dom[g] == D_USER)",
    }
}

/// `cfg(OPTION)`, as `Machine::cfg` builds it on the base.
fn cfg(option: CfgOption, base: Base) -> (&'static str, &'static str) {
    match (option, base) {
        (CfgOption::IRQ_MSI_IOMMU, Base::Linux612) => (
            "1",
            "IRQ_MSI_IOMMU (Linux 6.12): selected by IOMMU_DMA, y on arm64 and x86 alike",
        ),
        (CfgOption::IRQ_MSI_IOMMU, Base::Linux73) => (
            "MSI_TRANSLATED",
            "IRQ_MSI_IOMMU (Linux 7.3): selected by the irqchips that call \
             iommu_dma_prepare_msi(), y on arm64 (GICv3 ITS), n on x86",
        ),
    }
}

// ---------------------------------------------------------------- properties

/// Where a property is evaluated, as the checker does.
enum Eval {
    /// A state property: `bad(d)` (or `bad(g)`) of some device (group) after boot and
    /// after every transition.
    State { bad: &'static str, over: Kind },
    /// `msi-delivered`: on each `raise_aer` transition, of the root port `r` it signals.
    AerStep { bad: &'static str },
    /// `no-silent-loss`: on every other transition that succeeds, and on boot.
    SilentLoss {
        step: &'static str,
        boot: &'static str,
    },
    /// `no-warn`: on every transition, and on boot.
    Warned,
    /// `vfio-usable`: some reachable state has each VFIO group open.
    Reachable { open: &'static str },
}

/// One property: its definitions and where it is evaluated.
struct PropertyText {
    defs: &'static str,
    eval: Eval,
}

/// The Promela of each property, following `props.rs`.
fn property(p: Property) -> PropertyText {
    match p {
        Property::MsiDelivered => PropertyText {
            defs: "/* msi-delivered: an AER raised reaches the CPU, or no driver reports it; held by a\n \
                   * mask only while the group switches. */\n\
                   #define aer_undelivered(r) (irq != IRQ_DELIVERED && irq != IRQ_UNREPORTED && \\\n    \
                   !(irq == IRQ_HELD && switching(dev_group[r])))\n",
            eval: Eval::AerStep {
                bad: "aer_undelivered",
            },
        },
        Property::NoSilentLoss => PropertyText {
            defs: "/* no-silent-loss: a successful move (and boot) leaves every bound driver's live vectors\n \
                   * working that worked before it. */\n\
                   #define vectors_broken(d) (dev_msi[d] != MSI_NONE && dev_driver[d] != 0 && !vectors_work(d))\n\
                   #define silently_lost(d) (vectors_broken(d) && worked_before[d])\n",
            eval: Eval::SilentLoss {
                step: "silently_lost",
                boot: "vectors_broken",
            },
        },
        Property::UnboundIsolated => PropertyText {
            defs: "/* unbound-isolated: a probed device without a driver has no ATS, is not in an identity\n \
                   * domain (unless it requires direct mappings), and shares no DMA domain with a DMA-API\n \
                   * user of an unowned group. */\n\
                   #define cur_identity(g) is_identity(g, grp_dom[g], grp_dom_gen[g])\n\
                   #define dma_user(d) dev_dma_user[d]\n\
                   #define unbound_exposed(d) (dev_probed[d] && dev_driver[d] == 0 && (dev_ats_on[d] || \\\n    \
                   (cur_identity(dev_group[d]) && !dev_require_direct[d]) || \\\n    \
                   ((grp_dom[dev_group[d]] == D_DEFAULT || grp_dom[dev_group[d]] == D_EMPTY_DMA) && \\\n     \
                   !cur_identity(dev_group[d]) && ANY_MEMBER(dev_group[d], dma_user) && \\\n     \
                   !grp_owned[dev_group[d]])))\n",
            eval: Eval::State {
                bad: "unbound_exposed",
                over: Kind::Device,
            },
        },
        Property::RequireDirectKept => PropertyText {
            defs: "/* require-direct-kept: a device with an RMR is never blocked or parked, nor refused by\n \
                   * its group (Machine::refused()). */\n\
                   #define dev_refused(d) (dev_present[d] && !dev_probed[d] && \\\n    \
                   (dev_driver[d] != 0 || !PROBES_AT_BIND))\n\
                   #define direct_lost(d) (dev_require_direct[d] && (dev_refused(d) || (dev_probed[d] && \\\n    \
                   (grp_dom[dev_group[d]] == D_BLOCKED || grp_dom[dev_group[d]] == D_EMPTY_DMA))))\n",
            eval: Eval::State {
                bad: "direct_lost",
                over: Kind::Device,
            },
        },
        Property::AtsRequiredKept => PropertyText {
            defs: "/* ats-required-kept: a bound device that needs ATS has it in any domain but blocked. */\n\
                   #define ats_missing(d) (dev_probed[d] && dev_ats_required[d] && dev_driver[d] != 0 && \\\n    \
                   grp_dom[dev_group[d]] != D_NONE && grp_dom[dev_group[d]] != D_BLOCKED && !dev_ats_on[d])\n",
            eval: Eval::State {
                bad: "ats_missing",
                over: Kind::Device,
            },
        },
        Property::DmaApiWorks => PropertyText {
            defs: "/* dma-api-works: a bound DMA-API driver's unowned group is in its default domain, the\n \
                   * driver counted. */\n\
                   #define dma_api_broken(d) (dev_probed[d] && drv_dma_api[dev_driver[d]] && \\\n    \
                   !grp_owned[dev_group[d]] && (!domain_is_Default(dev_group[d]) || !dev_dma_user[d]))\n",
            eval: Eval::State {
                bad: "dma_api_broken",
                over: Kind::Device,
            },
        },
        Property::UserIsolated => PropertyText {
            defs: "/* user-isolated: an owned group is only in the blocking or the user's domain. */\n\
                   #define user_exposed(g) (grp_owned[g] && grp_dom[g] != D_NONE && \\\n    \
                   grp_dom[g] != D_BLOCKED && grp_dom[g] != D_USER)\n",
            eval: Eval::State {
                bad: "user_exposed",
                over: Kind::Group,
            },
        },
        Property::VfioUsable => PropertyText {
            defs: "/* vfio-usable: the user's open completed: owned, open, in the user's domain. */\n\
                   #define user_has(g) (grp_owned[g] && grp_vfio[g] == V_OPEN && grp_dom[g] == D_USER)\n",
            eval: Eval::Reachable { open: "user_has" },
        },
        Property::NoWarn => PropertyText {
            defs: "/* no-warn: no WARN in a move or at boot. */\n",
            eval: Eval::Warned,
        },
    }
}

/// The hidden variable a property's assertion asserts.
fn ok_var(p: Property) -> String {
    format!("ok_{}", p.name().replace('-', "_"))
}

/// An identifier from a name of the scenario or the policy.
fn ident(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

// ---------------------------------------------------------------- hook bodies

/// The translation of one hook body.
struct HookCx<'a> {
    imp: &'a HookImpl,
    /// The inline's name.
    name: String,
    /// DSL names in scope and their Promela names, innermost last.
    scope: Vec<(String, String)>,
    /// Loops written so far (for their variables' names).
    loops: usize,
}

fn param_name(name: &str) -> String {
    format!("p_{}", ident(name))
}

/// Whether the statement can set `err`: a call with `?` or `fail`, anywhere in it.
fn may_fail(s: &Stmt) -> bool {
    match s {
        Stmt::If {
            then, otherwise, ..
        } => then.0.iter().any(may_fail) || otherwise.iter().flat_map(|b| &b.0).any(may_fail),
        Stmt::For { body, .. } => body.0.iter().any(may_fail),
        Stmt::Call {
            action: a,
            propagate,
            ..
        } => *propagate || matches!(action(*a), ActionText::Fail),
    }
}

fn pad(out: &mut String, indent: usize) {
    out.push_str(&" ".repeat(indent));
}

impl HookCx<'_> {
    /// A block's statements, each ending in `;`; once one may have set `err`, the rest
    /// only runs while it has not (`?` returns from the hook).
    fn block(
        &mut self,
        stmts: &[Stmt],
        out: &mut String,
        indent: usize,
        hidden: &mut BTreeSet<String>,
    ) -> Result<(), PromelaError> {
        if stmts.is_empty() {
            pad(out, indent);
            out.push_str("skip;\n");
        }
        for (i, s) in stmts.iter().enumerate() {
            self.stmt(s, out, indent, hidden)?;
            let rest = &stmts[i + 1..];
            if may_fail(s) && !rest.is_empty() {
                pad(out, indent);
                out.push_str("if\n");
                pad(out, indent);
                out.push_str(":: err == 0 ->\n");
                self.block(rest, out, indent + 4, hidden)?;
                pad(out, indent);
                out.push_str(":: else -> skip\n");
                pad(out, indent);
                out.push_str("fi;\n");
                break;
            }
        }
        Ok(())
    }

    fn stmt(
        &mut self,
        s: &Stmt,
        out: &mut String,
        indent: usize,
        hidden: &mut BTreeSet<String>,
    ) -> Result<(), PromelaError> {
        match s {
            Stmt::If {
                cond,
                then,
                otherwise,
            } => {
                let c = self.expr(cond)?;
                pad(out, indent);
                out.push_str("if\n");
                pad(out, indent);
                let _ = writeln!(out, ":: {c} ->");
                self.block(&then.0, out, indent + 4, hidden)?;
                pad(out, indent);
                match otherwise {
                    Some(e) => {
                        out.push_str(":: else ->\n");
                        self.block(&e.0, out, indent + 4, hidden)?;
                    }
                    None => out.push_str(":: else -> skip\n"),
                }
                pad(out, indent);
                out.push_str("fi;\n");
            }
            Stmt::For { var, group, body } => {
                let g = self.expr(group)?;
                let v = format!("{}_{}{}", self.name, ident(var), self.loops);
                self.loops += 1;
                hidden.insert(v.clone());
                let guard = if body.0.iter().any(may_fail) {
                    format!("err == 0 && is_member({v}, {g})")
                } else {
                    format!("is_member({v}, {g})")
                };
                pad(out, indent);
                let _ = writeln!(out, "for ({v} : 0 .. N_DEV - 1) {{");
                pad(out, indent + 4);
                out.push_str("if\n");
                pad(out, indent + 4);
                let _ = writeln!(out, ":: {guard} ->");
                self.scope.push((var.clone(), v));
                let r = self.block(&body.0, out, indent + 8, hidden);
                self.scope.pop();
                r?;
                pad(out, indent + 4);
                out.push_str(":: else -> skip\n");
                pad(out, indent + 4);
                out.push_str("fi\n");
                pad(out, indent);
                out.push_str("};\n");
            }
            Stmt::Call {
                action: a, args, ..
            } => {
                let args = args
                    .iter()
                    .map(|e| self.expr(e))
                    .collect::<Result<Vec<_>, _>>()?;
                pad(out, indent);
                match action(*a) {
                    ActionText::Inline { name, .. } => {
                        let _ = writeln!(out, "{name}({});", args.join(", "));
                    }
                    ActionText::Fail => {
                        let _ = writeln!(out, "err = {};", args.join(", "));
                    }
                    ActionText::Inherit => {
                        let parent = self.imp.parent.as_deref().ok_or_else(|| {
                            unsupported(
                                format!("inherit() in `{}`", self.imp.signature()),
                                "the resolved policy has no parent body for it",
                            )
                        })?;
                        let pass: Vec<String> =
                            self.imp.params.iter().map(|p| param_name(p)).collect();
                        let _ = writeln!(
                            out,
                            "{}({});",
                            hook_body_name(parent.hook, &ident(&parent.defined_in)),
                            pass.join(", ")
                        );
                    }
                }
            }
        }
        Ok(())
    }

    fn var(&self, name: &str) -> Result<String, PromelaError> {
        self.scope
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .ok_or_else(|| unsupported(format!("`{name}`"), "not a name in scope"))
    }

    fn expr(&self, e: &Expr) -> Result<String, PromelaError> {
        Ok(match e {
            Expr::Var { name, .. } => self.var(name)?,
            Expr::Lit { lit: l } => lit(l)?,
            Expr::GroupOf { dev } => format!("dev_group[{}]", self.expr(dev)?),
            Expr::Cfg { option } => format!("cfg_{}", option.name()),
            Expr::Attr { base, attr } => {
                let b = self.expr(base)?;
                match attribute(*attr) {
                    AttrText::Macro { name, .. } => format!("{name}({b})"),
                    AttrText::Members => b,
                    AttrText::CurrentDomain => {
                        return Err(unsupported(
                            format!("`{e}`"),
                            "a group's domain is only compared",
                        ))
                    }
                }
            }
            // Parenthesised: `!!` is a Promela operator of its own (a sorted send).
            Expr::Not { expr } => format!("!({})", self.expr(expr)?),
            Expr::And { lhs, rhs } => format!("({} && {})", self.expr(lhs)?, self.expr(rhs)?),
            Expr::Or { lhs, rhs } => format!("({} || {})", self.expr(lhs)?, self.expr(rhs)?),
            Expr::Cmp { op, lhs, rhs } => self.cmp(*op, lhs, rhs)?,
        })
    }

    fn cmp(&self, op: CmpOp, lhs: &Expr, rhs: &Expr) -> Result<String, PromelaError> {
        let group_domain = |e: &Expr| match e {
            Expr::Attr { base, attr } => match attribute(*attr) {
                AttrText::CurrentDomain => Some(base.as_ref().clone()),
                AttrText::Macro { .. } | AttrText::Members => None,
            },
            _ => None,
        };
        let negate = |t: String| match op {
            CmpOp::Eq => Ok(t),
            CmpOp::Ne => Ok(format!("!{t}")),
            _ => Err(unsupported(
                format!("`{}` on domains", op.symbol()),
                "domains are only compared for equality",
            )),
        };
        match (group_domain(lhs), group_domain(rhs), lhs, rhs) {
            (
                Some(g),
                _,
                _,
                Expr::Lit {
                    lit: Lit::Domain(d),
                },
            )
            | (
                _,
                Some(g),
                Expr::Lit {
                    lit: Lit::Domain(d),
                },
                _,
            ) => negate(format!("domain_is_{}({})", d.name(), self.expr(&g)?)),
            (Some(g), Some(h), _, _) => {
                let (g, h) = (self.expr(&g)?, self.expr(&h)?);
                negate(format!(
                    "(grp_dom[{g}] == grp_dom[{h}] && grp_dom_gen[{g}] == grp_dom_gen[{h}])"
                ))
            }
            _ => Ok(format!(
                "({} {} {})",
                self.expr(lhs)?,
                op.symbol(),
                self.expr(rhs)?
            )),
        }
    }
}

fn lit(l: &Lit) -> Result<String, PromelaError> {
    Ok(match l {
        Lit::Bool(b) => b.to_string(),
        Lit::Int(i) => {
            if i32::try_from(*i).is_err() {
                return Err(unsupported(
                    format!("the count {i}"),
                    "Promela's int is 32-bit signed",
                ));
            }
            i.to_string()
        }
        Lit::Domain(d) => format!("DL_{}", d.name()),
        Lit::DomainType(t) => format!("DT_{}", t.name()),
        Lit::Errno(e) => e.name().to_string(),
        Lit::Ats(a) => format!("ATS_{}", a.name()),
    })
}

/// Every hook body of the chain, parents before children, each once.
fn bodies<'a>(imp: &'a HookImpl, seen: &mut BTreeSet<(Hook, String)>, out: &mut Vec<&'a HookImpl>) {
    if let Some(p) = &imp.parent {
        bodies(p, seen, out);
    }
    if seen.insert((imp.hook, imp.defined_in.clone())) {
        out.push(imp);
    }
}

fn hook_inline(imp: &HookImpl, hidden: &mut BTreeSet<String>) -> Result<String, PromelaError> {
    let name = hook_body_name(imp.hook, &ident(&imp.defined_in));
    let mut cx = HookCx {
        imp,
        name: name.clone(),
        scope: imp
            .params
            .iter()
            .map(|p| (p.clone(), param_name(p)))
            .collect(),
        loops: 0,
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "/* `{}` as written in `{}`. */",
        imp.signature(),
        imp.defined_in
    );
    let params: Vec<String> = imp.params.iter().map(|p| param_name(p)).collect();
    let _ = writeln!(out, "inline {name}({}) {{", params.join(", "));
    cx.block(&imp.body.0, &mut out, 4, hidden)?;
    out.push_str("}\n");
    Ok(out)
}

// ---------------------------------------------------------------- the file

const MACHINE: &str = include_str!("promela/machine.pml");
const MOVES: &str = include_str!("promela/moves.pml");

fn check_size(what: &'static str, count: usize) -> Result<(), PromelaError> {
    if count > MAX_INDEX {
        return Err(PromelaError::TooLarge {
            what,
            count,
            max: MAX_INDEX,
        });
    }
    Ok(())
}

/// The model of `policy` on `scenario` as Promela.
pub fn promela(policy: &Policy, scenario: &Scenario, base: Base) -> Result<Promela, PromelaError> {
    let s = scenario;
    check_size("devices", s.devices.len())?;
    check_size("groups", s.groups.len())?;
    check_size("drivers", s.drivers.len() + 1)?;
    check_size("moves", s.moves.len())?;
    if s.devices.is_empty() {
        return Err(unsupported(
            format!("scenario `{}`", s.name),
            "it has no device, and Promela has no empty arrays",
        ));
    }
    let moves = transitions(s);
    let group_of = |d: usize| {
        s.groups
            .iter()
            .position(|g| g.name == s.devices[d].group)
            .ok_or_else(|| {
                unsupported(
                    format!("device `{}`", s.devices[d].name),
                    "its group is not declared",
                )
            })
    };
    let driver_of = |name: &str| {
        s.drivers
            .iter()
            .position(|x| x.name == name)
            .map(|i| i + 1)
            .ok_or_else(|| unsupported(format!("driver `{name}`"), "not declared"))
    };

    // The properties that apply, and the VFIO groups vfio-usable asks about.
    let vfio_groups = crate::explore::vfio_groups(&moves);
    let never_open = |g: usize| format!("never_open_{}", ident(&s.groups[g].name));
    let checked: Vec<Checked> = Property::ALL
        .into_iter()
        .filter(|p| p.applies(s))
        .map(|p| Checked {
            property: p,
            prop: prop_number(p),
            assertions: match property(p).eval {
                Eval::Reachable { .. } => vfio_groups.iter().map(|&g| never_open(g)).collect(),
                _ => vec![ok_var(p)],
            },
        })
        .collect();

    let mut hidden: BTreeSet<String> = BTreeSet::new();
    let mut t = String::new();

    // Header.
    let _ = writeln!(
        t,
        "/* switchyard: policy `{}` ({}) on scenario `{}`, {}, as Promela for SPIN 6.5.",
        policy.name,
        policy.chain.join(" -> "),
        s.name,
        base
    );
    t.push_str(
        " * Written by `switchyard gen promela`: the model of switchyard's checker, one of its\n \
         * transitions one d_step here, so that the stored states correspond one to one (SPIN\n \
         * also stores the state before boot, from which boot is one atomic step).\n *\n \
         *   spin -DPROP=k -a model.pml && gcc -O2 -DSAFETY -DNOREDUCE -o pan pan.c && ./pan -m100000\n *\n \
         * PROP selects the property (each reported at most once, so `./pan -c0` reports all):\n \
         *   0  none: the plain state space\n",
    );
    for p in Property::ALL {
        let note = if checked.iter().any(|c| c.property == p) {
            if p == Property::VfioUsable {
                " (holds when every never_open_* assertion is violated)"
            } else {
                ""
            }
        } else {
            " (not applicable to this scenario: no assertion)"
        };
        let _ = writeln!(t, " *   {:<2} {}{note}", prop_number(p), p.name());
    }
    let _ = writeln!(t, " *   {ALL_PROPERTIES} all of them\n */\n");
    let _ = writeln!(
        t,
        "#ifndef PROP\n#define PROP 0\n#endif\n#define ALL_PROPERTIES {ALL_PROPERTIES}\n\
         #define CHECKING(k) (PROP == (k) || PROP == ALL_PROPERTIES)\n\n\
         /* A transition is a d_step; -DATOMIC_STEPS makes it atomic, for a transition whose\n \
         * code is longer than SPIN allows a d_step (\"d_step sequence too long\"). Either way\n \
         * SPIN stores only the state it ends in. */\n\
         #ifdef ATOMIC_STEPS\n#define STEP atomic\n#else\n#define STEP d_step\n#endif\n"
    );

    // Encodings.
    t.push_str(
        "/* ---------------------------------------------------------------- encodings */\n\
         /* A domain object's kind (Option<Dom>); D_DEFAULT and D_USER carry a generation. */\n\
         #define D_NONE 0\n#define D_BLOCKED 1\n#define D_DEFAULT 2\n#define D_IDENTITY 3\n\
         #define D_EMPTY_DMA 4\n#define D_USER 5\n\
         /* Msi: none, live with the address it was composed with (MsiAddr), or INTx. */\n\
         #define MSI_NONE 0\n#define MSI_DIRECT 1\n#define MSI_PHYSICAL 2\n#define MSI_IOVA 3\n\
         /* Msi::Intx: the MSI allocation was refused, the driver is on INTx. */\n\
         #define MSI_INTX 4\n\
         /* VfioStep. */\n\
         #define V_CLOSED 0\n#define V_CLAIMED 1\n#define V_ATTACHED 2\n#define V_OPEN 3\n#define V_DETACHED 4\n\
         /* PciKind. */\n\
         #define K_ENDPOINT 0\n#define K_ROOT_PORT 1\n#define K_UPSTREAM_PORT 2\n#define K_DOWNSTREAM_PORT 3\n\
         /* A transition's outcome, and what an AER raised did (moves::Outcome, moves::Irq). */\n\
         #define OUT_OK 0\n#define OUT_FAILED 1\n#define OUT_IRQ 2\n\
         #define IRQ_DELIVERED 1\n#define IRQ_LOST 2\n#define IRQ_UNSIGNALLED 3\n#define IRQ_HELD 4\n\
         #define IRQ_UNREPORTED 5\n\
         /* The language's literals. */\n",
    );
    for (i, d) in DomainLit::ALL.iter().enumerate() {
        let _ = writeln!(t, "#define DL_{} {i}", d.name());
    }
    for (i, d) in DomainType::ALL.iter().enumerate() {
        let _ = writeln!(t, "#define DT_{} {i}", d.name());
    }
    for (i, a) in AtsState::ALL.iter().enumerate() {
        let _ = writeln!(t, "#define ATS_{} {i}", a.name());
    }
    for e in Errno::ALL {
        let _ = writeln!(t, "#define {} {}", e.name(), e.value());
    }
    t.push('\n');

    // The scenario.
    let _ = writeln!(
        t,
        "/* ---------------------------------------------------------------- the scenario `{}` */",
        s.name
    );
    let _ = writeln!(t, "#define N_DEV {}", s.devices.len());
    let _ = writeln!(t, "#define N_GRP {}", s.groups.len().max(1));
    let _ = writeln!(t, "#define N_DRV {}", s.drivers.len() + 1);
    let _ = writeln!(t, "#define N_MOVES {}", s.moves.len().max(1));
    let _ = writeln!(t, "#define MSI_TRANSLATED {}", u8::from(s.msi_translated));
    let _ = writeln!(
        t,
        "#define IOMMU_VTD {}",
        u8::from(s.iommu() == switchyard_dsl::scenario::Iommu::Vtd)
    );
    let _ = writeln!(
        t,
        "/* The base's facts ({base}): Machine::probes_at_bind(); whether \
         iommu_dma_prepare_msi() refuses a domain without a cookie (Machine::compose()). */"
    );
    let _ = writeln!(
        t,
        "#define PROBES_AT_BIND {}",
        u8::from(crate::machine::probes_at_bind(s, base))
    );
    let _ = writeln!(
        t,
        "/* Machine::bind_probes(), Machine::release_keeps_direct(). */\n\
         #define BIND_PROBES {}\n#define RELEASE_KEEPS_DIRECT {}",
        u8::from(crate::machine::bind_probes(s)),
        u8::from(crate::machine::release_keeps_direct(s, base))
    );
    let _ = writeln!(
        t,
        "#define PREPARE_NEEDS_COOKIE {}",
        u8::from(base == Base::Linux73)
    );
    let _ = writeln!(
        t,
        "#define IOMMUFD {}",
        u8::from(s.vfio_backend == VfioBackend::Iommufd)
    );
    let _ = writeln!(t, "#define BOOT_DEFAULT DT_{}", s.default_domain.name());
    t.push_str(
        "\n/* The scenario's facts, set once before boot: hidden, as they are not state. A\n \
         * driver's index counts from 1; its row 0 is \"no driver\", all false. */\n",
    );
    for f in [
        "dev_group",
        "dev_kind",
        "dev_aer",
        "dev_untrusted",
        "dev_require_direct",
        "dev_attach_deferred",
        "dev_ats_cap",
        "dev_ats_required",
    ] {
        let _ = writeln!(t, "hidden byte {f}[N_DEV];");
    }
    for f in [
        "drv_managed_dma",
        "drv_dma_api",
        "drv_msi",
        "drv_irq_only",
        "drv_vfio",
    ] {
        let _ = writeln!(t, "hidden byte {f}[N_DRV];");
    }
    t.push_str("\ninline scenario() {\n");
    for (d, dev) in s.devices.iter().enumerate() {
        let _ = writeln!(
            t,
            "    /* {}: {}, {}, in {}{} */",
            dev.name,
            dev.kind.describe(),
            dev.pci,
            dev.group,
            if dev.hotplug { ", hot-plugged" } else { "" }
        );
        let kind = match dev.kind {
            PciKind::Endpoint => "K_ENDPOINT",
            PciKind::RootPort => "K_ROOT_PORT",
            PciKind::UpstreamPort => "K_UPSTREAM_PORT",
            PciKind::DownstreamPort => "K_DOWNSTREAM_PORT",
        };
        let _ = writeln!(t, "    dev_group[{d}] = {};", group_of(d)?);
        let _ = writeln!(t, "    dev_kind[{d}] = {kind};");
        for (f, v) in [
            ("dev_aer", dev.aer),
            ("dev_untrusted", dev.untrusted),
            ("dev_require_direct", dev.require_direct),
            ("dev_attach_deferred", dev.attach_deferred),
            ("dev_ats_cap", dev.ats),
            ("dev_ats_required", dev.ats_required),
        ] {
            let _ = writeln!(t, "    {f}[{d}] = {};", u8::from(v));
        }
    }
    for (i, drv) in s.drivers.iter().enumerate() {
        let k = i + 1;
        let _ = writeln!(t, "    /* driver {k}: {} */", drv.kernel_name);
        for (f, v) in [
            ("drv_managed_dma", drv.managed_dma),
            ("drv_dma_api", drv.dma_api),
            ("drv_msi", drv.msi),
            ("drv_irq_only", drv.irq_only),
            ("drv_vfio", drv.vfio),
        ] {
            let _ = writeln!(t, "    {f}[{k}] = {};", u8::from(v));
        }
    }
    t.push_str("    skip\n}\n\n");
    let n = s.devices.len();
    let terms = |join: &str| {
        (0..n)
            .map(|d| format!("(is_member({d}, g) && P({d}))"))
            .collect::<Vec<_>>()
            .join(join)
    };
    t.push_str("/* The members of group g for which P(d) holds: any, and how many. */\n");
    t.push_str("#define always(d) 1\n");
    let _ = writeln!(t, "#define ANY_MEMBER(g, P) ({})", terms(" || "));
    let _ = writeln!(t, "#define COUNT_MEMBERS(g, P) ({})", terms(" + "));
    t.push_str("#define MEMBERS(g) COUNT_MEMBERS(g, always)\n\n");

    // The state.
    t.push_str(
        "/* ---------------------------------------------------------------- the state (State) */\n\
         /* DevState */\n\
         bool dev_present[N_DEV];\n\
         bool dev_probed[N_DEV];\n\
         byte dev_driver[N_DEV];      /* 0: none; else the driver's index */\n\
         bool dev_probing[N_DEV];     /* bound, its probe's vectors not yet allocated */\n\
         byte dev_msi[N_DEV];         /* MSI_*: none, or live with its address's kind */\n\
         byte dev_msi_dom[N_DEV];     /* MSI_IOVA: the domain object it was mapped in, */\n\
         byte dev_msi_gen[N_DEV];     /* and its generation; else 0 */\n\
         bool dev_msi_masked[N_DEV];\n\
         bool dev_ats_on[N_DEV];\n\
         bool dev_dma_user[N_DEV];\n\
         bool dev_deferred[N_DEV];    /* dev->iommu->attach_deferred */\n\
         bool dev_aer_pending[N_DEV];\n\
         /* GroupState */\n\
         byte grp_dom[N_GRP];         /* D_*: group->domain */\n\
         byte grp_dom_gen[N_GRP];\n\
         byte grp_default_type[N_GRP];\n\
         byte grp_default_gen[N_GRP];\n\
         bool grp_owned[N_GRP];\n\
         byte grp_owner_cnt[N_GRP];\n\
         byte grp_user_gen[N_GRP];\n\
         bool grp_user_cookie[N_GRP];\n\
         byte grp_vfio[N_GRP];        /* V_* */\n\
         /* How often each of the scenario's moves has happened. */\n\
         byte used[N_MOVES];\n\n",
    );

    // Temporaries.
    t.push_str(
        "/* ---------------------------------------------------------------- temporaries\n \
         * Hidden: outside the state vector, each set before it is read within a transition. */\n\
         hidden byte err;             /* the errno a hook or an action returns; 0: none */\n\
         hidden byte warned;          /* the kernel WARNed in this transition */\n\
         hidden byte outcome;         /* OUT_* */\n\
         hidden byte irq;             /* IRQ_*, for OUT_IRQ */\n\
         hidden byte worked_before[N_DEV]; /* no-silent-loss: vectors worked before the move */\n\
         hidden byte cp_a, cp_k, cp_gen, sd_k, sd_gen, at_ok, at_i, vr_i, vr_other, ub_drv,\n    \
         rm_member, bs_i;\n",
    );
    // Property results and their once-flags.
    for c in &checked {
        for a in &c.assertions {
            let _ = writeln!(t, "hidden byte {a}, reported_{a};");
        }
    }
    t.push_str("/* HIDDEN_LOOPS */\n\n");

    // The machine's mechanics and the constructs.
    t.push_str(MACHINE);
    t.push_str(
        "\n/* ---------------------------------------------------------------- the constructs\n \
                * One definition per action and attribute of the language. */\n",
    );
    for o in CfgOption::ALL {
        let (v, doc) = cfg(*o, base);
        let _ = writeln!(
            t,
            "/* cfg({}): {doc}. */\n#define cfg_{} {v}",
            o.name(),
            o.name()
        );
    }
    t.push_str("/* g.domain == LIT: Machine::domain_is(). */\n");
    for d in DomainLit::ALL {
        let _ = writeln!(t, "#define domain_is_{}(g) {}", d.name(), domain_is(*d));
    }
    for spec in switchyard_dsl::vocab::ATTRS {
        if let AttrText::Macro { def, .. } = attribute(spec.attr) {
            t.push_str(def);
        }
    }
    t.push('\n');
    for spec in switchyard_dsl::vocab::ACTIONS {
        if let ActionText::Inline { def, .. } = action(spec.action) {
            t.push_str(def);
            t.push('\n');
        }
    }

    // The policy's hooks.
    let _ = writeln!(
        t,
        "/* ---------------------------------------------------------------- the policy `{}` */",
        policy.name
    );
    let mut seen = BTreeSet::new();
    let mut all = Vec::new();
    for imp in policy.hooks.values() {
        bodies(imp, &mut seen, &mut all);
    }
    for imp in all {
        t.push_str(&hook_inline(imp, &mut hidden)?);
        t.push('\n');
    }
    t.push_str("/* Each hook as the kernel runs it: `err` cleared, then the policy's body. */\n");
    for hook in Hook::all() {
        let imp = policy.hooks.get(&hook).ok_or_else(|| {
            unsupported(
                format!("hook `{hook}` of policy `{}`", policy.name),
                "the resolved policy has no body for it",
            )
        })?;
        let params: Vec<String> = (0..hook.spec().params.len())
            .map(|i| format!("a{i}"))
            .collect();
        let mut args = params.clone();
        args.truncate(imp.params.len());
        let _ = writeln!(
            t,
            "inline run_{}({}) {{\n    err = 0;\n    {}({})\n}}",
            hook_stem(hook),
            params.join(", "),
            hook_body_name(hook, &ident(&imp.defined_in)),
            args.join(", ")
        );
    }
    t.push('\n');

    // The environment.
    t.push_str(MOVES);
    t.push('\n');

    // The properties.
    t.push_str(&properties(s, &checked, &vfio_groups, &never_open));

    // Boot and the transitions.
    t.push_str(&init(s, &moves, &group_of, &driver_of)?);

    let loops: Vec<String> = hidden.into_iter().collect();
    let decl = if loops.is_empty() {
        "/* (no loop variables) */".to_string()
    } else {
        format!("hidden byte {};", loops.join(", "))
    };
    let text = t.replace("/* HIDDEN_LOOPS */", &decl);
    Ok(Promela { text, checked })
}

/// The property definitions and the inlines that evaluate them where the checker does.
fn properties(
    s: &Scenario,
    checked: &[Checked],
    vfio_groups: &[usize],
    never_open: &dyn Fn(usize) -> String,
) -> String {
    let mut t = String::new();
    t.push_str(
        "/* ---------------------------------------------------------------- the properties\n \
         * Each assertion fires at most once per search (reported_*), so pan -c0 reports every\n \
         * property once. */\n\
         #define REPORT(ok) if :: !(ok) && !reported_##ok -> reported_##ok = 1; assert(ok) :: else -> skip fi\n\n",
    );
    let n = s.devices.len();
    let any = |bad: &str, over: usize| {
        (0..over)
            .map(|i| format!("{bad}({i})"))
            .collect::<Vec<_>>()
            .join(" || ")
    };
    let (mut boot, mut state, mut aer, mut step, mut begin) = (
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
    );
    for p in Property::ALL {
        let k = prop_number(p);
        let pt = property(p);
        if !checked.iter().any(|c| c.property == p) {
            let _ = writeln!(t, "/* {}: not applicable to this scenario. */\n", p.name());
            continue;
        }
        t.push_str(pt.defs);
        t.push('\n');
        let ok = ok_var(p);
        let open = format!("#if CHECKING({k}) /* {} */\n", p.name());
        match pt.eval {
            Eval::State { bad, over } => {
                let count = if over == Kind::Group {
                    s.groups.len()
                } else {
                    n
                };
                let _ = write!(
                    state,
                    "{open}    {ok} = !({});\n    REPORT({ok});\n#endif\n",
                    any(bad, count)
                );
            }
            Eval::AerStep { bad } => {
                let _ = write!(
                    aer,
                    "{open}    {ok} = !{bad}(r);\n    REPORT({ok});\n#endif\n"
                );
            }
            Eval::SilentLoss {
                step: lost,
                boot: broken,
            } => {
                let _ = write!(
                    step,
                    "{open}    {ok} = !(outcome == OUT_OK && ({}));\n    REPORT({ok});\n#endif\n",
                    any(lost, n)
                );
                let _ = write!(
                    boot,
                    "{open}    {ok} = !({});\n    REPORT({ok});\n#endif\n",
                    any(broken, n)
                );
                let _ = write!(
                    begin,
                    "{open}    for (bs_i : 0 .. N_DEV - 1) {{\n        worked_before[bs_i] = \
                     (dev_msi[bs_i] == MSI_NONE || (dev_driver[bs_i] != 0 && vectors_work(bs_i)))\n    }};\n#endif\n"
                );
            }
            Eval::Warned => {
                let body = format!("{open}    {ok} = !warned;\n    REPORT({ok});\n#endif\n");
                step.push_str(&body);
                aer.push_str(&body);
                boot.push_str(&body);
            }
            Eval::Reachable { open: has } => {
                let _ = write!(state, "{open}");
                for &g in vfio_groups {
                    let v = never_open(g);
                    let _ = write!(state, "    {v} = !{has}({g});\n    REPORT({v});\n");
                }
                state.push_str("#endif\n");
            }
        }
    }
    let inline = |name: &str, params: &str, doc: &str, body: &str| {
        format!("/* {doc} */\ninline {name}({params}) {{\n{body}    skip\n}}\n\n")
    };
    t.push_str(&inline(
        "begin_step",
        "",
        "Before a transition: its temporaries cleared, what no-silent-loss compares with kept.",
        &format!("    err = 0;\n    warned = 0;\n    outcome = OUT_OK;\n    irq = 0;\n{begin}"),
    ));
    t.push_str(&inline(
        "boot_checks",
        "",
        "props::boot_violation(): boot as a step.",
        &boot,
    ));
    t.push_str(&inline(
        "state_checks",
        "",
        "props::state_violation() on the state reached, and vfio-usable's reachability.",
        &state,
    ));
    t.push_str(&inline(
        "step_checks",
        "",
        "props::step_violation() of a transition other than an AER raised.",
        &step,
    ));
    t.push_str(&inline(
        "aer_checks",
        "r",
        "props::step_violation() of an AER raised, signalled by root port r.",
        &aer,
    ));
    t
}

/// `init`: boot, then every transition of the checker as one d_step.
fn init(
    s: &Scenario,
    moves: &[Transition],
    group_of: &dyn Fn(usize) -> Result<usize, PromelaError>,
    driver_of: &dyn Fn(&str) -> Result<usize, PromelaError>,
) -> Result<String, PromelaError> {
    let mut t = String::new();
    t.push_str(
        "/* ---------------------------------------------------------------- boot and the moves */\n",
    );
    // The built-in driver bound at boot and after a hot-add.
    let builtin = |d: usize| -> Result<Option<usize>, PromelaError> {
        s.devices[d].driver.as_deref().map(driver_of).transpose()
    };
    t.push_str(
        "/* moves::boot(): every device that is not hot-plugged added and put in its group, in\n \
         * order, then the probe hook of each group's first member (bus_iommu_probe()), then\n \
         * each built-in driver bound (a failed bind leaves the device unbound). */\n\
         inline boot() {\n",
    );
    for (i, g) in s.groups.iter().enumerate() {
        let _ = writeln!(
            t,
            "    grp_default_type[{i}] = BOOT_DEFAULT; /* {} */",
            g.name
        );
    }
    for (d, dev) in s.devices.iter().enumerate() {
        if !dev.hotplug {
            let _ = writeln!(t, "    boot_add({d}); /* {} */", dev.name);
        }
    }
    let mut set_up = vec![false; s.groups.len()];
    for (d, dev) in s.devices.iter().enumerate() {
        let g = group_of(d)?;
        if !dev.hotplug && !set_up[g] {
            set_up[g] = true;
            let _ = writeln!(t, "    boot_probe({d}); /* {} */", dev.name);
        }
    }
    for (d, dev) in s.devices.iter().enumerate() {
        if let (false, Some(k)) = (dev.hotplug, builtin(d)?) {
            let _ = writeln!(
                t,
                "    bind_builtin({d}, {k}); /* {} */",
                s.drivers[k - 1].kernel_name
            );
        }
    }
    t.push_str("    skip\n}\n\n");

    t.push_str(
        "/* Boot is atomic: SPIN stores none of its intermediate states (it never blocks), and\n \
         * its code can be longer than a d_step may be. */\n\
         init {\n    atomic {\n        scenario();\n        begin_step();\n        boot();\n        \
         boot_checks();\n        state_checks()\n    };\n\
         /* Every transition of explore::transitions(), within its move's bound and when\n \
         * moves::enabled() says it can happen. */\nend_of_moves:\n    do\n",
    );
    if moves.is_empty() {
        t.push_str("    :: false -> skip\n");
    }
    for tr in moves {
        let dev = |d: usize| s.devices[d].name.as_str();
        let grp = |g: usize| s.groups[g].name.as_str();
        let mut aer_root = None;
        let (enabled, apply, label): (String, String, String) = match tr.mv {
            Mv::Add(d) => {
                let bind = match builtin(d)? {
                    Some(k) => format!(" bind_builtin({d}, {k});"),
                    None => String::new(),
                };
                (
                    format!("!dev_present[{d}]"),
                    format!("add_device({d});{bind} outcome = OUT_OK"),
                    format!("add({})", dev(d)),
                )
            }
            Mv::Remove(d) => (
                format!(
                    "dev_present[{d}] && !dev_probing[{d}] && !grp_owned[{}]",
                    group_of(d)?
                ),
                format!("remove({d})"),
                format!("remove({})", dev(d)),
            ),
            Mv::Bind(d, drv) => (
                format!("dev_present[{d}] && dev_driver[{d}] == 0"),
                format!("bind({d}, {})", usize::from(drv) + 1),
                format!("bind({}, {})", dev(d), s.drivers[usize::from(drv)].name),
            ),
            Mv::AllocVectors(d) => (
                format!("dev_probing[{d}]"),
                format!("alloc_vectors({d}); outcome = OUT_OK"),
                format!("alloc_irq_vectors({})", dev(d)),
            ),
            Mv::Unbind(d) => (
                format!("dev_driver[{d}] != 0 && !dev_probing[{d}]"),
                format!("unbind({d}); outcome = OUT_OK"),
                format!("unbind({})", dev(d)),
            ),
            Mv::VfioClaim(g) => (
                format!(
                    "grp_vfio[{g}] == V_CLOSED && !grp_owned[{g}] && ANY_MEMBER({g}, bound_vfio)"
                ),
                format!("vfio_claim({g})"),
                format!("vfio_claim({})", grp(g)),
            ),
            Mv::VfioAttach(g) => (
                format!("grp_vfio[{g}] == V_CLAIMED"),
                format!("vfio_attach({g})"),
                format!("vfio_attach({})", grp(g)),
            ),
            Mv::VfioCookie(g) => (
                format!("grp_vfio[{g}] == V_ATTACHED"),
                format!("vfio_cookie({g})"),
                format!("vfio_msi_cookie({})", grp(g)),
            ),
            Mv::VfioDetach(g) => (
                format!("(grp_vfio[{g}] == V_OPEN || grp_vfio[{g}] == V_CLAIMED)"),
                format!("vfio_close_detach({g})"),
                format!("vfio_detach({})", grp(g)),
            ),
            Mv::VfioRelease(g) => (
                format!("grp_vfio[{g}] == V_DETACHED"),
                format!("vfio_close_release({g})"),
                format!("vfio_release({})", grp(g)),
            ),
            Mv::RaiseAer(d) => {
                let r = s
                    .root_port(&s.devices[d].name)
                    .and_then(|rp| s.devices.iter().position(|x| x.name == rp.name))
                    .ok_or_else(|| {
                        unsupported(
                            format!("raise_aer({})", dev(d)),
                            "no root port signals the device's errors",
                        )
                    })?;
                aer_root = Some(r);
                (
                    format!("dev_present[{d}]"),
                    format!("raise_aer({r})"),
                    format!("raise_aer({})", dev(d)),
                )
            }
            Mv::WriteType(g, ty) => (
                format!("MEMBERS({g}) > 0"),
                format!("write_type({g}, DT_{})", ty.name()),
                format!("write_type({}, {ty})", grp(g)),
            ),
        };
        let (bound, count) = match tr.bound {
            Some(b) => (
                // The checker compares with the bound as a byte.
                format!("used[{b}] < {} && ", s.moves[b].bound as u8),
                format!("        used[{b}] = used[{b}] + 1;\n"),
            ),
            None => (String::new(), String::new()),
        };
        // The step properties: an AER raised is judged at the root port that signals it.
        let checks = match aer_root {
            Some(r) => format!("aer_checks({r})"),
            None => "step_checks()".to_string(),
        };
        let _ = write!(
            t,
            "    :: STEP {{ /* {label} */\n        {bound}{enabled} ->\n        begin_step();\n{count}        \
             {apply};\n        {checks};\n        state_checks()\n    }}\n"
        );
    }
    t.push_str("    od\n}\n");
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meaning::{self, ActionMeaning, AttrMeaning};
    use switchyard_dsl::vocab::{ACTIONS, ATTRS};

    /// Each action's inline is named for its `Machine` method, and is defined under that
    /// name; control flow is control flow in both tables.
    #[test]
    fn actions_agree_with_the_model_meaning() {
        for spec in ACTIONS {
            match (action(spec.action), meaning::action(spec.action)) {
                (ActionText::Inline { name, def }, ActionMeaning::Method(m)) => {
                    assert_eq!(name, m.name, "{}", spec.name);
                    assert!(def.contains(&format!("inline {name}(")), "{}", spec.name);
                    assert!(
                        def.starts_with(&format!("/* {}(", spec.name)),
                        "{}",
                        spec.name
                    );
                }
                (ActionText::Fail, ActionMeaning::Fail)
                | (ActionText::Inherit, ActionMeaning::Inherit) => {}
                _ => panic!(
                    "{}: Promela and the model disagree on what it is",
                    spec.name
                ),
            }
        }
    }

    /// Each attribute's macro is named for its `Machine` predicate.
    #[test]
    fn attributes_agree_with_the_model_meaning() {
        for spec in ATTRS {
            match (attribute(spec.attr), meaning::attribute(spec.attr)) {
                (AttrText::Macro { name, def }, AttrMeaning::Predicate(p)) => {
                    assert_eq!(name, p.name, "{}", spec.name);
                    assert!(def.contains(&format!("#define {name}(")), "{}", spec.name);
                }
                (AttrText::CurrentDomain, AttrMeaning::CurrentDomain)
                | (AttrText::Members, AttrMeaning::Members) => {}
                _ => panic!(
                    "{}: Promela and the model disagree on what it is",
                    spec.name
                ),
            }
        }
    }
}
