//! The environment: what each scenario move does, as the kernel's sequence of hooks, and
//! what can be observed of it. The hooks are the policy's; the sequences are Linux 6.12's.

use crate::interp::{PolicyHooks, Value};
use crate::machine::{DevId, GroupId, Machine, Msi, MsiAddr, State};
use serde::Serialize;
use std::fmt;
use switchyard_dsl::scenario::{Move, Scenario, VfioBackend};
use switchyard_dsl::vocab::{DomainLit, DomainType, Errno, Hook, NotifyAction};

/// A move with its names resolved to indices.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Mv {
    Add(DevId),
    Remove(DevId),
    Bind(DevId, u8),
    Unbind(DevId),
    VfioOpen(GroupId),
    VfioClose(GroupId),
    RaiseAer(DevId),
    WriteType(GroupId, DomainType),
}

impl Mv {
    pub(crate) fn resolve(s: &Scenario, m: &Move) -> Mv {
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
        match m {
            Move::Add { device } => Mv::Add(dev(device)),
            Move::Remove { device } => Mv::Remove(dev(device)),
            Move::Bind { device, driver } => Mv::Bind(
                dev(device),
                s.drivers
                    .iter()
                    .position(|d| d.name == *driver)
                    .expect("checked scenario") as u8,
            ),
            Move::Unbind { device } => Mv::Unbind(dev(device)),
            Move::VfioOpen { group } => Mv::VfioOpen(grp(group)),
            Move::VfioClose { group } => Mv::VfioClose(grp(group)),
            Move::RaiseAer { device } => Mv::RaiseAer(dev(device)),
            Move::WriteType { group, ty } => Mv::WriteType(grp(group), *ty),
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
    /// The driver's vectors are freed: nothing was sent; the status stays set.
    Masked,
    /// No driver with interrupts is bound: AER reporting is not enabled.
    Unreported,
}

/// What a move returned, as a user or the harness observes it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case", tag = "result")]
pub enum Outcome {
    Ok,
    Failed { errno: Errno },
    Irq { irq: Irq },
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Ok => f.write_str("ok"),
            Outcome::Failed { errno } => write!(f, "fails: {errno}"),
            Outcome::Irq { irq } => match irq {
                Irq::Delivered => f.write_str("AER delivered"),
                Irq::Lost { domain, addr } => {
                    write!(f, "AER lost: IOMMU fault at {addr} in {domain}")
                }
                Irq::Unsignalled => {
                    f.write_str("AER not signalled: an earlier error is still pending")
                }
                Irq::Masked => f.write_str("AER left pending: vectors freed"),
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
        m.note(format!(
            "{hook}: stopped with {e} (the kernel warns and goes on)"
        ));
    }
}

fn notify(m: &mut Machine, hooks: &dyn PolicyHooks, action: NotifyAction, d: DevId) {
    run_void(m, hooks, Hook::BusNotify(action), &dev(d));
}

/// The state after boot: every device that is not `hotplug` probed, in order.
pub(crate) fn boot(
    scenario: &Scenario,
    hooks: &dyn PolicyHooks,
    logging: bool,
) -> (State, Vec<String>) {
    let mut m = Machine::new(scenario, Machine::empty_state(scenario));
    m.logging = logging;
    for (d, spec) in scenario.devices.iter().enumerate() {
        if !spec.hotplug {
            add_device(&mut m, hooks, d);
        }
    }
    (m.state, m.log)
}

/// `iommu_bus_notifier(BUS_NOTIFY_ADD_DEVICE)`: probe, then the notifier hook.
fn add_device(m: &mut Machine, hooks: &dyn PolicyHooks, d: DevId) {
    m.state.devices[d].present = true;
    m.note(format!("{}: probed", m.dev_name(d)));
    let g = m.group_of(d);
    if let Some(dom) = m.state.groups[g].domain {
        // __iommu_probe_device(): a new member joins the group's current domain.
        let spec = &m.scenario.devices[d];
        m.state.devices[d].ats_on = m.domain_allows_ats(g, dom) && spec.ats && !spec.untrusted;
    }
    if let Err(e) = hooks.run(m, Hook::Probe, &dev(d)) {
        m.note(format!("{}: probe failed with {e}", m.dev_name(d)));
    }
    notify(m, hooks, NotifyAction::AddDevice, d);
}

/// Whether the move can happen in this state (a move that is not enabled is not tried;
/// one that is enabled and fails is a move with an error outcome).
pub(crate) fn enabled(m: &Machine, mv: Mv) -> bool {
    let st = &m.state;
    match mv {
        Mv::Add(d) => !st.devices[d].present,
        // A device whose group a user owns is held by VFIO until the user closes it.
        Mv::Remove(d) => st.devices[d].present && !st.groups[m.group_of(d)].owned,
        Mv::Bind(d, _) => st.devices[d].present && st.devices[d].driver.is_none(),
        // vfio-pci's remove does not wait for a group fd or a container, only for device
        // fds, which the model's user does not hold (see `vfio_remove`).
        Mv::Unbind(d) => st.devices[d].driver.is_some(),
        Mv::VfioOpen(g) => {
            !st.groups[g].owned
                && m.members(g).into_iter().any(|d| {
                    st.devices[d]
                        .driver
                        .is_some_and(|drv| m.scenario.drivers[usize::from(drv)].vfio)
                })
        }
        Mv::VfioClose(g) => st.groups[g].owned,
        Mv::RaiseAer(d) => st.devices[d].present,
        Mv::WriteType(g, _) => !m.members(g).is_empty(),
    }
}

/// Performs an enabled move.
pub(crate) fn apply(m: &mut Machine, hooks: &dyn PolicyHooks, mv: Mv) -> Outcome {
    match mv {
        Mv::Add(d) => {
            add_device(m, hooks, d);
            Outcome::Ok
        }
        Mv::Remove(d) => {
            if m.state.devices[d].driver.is_some() {
                unbind(m, hooks, d);
            }
            notify(m, hooks, NotifyAction::RemovedDevice, d);
            // iommu_release_device(): the device leaves its group.
            let ds = &mut m.state.devices[d];
            ds.present = false;
            ds.msi = Msi::None;
            ds.ats_on = false;
            ds.aer_pending = false;
            let g = m.group_of(d);
            if m.members(g).is_empty() {
                free_group(m, g);
            }
            m.note(format!("{}: removed", m.dev_name(d)));
            Outcome::Ok
        }
        Mv::Bind(d, drv) => bind(m, hooks, d, drv),
        Mv::Unbind(d) => {
            unbind(m, hooks, d);
            Outcome::Ok
        }
        Mv::VfioOpen(g) => vfio_open(m, hooks, g),
        Mv::VfioClose(g) => {
            vfio_close(m, hooks, g);
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
            Err(errno) => Outcome::Failed { errno },
        },
    }
}

/// `really_probe()`: `device_set_driver()`, `dma_configure`, BIND_DRIVER, the driver's
/// probe (which requests its MSI vectors, and for AER clears the Root Error Status in
/// `aer_enable_rootport()`), BOUND_DRIVER. A failed `dma_configure` unwinds without
/// notifying.
fn bind(m: &mut Machine, hooks: &dyn PolicyHooks, d: DevId, drv: u8) -> Outcome {
    let spec = &m.scenario.drivers[usize::from(drv)];
    m.state.devices[d].driver = Some(drv);
    m.note(format!("{}: binding {}", m.dev_name(d), spec.kernel_name));
    if let Err(errno) = hooks.run(
        m,
        Hook::DmaConfigure,
        &[Value::Device(d), Value::Bool(spec.managed_dma)],
    ) {
        m.state.devices[d].driver = None;
        m.note(format!(
            "{}: dma_configure failed with {errno}; not bound",
            m.dev_name(d)
        ));
        return Outcome::Failed { errno };
    }
    notify(m, hooks, NotifyAction::BindDriver, d);
    if let Some(failed) = probe_refused(m, hooks, d, drv) {
        return failed;
    }
    if spec.msi {
        m.allocate_vectors(d);
        if m.scenario.devices[d].aer {
            m.state.devices[d].aer_pending = false;
        }
    }
    notify(m, hooks, NotifyAction::BoundDriver, d);
    Outcome::Ok
}

/// The driver's probe, where the model knows it refuses the device: `vfio_pci_probe()` ->
/// `vfio_pci_core_register_device()` fails with EINVAL for a header type that is not
/// normal (a bridge), before `vfio_register_group_dev()`. `really_probe()` then unwinds
/// (`probe_failed`): BUS_NOTIFY_DRIVER_NOT_BOUND, `dma_cleanup`, and
/// `device_unbind_cleanup()` clears `dev->driver`; `device_driver_attach()` returns
/// EINVAL to the `bind` write. `None` when the probe goes on.
fn probe_refused(m: &mut Machine, hooks: &dyn PolicyHooks, d: DevId, drv: u8) -> Option<Outcome> {
    let spec = &m.scenario.drivers[usize::from(drv)];
    if !(spec.vfio && m.scenario.devices[d].bridge) {
        return None;
    }
    let errno = Errno::EINVAL;
    m.note(format!(
        "{}: probe with driver {} failed with error -22 (not a normal header type)",
        m.dev_name(d),
        spec.kernel_name
    ));
    notify(m, hooks, NotifyAction::DriverNotBound, d);
    run_void(
        m,
        hooks,
        Hook::DmaCleanup,
        &[Value::Device(d), Value::Bool(spec.managed_dma)],
    );
    m.state.devices[d].driver = None;
    m.note(format!("{}: not bound", m.dev_name(d)));
    Some(Outcome::Failed { errno })
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
        m.note(format!(
            "{}: MSI vectors freed by the driver's remove",
            m.dev_name(d)
        ));
    }
    run_void(
        m,
        hooks,
        Hook::DmaCleanup,
        &[Value::Device(d), Value::Bool(managed)],
    );
    m.state.devices[d].driver = None;
    m.note(format!("{}: unbound", m.dev_name(d)));
    notify(m, hooks, NotifyAction::UnboundDriver, d);
}

/// A user opens the group. Type1 (`VFIO_GROUP_SET_CONTAINER` + `VFIO_SET_IOMMU`): claim,
/// attach the new paging domain, then `iommu_get_msi_cookie()`. iommufd: the hardware page
/// table has its MSI cookie before the attach. On an error the VFIO core unwinds: the
/// user's domain is detached and ownership released.
fn vfio_open(m: &mut Machine, hooks: &dyn PolicyHooks, g: GroupId) -> Outcome {
    let gv = [Value::Group(g)];
    if let Err(errno) = hooks.run(m, Hook::Claim, &gv) {
        m.note(format!("{}: claim refused with {errno}", m.group_name(g)));
        return Outcome::Failed { errno };
    }
    // __iommu_take_dma_ownership() after its domain switch.
    let gs = &mut m.state.groups[g];
    gs.owned = true;
    gs.owner_cnt += 1;
    gs.user_gen = gs.user_gen.saturating_add(1);
    gs.user_cookie = m.scenario.vfio_backend == VfioBackend::Iommufd;
    m.note(format!("{}: owned by the user", m.group_name(g)));
    if let Err(errno) = hooks.run(m, Hook::AttachUser, &gv) {
        m.note(format!("{}: attach refused with {errno}", m.group_name(g)));
        vfio_close(m, hooks, g);
        return Outcome::Failed { errno };
    }
    if !m.state.groups[g].user_cookie {
        m.state.groups[g].user_cookie = true;
        m.note(format!(
            "{}: MSI cookie installed in the user's domain",
            m.group_name(g)
        ));
    }
    if let Err(errno) = hooks.run(m, Hook::MsiCookie, &gv) {
        m.note(format!(
            "{}: msi_cookie failed with {errno}",
            m.group_name(g)
        ));
        vfio_close(m, hooks, g);
        return Outcome::Failed { errno };
    }
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
    m.note(format!(
        "{}: last VFIO device of {} removed; its container is detached",
        m.dev_name(d),
        m.group_name(g)
    ));
    vfio_close(m, hooks, g);
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
        m.note(format!(
            "{}: WARN in __iommu_group_free_device(): last device gone with the group in {dom}, owner_cnt {cnt}",
            m.group_name(g)
        ));
    }
    let boot_type = m.scenario.groups[g].default_type;
    let gs = &mut m.state.groups[g];
    gs.domain = None;
    gs.owner_cnt = 0;
    gs.owned = false;
    gs.default_type = boot_type;
    gs.default_gen = 0;
    gs.user_gen = 0;
    gs.user_cookie = false;
}

/// The user closes the group: detach the paging domain, release ownership
/// (`__iommu_release_dma_ownership()` clears owner and `owner_cnt` after the hook).
fn vfio_close(m: &mut Machine, hooks: &dyn PolicyHooks, g: GroupId) {
    let gv = [Value::Group(g)];
    run_void(m, hooks, Hook::DetachUser, &gv);
    run_void(m, hooks, Hook::Release, &gv);
    let gs = &mut m.state.groups[g];
    gs.owned = false;
    gs.owner_cnt = 0;
    gs.user_cookie = false;
    m.note(format!("{}: released by the user", m.group_name(g)));
}

/// The device raises AER: the port sets its Root Error Status and, if that was clear and
/// the driver has live vectors, sends the MSI the vector was composed with.
fn raise_aer(m: &mut Machine, d: DevId) -> Irq {
    let listening = m.state.devices[d]
        .driver
        .is_some_and(|drv| m.scenario.drivers[usize::from(drv)].msi);
    if !listening {
        return Irq::Unreported;
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
                m.note(format!(
                    "{}: AER message faulted; Root Error Status stays set",
                    m.dev_name(d)
                ));
                Irq::Lost { domain, addr }
            }
        }
        Msi::Freed | Msi::None => {
            m.state.devices[d].aer_pending = true;
            Irq::Masked
        }
    }
}
