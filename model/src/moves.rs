//! The environment: what each scenario move does, as the kernel's sequence of hooks, and
//! what can be observed of it. The hooks are the policy's; the sequences are the kernel's,
//! Linux 6.12's, and where Linux 7.3 differs the machine's base-specific facts say so:
//! who probes a device into its group and when ([`Machine::probes_at_bind`]), what
//! `iommu_dma_prepare_msi()` does for a driver's vectors ([`Machine::compose`]). The rest
//! of the sequences were read again in 7.3 and are the same there: `really_probe()`,
//! `device_release_driver()`, `iommu_group_claim_dma_owner()` /
//! `iommu_device_claim_dma_owner()`, `__iommu_release_dma_ownership()`, type1's
//! `vfio_iommu_type1_attach_group()` (the user's domain attached by
//! `iommu_attach_group()` before `iommu_get_msi_cookie()`), iommufd's attach (its
//! `sw_msi` cookie is the domain's from allocation, the MSI pages installed by
//! `iommufd_group_setup_msi()` before the attach), `iommu_setup_default_domain()`,
//! `__iommu_group_remove_device()` and AER's `aer_irq()`.

use crate::interp::{PolicyHooks, Value};
use crate::machine::{
    note, DevId, Dom, GroupId, GroupState, Machine, Msi, MsiAddr, State, VfioStep,
};
use serde::Serialize;
use std::fmt;
use switchyard_dsl::scenario::{Move, PciKind, Scenario, VfioBackend};
use switchyard_dsl::vocab::{DomainLit, DomainType, Errno, Hook, NotifyAction};
use switchyard_dsl::Base;

/// A transition of the environment, with its names resolved to indices. Most are a
/// scenario move; a VFIO open and close are several, one per kernel step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Mv {
    Add(DevId),
    Remove(DevId),
    Bind(DevId, u8),
    /// The rest of a bind whose driver requests interrupts and manages its own DMA: its
    /// probe allocates its vectors, after `dma_configure` and BIND_DRIVER (a claim can come
    /// between them). A DMA-API driver is counted in `owner_cnt` from `dma_configure` on,
    /// so a claim fails with EPERM until it unbinds: its vectors are part of its bind.
    AllocVectors(DevId),
    Unbind(DevId),
    /// The claim that starts an open (`vfio_open` counts these against its bound).
    VfioClaim(GroupId),
    /// The user's domain attached: type1 `VFIO_SET_IOMMU` up to the MSI cookie; iommufd
    /// `VFIO_DEVICE_ATTACH_IOMMUFD_PT`, cookie first.
    VfioAttach(GroupId),
    /// type1's `iommu_get_msi_cookie()`, the end of `VFIO_SET_IOMMU`.
    VfioCookie(GroupId),
    /// The user closes the group: the user's domain detached (`vfio_close` counts these).
    VfioDetach(GroupId),
    /// Ownership released: the end of `vfio_group_detach_container()`.
    VfioRelease(GroupId),
    RaiseAer(DevId),
    WriteType(GroupId, DomainType),
}

impl Mv {
    /// The transitions a scenario move stands for, in the order the kernel takes them: one
    /// for most moves; the claim, the attach and (type1) the MSI cookie for `vfio_open`;
    /// the detach and the release for `vfio_close`.
    pub(crate) fn resolve(s: &Scenario, m: &Move) -> Vec<Mv> {
        let dev = |n: &str| {
            s.devices
                .iter()
                .position(|d| d.name == n)
                .expect("checked scenario")
        };
        let grp = |n: &str| {
            s.groups
                .iter()
                .position(|g| g.name == n)
                .expect("checked scenario")
        };
        let attach = |g: GroupId| match s.vfio_backend {
            VfioBackend::Type1 => vec![Mv::VfioAttach(g), Mv::VfioCookie(g)],
            VfioBackend::Iommufd => vec![Mv::VfioAttach(g)],
        };
        match m {
            Move::Add { device } => vec![Mv::Add(dev(device))],
            Move::Remove { device } => vec![Mv::Remove(dev(device))],
            Move::Bind { device, driver } => {
                let drv = s
                    .drivers
                    .iter()
                    .position(|d| d.name == *driver)
                    .expect("checked scenario");
                let d = dev(device);
                let mut v = vec![Mv::Bind(d, drv as u8)];
                if s.drivers[drv].msi && s.drivers[drv].managed_dma {
                    v.push(Mv::AllocVectors(d));
                }
                v
            }
            Move::Unbind { device } => vec![Mv::Unbind(dev(device))],
            Move::VfioOpen { group } => {
                let g = grp(group);
                let mut v = vec![Mv::VfioClaim(g)];
                v.extend(attach(g));
                v
            }
            Move::VfioClaim { group } => vec![Mv::VfioClaim(grp(group))],
            Move::VfioAttach { group } => attach(grp(group)),
            Move::VfioClose { group } => {
                let g = grp(group);
                vec![Mv::VfioDetach(g), Mv::VfioRelease(g)]
            }
            Move::RaiseAer { device } => vec![Mv::RaiseAer(dev(device))],
            Move::WriteType { group, ty } => vec![Mv::WriteType(grp(group), *ty)],
        }
    }

    /// The groups the transition reads or changes, the one it acts on first: a device's
    /// group; for an error raised below a root port, the port's group too (the port
    /// signals it, [`raise_aer`]). The policy's hooks reach no further: a hook is given a
    /// device or a group and the language reaches only that device's group and its
    /// members. Checking in components ([`crate::reduce`]) rests on this.
    pub(crate) fn groups(self, layout: &[GroupId], s: &Scenario) -> Vec<GroupId> {
        match self {
            Mv::Add(d) | Mv::Remove(d) | Mv::Bind(d, _) | Mv::AllocVectors(d) | Mv::Unbind(d) => {
                vec![layout[d]]
            }
            Mv::RaiseAer(d) => {
                let mut v = vec![layout[d]];
                if let Some(r) = s
                    .root_port(&s.devices[d].name)
                    .and_then(|r| s.devices.iter().position(|x| x.name == r.name))
                {
                    if layout[r] != layout[d] {
                        v.push(layout[r]);
                    }
                }
                v
            }
            Mv::VfioClaim(g)
            | Mv::VfioAttach(g)
            | Mv::VfioCookie(g)
            | Mv::VfioDetach(g)
            | Mv::VfioRelease(g)
            | Mv::WriteType(g, _) => vec![g],
        }
    }

    /// The transition as a trace shows it: the kernel step, named after its move.
    pub(crate) fn label(self, s: &Scenario) -> String {
        let d = |d: DevId| s.devices[d].name.as_str();
        let g = |g: GroupId| s.groups[g].name.as_str();
        match self {
            Mv::Add(x) => format!("add({})", d(x)),
            Mv::Remove(x) => format!("remove({})", d(x)),
            Mv::Bind(x, drv) => format!("bind({}, {})", d(x), s.drivers[usize::from(drv)].name),
            Mv::AllocVectors(x) => format!("alloc_irq_vectors({})", d(x)),
            Mv::Unbind(x) => format!("unbind({})", d(x)),
            Mv::VfioClaim(x) => format!("vfio_claim({})", g(x)),
            Mv::VfioAttach(x) => format!("vfio_attach({})", g(x)),
            Mv::VfioCookie(x) => format!("vfio_msi_cookie({})", g(x)),
            Mv::VfioDetach(x) => format!("vfio_detach({})", g(x)),
            Mv::VfioRelease(x) => format!("vfio_release({})", g(x)),
            Mv::RaiseAer(x) => format!("raise_aer({})", d(x)),
            Mv::WriteType(x, ty) => format!("write_type({}, {ty})", g(x)),
        }
    }
}

/// What an interrupt raised by a device did.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case", tag = "irq")]
pub enum Irq {
    /// It reached the CPU and the AER driver serviced it.
    Delivered,
    /// The message was sent and faulted in the IOMMU (an SMMU F_TRANSLATION event); the
    /// port's Root Error Status stays set.
    Lost { domain: String, addr: String },
    /// An earlier error is still unserviced: the sticky status kept the port from
    /// signalling at all.
    Unsignalled,
    /// The port's vectors are masked (`mask_msis`): the message waits in the vector's
    /// pending bit and the status stays set until they are unmasked.
    Held,
    /// No driver with interrupts is bound: AER reporting is not enabled.
    Unreported,
}

/// What a move returned, as a user or the harness observes it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case", tag = "result")]
pub enum Outcome {
    Ok,
    Failed {
        errno: Errno,
        /// What the failing hook printed with the error (`fail(E, "...")`), as the kernel
        /// log shows it after its prefix: `port: ...` or `group g0: ...`. Recorded in
        /// traces only, not while exploring.
        #[serde(skip_serializing_if = "Option::is_none")]
        message: Option<String>,
    },
    Irq {
        irq: Irq,
    },
}

/// A move fails with the error a hook returned, and the message it printed, if any.
fn failed(m: &mut Machine, errno: Errno) -> Outcome {
    Outcome::Failed {
        errno,
        message: m.take_refusal(),
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Ok => f.write_str("ok"),
            Outcome::Failed {
                errno,
                message: None,
            } => write!(f, "fails: {errno}"),
            Outcome::Failed {
                errno,
                message: Some(msg),
            } => write!(f, "fails: {errno} ({msg})"),
            Outcome::Irq { irq } => match irq {
                Irq::Delivered => f.write_str("AER delivered"),
                Irq::Lost { domain, addr } => {
                    write!(f, "AER lost: IOMMU fault at {addr} in {domain}")
                }
                Irq::Unsignalled => {
                    f.write_str("AER not signalled: an earlier error is still pending")
                }
                Irq::Held => f.write_str("AER held: vectors masked, message pending"),
                Irq::Unreported => f.write_str("AER not reported: no driver with interrupts"),
            },
        }
    }
}

fn dev(d: DevId) -> [Value; 1] {
    [Value::Device(d)]
}

/// Runs a hook that cannot fail: an error only stops it (the kernel warns).
fn run_void(m: &mut Machine, hooks: &dyn PolicyHooks, hook: Hook, args: &[Value]) {
    if let Err(e) = hooks.run(m, hook, args) {
        m.warn(format!(
            "{hook}: stopped with {e} (WARN_ON() in the kernel, which goes on)"
        ));
    }
}

/// `iommu_bus_notifier()`: the policy's hook for the action. ADD_DEVICE and
/// REMOVED_DEVICE are the probe's and the release's own; the driver actions reach a
/// device only in its group ([`in_group`]).
fn notify(m: &mut Machine, hooks: &dyn PolicyHooks, action: NotifyAction, d: DevId) {
    let own = matches!(
        action,
        NotifyAction::AddDevice | NotifyAction::RemovedDevice
    );
    if own || in_group(m, d) {
        run_void(m, hooks, Hook::BusNotify(action), &dev(d));
    }
}

/// The state after boot: every device that is not `hotplug` probed as bus_iommu_probe()
/// does (all of them into their groups, in order, then each group's first domain from
/// the probe hook of its first member; on 6.12's arm64 none, [`Machine::probes_at_bind`];
/// on 7.3 every device, `iommu_init_device()` calling `pci_dma_configure()`), then
/// each built-in driver bound to its devices before userspace runs (a `device_initcall` such
/// as `pcie_portdrv_init()` registers the driver, which binds synchronously).
pub(crate) fn boot(
    scenario: &Scenario,
    hooks: &dyn PolicyHooks,
    base: Base,
    logging: bool,
) -> (State, Vec<String>, Option<String>) {
    let mut m = Machine::new(scenario, Machine::empty_state(scenario), base);
    m.logging = logging;
    let probes = !m.probes_at_bind();
    // bus_iommu_probe(): probe_iommu_group() puts every device of the bus into its group
    // first; only then does iommu_setup_default_domain() run, once per group, with all
    // of the group's members present: the probe hook of its first member
    // (iommu_group_first_dev()).
    for (d, spec) in scenario.devices.iter().enumerate() {
        if !spec.hotplug {
            m.state.devices[d].present = true;
            if probes {
                // No group has a domain yet: nothing refuses a member.
                join_group(&mut m, hooks, d);
            }
            notify(&mut m, hooks, NotifyAction::AddDevice, d);
        }
    }
    let mut set_up = vec![false; scenario.groups.len()];
    for (d, spec) in scenario.devices.iter().enumerate() {
        let g = m.group_of(d);
        if !spec.hotplug && probes && !set_up[g] {
            set_up[g] = true;
            run_probe(&mut m, hooks, d);
        }
    }
    for (d, spec) in scenario.devices.iter().enumerate() {
        if !spec.hotplug {
            bind_builtin(&mut m, hooks, d);
        }
    }
    (m.state, m.log, m.warning)
}

/// A device with a built-in driver gets it as soon as it is there (`device_add()` ->
/// `bus_probe_device()`); a failed bind leaves it unbound, as the driver core does.
fn bind_builtin(m: &mut Machine, hooks: &dyn PolicyHooks, d: DevId) {
    let Some(name) = &m.scenario.devices[d].driver else {
        return;
    };
    let drv = m
        .scenario
        .drivers
        .iter()
        .position(|x| x.name == *name)
        .expect("checked scenario: a device's built-in driver is declared") as u8;
    let outcome = bind(m, hooks, d, drv);
    if m.state.devices[d].probing {
        alloc_vectors(m, hooks, d);
    }
    if let Outcome::Failed { errno, .. } = outcome {
        note!(
            m,
            "{}: the built-in {} did not bind ({errno})",
            m.dev_name(d),
            m.scenario.drivers[usize::from(drv)].kernel_name
        );
    }
}

/// `iommu_bus_notifier(BUS_NOTIFY_ADD_DEVICE)`: probe, then the notifier hook.
/// `device_add()`: the device is on the bus; the IOMMU core probes it now
/// (BUS_NOTIFY_ADD_DEVICE -> `iommu_probe_device()`), or, where the platform gives it its
/// IOMMU only when a driver binds (arm64 on 6.12, [`Machine::probes_at_bind`]), at that
/// bind ([`iommu_probe`] from [`bind`]). On 7.3 `iommu_init_device()` calls
/// `pci_dma_configure()` itself, so every device is probed here.
fn add_device(m: &mut Machine, hooks: &dyn PolicyHooks, d: DevId) {
    m.state.devices[d].present = true;
    if !m.probes_at_bind() {
        iommu_probe(m, hooks, d);
    }
    notify(m, hooks, NotifyAction::AddDevice, d);
}

/// `iommu_probe_device()` of a hot-added device: it joins its group, then the policy's
/// `probe` hook decides the group's first domain (a later member's hook finds one).
fn iommu_probe(m: &mut Machine, hooks: &dyn PolicyHooks, d: DevId) {
    if join_group(m, hooks, d) {
        run_probe(m, hooks, d);
    }
}

/// `__iommu_probe_device()`: the device joins its group, in the group's current domain if
/// it has one (a new member's ATS follows it). `iommu_init_device()` first asks the IOMMU
/// driver whether the attach is deferred (`ops->is_attach_deferred()`); the join's
/// `__iommu_device_set_domain()` keeps the deferral only in the default domain.
///
/// A later member is attached to `group->domain` with `__iommu_device_set_domain()`
/// (6.12 and 7.3 alike), which refuses the blocking domain with EINVAL to a device that
/// requires direct mappings (`dev->iommu->require_direct`, set just before by
/// `iommu_create_device_direct_mappings()` on the group's default domain). The probe then
/// fails: `__iommu_group_free_device()` unlinks the device, `iommu_deinit_device()`
/// releases it into the domain [`Machine::release_keeps_direct`] says and frees
/// `dev->iommu`, and the device is left with no group. `false` then. Its callers go on
/// without it: BUS_NOTIFY_ADD_DEVICE ignores the error, and a bind's
/// `of_dma_configure_id()` / `acpi_dma_configure_id()` only log it (the driver binds with
/// dma-direct); a later bind probes it again where [`Machine::bind_probes`].
///
/// The policy's `join` hook runs first, for a group that has a domain, with the device
/// already on the group's list (a domain it sets is attached to the device too); its
/// error fails the probe the same way.
fn join_group(m: &mut Machine, hooks: &dyn PolicyHooks, d: DevId) -> bool {
    let g = m.group_of(d);
    // list_add_tail(): a member from here on, its attach deferred where the IOMMU driver
    // says so.
    m.state.devices[d].probed = true;
    m.state.devices[d].deferred = m.scenario.devices[d].attach_deferred;
    // The policy's `join` hook, for a group that has a domain, before the attach.
    if m.state.groups[g].domain.is_some() {
        if let Err(errno) = hooks.run(m, Hook::Join, &dev(d)) {
            m.take_refusal();
            refuse_join(m, d, errno);
            return false;
        }
    }
    if m.state.groups[g].domain == Some(Dom::Blocked) && m.require_direct(d) {
        note!(
            m,
            "{}: Firmware has requested this device have a 1:1 IOMMU mapping, rejecting configuring the device without a 1:1 mapping. Contact your platform vendor.",
            m.dev_name(d)
        );
        refuse_join(m, d, Errno::EINVAL);
        return false;
    }
    note!(m, "{}: probed", m.dev_name(d));
    if let Some(dom) = m.state.groups[g].domain {
        let spec = &m.scenario.devices[d];
        m.state.devices[d].ats_on = m.domain_allows_ats(g, dom) && spec.ats && !spec.untrusted;
        if !m.is_current_default(g, dom) {
            m.state.devices[d].deferred = false;
        }
    }
    true
}

/// The probe failed (`err_remove_gdev`): the device leaves the group's list and
/// `iommu_deinit_device()` releases it ([`Machine::release_keeps_direct`]).
fn refuse_join(m: &mut Machine, d: DevId, errno: Errno) {
    let left = if m.release_keeps_direct() {
        "released untranslated (identity)"
    } else {
        "released into the blocking domain"
    };
    note!(
        m,
        "{}: IOMMU probe failed with {errno}: not in {}, {left}",
        m.dev_name(d),
        m.group_name(m.group_of(d))
    );
    let ds = &mut m.state.devices[d];
    ds.probed = false;
    ds.deferred = false;
    ds.ats_on = false;
}

/// Whether the device is in its group (`dev->iommu_group`). The hooks that take a device
/// are called only for one that is: the bus's `dma_configure` and `dma_cleanup` reach the
/// IOMMU core through `iommu_device_use_default_domain()` and
/// `iommu_device_unuse_default_domain()`, which return at once without a group (as the
/// series' wrappers do), `iommu_bus_notifier()`'s hooks go through the same wrappers, and
/// `iommu_dma_prepare_msi()` finds no domain.
fn in_group(m: &Machine, d: DevId) -> bool {
    m.state.devices[d].probed
}

/// The policy's `probe` hook: iommu_setup_default_domain() attaches a new group's first
/// domain with it, and WARN_ON()s its failure (the group is left without a domain).
///
/// A new group with a member whose attach is deferred is attached to its default domain
/// without the hook, as 6.12 does: a policy's series keeps it there before its own first
/// attach (`iommu_group_attach_deferred()`, series/src/c.rs), so that
/// `__iommu_device_set_domain()` leaves the crashed kernel's translation in place.
fn run_probe(m: &mut Machine, hooks: &dyn PolicyHooks, d: DevId) {
    let g = m.group_of(d);
    if m.state.groups[g].domain.is_none() && m.group_attach_deferred(g) {
        note!(
            m,
            "{}: a member's attach is deferred: kept in the default domain",
            m.group_name(g)
        );
        let gen = m.state.groups[g].default_gen;
        m.attach(g, crate::machine::Dom::Default { gen });
        return;
    }
    if let Err(e) = hooks.run(m, Hook::Probe, &dev(d)) {
        // A message is in the log already; the probe's caller goes on.
        m.take_refusal();
        m.warn(format!(
            "{}: probe failed with {e} (WARN_ON() in iommu_setup_default_domain())",
            m.dev_name(d)
        ));
    }
}

/// Whether the move can happen in this state (a move that is not enabled is not tried;
/// one that is enabled and fails is a move with an error outcome).
pub(crate) fn enabled(m: &Machine, mv: Mv) -> bool {
    let st = &m.state;
    match mv {
        Mv::Add(d) => !st.devices[d].present,
        // A device whose group a user owns is held by VFIO until the user closes it; a
        // probing one by the device lock `really_probe()` runs under.
        Mv::Remove(d) => {
            st.devices[d].present && !st.devices[d].probing && !st.groups[m.group_of(d)].owned
        }
        Mv::Bind(d, _) => st.devices[d].present && st.devices[d].driver.is_none(),
        Mv::AllocVectors(d) => st.devices[d].probing,
        // vfio-pci's remove does not wait for a group fd or a container, only for device
        // fds, which the model's user does not hold (see `vfio_remove`).
        Mv::Unbind(d) => st.devices[d].driver.is_some() && !st.devices[d].probing,
        Mv::VfioClaim(g) => {
            st.groups[g].vfio == VfioStep::Closed
                && !st.groups[g].owned
                && m.members(g).into_iter().any(|d| {
                    st.devices[d]
                        .driver
                        .is_some_and(|drv| m.scenario.drivers[usize::from(drv)].vfio)
                })
        }
        Mv::VfioAttach(g) => st.groups[g].vfio == VfioStep::Claimed,
        Mv::VfioCookie(g) => st.groups[g].vfio == VfioStep::Attached,
        // The user closes an open group, or one it only claimed (no domain to detach).
        Mv::VfioDetach(g) => matches!(st.groups[g].vfio, VfioStep::Open | VfioStep::Claimed),
        Mv::VfioRelease(g) => st.groups[g].vfio == VfioStep::Detached,
        Mv::RaiseAer(d) => st.devices[d].present,
        Mv::WriteType(g, _) => !m.members(g).is_empty(),
    }
}

/// Performs an enabled move.
pub(crate) fn apply(m: &mut Machine, hooks: &dyn PolicyHooks, mv: Mv) -> Outcome {
    match mv {
        Mv::Add(d) => {
            add_device(m, hooks, d);
            bind_builtin(m, hooks, d);
            Outcome::Ok
        }
        Mv::Remove(d) => {
            if m.state.devices[d].driver.is_some() {
                unbind(m, hooks, d);
            }
            notify(m, hooks, NotifyAction::RemovedDevice, d);
            // iommu_release_device(): the device leaves its group.
            let was_member = m.state.devices[d].probed;
            let g = m.group_of(d);
            if was_member && m.members(g) == [d] {
                remove_last(m, hooks, g);
            }
            let ds = &mut m.state.devices[d];
            ds.present = false;
            ds.probed = false;
            ds.msi = Msi::None;
            ds.msi_masked = false;
            ds.ats_on = false;
            ds.deferred = false;
            ds.aer_pending = false;
            if was_member && m.members(g).is_empty() {
                free_group(m, g);
            }
            note!(m, "{}: removed", m.dev_name(d));
            Outcome::Ok
        }
        Mv::Bind(d, drv) => bind(m, hooks, d, drv),
        Mv::AllocVectors(d) => {
            alloc_vectors(m, hooks, d);
            Outcome::Ok
        }
        Mv::Unbind(d) => {
            unbind(m, hooks, d);
            Outcome::Ok
        }
        Mv::VfioClaim(g) => vfio_claim(m, hooks, g),
        Mv::VfioAttach(g) => vfio_attach(m, hooks, g),
        Mv::VfioCookie(g) => vfio_cookie(m, hooks, g),
        Mv::VfioDetach(g) => {
            vfio_detach(m, hooks, g);
            Outcome::Ok
        }
        Mv::VfioRelease(g) => {
            vfio_release(m, hooks, g);
            Outcome::Ok
        }
        Mv::RaiseAer(d) => Outcome::Irq {
            irq: raise_aer(m, d),
        },
        Mv::WriteType(g, ty) => match hooks.run(
            m,
            Hook::DefaultType,
            &[Value::Group(g), Value::DomainType(ty)],
        ) {
            Ok(()) => Outcome::Ok,
            Err(errno) => failed(m, errno),
        },
    }
}

/// `really_probe()`: `device_set_driver()`, `dma_configure`, BIND_DRIVER, the driver's
/// probe, BOUND_DRIVER. A failed `dma_configure` unwinds without notifying. A driver that
/// requests interrupts and manages its own DMA is left probing: its vectors are the next
/// transition ([`alloc_vectors`]), as nothing orders a claim (`group->mutex`) against a
/// probe (the device lock) in 6.12.
fn bind(m: &mut Machine, hooks: &dyn PolicyHooks, d: DevId, drv: u8) -> Outcome {
    let spec = &m.scenario.drivers[usize::from(drv)];
    m.state.devices[d].driver = Some(drv);
    note!(m, "{}: binding {}", m.dev_name(d), spec.kernel_name);
    // `pci_dma_configure()`: where the platform configures the IOMMU here (arm64), a bind
    // probes a device that is in no group before `iommu_device_use_default_domain()`: on
    // 6.12 at its first bind, and on either base after a probe its group refused. On 7.3
    // the device was probed when added.
    if !m.state.devices[d].probed && m.bind_probes() {
        iommu_probe(m, hooks, d);
    }
    let configured = if in_group(m, d) {
        hooks.run(
            m,
            Hook::DmaConfigure,
            &[Value::Device(d), Value::Bool(spec.managed_dma)],
        )
    } else {
        note!(
            m,
            "{}: in no IOMMU group: the driver gets dma-direct",
            m.dev_name(d)
        );
        Ok(())
    };
    if let Err(errno) = configured {
        m.state.devices[d].driver = None;
        note!(
            m,
            "{}: dma_configure failed with {errno}; not bound",
            m.dev_name(d)
        );
        return failed(m, errno);
    }
    notify(m, hooks, NotifyAction::BindDriver, d);
    if let Some(failed) = probe_refused(m, hooks, d, drv) {
        return failed;
    }
    // A DMA-API driver's probe is taken as the device's first DMA mapping, which ends a
    // deferred attach (`iommu_dma_map_page()` and the allocators ->
    // `iommu_deferred_attach()`).
    if spec.dma_api {
        m.state.devices[d].deferred = false;
    }
    if spec.msi {
        m.state.devices[d].probing = true;
        if !spec.managed_dma {
            alloc_vectors(m, hooks, d);
        }
        return Outcome::Ok;
    }
    notify(m, hooks, NotifyAction::BoundDriver, d);
    Outcome::Ok
}

/// The probe of a driver with interrupts goes on: pcieport's `pcie_port_device_register()`
/// -> `pcie_init_service_irqs()` -> `pci_alloc_irq_vectors()`. Where the irqchip maps the
/// doorbell through the IOMMU, each vector's allocation calls `iommu_dma_prepare_msi()`,
/// the policy's `prepare_msi` hook first (x86 has no such call). A refusal fails the MSI-X
/// and MSI allocations, and the port falls back to INTx. Then `aer_probe()` ->
/// `aer_enable_rootport()` clears the Root Error Status, and BOUND_DRIVER.
fn alloc_vectors(m: &mut Machine, hooks: &dyn PolicyHooks, d: DevId) {
    m.state.devices[d].probing = false;
    let wants = m.scenario.devices[d].kind != PciKind::UpstreamPort;
    let refused = if wants && m.scenario.msi_translated && in_group(m, d) {
        hooks.run(m, Hook::PrepareMsi, &dev(d)).err()
    } else {
        None
    };
    match refused {
        Some(errno) => {
            // The allocation fails; the driver goes on. A message is in the log already.
            m.take_refusal();
            m.state.devices[d].msi = Msi::Intx;
            m.state.devices[d].msi_masked = false;
            note!(
                m,
                "{}: MSI refused with {errno}; the port falls back to INTx",
                m.dev_name(d)
            );
        }
        None => m.allocate_vectors(d),
    }
    if m.scenario.devices[d].kind == PciKind::RootPort && m.scenario.devices[d].aer {
        m.state.devices[d].aer_pending = false;
    }
    notify(m, hooks, NotifyAction::BoundDriver, d);
}

/// The driver's probe, where the model knows it refuses the device: `vfio_pci_probe()` ->
/// `vfio_pci_core_register_device()` fails with EINVAL for a header type that is not
/// normal (a bridge), before `vfio_register_group_dev()`. `really_probe()` then unwinds
/// (`probe_failed`): BUS_NOTIFY_DRIVER_NOT_BOUND, `dma_cleanup`, and
/// `device_unbind_cleanup()` clears `dev->driver`; `device_driver_attach()` returns
/// EINVAL to the `bind` write. `None` when the probe goes on.
fn probe_refused(m: &mut Machine, hooks: &dyn PolicyHooks, d: DevId, drv: u8) -> Option<Outcome> {
    let spec = &m.scenario.drivers[usize::from(drv)];
    let why = if !spec.vfio {
        return None;
    } else if m.scenario.devices[d].bridge() {
        "not a normal header type"
    } else if !in_group(m, d) {
        // vfio_pci_core_register_device() -> vfio_device_set_group() ->
        // vfio_group_find_or_alloc(): no iommu_group and no noiommu mode.
        "no IOMMU group"
    } else {
        return None;
    };
    let errno = Errno::EINVAL;
    note!(
        m,
        "{}: probe with driver {} failed with error -22 ({why})",
        m.dev_name(d),
        spec.kernel_name
    );
    notify(m, hooks, NotifyAction::DriverNotBound, d);
    dma_cleanup(m, hooks, d, spec.managed_dma);
    m.state.devices[d].driver = None;
    note!(m, "{}: not bound", m.dev_name(d));
    Some(Outcome::Failed {
        errno,
        message: None,
    })
}

/// `device_release_driver()`: UNBIND_DRIVER, the driver's remove (freeing its vectors),
/// `dma_cleanup`, UNBOUND_DRIVER.
fn unbind(m: &mut Machine, hooks: &dyn PolicyHooks, d: DevId) {
    let drv = m.state.devices[d].driver.expect("enabled only when bound");
    let managed = m.scenario.drivers[usize::from(drv)].managed_dma;
    notify(m, hooks, NotifyAction::UnbindDriver, d);
    if m.scenario.drivers[usize::from(drv)].vfio {
        vfio_remove(m, hooks, d);
    }
    if m.state.devices[d].msi != Msi::None {
        m.state.devices[d].msi = Msi::None;
        m.state.devices[d].msi_masked = false;
        note!(
            m,
            "{}: interrupt vectors freed by the driver's remove",
            m.dev_name(d)
        );
    }
    dma_cleanup(m, hooks, d, managed);
    m.state.devices[d].driver = None;
    note!(m, "{}: unbound", m.dev_name(d));
    notify(m, hooks, NotifyAction::UnboundDriver, d);
}

/// The bus's `dma_cleanup`: the policy's hook, for a device in its group ([`in_group`]).
fn dma_cleanup(m: &mut Machine, hooks: &dyn PolicyHooks, d: DevId, managed: bool) {
    if in_group(m, d) {
        run_void(
            m,
            hooks,
            Hook::DmaCleanup,
            &[Value::Device(d), Value::Bool(managed)],
        );
    }
}

/// The claim: type1 `VFIO_GROUP_SET_CONTAINER` -> `vfio_container_attach_group()` ->
/// `iommu_group_claim_dma_owner()`; iommufd `VFIO_DEVICE_BIND_IOMMUFD` ->
/// `iommufd_device_bind()` -> `iommu_device_claim_dma_owner()`. The policy's `claim`
/// hook is `__iommu_take_dma_ownership()`'s decision and domain switch; the owner is set
/// after it.
fn vfio_claim(m: &mut Machine, hooks: &dyn PolicyHooks, g: GroupId) -> Outcome {
    let gv = [Value::Group(g)];
    if let Err(errno) = hooks.run(m, Hook::Claim, &gv) {
        note!(m, "{}: claim refused with {errno}", m.group_name(g));
        return failed(m, errno);
    }
    let gs = &mut m.state.groups[g];
    gs.owned = true;
    gs.owner_cnt += 1;
    gs.vfio = VfioStep::Claimed;
    note!(m, "{}: owned by the user", m.group_name(g));
    Outcome::Ok
}

/// The user's domain attached. type1 `VFIO_SET_IOMMU` -> `vfio_iommu_type1_attach_group()`:
/// a new paging domain, `iommu_attach_group()`, the replay; the MSI cookie comes after
/// ([`vfio_cookie`]). iommufd `VFIO_DEVICE_ATTACH_IOMMUFD_PT` ->
/// `iommufd_hw_pagetable_attach()`: `iommufd_group_setup_msi()` installs the cookie first,
/// then the attach. A refused attach leaves the group claimed (type1's `out_detach`: back
/// in the blocking domain), for the user to close.
fn vfio_attach(m: &mut Machine, hooks: &dyn PolicyHooks, g: GroupId) -> Outcome {
    let gv = [Value::Group(g)];
    let iommufd = m.scenario.vfio_backend == VfioBackend::Iommufd;
    let gs = &mut m.state.groups[g];
    gs.user_gen = gs.user_gen.saturating_add(1);
    gs.user_cookie = iommufd;
    if let Err(errno) = hooks.run(m, Hook::AttachUser, &gv) {
        note!(m, "{}: attach refused with {errno}", m.group_name(g));
        m.state.groups[g].user_cookie = false;
        return failed(m, errno);
    }
    if iommufd {
        return finish_open(m, hooks, g);
    }
    m.state.groups[g].vfio = VfioStep::Attached;
    Outcome::Ok
}

/// type1's last step of `VFIO_SET_IOMMU`: `iommu_get_msi_cookie()` on the user's domain,
/// then the policy's `msi_cookie` hook.
fn vfio_cookie(m: &mut Machine, hooks: &dyn PolicyHooks, g: GroupId) -> Outcome {
    m.state.groups[g].user_cookie = true;
    note!(
        m,
        "{}: MSI cookie installed in the user's domain",
        m.group_name(g)
    );
    finish_open(m, hooks, g)
}

/// The `msi_cookie` hook, after the cookie exists; an error unwinds the attach (type1's
/// `out_detach`), leaving the group claimed in its blocking domain.
fn finish_open(m: &mut Machine, hooks: &dyn PolicyHooks, g: GroupId) -> Outcome {
    let gv = [Value::Group(g)];
    if let Err(errno) = hooks.run(m, Hook::MsiCookie, &gv) {
        note!(m, "{}: msi_cookie failed with {errno}", m.group_name(g));
        let outcome = failed(m, errno);
        run_void(m, hooks, Hook::DetachUser, &gv);
        let gs = &mut m.state.groups[g];
        gs.user_cookie = false;
        gs.vfio = VfioStep::Claimed;
        return outcome;
    }
    m.state.groups[g].vfio = VfioStep::Open;
    note!(m, "{}: open", m.group_name(g));
    Outcome::Ok
}

/// vfio-pci's remove: `vfio_unregister_group_dev()` waits only for device fds (none in the
/// model), then `vfio_device_remove_group()`: if no other member is bound to a VFIO driver
/// and a user holds the group in a type1 container, `vfio_group_detach_container()` runs
/// the close sequence right away (detach_user: the user's domain -> blocked; release: ->
/// the default domain), and the group is no longer owned. With another VFIO device left,
/// nothing changes.
fn vfio_remove(m: &mut Machine, hooks: &dyn PolicyHooks, d: DevId) {
    let g = m.group_of(d);
    let other_vfio = m.members(g).into_iter().any(|o| {
        o != d
            && m.state.devices[o]
                .driver
                .is_some_and(|drv| m.scenario.drivers[usize::from(drv)].vfio)
    });
    if other_vfio || !m.state.groups[g].owned {
        return;
    }
    note!(
        m,
        "{}: last VFIO device of {} removed; its container is detached",
        m.dev_name(d),
        m.group_name(g)
    );
    vfio_detach_container(m, hooks, g);
}

/// The group's last device is about to leave it (`__iommu_group_remove_device()`, for
/// the one member left, before it unlinks the device and calls
/// `__iommu_group_free_device()`): the policy's `remove_last` hook, with the device
/// still a member, so a domain it sets is attached to the device as well. 6.12 does
/// nothing here.
fn remove_last(m: &mut Machine, hooks: &dyn PolicyHooks, g: GroupId) {
    run_void(m, hooks, Hook::RemoveLast, &[Value::Group(g)]);
}

/// The group's last member went (`__iommu_group_remove_device()`): `iommu_deinit_device()`
/// frees the default and blocking domains and the group goes with its last reference. A
/// device added later gets a fresh group (`iommu_group_alloc()`) whose default type is the
/// boot one (`iommu_setup_default_domain(group, 0)`), so a sysfs `type` write is lost.
/// `__iommu_group_free_device()` WARNs when ownership is not released or the group is not
/// back in its default domain; the model notes it in the trace.
fn free_group(m: &mut Machine, g: GroupId) {
    let gs = &m.state.groups[g];
    if gs.owner_cnt > 0 || !m.domain_is(g, DomainLit::Default) {
        let dom = gs
            .domain
            .map_or("no domain".to_string(), |x| m.dom_label(g, x));
        let cnt = gs.owner_cnt;
        m.warn(format!(
            "{}: WARN in __iommu_group_free_device(): last device gone with the group in {dom}, owner_cnt {cnt}",
            m.group_name(g)
        ));
    }
    m.state.groups[g] = GroupState::fresh(m.scenario.default_domain);
}

/// `vfio_group_detach_container()` at once, as a removed last VFIO device does: the
/// user's domain detached if one is attached, then ownership released.
fn vfio_detach_container(m: &mut Machine, hooks: &dyn PolicyHooks, g: GroupId) {
    vfio_detach(m, hooks, g);
    if m.state.groups[g].vfio == VfioStep::Detached {
        vfio_release(m, hooks, g);
    }
}

/// The user closes the group (its fd, or `VFIO_GROUP_UNSET_CONTAINER`):
/// `vfio_group_detach_container()` first detaches the user's domain (type1
/// `vfio_iommu_type1_detach_group()` -> `iommu_detach_group()`: the blocking domain, as
/// the group is still owned). A group only claimed has no domain to detach and is
/// released at once.
fn vfio_detach(m: &mut Machine, hooks: &dyn PolicyHooks, g: GroupId) {
    if m.state.groups[g].vfio == VfioStep::Claimed {
        vfio_release(m, hooks, g);
        return;
    }
    run_void(m, hooks, Hook::DetachUser, &[Value::Group(g)]);
    let gs = &mut m.state.groups[g];
    gs.user_cookie = false;
    gs.vfio = VfioStep::Detached;
}

/// Then `iommu_group_release_dma_owner()` -> `__iommu_release_dma_ownership()`: the
/// policy's `release` hook, after which owner and `owner_cnt` are cleared.
fn vfio_release(m: &mut Machine, hooks: &dyn PolicyHooks, g: GroupId) {
    run_void(m, hooks, Hook::Release, &[Value::Group(g)]);
    let gs = &mut m.state.groups[g];
    gs.owned = false;
    gs.owner_cnt = 0;
    gs.user_cookie = false;
    gs.vfio = VfioStep::Closed;
    note!(m, "{}: released by the user", m.group_name(g));
}

/// The device detects an error and reports it upstream (`ERR_COR`); its root port
/// records it in its Root Error Status and, if that was clear and the port's AER service
/// has live vectors, sends the MSI the vector was composed with, from its own requester
/// ID, so through its own group's domain (`aer_irq()` on the root port, 6.12; the
/// status stays set until the handler runs). A root port raising its own error is the
/// case where the two are one device.
fn raise_aer(m: &mut Machine, d: DevId) -> Irq {
    let r = m
        .root_port_of(d)
        .expect("a checked scenario raises AER only below a root port");
    if r != d {
        note!(
            m,
            "{}: error reported to root port {}",
            m.dev_name(d),
            m.dev_name(r)
        );
    }
    let d = r;
    if !m.aer_listening(d) {
        return Irq::Unreported;
    }
    // A masked vector holds the message, and later errors join the one recorded.
    if m.state.devices[d].msi_masked {
        m.state.devices[d].aer_pending = true;
        note!(
            m,
            "{}: AER message held by the mask; Root Error Status set",
            m.dev_name(d)
        );
        return Irq::Held;
    }
    if m.state.devices[d].aer_pending {
        return Irq::Unsignalled;
    }
    match m.state.devices[d].msi {
        Msi::Live(addr) => {
            if m.reaches_doorbell(d, addr) {
                Irq::Delivered
            } else {
                m.state.devices[d].aer_pending = true;
                let g = m.group_of(d);
                let dom = m.state.groups[g].domain;
                let domain = dom.map_or("no domain".to_string(), |x| m.dom_label(g, x));
                let addr = match addr {
                    MsiAddr::Iova(x) => format!("the doorbell IOVA of {}", m.dom_label(g, x)),
                    _ => "the physical doorbell address".to_string(),
                };
                note!(
                    m,
                    "{}: AER message faulted; Root Error Status stays set",
                    m.dev_name(d)
                );
                Irq::Lost { domain, addr }
            }
        }
        // INTx is a wire to the interrupt controller; no IOMMU domain is in its way.
        Msi::Intx => {
            note!(m, "{}: AER signalled on INTx", m.dev_name(d));
            Irq::Delivered
        }
        // pcieport's AER service needs vectors; without them it is not enabled.
        Msi::None => Irq::Unreported,
    }
}
