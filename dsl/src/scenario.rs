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
    pub drivers: Vec<Driver>,
    pub groups: Vec<Group>,
    pub devices: Vec<Device>,
    pub moves: Vec<MoveDecl>,
    /// The fixed script the harness replays; empty when the scenario has none.
    pub script: Vec<Move>,
}

impl Scenario {
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
    pub doc: String,
    pub default_type: DomainType,
    /// Member device names, in declaration order.
    pub devices: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Device {
    pub name: String,
    pub doc: String,
    pub group: String,
    /// PCI address (`0000:00:02.0`), used by the harness.
    pub pci: Option<String>,
    /// A PCI bridge (root or switch port).
    pub bridge: bool,
    /// Signals AER through MSI; its Root Error Status is sticky.
    pub aer: bool,
    pub untrusted: bool,
    pub require_direct: bool,
    /// Capable of ATS.
    pub ats: bool,
    pub ats_required: bool,
    /// Absent at boot; the `add` move brings it.
    pub hotplug: bool,
    /// A built-in driver the kernel binds to it before userspace runs (at boot, and again
    /// as soon as it is added): its name in the scenario's drivers.
    pub driver: Option<String>,
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
        "PCI address, `pci = \"0000:00:02.0\"` (the harness uses it)",
    ),
    ("bridge", "a PCI bridge (root or switch port)"),
    (
        "aer",
        "signals AER through MSI; the Root Error Status it sets is sticky",
    ),
    ("untrusted", "behind an external-facing port"),
    (
        "require_direct",
        "firmware reserved a direct-mapped region (IORT RMR): never blocked",
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

const SCENARIO_KEYS: &[&str] = &["name", "platform", "vfio_backend"];

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

pub struct GroupDecl {
    pub attrs: Vec<Attribute>,
    pub name: Ident,
    pub metas: Vec<MetaItem>,
    pub devices: Vec<Decl>,
}

pub struct StepsDecl {
    pub keyword: Ident,
    pub stmts: Vec<syn::Stmt>,
}

pub enum ScenarioItem {
    Meta(MetaItem),
    Driver(Decl),
    Group(GroupDecl),
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
                Some("group") => {
                    input.parse::<Ident>()?;
                    let name: Ident = input.parse()?;
                    let content;
                    syn::braced!(content in input);
                    let mut metas = Vec::new();
                    let mut devices = Vec::new();
                    while !content.is_empty() {
                        let attrs = content.call(Attribute::parse_outer)?;
                        match keyword(&content)?.as_deref() {
                            Some("device") => devices.push(parse_decl(&content, attrs)?),
                            None if content.peek(Ident) => metas.push(parse_meta(&content, attrs)?),
                            _ => {
                                return Err(content.error(
                                    "expected `device NAME { ... }` or `default_type = Dma;`",
                                ))
                            }
                        }
                    }
                    items.push(ScenarioItem::Group(GroupDecl {
                        attrs,
                        name,
                        metas,
                        devices,
                    }));
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
                        "expected `driver`, `group`, `moves`, `script` or a `key = value;` line",
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
    let mut groups = Vec::new();
    let mut devices = Vec::new();
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
            ScenarioItem::Group(g) => {
                if !declare(&mut names.groups, &g.name, "group", &mut issues) {
                    continue;
                }
                let gdoc = docs(&g.attrs, &mut issues).map(|d| d.0).unwrap_or_default();
                let mut default_type = DomainType::Dma;
                for m in &g.metas {
                    docs(&m.attrs, &mut issues);
                    if m.key != "default_type" {
                        issues.push(
                            Issue::new(Code::UnknownMetadata, m.key.span(), format!("unknown group setting `{}`", m.key))
                                .label("not a group key")
                                .help("a group holds `default_type = Dma;` or `Identity`, and `device NAME { ... }` declarations"),
                        );
                        continue;
                    }
                    match ident_value(&m.value)
                        .as_deref()
                        .and_then(DomainType::from_name)
                    {
                        Some(t) => default_type = t,
                        None => issues.push(
                            Issue::new(
                                Code::BadValue,
                                m.value.span(),
                                "`default_type` is `Dma` or `Identity`",
                            )
                            .label("not a default-domain type")
                            .help("write `default_type = Identity;`"),
                        ),
                    }
                }
                if g.devices.is_empty() {
                    issues.push(
                        Issue::new(
                            Code::BadValue,
                            g.name.span(),
                            format!("group `{}` has no devices", g.name),
                        )
                        .label("empty group")
                        .help("declare its members with `device NAME { ... }` inside the braces"),
                    );
                }
                let mut members = Vec::new();
                for d in &g.devices {
                    if !declare(&mut names.devices, &d.name, "device", &mut issues) {
                        continue;
                    }
                    if let Some((dev, span)) = check_device(d, &g.name.to_string(), &mut issues) {
                        members.push(dev.name.clone());
                        if let Some(span) = span {
                            boot_drivers.push((dev.name.clone(), span));
                        }
                        devices.push(dev);
                    }
                }
                groups.push(Group {
                    name: g.name.to_string(),
                    doc: gdoc,
                    default_type,
                    devices: members,
                });
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
    if groups.is_empty() && issues.is_empty() {
        issues.push(
            Issue::new(
                Code::MissingMetadata,
                whole,
                "this scenario declares no group",
            )
            .label("no topology")
            .help("declare `group g0 { device dev { ... } }`"),
        );
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
/// declared).
fn check_device(d: &Decl, group: &str, issues: &mut Vec<Issue>) -> Option<(Device, Option<Span>)> {
    let doc = docs(&d.attrs, issues).map(|d| d.0).unwrap_or_default();
    let Flags {
        set,
        value: pci,
        names,
    } = flags(d, "device", DEVICE_FLAGS, "pci", &["driver"], issues);
    if let Some(p) = &pci {
        if !valid_bdf(p) {
            let span = set.get("pci").copied().unwrap_or(d.name.span());
            issues.push(
                Issue::new(Code::BadValue, span, format!("`{p}` is not a PCI address"))
                    .label("expected DOMAIN:BUS:DEV.FN")
                    .help("write `pci = \"0000:00:02.0\"`"),
            );
        }
    }
    let has = |k: &str| set.contains_key(k);
    Some(Device {
        name: d.name.to_string(),
        doc,
        group: group.to_string(),
        pci,
        bridge: has("bridge"),
        aer: has("aer"),
        untrusted: has("untrusted"),
        require_direct: has("require_direct"),
        ats: has("ats") || has("ats_required"),
        ats_required: has("ats_required"),
        hotplug: has("hotplug"),
        driver: names.get("driver").map(|(n, _)| n.clone()),
    })
    .map(|dev| (dev, names.get("driver").map(|(_, s)| *s)))
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
                        .help(format!("mark the device `aer` to let it raise AER: `device {device} {{ aer, ... }}`")),
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
