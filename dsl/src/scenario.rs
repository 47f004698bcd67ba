//! Scenarios: a topology (drivers, groups, devices), the environment's moves with their
//! bounds, and optionally a fixed script. Syntax, checks and IR live together here because
//! a scenario has no extends chain and no bodies: each declaration maps to one IR item.

use crate::diag::{Code, Issue};
use crate::ir::{summary, Origin};
use crate::parse::{docs, meta_str, parse_meta, MetaItem};
use crate::policy::valid_name;
use crate::vocab::{list, suggest, DomainType};
use proc_macro2::Span;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Attribute, Ident, Token};

// ---------------------------------------------------------------- IR

/// How VFIO backs the user's domain; it decides when the MSI cookie appears.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VfioBackend {
    /// The legacy container with vfio_iommu_type1: attach first, MSI cookie second.
    Type1,
    /// iommufd: the hardware page table gets its MSI cookie before the attach.
    Iommufd,
}

/// The machine a scenario runs on. It is declared once (`platform = Arm64Smmuv3;`) and
/// fixes the facts that follow from the hardware: the IOMMU driver, whether MSI doorbells
/// are reached through the IOMMU, and the kernel's architecture.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Platform {
    /// arm64 with an SMMUv3 and a GICv3 ITS (QEMU `virt,gic-version=3,iommu=smmuv3`): a
    /// device's MSI writes go through its IOMMU domain to reach the ITS doorbell.
    Arm64Smmuv3,
    /// x86-64 with Intel VT-d in scalable mode (QEMU `intel-iommu,x-scalable-mode=on`):
    /// interrupt remapping is separate from DMA translation, so MSI never goes through a
    /// DMA domain.
    X86Vtd,
}

/// The IOMMU driver, where the model's rules differ by driver (ATS per domain type).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Iommu {
    /// drivers/iommu/arm/arm-smmu-v3.
    Smmuv3,
    /// drivers/iommu/intel, modelled in scalable mode.
    Vtd,
}

/// The kernel's architecture (`ARCH=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Arch {
    Arm64,
    X86_64,
}

impl Platform {
    pub const ALL: [Platform; 2] = [Platform::Arm64Smmuv3, Platform::X86Vtd];

    /// The name written in a scenario.
    pub fn name(self) -> &'static str {
        match self {
            Platform::Arm64Smmuv3 => "Arm64Smmuv3",
            Platform::X86Vtd => "X86Vtd",
        }
    }

    pub fn from_name(name: &str) -> Option<Platform> {
        Platform::ALL.into_iter().find(|p| p.name() == name)
    }

    pub fn iommu(self) -> Iommu {
        match self {
            Platform::Arm64Smmuv3 => Iommu::Smmuv3,
            Platform::X86Vtd => Iommu::Vtd,
        }
    }

    pub fn arch(self) -> Arch {
        match self {
            Platform::Arm64Smmuv3 => Arch::Arm64,
            Platform::X86Vtd => Arch::X86_64,
        }
    }

    /// MSI doorbells are reached through the IOMMU: the GICv3 ITS callers of
    /// `iommu_dma_prepare_msi()`; x86 has none (it remaps interrupts separately).
    pub fn msi_translated(self) -> bool {
        match self {
            Platform::Arm64Smmuv3 => true,
            Platform::X86Vtd => false,
        }
    }

    /// A PCI device joins its IOMMU group at its first driver bind, not at boot. On
    /// arm64 (device tree or IORT) the device gets its fwspec from `really_probe()` ->
    /// `pci_dma_configure()` -> `of_iommu_configure()` / `iort_iommu_configure_id()`,
    /// which then calls `iommu_probe_device()`; before that `__iommu_probe_device()`
    /// finds no fwspec ops and returns -ENODEV, so `bus_iommu_probe()` and
    /// BUS_NOTIFY_ADD_DEVICE skip it (6.12). On x86 `iommu_fwspec_ops(NULL)` falls back to
    /// the one registered IOMMU's ops, and every device is probed when it is added. Linux
    /// 7.3 probes every device when it is added on both (`iommu_init_device()` calls the
    /// bus's `dma_configure()` itself); the model asks its base
    /// (`Machine::probes_at_bind()`), this is the 6.12 platform fact.
    pub fn probes_at_bind(self) -> bool {
        match self {
            Platform::Arm64Smmuv3 => true,
            Platform::X86Vtd => false,
        }
    }

    /// One line for `scenario show`.
    pub fn describe(self) -> &'static str {
        match self {
            Platform::Arm64Smmuv3 => "arm64, SMMUv3, GICv3 ITS: MSI translated by the IOMMU",
            Platform::X86Vtd => {
                "x86-64, VT-d (scalable mode), interrupt remapping: MSI not translated"
            }
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Scenario {
    pub name: String,
    pub doc: String,
    pub origin: Origin,
    /// The machine: IOMMU, MSI path and architecture follow from it.
    pub platform: Platform,
    /// Derived from `platform` by the check, never set on its own: MSI doorbells are
    /// reached through the IOMMU (arm64 ITS).
    pub msi_translated: bool,
    pub vfio_backend: VfioBackend,
    /// The boot default domain type of every group (`iommu.passthrough=1`: `Identity`).
    pub default_domain: DomainType,
    pub drivers: Vec<Driver>,
    pub groups: Vec<Group>,
    pub devices: Vec<Device>,
    pub moves: Vec<MoveDecl>,
    /// The fixed script the harness replays; empty when the scenario has none.
    pub script: Vec<Move>,
}

impl Scenario {
    /// The scenario `copies` times over, for measuring the checker: every device, group
    /// and move again in copy k (from 1) as `NAME_k`, drivers shared, no script. Each copy
    /// is its own PCIe tree below its own root port, so its groups are those of the
    /// original; copies keep the original's PCI addresses, so the result is for the
    /// model, not for a machine.
    pub fn grown(&self, copies: usize) -> Scenario {
        let named = |n: &str, k: usize| {
            if k == 0 {
                n.to_string()
            } else {
                format!("{n}_{k}")
            }
        };
        let mut s = self.clone();
        s.name = format!("{}-x{copies}", self.name);
        s.script.clear();
        s.devices.clear();
        s.groups.clear();
        s.moves.clear();
        for k in 0..copies {
            s.devices.extend(self.devices.iter().map(|d| Device {
                name: named(&d.name, k),
                group: named(&d.group, k),
                parent: d.parent.as_deref().map(|p| named(p, k)),
                ..d.clone()
            }));
            s.groups.extend(self.groups.iter().map(|g| Group {
                name: named(&g.name, k),
                devices: g.devices.iter().map(|d| named(d, k)).collect(),
            }));
            s.moves.extend(self.moves.iter().map(|m| MoveDecl {
                mv: m.mv.rename(|d| named(d, k), |g| named(g, k)),
                bound: m.bound,
            }));
        }
        s
    }

    pub fn summary(&self) -> String {
        summary(&self.doc)
    }
    pub fn device(&self, name: &str) -> Option<&Device> {
        self.devices.iter().find(|d| d.name == name)
    }
    pub fn driver(&self, name: &str) -> Option<&Driver> {
        self.drivers.iter().find(|d| d.name == name)
    }
    pub fn group(&self, name: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.name == name)
    }
    /// The root port that signals the device's errors: the device itself when it is a
    /// root port, else its nearest root-port ancestor; `None` on the root bus.
    pub fn root_port(&self, name: &str) -> Option<&Device> {
        root_port(&self.devices, name)
    }
    /// The platform's IOMMU driver.
    pub fn iommu(&self) -> Iommu {
        self.platform.iommu()
    }
    /// The platform's kernel architecture.
    pub fn arch(&self) -> Arch {
        self.platform.arch()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Driver {
    /// The name used in the scenario.
    pub name: String,
    /// The kernel's name for it (`vfio-pci`).
    pub kernel_name: String,
    pub doc: String,
    /// `driver_managed_dma`: binding does not take the DMA API (pcieport, vfio-pci).
    pub managed_dma: bool,
    /// Maps DMA through the DMA API once bound.
    pub dma_api: bool,
    /// Requests MSI vectors in its probe.
    pub msi: bool,
    /// Declares it uses IRQs but does no DMA (thread P5).
    pub irq_only: bool,
    /// A VFIO driver: binding it makes the group available to a user.
    pub vfio: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Group {
    pub name: String,
    /// Member device names, in declaration order.
    pub devices: Vec<String>,
}

/// What a PCI function is to the topology: its PCIe device/port type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PciKind {
    /// An endpoint (below a root or downstream port), or an integrated endpoint on the
    /// root bus when it has no parent.
    Endpoint,
    /// A root port, on the root bus.
    RootPort,
    /// A switch's upstream port, below a root or downstream port.
    UpstreamPort,
    /// A switch's downstream port, below its upstream port.
    DownstreamPort,
}

impl PciKind {
    /// The attribute that declares it (none for an endpoint).
    pub fn flag(self) -> Option<&'static str> {
        match self {
            PciKind::Endpoint => None,
            PciKind::RootPort => Some("root_port"),
            PciKind::UpstreamPort => Some("upstream_port"),
            PciKind::DownstreamPort => Some("downstream_port"),
        }
    }
    /// Its name with the indefinite article.
    pub fn a(self) -> String {
        match self {
            PciKind::Endpoint => format!("an {}", self.describe()),
            _ => format!("a {}", self.describe()),
        }
    }
    /// How `scenario show` and messages name it.
    pub fn describe(self) -> &'static str {
        match self {
            PciKind::Endpoint => "endpoint",
            PciKind::RootPort => "root port",
            PciKind::UpstreamPort => "switch upstream port",
            PciKind::DownstreamPort => "switch downstream port",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Device {
    pub name: String,
    pub doc: String,
    /// The group the kernel puts it in, derived from the topology.
    pub group: String,
    /// PCI address (`0000:01:00.0`): given, or derived from the topology the way Linux
    /// numbers buses (depth first, in declaration order); the harness finds the device by it.
    pub pci: String,
    /// Its PCIe type.
    pub kind: PciKind,
    /// The port it sits below; `None` on the root bus.
    pub parent: Option<String>,
    /// A root or downstream port with ACS enabled (`pci_acs_enabled()` for
    /// `REQ_ACS_FLAGS`); `false` when declared `no_acs`. Always `true` for the other kinds,
    /// which the kernel treats as isolated when single-function.
    pub acs: bool,
    /// Has an AER capability: errors it detects are reported to its root port, which
    /// signals them through its MSI; a root port's Root Error Status is sticky.
    pub aer: bool,
    pub untrusted: bool,
    pub require_direct: bool,
    /// The IOMMU driver defers its attach (`dev->iommu->attach_deferred`): a kdump kernel
    /// on VT-d or AMD, for a device the crashed kernel left translating.
    pub attach_deferred: bool,
    /// Capable of ATS.
    pub ats: bool,
    pub ats_required: bool,
    /// Absent at boot; the `add` move brings it.
    pub hotplug: bool,
    /// A built-in driver the kernel binds to it before userspace runs (at boot, and again
    /// as soon as it is added): its name in the scenario's drivers.
    pub driver: Option<String>,
}

impl Device {
    /// A bridge (`pci_is_bridge()`): any port.
    pub fn bridge(&self) -> bool {
        self.kind != PciKind::Endpoint
    }
}

/// A move of the environment (and a step of a script).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "move", rename_all = "snake_case")]
pub enum Move {
    /// The device appears (hotplug): probe, then BUS_NOTIFY_ADD_DEVICE.
    Add { device: String },
    /// The device goes away: unbind if bound, BUS_NOTIFY_REMOVED_DEVICE, release.
    Remove { device: String },
    /// A driver binds (driver_override + bind), as `really_probe()` does it: dma_configure,
    /// BIND_DRIVER, the driver's probe, BOUND_DRIVER.
    Bind { device: String, driver: String },
    /// The driver unbinds: UNBIND_DRIVER, remove, dma_cleanup, UNBOUND_DRIVER.
    Unbind { device: String },
    /// A user opens the group through VFIO: the claim, then the user's domain attached
    /// (type1: attach, then the MSI cookie; iommufd: the cookie, then attach). The checker
    /// explores each of these kernel steps as a transition of its own.
    VfioOpen { group: String },
    /// The first half of an open, as a script step: only the claim (type1:
    /// `VFIO_GROUP_SET_CONTAINER`; iommufd: `VFIO_DEVICE_BIND_IOMMUFD`).
    VfioClaim { group: String },
    /// The second half, as a script step: the user's domain (type1: `VFIO_SET_IOMMU`;
    /// iommufd: `VFIO_DEVICE_ATTACH_IOMMUFD_PT`).
    VfioAttach { group: String },
    /// The user closes it: detach (the blocking domain while still owned), then release
    /// ownership (the default domain).
    VfioClose { group: String },
    /// The device raises an AER interrupt (QMP `pcie_aer_inject_error`).
    RaiseAer { device: String },
    /// A user writes the group's sysfs `type` file.
    WriteType { group: String, ty: DomainType },
}

impl Move {
    /// The same move with its device and group names passed through `dev` and `group`
    /// (driver names and types are kept).
    pub fn rename(&self, dev: impl Fn(&str) -> String, group: impl Fn(&str) -> String) -> Move {
        match self {
            Move::Add { device } => Move::Add {
                device: dev(device),
            },
            Move::Remove { device } => Move::Remove {
                device: dev(device),
            },
            Move::Bind { device, driver } => Move::Bind {
                device: dev(device),
                driver: driver.clone(),
            },
            Move::Unbind { device } => Move::Unbind {
                device: dev(device),
            },
            Move::VfioOpen { group: g } => Move::VfioOpen { group: group(g) },
            Move::VfioClaim { group: g } => Move::VfioClaim { group: group(g) },
            Move::VfioAttach { group: g } => Move::VfioAttach { group: group(g) },
            Move::VfioClose { group: g } => Move::VfioClose { group: group(g) },
            Move::RaiseAer { device } => Move::RaiseAer {
                device: dev(device),
            },
            Move::WriteType { group: g, ty } => Move::WriteType {
                group: group(g),
                ty: *ty,
            },
        }
    }
}

impl fmt::Display for Move {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Move::Add { device } => write!(f, "add({device})"),
            Move::Remove { device } => write!(f, "remove({device})"),
            Move::Bind { device, driver } => write!(f, "bind({device}, {driver})"),
            Move::Unbind { device } => write!(f, "unbind({device})"),
            Move::VfioOpen { group } => write!(f, "vfio_open({group})"),
            Move::VfioClaim { group } => write!(f, "vfio_claim({group})"),
            Move::VfioAttach { group } => write!(f, "vfio_attach({group})"),
            Move::VfioClose { group } => write!(f, "vfio_close({group})"),
            Move::RaiseAer { device } => write!(f, "raise_aer({device})"),
            Move::WriteType { group, ty } => write!(f, "write_type({group}, {ty})"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MoveDecl {
    #[serde(rename = "move")]
    pub mv: Move,
    /// How many times the move may happen in one run.
    pub bound: u32,
}

/// The moves, with their argument kinds and meaning, for checks and the reference.
pub static MOVES: &[(&str, &[ArgKind], &str)] = &[
    (
        "add",
        &[ArgKind::Device],
        "a `hotplug` device appears: probe, then BUS_NOTIFY_ADD_DEVICE",
    ),
    (
        "remove",
        &[ArgKind::Device],
        "the device goes away (unbinding its driver first)",
    ),
    (
        "bind",
        &[ArgKind::Device, ArgKind::Driver],
        "bind the driver: dma_configure, BIND_DRIVER, the driver's probe, BOUND_DRIVER",
    ),
    (
        "unbind",
        &[ArgKind::Device],
        "unbind: UNBIND_DRIVER, the driver's remove, dma_cleanup, UNBOUND_DRIVER",
    ),
    (
        "vfio_open",
        &[ArgKind::Group],
        "open the group through VFIO as the kernel sees it: the claim (blocking domain), \
         then the user's domain (type1: attach, then the MSI cookie; iommufd: cookie, then \
         attach); the checker lets any other move happen between these steps",
    ),
    (
        "vfio_claim",
        &[ArgKind::Group],
        "in a script only, where `vfio_open` is a move: the claim alone \
         (`VFIO_GROUP_SET_CONTAINER`)",
    ),
    (
        "vfio_attach",
        &[ArgKind::Group],
        "in a script only, after `vfio_claim`: the rest of the open (`VFIO_SET_IOMMU`)",
    ),
    (
        "vfio_close",
        &[ArgKind::Group],
        "close it: detach the user's domain (blocking while still owned), then release \
         ownership (the default domain); other moves may happen between",
    ),
    (
        "raise_aer",
        &[ArgKind::Device],
        "the device raises an AER interrupt (an `aer` device)",
    ),
    (
        "write_type",
        &[ArgKind::Group, ArgKind::DomainType],
        "write the group's sysfs `type` (`Dma` or `Identity`)",
    ),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgKind {
    Device,
    Driver,
    Group,
    DomainType,
}

impl ArgKind {
    fn describe(self) -> &'static str {
        match self {
            ArgKind::Device => "a device",
            ArgKind::Driver => "a driver",
            ArgKind::Group => "a group",
            ArgKind::DomainType => "a domain type (`Dma` or `Identity`)",
        }
    }
}

pub static DRIVER_FLAGS: &[(&str, &str)] = &[
    ("name", "the kernel's name for the driver, when it is not the scenario name (`name = \"vfio-pci\"`)"),
    ("managed_dma", "`driver_managed_dma`: binding does not take the DMA API"),
    ("dma_api", "maps DMA through the DMA API"),
    ("msi", "requests MSI vectors in its probe"),
    ("irq_only", "declares it uses IRQs but does no DMA (thread P5)"),
    ("vfio", "a VFIO driver: binding it offers the group to a user"),
];

pub static DEVICE_FLAGS: &[(&str, &str)] = &[
    (
        "pci",
        "PCI address, `pci = \"0000:00:02.0\"`; derived from the topology when not given \
         (and checked against it when given)",
    ),
    ("root_port", "a PCIe root port, on the root bus"),
    (
        "upstream_port",
        "a switch's upstream port, below a root or downstream port",
    ),
    (
        "downstream_port",
        "a switch's downstream port, below an upstream port",
    ),
    (
        "parent",
        "the port it sits below (`parent = port`), declared before it; none: the root bus",
    ),
    (
        "no_acs",
        "a root or downstream port without ACS: the devices below it share its group",
    ),
    (
        "aer",
        "has an AER capability: its errors are signalled by its root port's MSI, whose Root \
         Error Status is sticky",
    ),
    ("untrusted", "behind an external-facing port"),
    (
        "require_direct",
        "firmware reserved a direct-mapped region (IORT RMR): never blocked",
    ),
    (
        "attach_deferred",
        "the IOMMU driver defers its attach (a kdump kernel on VT-d or AMD): the crashed \
         kernel's translation stays until its first DMA mapping or another domain",
    ),
    ("ats", "ATS capable"),
    ("ats_required", "needs ATS to work (CXL.cache)"),
    ("hotplug", "absent at boot; the `add` move brings it"),
    (
        "driver",
        "a built-in driver bound to it before userspace runs, at boot and whenever it is \
         added (`driver = pcieport`)",
    ),
];

const SCENARIO_KEYS: &[&str] = &["name", "platform", "vfio_backend", "default_domain"];

// ---------------------------------------------------------------- syntax

/// `flag` or `key = value` inside a declaration's braces.
pub struct FlagItem {
    pub key: Ident,
    pub value: Option<syn::Expr>,
}

impl Parse for FlagItem {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let key: Ident = input.parse()?;
        let value = if input.peek(Token![=]) {
            input.parse::<Token![=]>()?;
            Some(input.parse()?)
        } else {
            None
        };
        Ok(FlagItem { key, value })
    }
}

pub struct Decl {
    pub attrs: Vec<Attribute>,
    pub keyword: Ident,
    pub name: Ident,
    pub flags: Punctuated<FlagItem, Token![,]>,
}

pub struct StepsDecl {
    pub keyword: Ident,
    pub stmts: Vec<syn::Stmt>,
}

pub enum ScenarioItem {
    Meta(MetaItem),
    Driver(Decl),
    Device(Decl),
    Moves(StepsDecl),
    Script(StepsDecl),
}

pub struct ScenarioAst {
    pub items: Vec<ScenarioItem>,
}

fn keyword(input: ParseStream) -> syn::Result<Option<String>> {
    if input.peek(Ident) && !input.peek2(Token![=]) {
        Ok(Some(input.fork().parse::<Ident>()?.to_string()))
    } else {
        Ok(None)
    }
}

fn parse_decl(input: ParseStream, attrs: Vec<Attribute>) -> syn::Result<Decl> {
    let keyword: Ident = input.parse()?;
    let name: Ident = input.parse()?;
    let content;
    syn::braced!(content in input);
    let flags = content.parse_terminated(FlagItem::parse, Token![,])?;
    Ok(Decl {
        attrs,
        keyword,
        name,
        flags,
    })
}

impl Parse for ScenarioAst {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut items = Vec::new();
        while !input.is_empty() {
            let attrs = input.call(Attribute::parse_outer)?;
            if input.is_empty() {
                return Err(input.error("doc comment documents nothing"));
            }
            match keyword(input)?.as_deref() {
                Some("driver") => items.push(ScenarioItem::Driver(parse_decl(input, attrs)?)),
                Some("device") => items.push(ScenarioItem::Device(parse_decl(input, attrs)?)),
                Some("group") => {
                    let kw: Ident = input.parse()?;
                    return Err(syn::Error::new(
                        kw.span(),
                        "groups are not declared: the kernel derives them from the topology \
                         (`pci_device_group()`); declare `device NAME { parent = PORT, ... }` at \
                         the top level, and `no_acs` on a port whose devices share its group",
                    ));
                }
                Some(k @ ("moves" | "script")) => {
                    let is_moves = k == "moves";
                    let keyword: Ident = input.parse()?;
                    let content;
                    syn::braced!(content in input);
                    let stmts = content.call(syn::Block::parse_within)?;
                    let decl = StepsDecl { keyword, stmts };
                    items.push(if is_moves {
                        ScenarioItem::Moves(decl)
                    } else {
                        ScenarioItem::Script(decl)
                    });
                }
                None if input.peek(Ident) => {
                    items.push(ScenarioItem::Meta(parse_meta(input, attrs)?))
                }
                _ => {
                    return Err(input.error(
                        "expected `driver`, `device`, `moves`, `script` or a `key = value;` line",
                    ))
                }
            }
        }
        Ok(ScenarioAst { items })
    }
}

// ---------------------------------------------------------------- checks

struct Names {
    drivers: BTreeMap<String, Span>,
    groups: BTreeMap<String, Span>,
    devices: BTreeMap<String, Span>,
}

pub fn check(ast: &ScenarioAst, whole: Span, origin: Origin) -> Result<Scenario, Vec<Issue>> {
    let mut issues = Vec::new();
    let mut doc = String::new();
    let mut name: Option<String> = None;
    let mut platform = Platform::Arm64Smmuv3;
    let mut vfio_backend = VfioBackend::Type1;
    let mut seen_meta: BTreeMap<String, Span> = BTreeMap::new();
    let mut drivers = Vec::new();
    let mut default_domain = DomainType::Dma;
    let mut devices: Vec<Device> = Vec::new();
    let mut names = Names {
        drivers: BTreeMap::new(),
        groups: BTreeMap::new(),
        devices: BTreeMap::new(),
    };
    let mut moves_decl: Option<&StepsDecl> = None;
    let mut script_decl: Option<&StepsDecl> = None;
    // Devices bound at boot, with the span of their `driver = NAME`.
    let mut boot_drivers: Vec<(String, Span)> = Vec::new();

    for item in &ast.items {
        match item {
            ScenarioItem::Meta(m) => {
                if let Some((text, _)) = docs(&m.attrs, &mut issues) {
                    if !doc.is_empty() {
                        doc.push_str("\n\n");
                    }
                    doc.push_str(&text);
                }
                let key = m.key.to_string();
                if !SCENARIO_KEYS.contains(&key.as_str()) {
                    let keys = list(SCENARIO_KEYS.iter().copied());
                    let help = match suggest(&key, SCENARIO_KEYS.iter().copied()) {
                        _ if key == "msi_translated" => format!(
                            "the platform decides it: `platform = Arm64Smmuv3;` (translated) or `platform = X86Vtd;` (not); keys: {keys}"
                        ),
                        Some(s) => format!("did you mean `{s}`? keys: {keys}"),
                        None => format!(
                            "keys: {keys}; declarations: `driver`, `group`, `moves`, `script`"
                        ),
                    };
                    issues.push(
                        Issue::new(
                            Code::UnknownMetadata,
                            m.key.span(),
                            format!("unknown scenario setting `{key}`"),
                        )
                        .label("not a scenario key")
                        .help(help),
                    );
                    continue;
                }
                if let Some(first) = seen_meta.insert(key.clone(), m.key.span()) {
                    issues.push(
                        Issue::new(
                            Code::DuplicateMetadata,
                            m.key.span(),
                            format!("`{key}` is given twice"),
                        )
                        .label("second value")
                        .also(first, "first given here")
                        .help("keep one"),
                    );
                    continue;
                }
                match key.as_str() {
                    "name" => {
                        if let Some((v, span)) = meta_str(m, &mut issues) {
                            if valid_name(&v) {
                                name = Some(v);
                            } else {
                                issues.push(
                                    Issue::new(Code::BadValue, span, format!("`{v}` is not a valid scenario name"))
                                        .label("invalid name")
                                        .help("names are lowercase letters, digits and `-`, starting with a letter"),
                                );
                            }
                        }
                    }
                    "platform" => {
                        let given = ident_value(&m.value);
                        match given.as_deref().and_then(Platform::from_name) {
                            Some(p) => platform = p,
                            None => {
                                let names = list(Platform::ALL.iter().map(|p| p.name()));
                                let help = match given.as_deref().and_then(|g| {
                                    suggest(g, Platform::ALL.iter().map(|p| p.name()))
                                }) {
                                    Some(s) => format!("did you mean `{s}`? platforms: {names}"),
                                    None => format!(
                                        "platforms: {names} (`Arm64Smmuv3`: SMMUv3 and GICv3 ITS, MSI translated; `X86Vtd`: VT-d and interrupt remapping)"
                                    ),
                                };
                                issues.push(
                                    Issue::new(
                                        Code::BadValue,
                                        m.value.span(),
                                        match &given {
                                            Some(g) => format!("unknown platform `{g}`"),
                                            None => "`platform` is a platform name".to_string(),
                                        },
                                    )
                                    .label("not a platform")
                                    .help(help),
                                );
                            }
                        }
                    }
                    "vfio_backend" => match ident_value(&m.value).as_deref() {
                        Some("Type1") => vfio_backend = VfioBackend::Type1,
                        Some("Iommufd") => vfio_backend = VfioBackend::Iommufd,
                        _ => issues.push(
                            Issue::new(Code::BadValue, m.value.span(), "`vfio_backend` is `Type1` or `Iommufd`")
                                .label("unknown backend")
                                .help("`Type1`: legacy container, MSI cookie after attach; `Iommufd`: cookie before attach"),
                        ),
                    },
                    "default_domain" => match ident_value(&m.value)
                        .as_deref()
                        .and_then(DomainType::from_name)
                    {
                        Some(t) => default_domain = t,
                        None => issues.push(
                            Issue::new(
                                Code::BadValue,
                                m.value.span(),
                                "`default_domain` is `Dma` or `Identity`",
                            )
                            .label("not a default-domain type")
                            .help("the kernel's boot default (`iommu.passthrough=1` is `Identity`): write `default_domain = Identity;`"),
                        ),
                    },
                    _ => unreachable!("key checked against SCENARIO_KEYS"),
                }
            }
            ScenarioItem::Driver(d) => {
                if declare(&mut names.drivers, &d.name, "driver", &mut issues) {
                    if let Some(drv) = check_driver(d, &mut issues) {
                        drivers.push(drv);
                    }
                }
            }
            ScenarioItem::Device(d) => {
                if !declare(&mut names.devices, &d.name, "device", &mut issues) {
                    continue;
                }
                if let Some((dev, span)) = check_device(d, &devices, &mut issues) {
                    if let Some(span) = span {
                        boot_drivers.push((dev.name.clone(), span));
                    }
                    devices.push(dev);
                }
            }
            ScenarioItem::Moves(s) | ScenarioItem::Script(s) => {
                let slot = if s.keyword == "moves" {
                    &mut moves_decl
                } else {
                    &mut script_decl
                };
                if let Some(first) = slot {
                    issues.push(
                        Issue::new(
                            Code::DuplicateMetadata,
                            s.keyword.span(),
                            format!("`{}` is given twice", s.keyword),
                        )
                        .label("second block")
                        .also(first.keyword.span(), "first given here")
                        .help("put everything in one block"),
                    );
                } else {
                    *slot = Some(s);
                }
            }
        }
    }

    for (dev, span) in &boot_drivers {
        let Some(drv) = devices
            .iter()
            .find(|d| d.name == *dev)
            .and_then(|d| d.driver.as_ref())
        else {
            continue;
        };
        if !names.drivers.contains_key(drv) {
            let help = match suggest(drv, names.drivers.keys().map(String::as_str)) {
                Some(s) => {
                    format!("did you mean `{s}`? declare drivers with `driver NAME {{ ... }}`")
                }
                None => "declare it with `driver NAME { ... }`".to_string(),
            };
            issues.push(
                Issue::new(
                    Code::UndeclaredDriver,
                    *span,
                    format!("no driver named `{drv}`"),
                )
                .label("undeclared driver")
                .help(help),
            );
        }
    }

    let Some(name) = name else {
        if seen_meta.contains_key("name") {
            return Err(issues);
        }
        issues.push(
            Issue::new(Code::MissingMetadata, whole, "this scenario has no `name`")
                .label("scenario without a name")
                .help("add a line `name = \"my-scenario\";`"),
        );
        return Err(issues);
    };
    if doc.is_empty() {
        issues.push(
            Issue::new(
                Code::MissingDoc,
                whole,
                format!("scenario `{name}` has no doc comment"),
            )
            .label("undocumented scenario")
            .help("put `/// what it sets up` above `name = ...`"),
        );
    }
    if devices.is_empty() && issues.is_empty() {
        issues.push(
            Issue::new(
                Code::MissingMetadata,
                whole,
                "this scenario declares no device",
            )
            .label("no topology")
            .help("declare `device port { root_port, ... }` and `device nic { parent = port }`"),
        );
    }
    let groups = derive_topology(&mut devices, &names.devices, &mut issues);
    for g in &groups {
        names.groups.insert(g.name.clone(), whole);
    }

    let cx = StepCx {
        names: &names,
        devices: &devices,
        drivers: &drivers,
    };
    let mut moves: Vec<MoveDecl> = Vec::new();
    let mut move_spans: Vec<Span> = Vec::new();
    match moves_decl {
        None => issues.push(
            Issue::new(Code::MissingMetadata, whole, "this scenario declares no moves")
                .label("nothing can happen")
                .help("add `moves { bind(dev, drv); ... }`: the environment's possible events and their bounds"),
        ),
        Some(decl) => {
            for stmt in &decl.stmts {
                let Some(expr) = stmt_expr(stmt, &mut issues) else { continue };
                let (call, bound) = match expr {
                    syn::Expr::Binary(b) if matches!(b.op, syn::BinOp::Le(_)) => {
                        let bound = match &*b.right {
                            syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(i), .. }) => {
                                i.base10_parse::<u32>().ok().filter(|n| (1..=16).contains(n))
                            }
                            _ => None,
                        };
                        let Some(bound) = bound else {
                            issues.push(
                                Issue::new(Code::BadValue, b.right.span(), "a move's bound is a number from 1 to 16")
                                    .label("not a bound")
                                    .help("write `raise_aer(port) <= 3;`"),
                            );
                            continue;
                        };
                        (&*b.left, bound)
                    }
                    other => (other, 1),
                };
                let Some(mv) = cx.step(call, &mut issues) else { continue };
                if let Move::VfioClaim { group } | Move::VfioAttach { group } = &mv {
                    issues.push(
                        Issue::new(Code::BadMove, call.span(), format!("`{mv}` is a script step, not a move"))
                            .label("only in a script")
                            .help(format!("declare `vfio_open({group});`: the checker explores the claim and the attach as steps of their own")),
                    );
                    continue;
                }
                if let Some(i) = moves.iter().position(|m| m.mv == mv) {
                    issues.push(
                        Issue::new(Code::DuplicateMove, call.span(), format!("move `{mv}` is declared twice"))
                            .label("second declaration")
                            .also(move_spans[i], "first declared here")
                            .help("declare it once, with a bound: `<= N`"),
                    );
                    continue;
                }
                moves.push(MoveDecl { mv, bound });
                move_spans.push(call.span());
            }
        }
    }

    let mut script = Vec::new();
    if let Some(decl) = script_decl {
        let mut used: BTreeMap<usize, u32> = BTreeMap::new();
        for stmt in &decl.stmts {
            let Some(expr) = stmt_expr(stmt, &mut issues) else {
                continue;
            };
            let Some(step) = cx.step(expr, &mut issues) else {
                continue;
            };
            // The halves of an open are allowed where the open is; the claim counts
            // against its bound.
            let (allowed_as, counts) = match &step {
                Move::VfioClaim { group } => (
                    Move::VfioOpen {
                        group: group.clone(),
                    },
                    true,
                ),
                Move::VfioAttach { group } => (
                    Move::VfioOpen {
                        group: group.clone(),
                    },
                    false,
                ),
                other => (other.clone(), true),
            };
            match moves.iter().position(|m| m.mv == allowed_as) {
                Some(_) if !counts => {}
                None => {
                    let mut issue = Issue::new(
                        Code::ScriptStepNotAllowed,
                        expr.span(),
                        format!("script step `{step}` is not one of the scenario's moves"),
                    )
                    .label("not an allowed move");
                    if let Some(m) = moves_decl {
                        issue = issue.also(m.keyword.span(), "the moves are declared here");
                    }
                    issues
                        .push(issue.help(format!("add `{step};` to `moves`, or change the step")));
                }
                Some(i) => {
                    let n = used.entry(i).or_insert(0);
                    *n += 1;
                    if *n > moves[i].bound {
                        issues.push(
                            Issue::new(
                                Code::ScriptOverBound,
                                expr.span(),
                                format!("script step `{step}` happens more often than its bound allows ({})", moves[i].bound),
                            )
                            .label(format!("occurrence {n}"))
                            .also(move_spans[i], format!("bounded to {} here", moves[i].bound))
                            .help(format!("raise the bound: `{step} <= {n};`")),
                        );
                    }
                }
            }
            script.push(step);
        }
    }

    if issues.is_empty() {
        Ok(Scenario {
            name,
            doc,
            origin,
            platform,
            msi_translated: platform.msi_translated(),
            vfio_backend,
            default_domain,
            drivers,
            groups,
            devices,
            moves,
            script,
        })
    } else {
        Err(issues)
    }
}

fn declare(
    map: &mut BTreeMap<String, Span>,
    name: &Ident,
    what: &str,
    issues: &mut Vec<Issue>,
) -> bool {
    let n = name.to_string();
    if let Some(first) = map.get(&n) {
        issues.push(
            Issue::new(
                Code::DuplicateName,
                name.span(),
                format!("{what} `{n}` is declared twice"),
            )
            .label("second declaration")
            .also(*first, "first declared here")
            .help(format!("give each {what} its own name")),
        );
        return false;
    }
    map.insert(n, name.span());
    true
}

fn ident_value(e: &syn::Expr) -> Option<String> {
    match e {
        syn::Expr::Path(p) => p.path.get_ident().map(ToString::to_string),
        _ => None,
    }
}

fn flag_help(flags: &[(&str, &str)]) -> String {
    list(flags.iter().map(|f| f.0))
}

fn unknown_flag(key: &Ident, what: &str, flags: &[(&str, &str)], issues: &mut Vec<Issue>) {
    let k = key.to_string();
    let help = match suggest(&k, flags.iter().map(|f| f.0)) {
        _ if k == "bridge" && what == "device" => format!(
            "a bridge is a port: `root_port`, `upstream_port` or `downstream_port`; {what} attributes: {}",
            flag_help(flags)
        ),
        Some(s) => format!(
            "did you mean `{s}`? {what} attributes: {}",
            flag_help(flags)
        ),
        None => format!("{what} attributes: {}", flag_help(flags)),
    };
    issues.push(
        Issue::new(
            Code::UnknownAttribute,
            key.span(),
            format!("unknown {what} attribute `{k}`"),
        )
        .label("no such attribute")
        .help(help),
    );
}

/// What a declaration's flags say: the flags given (with their spans), the value of the
/// one flag that takes a string, and the values of the flags that take a name.
struct Flags {
    set: BTreeMap<String, Span>,
    value: Option<String>,
    names: BTreeMap<String, (String, Span)>,
}

/// Reads the flags of a declaration; `valued` names the one flag that takes a string,
/// `named` the flags that take a name (`driver = pcieport`).
fn flags(
    d: &Decl,
    what: &str,
    table: &[(&str, &str)],
    valued: &str,
    named: &[&str],
    issues: &mut Vec<Issue>,
) -> Flags {
    let mut set = BTreeMap::new();
    let mut value = None;
    let mut names = BTreeMap::new();
    for f in &d.flags {
        let k = f.key.to_string();
        if !table.iter().any(|t| t.0 == k) {
            unknown_flag(&f.key, what, table, issues);
            continue;
        }
        if let Some(first) = set.insert(k.clone(), f.key.span()) {
            issues.push(
                Issue::new(
                    Code::DuplicateMetadata,
                    f.key.span(),
                    format!("`{k}` is given twice"),
                )
                .label("repeated")
                .also(first, "first given here")
                .help("keep one"),
            );
        }
        if named.contains(&k.as_str()) {
            match f.value.as_ref().and_then(ident_value) {
                Some(v) => {
                    let span = f.value.as_ref().map_or(f.key.span(), |v| v.span());
                    names.insert(k, (v, span));
                }
                None => issues.push(
                    Issue::new(Code::BadValue, f.key.span(), format!("`{k}` takes a name"))
                        .label("expected `= NAME`")
                        .help(format!(
                            "write `{k} = NAME`, with a name declared in the scenario"
                        )),
                ),
            }
            continue;
        }
        match (&f.value, k == valued) {
            (
                Some(syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                })),
                true,
            ) => value = Some(s.value()),
            (None, false) => {}
            (Some(v), false) => issues.push(
                Issue::new(Code::BadValue, v.span(), format!("`{k}` takes no value"))
                    .label("unexpected value")
                    .help(format!("write just `{k}`")),
            ),
            (_, true) => issues.push(
                Issue::new(
                    Code::BadValue,
                    f.key.span(),
                    format!("`{k}` takes a string"),
                )
                .label("expected `= \"...\"`")
                .help(format!("write `{k} = \"...\"`")),
            ),
        }
    }
    if d.keyword != what {
        issues.push(
            Issue::new(Code::Syntax, d.keyword.span(), format!("expected `{what}`"))
                .label("unexpected keyword")
                .help(format!("write `{what} NAME {{ ... }}`")),
        );
    }
    Flags { set, value, names }
}

fn check_driver(d: &Decl, issues: &mut Vec<Issue>) -> Option<Driver> {
    let doc = docs(&d.attrs, issues).map(|d| d.0).unwrap_or_default();
    let Flags {
        set,
        value: kernel_name,
        ..
    } = flags(d, "driver", DRIVER_FLAGS, "name", &[], issues);
    let has = |k: &str| set.contains_key(k);
    Some(Driver {
        name: d.name.to_string(),
        kernel_name: kernel_name.unwrap_or_else(|| d.name.to_string()),
        doc,
        managed_dma: has("managed_dma"),
        dma_api: has("dma_api"),
        msi: has("msi"),
        irq_only: has("irq_only"),
        vfio: has("vfio"),
    })
}

/// A device and, when it names a boot-time driver, where (checked once every driver is
/// declared). `earlier` holds the devices declared before it: its parent is one of them.
/// Its group and (when not given) its address are filled in by [`derive_topology`].
fn check_device(
    d: &Decl,
    earlier: &[Device],
    issues: &mut Vec<Issue>,
) -> Option<(Device, Option<Span>)> {
    let doc = docs(&d.attrs, issues).map(|d| d.0).unwrap_or_default();
    let Flags {
        set,
        value: pci,
        names,
    } = flags(
        d,
        "device",
        DEVICE_FLAGS,
        "pci",
        &["driver", "parent"],
        issues,
    );
    if let Some(p) = &pci {
        if !valid_bdf(p) {
            let span = set.get("pci").copied().unwrap_or(d.name.span());
            issues.push(
                Issue::new(Code::BadValue, span, format!("`{p}` is not a PCI address"))
                    .label("expected DOMAIN:BUS:DEV.FN")
                    .help("write `pci = \"0000:00:02.0\"`, or leave it out: the topology gives it"),
            );
        }
    }
    let has = |k: &str| set.contains_key(k);
    let kinds: Vec<PciKind> = [
        PciKind::RootPort,
        PciKind::UpstreamPort,
        PciKind::DownstreamPort,
    ]
    .into_iter()
    .filter(|k| k.flag().is_some_and(has))
    .collect();
    let kind = match kinds.as_slice() {
        [] => PciKind::Endpoint,
        [k] => *k,
        [a, b, ..] => {
            let (fa, fb) = (a.flag().unwrap_or_default(), b.flag().unwrap_or_default());
            issues.push(
                Issue::new(
                    Code::BadValue,
                    set[fb],
                    format!("`{}` is declared both `{fa}` and `{fb}`", d.name),
                )
                .label("second type")
                .also(set[fa], "first type")
                .help("a function has one PCIe type: keep one"),
            );
            return None;
        }
    };
    let parent = names.get("parent").cloned();
    if let Some((p, span)) = &parent {
        let Some(pd) = earlier.iter().find(|e| e.name == *p) else {
            let help = if p == &d.name.to_string() {
                "a device cannot sit below itself".to_string()
            } else {
                let ports = list(
                    earlier
                        .iter()
                        .filter(|e| e.bridge())
                        .map(|e| e.name.as_str()),
                );
                format!("declare the port `{p}` before the devices below it; ports declared so far: {ports}")
            };
            issues.push(
                Issue::new(
                    Code::UndeclaredDevice,
                    *span,
                    format!("no port `{p}` declared before `{}`", d.name),
                )
                .label("undeclared parent")
                .help(help),
            );
            return None;
        };
        // PCIe's links: a root or downstream port has one link, to an endpoint or to an
        // upstream port; an upstream port's bus holds downstream ports only.
        let fits = match (pd.kind, kind) {
            (_, PciKind::RootPort) => false,
            (
                PciKind::RootPort | PciKind::DownstreamPort,
                PciKind::Endpoint | PciKind::UpstreamPort,
            ) => true,
            (PciKind::UpstreamPort, PciKind::DownstreamPort) => true,
            _ => false,
        };
        if !fits {
            let help = match (pd.kind, kind) {
                (_, PciKind::RootPort) => "a root port is on the root bus: drop `parent`".to_string(),
                (PciKind::Endpoint, _) => format!("`{p}` is an endpoint; devices sit below ports"),
                (PciKind::UpstreamPort, _) => format!(
                    "an upstream port's bus holds downstream ports only: put a `downstream_port` below `{p}` and `{}` below it",
                    d.name
                ),
                (_, PciKind::DownstreamPort) => "a downstream port sits below an upstream port".to_string(),
                _ => "see `switchyard scenario attributes`".to_string(),
            };
            issues.push(
                Issue::new(
                    Code::BadValue,
                    *span,
                    format!("{} cannot sit below {}", kind.a(), pd.kind.a()),
                )
                .label("not a PCIe link")
                .help(help),
            );
            return None;
        }
        let link = matches!(pd.kind, PciKind::RootPort | PciKind::DownstreamPort);
        if let Some(other) = earlier
            .iter()
            .find(|e| link && e.parent.as_deref() == Some(p.as_str()))
        {
            issues.push(
                Issue::new(
                    Code::BadValue,
                    *span,
                    format!("`{p}` already has `{}` below it", other.name),
                )
                .label("second device on one link")
                .help(format!(
                    "{} has one link; put a switch (`upstream_port` and `downstream_port`s) below it to fan out",
                    pd.kind.a()
                )),
            );
            return None;
        }
        if pd.kind == PciKind::UpstreamPort
            && earlier
                .iter()
                .filter(|e| e.parent.as_deref() == Some(p.as_str()))
                .count()
                >= 32
        {
            issues.push(
                Issue::new(
                    Code::BadValue,
                    *span,
                    format!("`{p}` already has 32 downstream ports"),
                )
                .label("bus full")
                .help("a bus has 32 devices"),
            );
            return None;
        }
    } else if matches!(kind, PciKind::UpstreamPort | PciKind::DownstreamPort) {
        issues.push(
            Issue::new(
                Code::BadValue,
                d.name.span(),
                format!("the {} `{}` has no parent", kind.describe(), d.name),
            )
            .label("missing `parent`")
            .help(match kind {
                PciKind::UpstreamPort => "write `parent = PORT`, a root or downstream port",
                _ => "write `parent = PORT`, the switch's upstream port",
            }),
        );
        return None;
    }
    if has("no_acs") && !matches!(kind, PciKind::RootPort | PciKind::DownstreamPort) {
        issues.push(
            Issue::new(
                Code::BadValue,
                set["no_acs"],
                format!("`no_acs` on the {} `{}` changes nothing", kind.describe(), d.name),
            )
            .label("not a root or downstream port")
            .help("the kernel reads ACS on root and downstream ports; a single-function upstream port or endpoint counts as isolated (`pci_acs_enabled()`)"),
        );
    }
    if has("hotplug") && kind != PciKind::Endpoint {
        issues.push(
            Issue::new(
                Code::BadValue,
                set["hotplug"],
                format!("the {} `{}` cannot be hotplugged", kind.describe(), d.name),
            )
            .label("a port")
            .help("only endpoints appear after boot; ports are enumerated at boot"),
        );
    }
    Some(Device {
        name: d.name.to_string(),
        doc,
        group: String::new(),
        pci: pci.unwrap_or_default(),
        kind,
        parent: parent.map(|(p, _)| p),
        acs: !has("no_acs"),
        aer: has("aer"),
        untrusted: has("untrusted"),
        require_direct: has("require_direct"),
        attach_deferred: has("attach_deferred"),
        ats: has("ats") || has("ats_required"),
        ats_required: has("ats_required"),
        hotplug: has("hotplug"),
        driver: names.get("driver").map(|(n, _)| n.clone()),
    })
    .map(|dev| (dev, names.get("driver").map(|(_, s)| *s)))
}

/// The device itself when it is a root port, else its nearest root-port ancestor.
fn root_port<'a>(devices: &'a [Device], name: &str) -> Option<&'a Device> {
    let find = |n: &str| devices.iter().find(|d| d.name == n);
    let mut d = find(name)?;
    while d.kind != PciKind::RootPort {
        d = find(d.parent.as_deref()?)?;
    }
    Some(d)
}

/// `pci_acs_path_enabled(port, NULL, REQ_ACS_FLAGS)`: the port and every port above it
/// to the root bus isolate their functions. Root and downstream ports by their ACS
/// control (`pci_acs_enabled()`), single-function upstream ports always.
fn acs_path(devices: &[Device], port: &str) -> bool {
    let mut cur = devices.iter().find(|d| d.name == port);
    while let Some(d) = cur {
        if !d.acs {
            return false;
        }
        cur = d
            .parent
            .as_deref()
            .and_then(|p| devices.iter().find(|e| e.name == p));
    }
    true
}

/// Groups and addresses from the topology, the way 6.12 makes them at boot.
///
/// Groups: `pci_device_group()`: from the bus a device sits on, upwards, the first bridge
/// whose ACS path to the root bus is not enabled hands the device its own group (it was
/// probed first, so it has one); else the device gets a new group. Each device is looked
/// at in declaration order, which is a parent-first order like the kernel's probe; groups
/// are named `g0`, `g1`, ... as they are created. DMA aliases (PCIe-to-PCI bridges) and
/// multifunction slots are not modelled: every function is function 0.
///
/// Addresses: `pci_scan_child_bus_extend()`: root-bus devices take slots 2, 3, ... in
/// declaration order; buses are numbered depth first, each bridge taking the next number
/// for its secondary bus; the device below a root or downstream port is device 0, and an
/// upstream port's downstream ports are devices 0, 1, ... in declaration order. A given
/// `pci` must be the one the topology gives.
fn derive_topology(
    devices: &mut [Device],
    spans: &BTreeMap<String, Span>,
    issues: &mut Vec<Issue>,
) -> Vec<Group> {
    let whole = spans
        .values()
        .next()
        .copied()
        .unwrap_or_else(Span::call_site);
    let mut groups: Vec<Group> = Vec::new();
    for i in 0..devices.len() {
        let joined = devices[i]
            .parent
            .as_deref()
            .filter(|p| !acs_path(devices, p))
            .and_then(|p| devices.iter().find(|d| d.name == p))
            .map(|d| d.group.clone());
        let name = match joined {
            Some(g) => g,
            None => {
                let g = format!("g{}", groups.len());
                groups.push(Group {
                    name: g.clone(),
                    devices: Vec::new(),
                });
                g
            }
        };
        if let Some(g) = groups.iter_mut().find(|g| g.name == name) {
            g.devices.push(devices[i].name.clone());
        }
        devices[i].group = name;
    }
    // Addresses, depth first.
    let mut addr: BTreeMap<String, String> = BTreeMap::new();
    let mut next_bus: u32 = 1;
    fn visit(
        devices: &[Device],
        name: &str,
        bus: u32,
        dev: u32,
        next_bus: &mut u32,
        addr: &mut BTreeMap<String, String>,
    ) {
        addr.insert(name.to_string(), format!("0000:{bus:02x}:{dev:02x}.0"));
        let Some(d) = devices.iter().find(|d| d.name == name) else {
            return;
        };
        if !d.bridge() {
            return;
        }
        let secondary = *next_bus;
        *next_bus += 1;
        let children: Vec<&Device> = devices
            .iter()
            .filter(|c| c.parent.as_deref() == Some(name))
            .collect();
        for (k, c) in children.iter().enumerate() {
            visit(devices, &c.name, secondary, k as u32, next_bus, addr);
        }
    }
    let roots: Vec<String> = devices
        .iter()
        .filter(|d| d.parent.is_none())
        .map(|d| d.name.clone())
        .collect();
    for (k, r) in roots.iter().enumerate() {
        visit(devices, r, 0, 2 + k as u32, &mut next_bus, &mut addr);
    }
    if next_bus > 256 || roots.len() > 30 {
        issues.push(
            Issue::new(
                Code::BadValue,
                whole,
                "the topology needs more than 256 buses or 30 root-bus slots",
            )
            .label("too large")
            .help("a PCI segment has 256 buses and 32 slots on its root bus (two are taken)"),
        );
        return groups;
    }
    for d in devices.iter_mut() {
        let derived = addr.get(&d.name).cloned().unwrap_or_default();
        if d.pci.is_empty() {
            d.pci = derived;
        } else if !d.pci.eq_ignore_ascii_case(&derived) {
            issues.push(
                Issue::new(
                    Code::BadValue,
                    spans.get(&d.name).copied().unwrap_or(whole),
                    format!(
                        "`{}` is declared at `{}`, but the topology puts it at `{derived}`",
                        d.name, d.pci
                    ),
                )
                .label("address and topology disagree")
                .help(format!("write `pci = \"{derived}\"`, or leave `pci` out")),
            );
        }
    }
    groups
}

fn valid_bdf(s: &str) -> bool {
    let hex = |p: &str, n: usize| p.len() == n && p.chars().all(|c| c.is_ascii_hexdigit());
    let parts: Vec<&str> = s.split(':').collect();
    if parts.len() != 3 {
        return false;
    }
    let Some((dev, func)) = parts[2].split_once('.') else {
        return false;
    };
    hex(parts[0], 4)
        && hex(parts[1], 2)
        && hex(dev, 2)
        && matches!(func, "0" | "1" | "2" | "3" | "4" | "5" | "6" | "7")
}

fn stmt_expr<'a>(stmt: &'a syn::Stmt, issues: &mut Vec<Issue>) -> Option<&'a syn::Expr> {
    match stmt {
        syn::Stmt::Expr(e, _) => Some(e),
        other => {
            issues.push(
                Issue::new(
                    Code::BadMove,
                    other.span(),
                    "expected a move such as `bind(port, pcieport);`",
                )
                .label("not a move")
                .help(format!("moves: {}", list(MOVES.iter().map(|m| m.0)))),
            );
            None
        }
    }
}

struct StepCx<'a> {
    names: &'a Names,
    devices: &'a [Device],
    drivers: &'a [Driver],
}

impl StepCx<'_> {
    fn step(&self, e: &syn::Expr, issues: &mut Vec<Issue>) -> Option<Move> {
        let moves = list(MOVES.iter().map(|m| m.0));
        let syn::Expr::Call(c) = e else {
            issues.push(
                Issue::new(
                    Code::BadMove,
                    e.span(),
                    "expected a move such as `bind(port, pcieport)`",
                )
                .label("not a move")
                .help(format!("moves: {moves}")),
            );
            return None;
        };
        let name = ident_value(&c.func).unwrap_or_default();
        let Some((_, kinds, _)) = MOVES.iter().find(|m| m.0 == name) else {
            let help = match suggest(&name, MOVES.iter().map(|m| m.0)) {
                Some(s) => format!("did you mean `{s}`? moves: {moves}"),
                None => format!("moves: {moves}"),
            };
            issues.push(
                Issue::new(
                    Code::BadMove,
                    c.func.span(),
                    format!("unknown move `{name}`"),
                )
                .label("no such move")
                .help(help),
            );
            return None;
        };
        if c.args.len() != kinds.len() {
            let k: Vec<&str> = kinds.iter().map(|k| k.describe()).collect();
            issues.push(
                Issue::new(
                    Code::WrongArity,
                    c.paren_token.span.join(),
                    format!(
                        "`{name}` takes {} argument{}, found {}",
                        kinds.len(),
                        if kinds.len() == 1 { "" } else { "s" },
                        c.args.len()
                    ),
                )
                .label("wrong number of arguments")
                .help(format!("`{name}` takes {}", k.join(", then "))),
            );
            return None;
        }
        let mut args = Vec::new();
        for (arg, kind) in c.args.iter().zip(kinds.iter()) {
            args.push(self.arg(arg, *kind, issues)?);
        }
        let dev = |i: usize| args[i].clone();
        let mv = match name.as_str() {
            "add" => Move::Add { device: dev(0) },
            "remove" => Move::Remove { device: dev(0) },
            "bind" => Move::Bind {
                device: dev(0),
                driver: dev(1),
            },
            "unbind" => Move::Unbind { device: dev(0) },
            "vfio_open" => Move::VfioOpen { group: dev(0) },
            "vfio_claim" => Move::VfioClaim { group: dev(0) },
            "vfio_attach" => Move::VfioAttach { group: dev(0) },
            "vfio_close" => Move::VfioClose { group: dev(0) },
            "raise_aer" => Move::RaiseAer { device: dev(0) },
            "write_type" => Move::WriteType {
                group: dev(0),
                ty: DomainType::from_name(&args[1]).expect("checked by arg()"),
            },
            _ => unreachable!("move table and match agree"),
        };
        // Moves that only make sense for some devices.
        match &mv {
            Move::RaiseAer { device } if !self.device(device).is_some_and(|d| d.aer) => {
                issues.push(
                    Issue::new(Code::BadMove, c.args[0].span(), format!("`{device}` does not signal AER"))
                        .label("no `aer` attribute")
                        .help(format!("mark the device `aer` (it has an AER capability): `device {device} {{ aer, ... }}`")),
                );
                None
            }
            Move::RaiseAer { device } if !self.root_port(device).is_some_and(|r| r.aer) => {
                let help = match self.root_port(device) {
                    Some(r) => format!(
                        "`{device}`'s errors are signalled by its root port `{}`: mark it `aer`",
                        r.name
                    ),
                    None => format!(
                        "errors are signalled by a root port's AER service (`aer_probe()`); put `{device}` below a `root_port` (event collectors are not modelled)"
                    ),
                };
                issues.push(
                    Issue::new(
                        Code::BadMove,
                        c.args[0].span(),
                        format!("no root port signals `{device}`'s errors"),
                    )
                    .label("no root port with AER above it")
                    .help(help),
                );
                None
            }
            Move::Add { device } if !self.device(device).is_some_and(|d| d.hotplug) => {
                issues.push(
                    Issue::new(
                        Code::BadMove,
                        c.args[0].span(),
                        format!("`{device}` is present at boot"),
                    )
                    .label("not a hotplug device")
                    .help(format!("mark it `hotplug` to make `add({device})` a move")),
                );
                None
            }
            Move::Bind { driver, .. } if self.drivers.iter().all(|d| d.name != *driver) => None,
            _ => Some(mv),
        }
    }

    fn device(&self, name: &str) -> Option<&Device> {
        self.devices.iter().find(|d| d.name == name)
    }

    fn root_port(&self, name: &str) -> Option<&Device> {
        root_port(self.devices, name)
    }

    fn arg(&self, e: &syn::Expr, kind: ArgKind, issues: &mut Vec<Issue>) -> Option<String> {
        let Some(name) = ident_value(e) else {
            issues.push(
                Issue::new(
                    Code::BadMove,
                    e.span(),
                    format!("expected {}", kind.describe()),
                )
                .label("not a name")
                .help("arguments of moves are names declared in the scenario"),
            );
            return None;
        };
        let (map, code, what) = match kind {
            ArgKind::Device => (&self.names.devices, Code::UndeclaredDevice, "device"),
            ArgKind::Driver => (&self.names.drivers, Code::UndeclaredDriver, "driver"),
            ArgKind::Group => (&self.names.groups, Code::UndeclaredGroup, "group"),
            ArgKind::DomainType => {
                return match DomainType::from_name(&name) {
                    Some(_) => Some(name),
                    None => {
                        issues.push(
                            Issue::new(
                                Code::BadValue,
                                e.span(),
                                format!("`{name}` is not a domain type"),
                            )
                            .label("expected `Dma` or `Identity`")
                            .help("write `write_type(g0, Identity)`"),
                        );
                        None
                    }
                };
            }
        };
        if map.contains_key(&name) {
            return Some(name);
        }
        let others = [
            (&self.names.devices, "device"),
            (&self.names.drivers, "driver"),
            (&self.names.groups, "group"),
        ];
        let mut help = match others.iter().find(|(m, _)| m.contains_key(&name)) {
            Some((_, other)) => format!(
                "`{name}` is a {other}, but {} is expected here; ",
                kind.describe()
            ),
            None => match suggest(&name, map.keys().map(String::as_str)) {
                Some(s) => format!("did you mean `{s}`? "),
                None => String::new(),
            },
        };
        help.push_str(&format!(
            "declared {what}s: {}",
            list(map.keys().map(String::as_str))
        ));
        issues.push(
            Issue::new(
                code,
                e.span(),
                format!("no {what} `{name}` in this scenario"),
            )
            .label(format!("undeclared {what}"))
            .help(help),
        );
        None
    }
}
