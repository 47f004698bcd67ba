//! The language's vocabulary: every hook, action, predicate and literal, in one place.
//!
//! Each entry names the Linux 6.12 code it stands for. The parser, the semantic checks,
//! the pretty-printer and the README's language reference all read these tables, so a
//! construct is added by adding one row here, plus its model meaning (one row of
//! `model/src/meaning.rs`, naming its `Machine` method) and its C rendering (one arm of
//! `series/src/c.rs`, and where it needs a helper one row of `series/src/need.rs` with its
//! template) — one of each, never two. ARCHITECTURE.md has the recipe.

use serde::Serialize;
use std::fmt;

/// The kind of a value in a policy body. Every expression has exactly one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A device (`struct device` with an IOMMU group).
    Device,
    /// An IOMMU group (`struct iommu_group`).
    Group,
    /// A truth value.
    Bool,
    /// A small non-negative integer (a count).
    Int,
    /// A domain the group can sit in: `Blocked`, `Default`, `Identity`, ...
    Domain,
    /// A default-domain type: `Dma` or `Identity`.
    DomainType,
    /// A negative errno returned by a failing hook: `EBUSY`, ...
    Errno,
    /// An ATS state: `On` or `Off`.
    Ats,
    /// The members of a group; only usable as the range of a `for` loop.
    Devices,
}

impl Kind {
    pub fn describe(self) -> &'static str {
        match self {
            Kind::Device => "a device",
            Kind::Group => "a group",
            Kind::Bool => "a truth value",
            Kind::Int => "a count",
            Kind::Domain => "a domain",
            Kind::DomainType => "a default-domain type",
            Kind::Errno => "an errno",
            Kind::Ats => "an ATS state",
            Kind::Devices => "the members of a group",
        }
    }

    /// What a user can write for a value of this kind, for hints.
    pub fn examples(self) -> String {
        match self {
            Kind::Device => "a device parameter such as `dev`, or a `for` variable".into(),
            Kind::Group => "`group(dev)` or a group parameter such as `g`".into(),
            Kind::Bool => "a predicate such as `dev.bound` or `true`".into(),
            Kind::Int => "a count such as `g.owner_cnt` or `0`".into(),
            Kind::Domain => list(DomainLit::ALL.iter().map(|d| d.name())),
            Kind::DomainType => list(DomainType::ALL.iter().map(|d| d.name())),
            Kind::Errno => list(Errno::ALL.iter().map(|d| d.name())),
            Kind::Ats => "`On` or `Off`".into(),
            Kind::Devices => "`g.devices` or `group(dev).devices`".into(),
        }
    }
}

pub(crate) fn list<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let v: Vec<String> = names.map(|n| format!("`{n}`")).collect();
    v.join(", ")
}

macro_rules! named_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident { $( $(#[doc = $doc:literal])* $var:ident = $text:literal ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        pub enum $name { $( $(#[doc = $doc])* $var ),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$var),+];
            /// The spelling in the language.
            pub fn name(self) -> &'static str {
                match self { $($name::$var => $text),+ }
            }
            /// Looks a spelling up.
            pub fn from_name(s: &str) -> Option<Self> {
                match s { $($text => Some($name::$var),)+ _ => None }
            }
            /// The doc comment of the variant: what it means, for the reference.
            pub fn doc(self) -> &'static str {
                match self { $($name::$var => concat!($($doc, "\n"),*).trim()),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}

named_enum! {
    /// `BUS_NOTIFY_*` actions of `include/linux/device/bus.h`, as seen by
    /// `iommu_bus_notifier()` in drivers/iommu/iommu.c.
    pub enum NotifyAction {
        /// `BUS_NOTIFY_ADD_DEVICE`: the device was added; runs after `probe`.
        AddDevice = "AddDevice",
        /// `BUS_NOTIFY_BIND_DRIVER`: `really_probe()` -> `driver_sysfs_add()`. In 6.12 this
        /// comes *after* `dma_configure` (`device_set_driver()`, `bus->dma_configure()`, then
        /// `driver_sysfs_add()`), and before the driver's probe requests its interrupts.
        BindDriver = "BindDriver",
        /// `BUS_NOTIFY_BOUND_DRIVER`: the driver's probe succeeded.
        BoundDriver = "BoundDriver",
        /// `BUS_NOTIFY_UNBIND_DRIVER`: before the driver's remove.
        UnbindDriver = "UnbindDriver",
        /// `BUS_NOTIFY_UNBOUND_DRIVER`: after the driver's remove and `dma_cleanup`.
        UnboundDriver = "UnboundDriver",
        /// `BUS_NOTIFY_DRIVER_NOT_BOUND`: `dma_configure` or the driver's probe failed.
        DriverNotBound = "DriverNotBound",
        /// `BUS_NOTIFY_REMOVED_DEVICE`: the device is going away; `iommu_release_device()` follows.
        RemovedDevice = "RemovedDevice",
    }
}

named_enum! {
    /// Domains a group can be in, as named in a policy.
    pub enum DomainLit {
        /// No domain attached yet (`group->domain == NULL`): only before the first probe.
        None = "None",
        /// The group's blocking domain (`group->blocking_domain`, `IOMMU_DOMAIN_BLOCKED`):
        /// no DMA, no ATS, no MSI doorbell.
        Blocked = "Blocked",
        /// The group's default domain (`group->default_domain`): DMA or IDENTITY per its default type.
        Default = "Default",
        /// An identity domain (`IOMMU_DOMAIN_IDENTITY`): DMA and MSI untranslated.
        Identity = "Identity",
        /// A DMA-API domain (`IOMMU_DOMAIN_DMA`): translated, with an MSI cookie.
        Dma = "Dma",
        /// The parking domain: an empty DMA-API domain carrying the ATS-off domain flag
        /// (thread P4). MSI works once a driver requests vectors; ATS stays off while attached.
        EmptyDma = "EmptyDma",
        /// The paging domain a user (VFIO, iommufd) is attaching or has attached.
        User = "User",
    }
}

named_enum! {
    /// Default-domain types (`iommu_group_store_type()`, `iommu.passthrough=`).
    pub enum DomainType {
        /// `IOMMU_DOMAIN_DMA`.
        Dma = "Dma",
        /// `IOMMU_DOMAIN_IDENTITY`.
        Identity = "Identity",
    }
}

named_enum! {
    /// Errors a hook can return with `fail(...)`.
    pub enum Errno {
        /// Device or resource busy.
        EBUSY = "EBUSY",
        /// Operation not permitted.
        EPERM = "EPERM",
        /// Invalid argument.
        EINVAL = "EINVAL",
        /// No such device.
        ENODEV = "ENODEV",
        /// Out of memory.
        ENOMEM = "ENOMEM",
        /// Operation not supported.
        EOPNOTSUPP = "EOPNOTSUPP",
    }
}

impl Errno {
    /// The positive errno value on Linux.
    pub fn value(self) -> i32 {
        match self {
            Errno::EBUSY => 16,
            Errno::EPERM => 1,
            Errno::EINVAL => 22,
            Errno::ENODEV => 19,
            Errno::ENOMEM => 12,
            Errno::EOPNOTSUPP => 95,
        }
    }
}

named_enum! {
    /// ATS states for the `ats(dev, ...)` action.
    pub enum AtsState {
        /// `pci_enable_ats()`.
        On = "On",
        /// `pci_disable_ats()`.
        Off = "Off",
    }
}

named_enum! {
    /// Kernel configuration options a policy can test with `cfg(...)`.
    #[allow(non_camel_case_types)]
    pub enum CfgOption {
        /// `CONFIG_IRQ_MSI_IOMMU`: the kernel is built able to map MSI doorbells through the
        /// IOMMU (`IOMMU_DMA`, def_bool ARM64 || X86 || S390, selects it). Whether a vector's
        /// doorbell is mapped is a run-time fact: `dev.msi_iova`.
        IRQ_MSI_IOMMU = "IRQ_MSI_IOMMU",
    }
}

/// A hook: a fixed point in the kernel where a policy decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(tag = "hook", content = "action", rename_all = "snake_case")]
pub enum Hook {
    Probe,
    Join,
    BusNotify(NotifyAction),
    DmaConfigure,
    DmaCleanup,
    Claim,
    AttachUser,
    MsiCookie,
    DetachUser,
    Release,
    DefaultType,
    RemoveLast,
    PrepareMsi,
}

/// The static description of a hook family.
pub struct HookSpec {
    /// The name after `on`.
    pub name: &'static str,
    /// Parameters after the notifier action (for `bus_notify`) with their kinds and
    /// conventional names.
    pub params: &'static [(&'static str, Kind)],
    /// Whether the kernel function returns an error to its caller. In a hook that cannot
    /// fail, `fail(...)` is refused and `?` only stops the hook (the kernel warns).
    pub fallible: bool,
    /// The 6.12 code the hook stands for.
    pub kernel: &'static str,
    /// What it decides.
    pub doc: &'static str,
}

pub const HOOK_NAMES: &[&str] = &[
    "probe",
    "join",
    "bus_notify",
    "dma_configure",
    "dma_cleanup",
    "claim",
    "release",
    "attach_user",
    "msi_cookie",
    "detach_user",
    "default_type",
    "remove_last",
    "prepare_msi",
];

impl Hook {
    /// Every hook, in the order they are documented and printed.
    pub fn all() -> Vec<Hook> {
        let mut v = vec![Hook::Probe, Hook::Join];
        v.extend(NotifyAction::ALL.iter().map(|a| Hook::BusNotify(*a)));
        v.extend([
            Hook::DmaConfigure,
            Hook::DmaCleanup,
            Hook::Claim,
            Hook::AttachUser,
            Hook::MsiCookie,
            Hook::DetachUser,
            Hook::Release,
            Hook::DefaultType,
            Hook::RemoveLast,
            Hook::PrepareMsi,
        ]);
        v
    }

    pub fn spec(self) -> &'static HookSpec {
        hook_spec(match self {
            Hook::Probe => "probe",
            Hook::Join => "join",
            Hook::BusNotify(_) => "bus_notify",
            Hook::DmaConfigure => "dma_configure",
            Hook::DmaCleanup => "dma_cleanup",
            Hook::Claim => "claim",
            Hook::Release => "release",
            Hook::AttachUser => "attach_user",
            Hook::MsiCookie => "msi_cookie",
            Hook::DetachUser => "detach_user",
            Hook::DefaultType => "default_type",
            Hook::RemoveLast => "remove_last",
            Hook::PrepareMsi => "prepare_msi",
        })
        .expect("every Hook has a spec")
    }

    /// The stable identifier used in JSON and snapshots: `claim`, `bus_notify(BindDriver)`.
    pub fn id(self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Hook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Hook::BusNotify(a) => write!(f, "bus_notify({a})"),
            other => f.write_str(other.spec().name),
        }
    }
}

pub fn hook_spec(name: &str) -> Option<&'static HookSpec> {
    HOOKS.iter().find(|h| h.name == name)
}

pub static HOOKS: &[HookSpec] = &[
    HookSpec {
        name: "probe",
        params: &[("dev", Kind::Device)],
        fallible: true,
        kernel: "__iommu_probe_device() -> iommu_setup_default_domain() (drivers/iommu/iommu.c)",
        doc: "A device appeared and joined its group: choose the group's first domain. A device \
              joining a group that already has a domain shares that domain.",
    },
    HookSpec {
        name: "bus_notify",
        params: &[("dev", Kind::Device)],
        fallible: false,
        kernel: "iommu_bus_notifier() (drivers/iommu/iommu.c); 6.12 acts only on ADD_DEVICE and \
                 REMOVED_DEVICE",
        doc: "A bus notifier event for the device. The driver core ignores the notifier's result, \
              so these hooks cannot fail.",
    },
    HookSpec {
        name: "dma_configure",
        params: &[("dev", Kind::Device), ("managed", Kind::Bool)],
        fallible: true,
        kernel: "pci_dma_configure() (drivers/pci/pci-driver.c), platform_dma_configure() \
                 (drivers/base/platform.c)",
        doc: "A driver is about to probe the device; `managed` is the driver's \
              `driver_managed_dma`. An error fails the bind (BUS_NOTIFY_DRIVER_NOT_BOUND).",
    },
    HookSpec {
        name: "dma_cleanup",
        params: &[("dev", Kind::Device), ("managed", Kind::Bool)],
        fallible: false,
        kernel: "pci_dma_cleanup() (drivers/pci/pci-driver.c), platform_dma_cleanup()",
        doc: "The driver was removed from the device.",
    },
    HookSpec {
        name: "claim",
        params: &[("g", Kind::Group)],
        fallible: true,
        kernel: "iommu_group_claim_dma_owner() -> __iommu_take_dma_ownership() \
                 (drivers/iommu/iommu.c)",
        doc: "A user (VFIO, iommufd) takes DMA ownership of the group. On success the group is \
              owned: `owner` set, `owner_cnt` raised.",
    },
    HookSpec {
        name: "attach_user",
        params: &[("g", Kind::Group)],
        fallible: true,
        kernel: "iommu_attach_group() -> __iommu_attach_group() (drivers/iommu/iommu.c)",
        doc: "The owner attaches its paging domain (`User`). VFIO type1 installs the MSI cookie \
              only afterwards; iommufd before.",
    },
    HookSpec {
        name: "msi_cookie",
        params: &[("g", Kind::Group)],
        fallible: true,
        kernel: "vfio_iommu_type1_attach_group() after iommu_get_msi_cookie() \
                 (drivers/vfio/vfio_iommu_type1.c)",
        doc: "The user's domain has its MSI cookie: from here, vectors requested while it is \
              attached reach the doorbell through it.",
    },
    HookSpec {
        name: "detach_user",
        params: &[("g", Kind::Group)],
        fallible: false,
        kernel: "iommu_detach_group() -> __iommu_group_set_core_domain() (drivers/iommu/iommu.c)",
        doc: "The owner detaches its paging domain.",
    },
    HookSpec {
        name: "release",
        params: &[("g", Kind::Group)],
        fallible: false,
        kernel: "iommu_group_release_dma_owner() -> __iommu_release_dma_ownership() \
                 (drivers/iommu/iommu.c)",
        doc: "The owner gives the group back; afterwards it is not owned and `owner_cnt` is 0.",
    },
    HookSpec {
        name: "default_type",
        params: &[("g", Kind::Group), ("ty", Kind::DomainType)],
        fallible: true,
        kernel: "iommu_group_store_type() (drivers/iommu/iommu.c, sysfs `iommu_group/type`)",
        doc: "A user asks, through sysfs, for a different default-domain type.",
    },
    HookSpec {
        name: "join",
        params: &[("dev", Kind::Device)],
        fallible: true,
        kernel: "__iommu_probe_device() (drivers/iommu/iommu.c), for a device joining a group \
                 that has a domain, before __iommu_device_set_domain() attaches it to \
                 group->domain",
        doc: "A device joins a group that has a domain: it is on the group's list, and its \
              direct mappings were created in the group's default domain. 6.12 then attaches \
              it to the group's current domain, and refuses the blocking domain to a device \
              that requires direct mappings (the probe fails); an error here fails the \
              probe too.",
    },
    HookSpec {
        name: "remove_last",
        params: &[("g", Kind::Group)],
        fallible: false,
        kernel: "__iommu_group_remove_device() (drivers/iommu/iommu.c), for the group's last \
                 device, before __iommu_group_free_device() and iommu_deinit_device()",
        doc: "The group's last device is being removed, its driver already unbound; it is \
              still the group's member. 6.12 does nothing here: __iommu_group_free_device() \
              then WARNs unless the group is back in its default domain, and \
              iommu_deinit_device() frees the group's domains.",
    },
    HookSpec {
        name: "prepare_msi",
        params: &[("dev", Kind::Device)],
        fallible: true,
        kernel: "iommu_dma_prepare_msi() (drivers/iommu/dma-iommu.c), from the irqchip's MSI \
                 domain alloc (its_irq_domain_alloc(), gicv2m_irq_domain_alloc(), ...), for a \
                 device whose driver's probe allocates vectors (device_is_bound() false)",
        doc: "A driver probing the device is allocating its MSI vectors, where the platform's \
              irqchip maps the doorbell through the IOMMU (never on x86). An error fails the \
              allocation: pci_alloc_irq_vectors() falls back from MSI-X to MSI to INTx, which \
              does not go through the IOMMU (pcie_init_service_irqs()).",
    },
];

/// An action: a statement with an effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    SetDomain,
    SetDefaultType,
    UseDefaultDomain,
    UnuseDefaultDomain,
    MaskMsis,
    RetargetMsis,
    Ats,
    Fail,
    Inherit,
}

pub struct ActionSpec {
    pub action: Action,
    pub name: &'static str,
    pub params: &'static [Kind],
    /// Whether it can return an error; such a call needs `?`.
    pub fallible: bool,
    /// Whether it takes an optional last argument, a message: a string literal the kernel
    /// prints (see [`check_message`]).
    pub message: bool,
    pub kernel: &'static str,
    pub doc: &'static str,
}

pub static ACTIONS: &[ActionSpec] = &[
    ActionSpec {
        action: Action::SetDomain,
        name: "set_domain",
        params: &[Kind::Group, Kind::Domain],
        fallible: true,
        message: false,
        kernel: "__iommu_group_set_domain()",
        doc: "Attach the domain to every member of the group. Refused with EINVAL when it would \
              put a `require_direct` device in `Blocked` (__iommu_device_set_domain()). `User` is \
              only available in `attach_user`; `None` cannot be set.",
    },
    ActionSpec {
        action: Action::SetDefaultType,
        name: "set_default_type",
        params: &[Kind::Group, Kind::DomainType],
        fallible: true,
        message: false,
        kernel: "iommu_setup_default_domain() (allocation part)",
        doc: "Make a new default domain of that type; the group's current domain is unchanged \
              until `set_domain(g, Default)`. `Identity` is refused with EINVAL when a member \
              is untrusted (iommu_get_default_domain_type()).",
    },
    ActionSpec {
        action: Action::UseDefaultDomain,
        name: "use_default_domain",
        params: &[Kind::Device],
        fallible: true,
        message: false,
        kernel: "iommu_device_use_default_domain()",
        doc: "Count the device's driver as a DMA-API user of the group (`owner_cnt += 1`). EBUSY \
              when the group already has users and is owned or not in its default domain.",
    },
    ActionSpec {
        action: Action::UnuseDefaultDomain,
        name: "unuse_default_domain",
        params: &[Kind::Device],
        fallible: false,
        message: false,
        kernel: "iommu_device_unuse_default_domain()",
        doc: "Drop the device's DMA-API use (`owner_cnt -= 1`).",
    },
    ActionSpec {
        action: Action::MaskMsis,
        name: "mask_msis",
        params: &[Kind::Device],
        fallible: false,
        message: false,
        kernel: "irq_chip mask of each vector (pci_msi_mask_irq(): MSI-X vector control, MSI \
                 mask bits), kernel/irq/msi.c",
        doc: "Mask the device's live MSI vectors at the device, for a switch to a domain that \
              cannot reach their doorbell (the blocking domain, a user's domain before its MSI \
              cookie): an interrupt raised meanwhile waits in the vector's pending bit. \
              `retarget_msis` unmasks them. No effect on a device without live vectors.",
    },
    ActionSpec {
        action: Action::RetargetMsis,
        name: "retarget_msis",
        params: &[Kind::Device],
        fallible: false,
        message: false,
        kernel: "iommu_dma_prepare_msi() and the vector's irq_compose_msi_msg() / \
                 irq_write_msi_msg(), as msi_domain_set_affinity() rewrites a message; \
                 irq_set_irqchip_state(IRQCHIP_STATE_PENDING) to replay",
        doc: "Re-target the device's live MSI vectors at the group's current domain: each \
              doorbell is prepared again (the domain's MSI cookie maps it; without a cookie the \
              message carries the physical doorbell), the message is rewritten, the vectors \
              `mask_msis` masked are unmasked, and each vector is replayed once, so that an \
              interrupt held or lost during the switch is serviced. A vector that cannot be \
              kept is warned about, not failed. No effect on a device without live vectors.",
    },
    ActionSpec {
        action: Action::Ats,
        name: "ats",
        params: &[Kind::Device, Kind::Ats],
        fallible: true,
        message: false,
        kernel: "pci_enable_ats() / pci_disable_ats()",
        doc: "Turn the device's ATS on or off. `On` fails with EINVAL for an untrusted device or \
              while the domain forbids ATS (`Blocked`, `EmptyDma`).",
    },
    ActionSpec {
        action: Action::Fail,
        name: "fail",
        params: &[Kind::Errno],
        fallible: false,
        message: true,
        kernel: "return -ERRNO; with a message: dev_warn_ratelimited(dev, \"...\\n\"), or \
                 pr_warn_ratelimited(\"group %d: ...\\n\", group->id) in a hook without a \
                 device, first",
        doc: "End the hook with an error. Nothing may follow it in the same block. Only in hooks \
              whose kernel function can fail. `fail(EBUSY, \"a user owns the group\")` also tells \
              the user why: the kernel prints the message, rate-limited, before returning the \
              error, naming the innermost device in scope (the `for` variable, else the hook's \
              device), or the group in a hook given only a group; the model's trace shows it \
              with the error. The message is one line of printable ASCII without `%`, `\"` or \
              `\\`, and neither starts nor ends with a space.",
    },
    ActionSpec {
        action: Action::Inherit,
        name: "inherit",
        params: &[],
        fallible: true,
        message: false,
        kernel: "the parent policy's code for the same hook",
        doc: "Run the parent policy's body for this hook here (with the same parameters). Not \
              available in `status-quo`, which has no parent.",
    },
];

/// A message as `fail(EBUSY, "...")` takes one, for hints and examples.
pub const EXAMPLE_MESSAGE: &str = "a user owns the group";

/// Why a message of `fail(ERRNO, "...")` cannot be printed as written, if it cannot: it
/// becomes a printk format string, one line of the kernel log, so it is one line of
/// printable ASCII with no conversion (`%`) and nothing a C string literal must escape.
pub fn check_message(text: &str) -> Result<(), &'static str> {
    if text.is_empty() {
        return Err("the message is empty");
    }
    if text.contains(['\n', '\r']) {
        return Err("the message spans lines; the kernel prints one line and ends it itself");
    }
    if let Some(c) = text.chars().find(|c| !(' '..='~').contains(c)) {
        return Err(if c.is_ascii() {
            "the message holds a control character"
        } else {
            "the message is not ASCII"
        });
    }
    if text.contains('%') {
        return Err("`%` would be read as a printk conversion");
    }
    if text.contains(['"', '\\']) {
        return Err("`\"` and `\\` would need escaping in the C string");
    }
    if text.starts_with(' ') || text.ends_with(' ') {
        return Err("the message starts or ends with a space");
    }
    Ok(())
}

impl Action {
    pub fn spec(self) -> &'static ActionSpec {
        ACTIONS
            .iter()
            .find(|a| a.action == self)
            .expect("every Action has a spec")
    }
    pub fn from_name(name: &str) -> Option<Action> {
        ACTIONS.iter().find(|a| a.name == name).map(|a| a.action)
    }
    pub fn name(self) -> &'static str {
        self.spec().name
    }
}

/// An attribute read with `x.name` (a predicate or a count).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Attr {
    // device
    Bound,
    ManagedDma,
    IrqOnly,
    MsiLive,
    MsiIova,
    Untrusted,
    RequireDirect,
    AtsRequired,
    AtsOn,
    Bridge,
    // group
    Domain,
    DefaultType,
    Owned,
    OwnerCnt,
    BoundCount,
    GroupRequireDirect,
    GroupAttachDeferred,
    Singleton,
    Devices,
}

pub struct AttrSpec {
    pub attr: Attr,
    pub on: Kind,
    pub name: &'static str,
    pub kind: Kind,
    pub kernel: &'static str,
    pub doc: &'static str,
}

pub static ATTRS: &[AttrSpec] = &[
    AttrSpec {
        attr: Attr::Bound,
        on: Kind::Device,
        name: "bound",
        kind: Kind::Bool,
        kernel: "dev->driver",
        doc: "A driver is bound to the device: from `device_set_driver()` in `really_probe()`, \
              so already during `dma_configure`, until UNBOUND_DRIVER.",
    },
    AttrSpec {
        attr: Attr::ManagedDma,
        on: Kind::Device,
        name: "managed_dma",
        kind: Kind::Bool,
        kernel: "to_pci_driver(dev->driver)->driver_managed_dma",
        doc: "The bound driver manages DMA itself (pcieport, vfio-pci, pci-stub); false when no \
              driver is bound.",
    },
    AttrSpec {
        attr: Attr::IrqOnly,
        on: Kind::Device,
        name: "irq_only",
        kind: Kind::Bool,
        kernel: "a driver flag \"uses IRQs but not DMA\" (thread P5; not in 6.12)",
        doc: "The bound driver declares it uses interrupts but does no DMA; false when no driver \
              is bound.",
    },
    AttrSpec {
        attr: Attr::MsiLive,
        on: Kind::Device,
        name: "msi_live",
        kind: Kind::Bool,
        kernel: "dev->msi.data has allocated descriptors",
        doc: "The device has allocated MSI vectors.",
    },
    AttrSpec {
        attr: Attr::MsiIova,
        on: Kind::Device,
        name: "msi_iova",
        kind: Kind::Bool,
        kernel: "iommu_dma_prepare_msi() mapped the doorbell through the domain's MSI cookie \
                 (msi_desc->iommu_msi_shift != 0)",
        doc: "A live MSI vector of the device carries a doorbell IOVA mapped through the IOMMU: \
              iommu_dma_prepare_msi() found an MSI cookie in the domain attached when it was \
              allocated (GICv3 ITS, GICv2m, GICv3 MBI, ls-scfg-msi). False on x86, whose \
              irqchips never prepare through the IOMMU, and for vectors allocated in a domain \
              without a cookie.",
    },
    AttrSpec {
        attr: Attr::Untrusted,
        on: Kind::Device,
        name: "untrusted",
        kind: Kind::Bool,
        kernel: "pci_dev->untrusted",
        doc: "The device sits behind an external-facing port.",
    },
    AttrSpec {
        attr: Attr::RequireDirect,
        on: Kind::Device,
        name: "require_direct",
        kind: Kind::Bool,
        kernel: "dev->iommu->require_direct",
        doc: "Firmware reserved a direct-mapped region for the device (IORT RMR, RMRR): it must \
              never be blocked.",
    },
    AttrSpec {
        attr: Attr::AtsRequired,
        on: Kind::Device,
        name: "ats_required",
        kind: Kind::Bool,
        kernel: "pci_ats_required() (the CXL.cache ATS series)",
        doc: "The device cannot work without ATS (CXL.cache).",
    },
    AttrSpec {
        attr: Attr::AtsOn,
        on: Kind::Device,
        name: "ats",
        kind: Kind::Bool,
        kernel: "pci_dev->ats_enabled",
        doc: "ATS is enabled on the device.",
    },
    AttrSpec {
        attr: Attr::Bridge,
        on: Kind::Device,
        name: "bridge",
        kind: Kind::Bool,
        kernel: "pci_is_bridge()",
        doc: "The device is a PCI bridge (a root or switch port).",
    },
    AttrSpec {
        attr: Attr::Domain,
        on: Kind::Group,
        name: "domain",
        kind: Kind::Domain,
        kernel: "group->domain",
        doc: "The group's current domain; compare with a domain (`g.domain == Default` is true \
              when the current domain is the group's default domain).",
    },
    AttrSpec {
        attr: Attr::DefaultType,
        on: Kind::Group,
        name: "default_type",
        kind: Kind::DomainType,
        kernel: "group->default_domain->type",
        doc: "The type of the group's default domain.",
    },
    AttrSpec {
        attr: Attr::Owned,
        on: Kind::Group,
        name: "owned",
        kind: Kind::Bool,
        kernel: "group->owner != NULL",
        doc: "A user (VFIO, iommufd) owns the group's DMA.",
    },
    AttrSpec {
        attr: Attr::OwnerCnt,
        on: Kind::Group,
        name: "owner_cnt",
        kind: Kind::Int,
        kernel: "group->owner_cnt",
        doc: "DMA-API users of the group, or 1 while a user owns it.",
    },
    AttrSpec {
        attr: Attr::BoundCount,
        on: Kind::Group,
        name: "bound_count",
        kind: Kind::Int,
        kernel: "members with dev->driver set (for_each_group_device())",
        doc: "How many members have a bound driver.",
    },
    AttrSpec {
        attr: Attr::GroupRequireDirect,
        on: Kind::Group,
        name: "require_direct",
        kind: Kind::Bool,
        kernel: "a member's dev->iommu->require_direct (for_each_group_device())",
        doc: "Some member requires direct mappings (IORT RMR, RMRR): the group must never be \
              blocked. Unlike `dev.require_direct` of the first member, it sees them all.",
    },
    AttrSpec {
        attr: Attr::GroupAttachDeferred,
        on: Kind::Group,
        name: "attach_deferred",
        kind: Kind::Bool,
        kernel: "a member's dev->iommu->attach_deferred (for_each_group_device())",
        doc: "The IOMMU driver deferred a member's attach (a kdump kernel on VT-d or AMD): \
              the crashed kernel's translation stays while the default domain is attached, \
              until the device's first DMA mapping; attaching any other domain ends it.",
    },
    AttrSpec {
        attr: Attr::Singleton,
        on: Kind::Group,
        name: "singleton",
        kind: Kind::Bool,
        kernel: "list_is_singular(&group->devices)",
        doc: "The group has exactly one member.",
    },
    AttrSpec {
        attr: Attr::Devices,
        on: Kind::Group,
        name: "devices",
        kind: Kind::Devices,
        kernel: "for_each_group_device()",
        doc: "The group's members, for `for d in g.devices { ... }`.",
    },
];

impl Attr {
    pub fn spec(self) -> &'static AttrSpec {
        ATTRS
            .iter()
            .find(|a| a.attr == self)
            .expect("every Attr has a spec")
    }
    pub fn lookup(on: Kind, name: &str) -> Option<Attr> {
        ATTRS
            .iter()
            .find(|a| a.on == on && a.name == name)
            .map(|a| a.attr)
    }
    pub fn names_on(on: Kind) -> String {
        list(ATTRS.iter().filter(|a| a.on == on).map(|a| a.name))
    }
}

/// Functions usable in expressions.
pub static FUNCTIONS: &[(&str, &str, &str)] = &[
    (
        "group",
        "group(DEVICE) -> group",
        "The device's IOMMU group (dev->iommu_group).",
    ),
    (
        "cfg",
        "cfg(OPTION) -> truth value",
        "Whether a kernel configuration option is set; the model takes it from the scenario.",
    ),
];

/// Edit distance counting a swap of two neighbours as one edit (optimal string
/// alignment), for "did you mean" hints: `prot` is one edit from `port`.
pub fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
}

/// The closest candidate, if it is close enough to be a likely typo.
pub fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (distance(word, c), c))
        .filter(|(d, c)| *d <= (c.len() / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}
