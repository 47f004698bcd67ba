//! The model's state and the meaning of every action and predicate.
//!
//! [`Machine`] is the one place where a DSL construct gets its model semantics: the IR
//! interpreter ([`Interpreter`](crate::Interpreter)) and the generated model crates both
//! call these methods, named for each construct in one table (the crate's `meaning`
//! module), so a construct means the same thing whichever way a policy runs. Each method's
//! doc names the Linux 6.12 code it models, and the 7.3 code where the base changes it:
//! the machine knows its [`Base`], and the few facts that differ between the bases are
//! methods of their own ([`Machine::cfg`], [`Machine::probes_at_bind`],
//! [`Machine::compose`]), read by the environment and the actions alike.

use serde::Serialize;
use std::sync::Arc;

/// `note!(m, "...", args)`: a line for the trace of the move `m` is making, formatted only
/// when a trace is being recorded (the checker's millions of moves record none).
macro_rules! note {
    ($m:expr, $($arg:tt)*) => {
        if $m.logging {
            let text = format!($($arg)*);
            $m.log.push(text);
        }
    };
}
pub(crate) use note;
use switchyard_dsl::scenario::{Iommu, Platform, Scenario};
use switchyard_dsl::vocab::{AtsState, CfgOption, DomainLit, DomainType, Errno};
use switchyard_dsl::Base;

/// A domain object a group can be attached to. Objects that the kernel allocates anew
/// carry a generation, because a vector composed against one object is not valid in its
/// successor even where both are "the default domain".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dom {
    /// `group->blocking_domain`.
    Blocked,
    /// `group->default_domain`, the `gen`-th one (`iommu_setup_default_domain()` allocates
    /// a new one for every type change).
    Default { gen: u8 },
    /// A separate identity domain attached by a policy.
    Identity,
    /// The parking domain: an empty DMA-API domain with the ATS-off flag.
    EmptyDma,
    /// The owner's paging domain, the `gen`-th one (VFIO allocates one per open).
    User { gen: u8 },
}

/// The address an MSI message was composed with (`iommu_dma_compose_msi_msg()`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case", tag = "addr", content = "domain")]
pub(crate) enum MsiAddr {
    /// MSI does not go through the IOMMU (x86 interrupt remapping): always reaches the CPU.
    Direct,
    /// The physical doorbell: the domain had no MSI cookie when the vector was prepared
    /// (`iommu_dma_prepare_msi()` returns early), so only an identity mapping reaches it.
    Physical,
    /// The doorbell page the domain's MSI cookie mapped (`iommu_dma_get_msi_page()`); the
    /// mapping lives as long as that domain object.
    Iova(Dom),
}

/// What `iommu_dma_prepare_msi()` does for a vector allocated now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Prepared {
    /// The vector gets a message with this address.
    Msi(MsiAddr),
    /// Linux 7.3: the group's domain is neither identity nor has a cookie MSI pages can
    /// be mapped through (the blocking domain; type1's domain before
    /// `iommu_get_msi_cookie()`): -EOPNOTSUPP, and the MSI allocation fails.
    Refused,
}

/// A device's interrupt vectors, as its bound driver sees them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case", tag = "msi", content = "addr")]
pub(crate) enum Msi {
    /// No vectors allocated.
    None,
    /// Allocated, with the message address each was composed with.
    Live(MsiAddr),
    /// No MSI: the allocation failed (`iommu_dma_prepare_msi()` refused it: on 7.3 a
    /// domain with no cookie, [`Prepared::Refused`]; on either base a policy's
    /// `prepare_msi` hook) and the driver fell back to the legacy INTx interrupt, as
    /// pcieport's `pcie_init_service_irqs()` does (`pci_alloc_irq_vectors(dev, 1, 1,
    /// PCI_IRQ_INTX)`): a wire to the interrupt controller that no IOMMU domain
    /// translates. No MSI descriptors exist, so `dev.msi_live` is false and
    /// `msi_enabled` and `msix_enabled` stay clear.
    Intx,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub(crate) struct DevState {
    pub(crate) present: bool,
    /// In its IOMMU group (`dev->iommu_group`): probed by the IOMMU core, at add or at its
    /// first bind (`Platform::probes_at_bind()`), until it is removed. A present device
    /// that is not is one whose probe its group refused ([`Machine::refused`]), or, where
    /// the platform probes at bind, one no driver has bound yet.
    pub(crate) probed: bool,
    /// Index into the scenario's drivers.
    pub(crate) driver: Option<u8>,
    /// The bound driver's probe has not allocated its vectors yet: `really_probe()` is
    /// between `dma_configure` and the probe's `pci_alloc_irq_vectors()`, under the
    /// device lock (no unbind, no removal), while a claim, which takes only
    /// `group->mutex`, can run.
    pub(crate) probing: bool,
    pub(crate) msi: Msi,
    /// The live vectors are masked at the device (`mask_msis`): a message it raises
    /// waits in the vector's pending bit until `retarget_msis` unmasks it.
    pub(crate) msi_masked: bool,
    pub(crate) ats_on: bool,
    /// Counted as a DMA-API user (`iommu_device_use_default_domain()` succeeded).
    pub(crate) dma_user: bool,
    /// `dev->iommu->attach_deferred`: set when it joins its group where the IOMMU driver
    /// defers the attach (`iommu_init_device()` -> `ops->is_attach_deferred()`), cleared
    /// by the first attach of a domain other than the default one
    /// (`__iommu_device_set_domain()`, `__iommu_attach_device()`) and by its first DMA
    /// mapping (`iommu_deferred_attach()`).
    pub(crate) deferred: bool,
    /// AER: an error is recorded in the port's Root Error Status and not serviced. The
    /// status is sticky: while it is set, new errors do not signal.
    pub(crate) aer_pending: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct GroupState {
    /// `group->domain`; `None` before the first probe.
    pub domain: Option<Dom>,
    pub(crate) default_type: DomainType,
    pub(crate) default_gen: u8,
    /// `group->owner != NULL`.
    pub(crate) owned: bool,
    pub(crate) owner_cnt: u8,
    /// How many user domains were allocated so far (the current one's generation).
    pub(crate) user_gen: u8,
    /// The current user domain has its MSI cookie (`iommu_get_msi_cookie()`).
    pub(crate) user_cookie: bool,
    /// How far a user's VFIO open or close of the group has got.
    pub(crate) vfio: VfioStep,
}

impl GroupState {
    /// A group as `iommu_group_alloc()` makes it: no domain yet, the boot default type
    /// (`iommu_def_domain_type`, from `iommu.passthrough=`), no owner. Boot starts every
    /// group so, and a group freed with its last device is so again.
    pub(crate) fn fresh(boot_default: DomainType) -> GroupState {
        GroupState {
            domain: None,
            default_type: boot_default,
            default_gen: 0,
            owned: false,
            owner_cnt: 0,
            user_gen: 0,
            user_cookie: false,
            vfio: VfioStep::Closed,
        }
    }
}

/// The kernel steps of a VFIO open and close, each a transition of its own: between any
/// two, other moves can happen (nothing the VFIO core holds excludes a bind, a hot-add or
/// an interrupt).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum VfioStep {
    /// No user has the group.
    Closed,
    /// Claimed: type1 `VFIO_GROUP_SET_CONTAINER` (`vfio_container_attach_group()` ->
    /// `iommu_group_claim_dma_owner()`), iommufd `VFIO_DEVICE_BIND_IOMMUFD`
    /// (`iommu_device_claim_dma_owner()`): the group is in its blocking domain.
    Claimed,
    /// type1 only, inside `VFIO_SET_IOMMU`: `vfio_iommu_type1_attach_group()` has
    /// attached the user's paging domain (`iommu_attach_group()`) and replayed its
    /// mappings, but not yet called `iommu_get_msi_cookie()`. `iommu->lock` is held, which
    /// neither a bind nor `iommu_dma_prepare_msi()` takes.
    Attached,
    /// Open: the user's domain is attached and has its MSI cookie.
    Open,
    /// Closing: `vfio_group_detach_container()` has detached the user's domain
    /// (`iommu_detach_group()`: the blocking domain, as the group is still owned) and not
    /// yet released ownership.
    Detached,
}

/// [`Machine::probes_at_bind`], for a scenario on a base (the Promela back-end writes it as
/// a constant).
pub(crate) fn probes_at_bind(scenario: &Scenario, base: Base) -> bool {
    match base {
        Base::Linux612 => scenario.platform.probes_at_bind(),
        Base::Linux73 => false,
    }
}

/// [`Machine::bind_probes`], for a scenario (the Promela back-end writes it as a constant).
pub(crate) fn bind_probes(scenario: &Scenario) -> bool {
    scenario.platform == Platform::Arm64Smmuv3
}

/// [`Machine::release_keeps_direct`], for a scenario on a base (a Promela constant too).
pub(crate) fn release_keeps_direct(scenario: &Scenario, base: Base) -> bool {
    match base {
        Base::Linux612 => scenario.platform == Platform::Arm64Smmuv3,
        Base::Linux73 => true,
    }
}

/// The whole modelled system. Hashable: the explorer stores each distinct state once.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct State {
    pub(crate) devices: Vec<DevState>,
    pub groups: Vec<GroupState>,
    /// How often each of the scenario's moves has happened.
    pub(crate) used: Vec<u8>,
}

/// A device or group argument, by index into the scenario.
pub type DevId = usize;
pub type GroupId = usize;

/// The state plus what is fixed for a run: the scenario, and a log of what happened
/// during the current move (shown in traces).
pub struct Machine<'s> {
    pub(crate) scenario: &'s Scenario,
    /// The kernel release whose behaviour the machine has.
    pub(crate) base: Base,
    pub state: State,
    /// Human-readable notes of the current move: hooks run, domains set, vectors composed.
    /// Kept only while `logging` is on (when a trace is replayed), so exploring stays cheap.
    pub(crate) log: Vec<String>,
    pub(crate) logging: bool,
    /// The first WARN the kernel hit during the current move, for `no-warn`.
    pub(crate) warning: Option<String>,
    /// What the last hook that failed with a message printed (`fail(E, "...")`), until
    /// the move reports the failure ([`Machine::take_refusal`]). Kept only while
    /// `logging` is on, as the log is.
    pub(crate) refusal: Option<String>,
    /// Each device's group, computed once per scenario and shared by every machine the
    /// checker makes (one per transition it tries).
    pub(crate) group_of: Arc<[GroupId]>,
}

impl<'s> Machine<'s> {
    pub(crate) fn new(scenario: &'s Scenario, state: State, base: Base) -> Self {
        Machine::with_layout(scenario, state, Machine::layout(scenario), base)
    }

    /// Each device's group, by index: what [`Machine::with_layout`] takes.
    pub(crate) fn layout(scenario: &Scenario) -> Arc<[GroupId]> {
        scenario
            .devices
            .iter()
            .map(|d| {
                scenario
                    .groups
                    .iter()
                    .position(|g| g.name == d.group)
                    .expect("a checked scenario's devices are in declared groups")
            })
            .collect()
    }

    /// A machine whose device-to-group layout was computed once (by [`Machine::layout`]).
    pub(crate) fn with_layout(
        scenario: &'s Scenario,
        state: State,
        group_of: Arc<[GroupId]>,
        base: Base,
    ) -> Self {
        Machine {
            scenario,
            base,
            state,
            log: Vec::new(),
            logging: false,
            warning: None,
            refusal: None,
            group_of,
        }
    }

    /// Every device absent, every group without a domain, no move used.
    pub(crate) fn empty_state(scenario: &Scenario) -> State {
        State {
            devices: scenario
                .devices
                .iter()
                .map(|_| DevState {
                    present: false,
                    probed: false,
                    driver: None,
                    probing: false,
                    msi: Msi::None,
                    msi_masked: false,
                    ats_on: false,
                    dma_user: false,
                    deferred: false,
                    aer_pending: false,
                })
                .collect(),
            groups: vec![GroupState::fresh(scenario.default_domain); scenario.groups.len()],
            used: vec![0; scenario.moves.len()],
        }
    }

    pub(crate) fn note(&mut self, text: impl Into<String>) {
        if self.logging {
            self.log.push(text.into());
        }
    }

    /// A hook fails with a message about a device (`fail(E, "...")` where a device is in
    /// scope): the kernel prints it with `dev_warn_ratelimited()` before returning the
    /// error. Noted in the trace, and kept for the move that reports the error. The
    /// message changes nothing the properties read.
    pub fn refuse_dev(&mut self, d: DevId, text: &str) {
        if self.logging {
            self.refuse(format!("{}: {text}", self.dev_name(d)));
        }
    }

    /// A hook given only a group fails with a message: the kernel prints it with
    /// `pr_warn_ratelimited("group %d: ...")` (iommu.c's `pr_fmt` adds `iommu: `) before
    /// returning the error. As [`Machine::refuse_dev`].
    pub fn refuse_group(&mut self, g: GroupId, text: &str) {
        if self.logging {
            self.refuse(format!("group {}: {text}", self.group_name(g)));
        }
    }

    fn refuse(&mut self, line: String) {
        self.note(format!("kernel: {line}"));
        self.refusal = Some(line);
    }

    /// The message of the hook whose error the move is reporting now, if it printed one;
    /// the next error starts without.
    pub(crate) fn take_refusal(&mut self) -> Option<String> {
        self.refusal.take()
    }

    /// The kernel WARNs: noted in the trace, and kept (the first of a move) for `no-warn`.
    pub(crate) fn warn(&mut self, text: String) {
        self.note(text.clone());
        self.warning.get_or_insert(text);
    }

    pub(crate) fn dev_name(&self, d: DevId) -> &'s str {
        &self.scenario.devices[d].name
    }

    pub(crate) fn group_name(&self, g: GroupId) -> &'s str {
        &self.scenario.groups[g].name
    }

    /// The members of a group (the devices the IOMMU core has probed into it), in
    /// declaration order.
    pub fn members(&self, g: GroupId) -> Vec<DevId> {
        (0..self.scenario.devices.len())
            .filter(|&d| self.group_of[d] == g && self.state.devices[d].probed)
            .collect()
    }

    // ------------------------------------------------------------ functions

    /// Whether the device is present and outside its group because its group refused
    /// it: `__iommu_probe_device()` failed (`moves::join_group`), so it has no
    /// `dev->iommu_group` and the IOMMU driver released it. Where the platform probes at
    /// bind, an unbound device outside its group is in the same state as one never bound
    /// (6.12's SMMUv3 bypasses an RMR's streams from `arm_smmu_init_strtab()` on), so
    /// only a bound one counts.
    pub(crate) fn refused(&self, d: DevId) -> bool {
        let ds = &self.state.devices[d];
        ds.present && !ds.probed && (ds.driver.is_some() || !self.probes_at_bind())
    }

    /// `group(dev)`: `dev->iommu_group`.
    pub fn group_of(&self, d: DevId) -> GroupId {
        self.group_of[d]
    }

    /// `cfg(OPTION)`: the option as the base builds it on the scenario's platform.
    ///
    /// `IRQ_MSI_IOMMU`, Linux 6.12: y on every platform a scenario describes, arm64 and
    /// x86 alike: its only selector is `IOMMU_DMA` (drivers/iommu/Kconfig), `def_bool
    /// ARM64 || X86 || S390` under `IOMMU_SUPPORT`. It says that `struct msi_desc` has
    /// room for a doorbell IOVA, not that any vector uses one; whether the platform's
    /// irqchip maps its doorbell through the IOMMU is the scenario's `msi_translated`,
    /// seen through `dev.msi_iova`.
    ///
    /// Linux 7.3: selected by the irqchips that call `iommu_dma_prepare_msi()`
    /// (drivers/irqchip/Kconfig: `ARM_GIC_V2M`, `ARM_GIC_V3`, `ARM_GIC_V3_ITS`,
    /// `LS_SCFG_MSI`; kernel/irq/Kconfig: "irqchip drivers should select this if they call
    /// iommu_dma_prepare_msi()"), no longer by `IOMMU_DMA`: y on arm64 with its GICv3
    /// ITS, n on x86, which is the platform's `msi_translated`.
    pub fn cfg(&self, option: CfgOption) -> bool {
        match option {
            CfgOption::IRQ_MSI_IOMMU => match self.base {
                Base::Linux612 => true,
                Base::Linux73 => self.scenario.msi_translated,
            },
        }
    }

    /// Whether a PCI device joins its IOMMU group only at its first driver bind
    /// (`Platform::probes_at_bind()` says why on 6.12: arm64's fwspec comes from
    /// `pci_dma_configure()` in `really_probe()`). Linux 7.3 (since 6.15):
    /// `iommu_init_device()` calls `dev->bus->dma_configure()` itself for a device with
    /// no fwspec and no driver, so `bus_iommu_probe()` and BUS_NOTIFY_ADD_DEVICE probe
    /// every device when it is added, on arm64 as on x86 (`pci_dma_configure()` then
    /// skips `iommu_device_use_default_domain()`: no driver is bound).
    pub fn probes_at_bind(&self) -> bool {
        probes_at_bind(self.scenario, self.base)
    }

    /// Whether a bind probes a device that is in no group (its first bind where
    /// [`Machine::probes_at_bind`], or any bind after a probe that failed). arm64, on both
    /// bases: `pci_dma_configure()` -> `of_dma_configure_id()` -> `of_iommu_configure()`
    /// translates the fwspec again, as the failed probe's `iommu_deinit_device()` ->
    /// `dev_iommu_free()` dropped it, and calls `iommu_probe_device()` (6.12: always; 7.3:
    /// when `dev->iommu` was NULL on entry, as it is then); 6.12's ACPI path,
    /// `acpi_iommu_configure_id()`, does the same, 7.3's no longer does (QEMU's virt
    /// machine is described by a device tree). x86 never does: `acpi_dma_configure()`
    /// finds no IORT or VIOT, so `acpi_iommu_configure_id()` fails before any probe and
    /// `acpi_dma_configure_id()` ignores it.
    pub fn bind_probes(&self) -> bool {
        bind_probes(self.scenario)
    }

    /// Whether a device that requires direct mappings and leaves the IOMMU (its probe
    /// failed, `iommu_deinit_device()`) keeps them: its stream is left untranslated.
    /// Linux 6.12: SMMUv3 has no release domain, and `arm_smmu_release_device()` attaches
    /// the identity domain to a `require_direct` device (the blocked one to others);
    /// VT-d's `release_domain` is its blocking domain, which `iommu_deinit_device()`
    /// attaches, so the RMRR's DMA is blocked. Linux 7.3: both drivers' `release_domain`
    /// is their blocked domain, and `iommu_deinit_device()` attaches the identity domain
    /// instead to a `require_direct` device.
    pub fn release_keeps_direct(&self) -> bool {
        release_keeps_direct(self.scenario, self.base)
    }

    // ------------------------------------------------------------ device predicates

    /// `dev.bound`: `dev->driver`, set by `device_set_driver()` before `dma_configure`.
    pub fn bound(&self, d: DevId) -> bool {
        self.state.devices[d].driver.is_some()
    }

    fn driver(&self, d: DevId) -> Option<&'s switchyard_dsl::scenario::Driver> {
        self.state.devices[d]
            .driver
            .map(|i| &self.scenario.drivers[usize::from(i)])
    }

    /// `dev.managed_dma`: the bound driver's `driver_managed_dma`.
    pub fn managed_dma(&self, d: DevId) -> bool {
        self.driver(d).is_some_and(|drv| drv.managed_dma)
    }

    /// `dev.irq_only`: the bound driver declares it uses IRQs but no DMA.
    pub fn irq_only(&self, d: DevId) -> bool {
        self.driver(d).is_some_and(|drv| drv.irq_only)
    }

    /// `dev.msi_live`: MSI descriptors are allocated.
    pub fn msi_live(&self, d: DevId) -> bool {
        matches!(self.state.devices[d].msi, Msi::Live(_))
    }

    /// `dev.msi_iova`: the device's vectors are live and their messages carry a doorbell
    /// IOVA (`MsiAddr::Iova`): `iommu_dma_prepare_msi()` found an MSI cookie in the domain
    /// attached when they were allocated and mapped the doorbell there. False on x86, whose
    /// vectors are `Direct` (no irqchip there calls `iommu_dma_prepare_msi()`), and for
    /// vectors prepared in a domain without a cookie (`Physical`, shift 0).
    ///
    /// The C reads what the latest `iommu_dma_prepare_msi()` for the device recorded in
    /// `dev->iommu->msi_iova`, and whether MSI or MSI-X is enabled. The model keeps one
    /// message address per device, so the two agree; a driver that allocates MSI-X vectors
    /// one by one across a domain change would have vectors of both kinds, which the
    /// record reports as the latest one's.
    pub fn msi_iova(&self, d: DevId) -> bool {
        matches!(self.state.devices[d].msi, Msi::Live(MsiAddr::Iova(_)))
    }

    /// `dev.untrusted`: `pci_dev->untrusted`.
    pub fn untrusted(&self, d: DevId) -> bool {
        self.scenario.devices[d].untrusted
    }

    /// `dev.require_direct`: `dev->iommu->require_direct`.
    pub fn require_direct(&self, d: DevId) -> bool {
        self.scenario.devices[d].require_direct
    }

    /// `dev.ats_required`: `pci_ats_required()`.
    pub fn ats_required(&self, d: DevId) -> bool {
        self.scenario.devices[d].ats_required
    }

    /// `dev.ats`: `pci_dev->ats_enabled`.
    pub fn ats_on(&self, d: DevId) -> bool {
        self.state.devices[d].ats_on
    }

    /// `dev.bridge`: `pci_is_bridge()`.
    pub fn bridge(&self, d: DevId) -> bool {
        self.scenario.devices[d].bridge()
    }

    // ------------------------------------------------------------ group predicates

    /// `g.domain == LIT`: whether the current domain is the one the literal names.
    /// `Default` is the group's current default domain object; `Dma` and `Identity` match
    /// any domain of that type.
    pub fn domain_is(&self, g: GroupId, lit: DomainLit) -> bool {
        let gs = &self.state.groups[g];
        let cur = gs.domain;
        match lit {
            DomainLit::None => cur.is_none(),
            DomainLit::Blocked => cur == Some(Dom::Blocked),
            DomainLit::Default => {
                cur == Some(Dom::Default {
                    gen: gs.default_gen,
                })
            }
            DomainLit::Identity => match cur {
                Some(Dom::Identity) => true,
                Some(Dom::Default { .. }) => gs.default_type == DomainType::Identity,
                _ => false,
            },
            DomainLit::Dma => match cur {
                Some(Dom::EmptyDma) => true,
                Some(Dom::Default { .. }) => gs.default_type == DomainType::Dma,
                _ => false,
            },
            DomainLit::EmptyDma => cur == Some(Dom::EmptyDma),
            DomainLit::User => matches!(cur, Some(Dom::User { .. })),
        }
    }

    /// `g.default_type`.
    pub fn default_type(&self, g: GroupId) -> DomainType {
        self.state.groups[g].default_type
    }

    /// `g.owned`: `group->owner != NULL`.
    pub fn owned(&self, g: GroupId) -> bool {
        self.state.groups[g].owned
    }

    /// `g.owner_cnt`.
    pub fn owner_cnt(&self, g: GroupId) -> u32 {
        u32::from(self.state.groups[g].owner_cnt)
    }

    /// `g.bound_count`: members with `dev->driver`.
    pub fn bound_count(&self, g: GroupId) -> u32 {
        self.members(g)
            .into_iter()
            .filter(|&d| self.bound(d))
            .count() as u32
    }

    /// `g.attach_deferred`: a member's `dev->iommu->attach_deferred`
    /// (`for_each_group_device()`); 6.12 and 7.3 alike.
    pub fn group_attach_deferred(&self, g: GroupId) -> bool {
        self.members(g)
            .into_iter()
            .any(|d| self.state.devices[d].deferred)
    }

    /// `g.require_direct`: a member's `dev->iommu->require_direct`
    /// (`for_each_group_device()` under `group->mutex`). At boot every member is there:
    /// bus_iommu_probe() sets up a group's first domain only once all of them joined.
    pub fn group_require_direct(&self, g: GroupId) -> bool {
        self.members(g).into_iter().any(|d| self.require_direct(d))
    }

    /// `g.singleton`: `list_is_singular(&group->devices)`.
    pub fn singleton(&self, g: GroupId) -> bool {
        self.members(g).len() == 1
    }

    // ------------------------------------------------------------ actions

    /// `set_domain(g, LIT)`: `__iommu_group_set_domain()`. Refused with EINVAL when a
    /// member requires direct mappings and the new domain is the blocking domain
    /// (`__iommu_device_set_domain()`); otherwise every member moves, and the IOMMU driver
    /// sets each capable member's ATS from the new domain ([`Machine::domain_allows_ats`]).
    pub fn set_domain(&mut self, g: GroupId, lit: DomainLit) -> Result<(), Errno> {
        let gs = &self.state.groups[g];
        let target = match lit {
            DomainLit::Blocked => Dom::Blocked,
            DomainLit::Default => Dom::Default {
                gen: gs.default_gen,
            },
            DomainLit::Identity if gs.default_type == DomainType::Identity => Dom::Default {
                gen: gs.default_gen,
            },
            DomainLit::Identity => Dom::Identity,
            DomainLit::EmptyDma => Dom::EmptyDma,
            DomainLit::User => Dom::User { gen: gs.user_gen },
            // Refused by the checks: `None` cannot be attached, `Dma` is not one domain.
            DomainLit::None | DomainLit::Dma => return Err(Errno::EINVAL),
        };
        if target == Dom::Blocked {
            if let Some(d) = self
                .members(g)
                .into_iter()
                .find(|&d| self.require_direct(d))
            {
                note!(
                    self,
                    "{}: refused the blocking domain: {} requires direct mappings (EINVAL)",
                    self.group_name(g),
                    self.dev_name(d)
                );
                return Err(Errno::EINVAL);
            }
        }
        self.attach(g, target);
        Ok(())
    }

    /// Attaches a domain object to every member (mechanics shared with the environment).
    /// A member's deferred attach ends unless the domain is the group's default domain:
    /// `__iommu_device_set_domain()` returns early for it, and attaches any other.
    pub(crate) fn attach(&mut self, g: GroupId, target: Dom) {
        if self.state.groups[g].domain == Some(target) {
            return;
        }
        self.state.groups[g].domain = Some(target);
        let ats_allowed = self.domain_allows_ats(g, target);
        let keeps_deferral = self.is_current_default(g, target);
        for d in self.members(g) {
            let spec = &self.scenario.devices[d];
            self.state.devices[d].ats_on = ats_allowed && spec.ats && !spec.untrusted;
            self.state.devices[d].deferred &= keeps_deferral;
        }
        let label = self.dom_label(g, target);
        note!(self, "{}: domain -> {label}", self.group_name(g));
    }

    /// Whether a domain object is the group's current default domain (`group->default_domain`).
    pub(crate) fn is_current_default(&self, g: GroupId, dom: Dom) -> bool {
        dom == Dom::Default {
            gen: self.state.groups[g].default_gen,
        }
    }

    /// Whether a domain object is an identity domain: a separate one, or the current default
    /// domain when its type is identity.
    pub(crate) fn is_identity(&self, g: GroupId, dom: Dom) -> bool {
        let gs = &self.state.groups[g];
        match dom {
            Dom::Identity => true,
            Dom::Default { gen } => {
                gen == gs.default_gen && gs.default_type == DomainType::Identity
            }
            _ => false,
        }
    }

    /// Whether the platform's IOMMU driver enables ATS for a capable member attached to the
    /// domain. SMMUv3: only for paging domains; `arm_smmu_attach_prepare()` sets
    /// `ats_enabled` only when `to_smmu_domain_devices()` finds a paging domain, which it
    /// does not for identity and blocked (no CD table with PASIDs is modelled). VT-d,
    /// modelled in scalable mode (QEMU's `intel-iommu,x-scalable-mode=on`): paging
    /// domains (`dmar_domain_attach_device()` -> `iommu_enable_pci_caps()`) and identity
    /// (`identity_domain_attach_dev()`, scalable mode only); blocked disables it
    /// (`blocking_domain_attach_dev()` -> `device_block_translation()`). The parking domain
    /// carries the series' `forbid_ats` flag, which arm-smmu-v3 honours
    /// (`arm_smmu_attach_prepare()` as the series patches it); VT-d's
    /// `dmar_domain_attach_device()` calls `iommu_enable_pci_caps()` for every paging
    /// domain and does not read it, so on VT-d a parked device has ATS.
    pub(crate) fn domain_allows_ats(&self, g: GroupId, dom: Dom) -> bool {
        match dom {
            Dom::Blocked => false,
            Dom::EmptyDma => self.scenario.iommu() == Iommu::Vtd,
            Dom::User { .. } => true,
            Dom::Identity | Dom::Default { .. } => {
                !self.is_identity(g, dom) || self.scenario.iommu() == Iommu::Vtd
            }
        }
    }

    /// How a domain object is printed in traces.
    pub(crate) fn dom_label(&self, g: GroupId, dom: Dom) -> String {
        let gs = &self.state.groups[g];
        match dom {
            Dom::Blocked => "blocked".into(),
            Dom::Default { gen } => {
                let ty = if gen == gs.default_gen {
                    gs.default_type
                } else {
                    DomainType::Dma
                };
                let kind = match ty {
                    DomainType::Dma => "DMA",
                    DomainType::Identity => "identity",
                };
                if gen == 0 {
                    format!("default ({kind})")
                } else {
                    format!("default #{gen} ({kind})")
                }
            }
            Dom::Identity => "identity".into(),
            Dom::EmptyDma => "parking (empty DMA, forbid_ats)".into(),
            Dom::User { gen } => format!("user #{gen}"),
        }
    }

    /// `set_default_type(g, ty)`: `iommu_setup_default_domain()` allocating a new default
    /// domain of the type; the group stays attached where it is. Identity is refused with
    /// EINVAL when a member is untrusted: `iommu_get_default_domain_type()` forces DMA for
    /// it and returns -1 when the requested type differs, before anything is allocated.
    /// A default domain that already has the type is kept
    /// (`__iommu_group_alloc_default_domain()` returns it).
    pub fn set_default_type(&mut self, g: GroupId, ty: DomainType) -> Result<(), Errno> {
        if ty == DomainType::Identity {
            if let Some(d) = self.members(g).into_iter().find(|&d| self.untrusted(d)) {
                note!(self, "{}: identity refused: {} is untrusted (iommu_get_default_domain_type() -> EINVAL)",
                    self.group_name(g),
                    self.dev_name(d));
                return Err(Errno::EINVAL);
            }
        }
        let gs = &mut self.state.groups[g];
        if gs.default_type == ty {
            return Ok(());
        }
        gs.default_type = ty;
        gs.default_gen = gs.default_gen.saturating_add(1);
        note!(self, "{}: default domain type -> {ty}", self.group_name(g));
        Ok(())
    }

    /// `use_default_domain(dev)`: `iommu_device_use_default_domain()`. EBUSY when the
    /// group already has users and is owned or not in its default domain; otherwise one
    /// more DMA-API user.
    pub fn use_default_domain(&mut self, d: DevId) -> Result<(), Errno> {
        let g = self.group_of(d);
        let gs = &self.state.groups[g];
        if gs.owner_cnt > 0 && (!self.domain_is(g, DomainLit::Default) || gs.owned) {
            note!(
                self,
                "{}: iommu_device_use_default_domain() -> EBUSY",
                self.dev_name(d)
            );
            return Err(Errno::EBUSY);
        }
        self.state.groups[g].owner_cnt += 1;
        self.state.devices[d].dma_user = true;
        Ok(())
    }

    /// `unuse_default_domain(dev)`: `iommu_device_unuse_default_domain()`.
    pub fn unuse_default_domain(&mut self, d: DevId) {
        let g = self.group_of(d);
        let gs = &mut self.state.groups[g];
        gs.owner_cnt = gs.owner_cnt.saturating_sub(1);
        self.state.devices[d].dma_user = false;
    }

    /// `mask_msis(dev)`: each live vector masked at the device under its interrupt
    /// descriptor's lock (`mask_irq()` -> the MSI chip's `irq_mask`, `pci_msi_mask_irq()`:
    /// the MSI-X vector control bit or the MSI mask bit), so a message the device raises
    /// waits in the vector's pending bit. Vectors the driver disabled are left alone.
    pub fn mask_msis(&mut self, d: DevId) {
        if let Msi::Live(_) = self.state.devices[d].msi {
            if !self.state.devices[d].msi_masked {
                self.state.devices[d].msi_masked = true;
                note!(self, "{}: MSI vectors masked", self.dev_name(d));
            }
        }
    }

    /// `retarget_msis(dev)`: each live vector's doorbell prepared again in the group's
    /// current domain (`iommu_dma_prepare_msi()` with the doorbell it recorded at
    /// allocation: mapped by the domain's MSI cookie, or the physical address where the
    /// domain has none), the message recomposed and written (`irq_chip_compose_msi_msg()`,
    /// the chip's `irq_write_msi_msg`, as `msi_domain_set_affinity()` does), the vector
    /// unmasked, and replayed once (`irq_set_irqchip_state(IRQCHIP_STATE_PENDING)`). A
    /// message held by the mask goes out unmasked; an AER lost or held meanwhile is
    /// serviced by the replay: on the GICv3 ITS the replay makes the LPI pending at the
    /// ITS itself, not through the IOMMU, and `aer_irq()` clears the Root Error Status it
    /// finds set (it returns IRQ_NONE when none is). On x86 nothing calls
    /// `iommu_dma_prepare_msi()` (no doorbell recorded, the message stays as it is) and
    /// no chip replays; a held message goes out on the unmask, and none is ever lost.
    /// On Linux 7.3 a domain without a cookie refuses the preparation
    /// ([`Prepared::Refused`]): the message stays as it was composed, and is unmasked.
    pub fn retarget_msis(&mut self, d: DevId) {
        let Msi::Live(_) = self.state.devices[d].msi else {
            return;
        };
        let was_masked = self.state.devices[d].msi_masked;
        self.state.devices[d].msi_masked = false;
        if self.scenario.msi_translated {
            match self.compose(d) {
                Prepared::Msi(addr) => {
                    self.state.devices[d].msi = Msi::Live(addr);
                    let g = self.group_of(d);
                    let text = match addr {
                        MsiAddr::Direct => "not translated".to_string(),
                        MsiAddr::Physical => "physical doorbell (no MSI cookie)".to_string(),
                        MsiAddr::Iova(dom) => {
                            format!("doorbell IOVA in {}", self.dom_label(g, dom))
                        }
                    };
                    note!(self, "{}: MSI composed: {text}", self.dev_name(d));
                }
                Prepared::Refused => note!(
                    self,
                    "{}: iommu_dma_prepare_msi() -> EOPNOTSUPP; messages unchanged, unmasked",
                    self.dev_name(d)
                ),
            }
        } else if was_masked {
            note!(self, "{}: MSI vectors unmasked", self.dev_name(d));
        }
        if self.state.devices[d].aer_pending && self.aer_listening(d) {
            let how = if self.scenario.msi_translated {
                "replayed at the ITS"
            } else {
                "sent on the unmask"
            };
            self.state.devices[d].aer_pending = false;
            note!(
                self,
                "{}: pending AER {how}; aer_irq() services it",
                self.dev_name(d)
            );
        }
    }

    /// The root port that records and signals an error `d` reports (`d` itself for a
    /// root port).
    pub(crate) fn root_port_of(&self, d: DevId) -> Option<DevId> {
        let rp = self.scenario.root_port(&self.scenario.devices[d].name)?;
        self.scenario.devices.iter().position(|x| x.name == rp.name)
    }

    /// Whether the device's bound driver signals errors over MSI (pcieport on a root
    /// port) and has finished its probe (`aer_probe()` enables reporting once the vectors
    /// are allocated).
    pub(crate) fn aer_listening(&self, d: DevId) -> bool {
        !self.state.devices[d].probing
            && self.state.devices[d]
                .driver
                .is_some_and(|drv| self.scenario.drivers[usize::from(drv)].msi)
    }

    /// Whether a bound driver's live vectors work: unmasked and able to reach their
    /// doorbell, or masked while the group is between two steps of a VFIO open or close
    /// (holding a message is then what keeps it). Masked vectors of a group at rest hold
    /// their messages with nothing left to unmask them.
    pub(crate) fn vectors_work(&self, d: DevId) -> bool {
        let Msi::Live(addr) = self.state.devices[d].msi else {
            return true;
        };
        if self.state.devices[d].msi_masked {
            self.switching(self.group_of(d))
        } else {
            self.reaches_doorbell(d, addr)
        }
    }

    /// The group is between the steps of a VFIO open or close: claimed and not yet open,
    /// or detached and not yet released.
    pub(crate) fn switching(&self, g: GroupId) -> bool {
        !matches!(self.state.groups[g].vfio, VfioStep::Closed | VfioStep::Open)
    }

    /// Allocates a device's vectors against the group's current domain. A switch's
    /// upstream port gets none: 6.12's `pcie_port_device_register()` returns before
    /// `pcie_init_service_irqs()` when `get_port_device_capability()` finds no service,
    /// and hotplug, AER, PME, DPC and bandwidth notification are all root- or
    /// downstream-port services (the only driver that binds a port is pcieport: vfio-pci
    /// refuses bridges); 7.3's portdrv.c does the same. On 7.3 a refused preparation
    /// ([`Prepared::Refused`]) leaves the driver on INTx ([`Msi::Intx`]).
    pub(crate) fn allocate_vectors(&mut self, d: DevId) {
        if self.scenario.devices[d].kind == switchyard_dsl::scenario::PciKind::UpstreamPort {
            return;
        }
        let addr = match self.compose(d) {
            Prepared::Msi(addr) => addr,
            Prepared::Refused => {
                self.state.devices[d].msi = Msi::Intx;
                self.state.devices[d].msi_masked = false;
                note!(
                    self,
                    "{}: MSI allocation failed: iommu_dma_prepare_msi() -> EOPNOTSUPP (no cookie in the group's domain); INTx instead",
                    self.dev_name(d)
                );
                return;
            }
        };
        self.state.devices[d].msi = Msi::Live(addr);
        self.state.devices[d].msi_masked = false;
        let g = self.group_of(d);
        let text = match addr {
            MsiAddr::Direct => "not translated".to_string(),
            MsiAddr::Physical => "physical doorbell (no MSI cookie)".to_string(),
            MsiAddr::Iova(dom) => format!("doorbell IOVA in {}", self.dom_label(g, dom)),
        };
        note!(self, "{}: MSI composed: {text}", self.dev_name(d));
    }

    /// What `iommu_dma_prepare_msi()` does for a vector prepared now.
    ///
    /// Linux 6.12 (drivers/iommu/dma-iommu.c): maps the doorbell through the current
    /// domain's `iova_cookie` (a DMA-API domain's IOVA cookie, or the MSI cookie of
    /// `iommu_get_msi_cookie()`), or, when the domain has none (blocking and identity
    /// domains; a user domain before `iommu_get_msi_cookie()`), returns 0 and leaves the
    /// physical address.
    ///
    /// Linux 7.3 (drivers/iommu/iommu.c, under `group->mutex`): an identity domain, or no
    /// domain, leaves the physical address; otherwise it dispatches on the domain's
    /// `cookie_type`: `IOMMU_COOKIE_DMA_IOVA` and `IOMMU_COOKIE_DMA_MSI` map through
    /// `iommu_dma_sw_msi()` as before, `IOMMU_COOKIE_IOMMUFD` through `iommufd_sw_msi()`
    /// (iommufd's domain: an IOVA the same in every HWPT of the group, which
    /// `iommufd_group_setup_msi()` installs in each one attached; the model's user
    /// attaches one HWPT per open and the map list goes with the `iommufd_group` at the
    /// close, so the model's `User { gen }` IOVA is that one), and anything else (the
    /// blocking domain, type1's domain before its MSI cookie) is -EOPNOTSUPP.
    ///
    /// x86 never goes through the IOMMU (`Direct`): no irqchip there calls it.
    pub(crate) fn compose(&self, d: DevId) -> Prepared {
        if !self.scenario.msi_translated {
            return Prepared::Msi(MsiAddr::Direct);
        }
        // A device outside its group has no domain (`iommu_get_domain_for_dev()` is NULL on
        // 6.12; 7.3 finds no group): the physical address.
        if !self.state.devices[d].probed {
            return Prepared::Msi(MsiAddr::Physical);
        }
        let g = self.group_of(d);
        let gs = &self.state.groups[g];
        let no_cookie = match self.base {
            Base::Linux612 => Prepared::Msi(MsiAddr::Physical),
            Base::Linux73 => Prepared::Refused,
        };
        match gs.domain {
            None | Some(Dom::Identity) => Prepared::Msi(MsiAddr::Physical),
            Some(Dom::Blocked) => no_cookie,
            Some(Dom::Default { gen }) => {
                if gs.default_type == DomainType::Identity && gen == gs.default_gen {
                    Prepared::Msi(MsiAddr::Physical)
                } else {
                    Prepared::Msi(MsiAddr::Iova(Dom::Default { gen }))
                }
            }
            Some(Dom::EmptyDma) => Prepared::Msi(MsiAddr::Iova(Dom::EmptyDma)),
            Some(Dom::User { gen }) => {
                if gs.user_cookie {
                    Prepared::Msi(MsiAddr::Iova(Dom::User { gen }))
                } else {
                    no_cookie
                }
            }
        }
    }

    /// Whether a message with this address reaches the ITS doorbell through the group's
    /// current domain: an IOVA only in the domain object whose cookie mapped it, the
    /// physical address only through an identity domain. A device outside its group is in
    /// the domain its release left it in: identity where that keeps its direct mappings
    /// ([`Machine::release_keeps_direct`]; only a device that requires them is refused by
    /// its group), blocked otherwise.
    pub(crate) fn reaches_doorbell(&self, d: DevId, addr: MsiAddr) -> bool {
        let g = self.group_of(d);
        let gs = &self.state.groups[g];
        match addr {
            MsiAddr::Direct => true,
            MsiAddr::Physical if !self.state.devices[d].probed => self.release_keeps_direct(),
            MsiAddr::Physical => match gs.domain {
                Some(Dom::Identity) => true,
                Some(Dom::Default { gen }) => {
                    gen == gs.default_gen && gs.default_type == DomainType::Identity
                }
                _ => false,
            },
            MsiAddr::Iova(dom) => gs.domain == Some(dom),
        }
    }

    /// `ats(dev, On|Off)`: `pci_enable_ats()` / `pci_disable_ats()`. Enabling fails for a
    /// device without the capability, an untrusted one (`pci_ats_supported()`), or while
    /// the group's domain is one the IOMMU driver keeps ATS off for
    /// ([`Machine::domain_allows_ats`]).
    pub fn ats(&mut self, d: DevId, state: AtsState) -> Result<(), Errno> {
        match state {
            AtsState::Off => {
                self.state.devices[d].ats_on = false;
                Ok(())
            }
            AtsState::On => {
                let spec = &self.scenario.devices[d];
                let g = self.group_of(d);
                let forbidden = self.state.groups[g]
                    .domain
                    .map_or(true, |dom| !self.domain_allows_ats(g, dom));
                if !spec.ats || spec.untrusted || forbidden {
                    return Err(Errno::EINVAL);
                }
                self.state.devices[d].ats_on = true;
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `iommu_dma_prepare_msi()` per base, domain by domain, for the root port of
    /// arm-port-vfio (arm64: MSI translated by the SMMU).
    #[test]
    fn prepare_follows_the_bases_cookie_rules() {
        let s = switchyard_dsl::load_scenario("arm-port-vfio").unwrap();
        let port = s.devices.iter().position(|d| d.name == "port").unwrap();
        let prepared = |base: Base, dom: Dom, cookie: bool| {
            let mut m = Machine::new(&s, Machine::empty_state(&s), base);
            let g = m.group_of(port);
            m.state.devices[port].present = true;
            m.state.devices[port].probed = true;
            m.state.groups[g].domain = Some(dom);
            m.state.groups[g].user_cookie = cookie;
            m.compose(port)
        };
        let user = Dom::User { gen: 1 };
        let dma = Dom::Default { gen: 0 };
        for base in Base::ALL {
            assert_eq!(
                prepared(base, dma, false),
                Prepared::Msi(MsiAddr::Iova(dma)),
                "{base}"
            );
            assert_eq!(
                prepared(base, user, true),
                Prepared::Msi(MsiAddr::Iova(user)),
                "{base}"
            );
            assert_eq!(
                prepared(base, Dom::Identity, false),
                Prepared::Msi(MsiAddr::Physical),
                "{base}"
            );
        }
        // No cookie: 6.12 leaves the physical doorbell, 7.3 refuses (-EOPNOTSUPP).
        for dom in [Dom::Blocked, user] {
            assert_eq!(
                prepared(Base::Linux612, dom, false),
                Prepared::Msi(MsiAddr::Physical)
            );
            assert_eq!(prepared(Base::Linux73, dom, false), Prepared::Refused);
        }
    }
}
