//! From a scenario to a QEMU machine and a guest script.
//!
//! The machine is the one of the scenario's platform ([`Target::of`]): arm64 `virt` with
//! GICv3 (ITS) behind an SMMUv3, or x86-64 `q35` with an Intel IOMMU and interrupt
//! remapping. On both, each root port at `0000:00:SS.0` becomes a `pcie-root-port` in
//! slot SS, a switch QEMU's switch devices, and each endpoint an `e1000e`, each below
//! the QEMU device of its parent. Where the scenario puts a port and the devices below it
//! in one group, ACS Source Validation is turned off on the port
//! (`pci=config_acs=xxxxxx0@BDF`) so Linux groups them together, as the measured
//! reproduction did.
//!
//! The guest agent (`guest/agent.c`) is compiled here, statically, with the machine's
//! compiler: the cross compiler for arm64, the host's for x86-64.

use crate::target::Target;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use switchyard_dsl::scenario::{Move, PciKind, Scenario};
use switchyard_dsl::vocab::DomainType;

/// The agent's source, compiled on demand into the cache.
pub const AGENT_C: &str = include_str!("../guest/agent.c");

/// The PCI drivers the harness kernel has (its configuration fragment builds these and
/// no others): a scenario that binds another cannot be replayed.
pub const DRIVERS: &[&str] = &["pcieport", "vfio-pci"];

/// Why a scenario cannot become a machine and a script, or the agent cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum GuestError {
    /// The scenario asks for something the QEMU machine or the agent cannot do.
    #[error("scenario `{scenario}` cannot run on the {arch} QEMU machine: {why}")]
    Unsupported {
        /// The scenario's name.
        scenario: String,
        /// The machine's architecture.
        arch: &'static str,
        /// What it asks for.
        why: String,
    },
    /// The compiler is missing or rejected the agent.
    #[error("cannot build the guest agent with {cc}: {why}")]
    Compiler {
        /// The compiler.
        cc: &'static str,
        /// What it said.
        why: String,
    },
    /// A file in the cache could not be written.
    #[error("cannot write `{path}`: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
}

/// The machine for a scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Machine {
    /// The kind of machine: QEMU, its arguments, the kernel it boots.
    pub target: &'static Target,
    /// `-device` arguments, in order (parents first).
    pub devices: Vec<String>,
    /// Extra kernel command-line words.
    pub kernel_args: Vec<String>,
    /// QEMU device ids, by PCI address (AER is injected at the device that raises it).
    pub ids: BTreeMap<String, String>,
}

fn unsupported(s: &Scenario, why: impl Into<String>) -> GuestError {
    GuestError::Unsupported {
        scenario: s.name.clone(),
        arch: Target::of(s.platform).arch,
        why: why.into(),
    }
}

/// The QEMU machine for a scenario, or why there is none.
///
/// The machine is the scenario's platform's ([`Target::of`]). Each scenario device
/// becomes the QEMU device of its PCIe type, below the QEMU device of its parent: a root
/// port is a `pcie-root-port` in its root-bus slot, a switch a `x3130-upstream` with
/// `xio3130-downstream` ports, an endpoint an `e1000e`, or, when it raises AER, a
/// `virtio-rng-pci,aer=on` (QEMU forwards an endpoint's error message only when its
/// Device Control enables reporting, which e1000e's cannot). The scenario's addresses are
/// the ones Linux gives these devices, as it numbers buses depth first in slot order. QEMU's root and downstream ports have ACS;
/// a `no_acs` port has its Source Validation turned off on the kernel command line
/// (`pci=config_acs=xxxxxx0@BDF;...`), which is enough for `pci_acs_path_enabled()` to
/// fail for `REQ_ACS_FLAGS`.
///
/// On q35 the root bus already holds the host bridge (00.0) and ICH9's functions (1f.0,
/// 1f.2, 1f.3), and the scenario's root-bus slots start at 2, so they are free; SeaBIOS
/// numbers the buses below the root ports depth first in slot order, as Linux does on
/// arm64's `virt` (where no firmware does), and x86 Linux keeps the firmware's numbers.
pub fn machine(s: &Scenario) -> Result<Machine, GuestError> {
    let target = Target::of(s.platform);
    let mut m = Machine {
        target,
        devices: Vec::new(),
        kernel_args: Vec::new(),
        ids: BTreeMap::new(),
    };
    let mut no_acs = Vec::new();
    let mut chassis = 0;
    let mut count: BTreeMap<&str, usize> = BTreeMap::new();
    for d in &s.devices {
        let lacks = [
            (d.require_direct, "a firmware direct-mapped region (IORT RMR): the QEMU machine's firmware describes none"),
            (d.ats || d.ats_required, "ATS: none of the QEMU endpoint models offers it"),
            (d.attach_deferred, "a deferred attach: the harness boots no kdump kernel"),
        ];
        if let Some((_, what)) = lacks.iter().find(|(set, _)| *set) {
            return Err(unsupported(s, format!("`{}` needs {what}", d.name)));
        }
        if let Some(drv) = d.driver.as_deref().and_then(|n| s.driver(n)) {
            driver_available(s, &drv.kernel_name)?;
        }
        if d.hotplug {
            return Err(unsupported(
                s,
                format!(
                    "`{}` is hotplugged, which the harness does not drive",
                    d.name
                ),
            ));
        }
        let (prefix, model) = match d.kind {
            PciKind::RootPort => ("rp", "pcie-root-port"),
            PciKind::UpstreamPort => ("us", "x3130-upstream"),
            PciKind::DownstreamPort => ("ds", "xio3130-downstream"),
            // e1000e's Device Control error-reporting bits are read-only in QEMU (it does
            // not call pcie_cap_deverr_init()), so it never sends an error message up; an
            // endpoint that raises AER is a virtio device with its AER capability on.
            PciKind::Endpoint if d.aer => ("ep", "virtio-rng-pci"),
            PciKind::Endpoint => ("ep", "e1000e"),
        };
        let n = count.entry(prefix).or_insert(0);
        *n += 1;
        let id = format!("{prefix}{n}");
        let (dev, _) = slot(&d.pci)
            .ok_or_else(|| unsupported(s, format!("`{}` is not a PCI address", d.pci)))?;
        let bus = match d.parent.as_deref() {
            None => format!("bus=pcie.0,addr={dev:x}.0"),
            Some(p) => {
                let parent = s
                    .device(p)
                    .map(|p| m.ids[&p.pci].clone())
                    .unwrap_or_default();
                format!("bus={parent},addr={dev:x}.0")
            }
        };
        let mut arg = format!("{model},id={id},{bus}");
        if d.kind == PciKind::Endpoint && d.aer {
            arg.push_str(",aer=on");
        }
        if matches!(d.kind, PciKind::RootPort | PciKind::DownstreamPort) {
            chassis += 1;
            arg.push_str(&format!(",chassis={chassis}"));
        }
        if !d.acs {
            no_acs.push(format!("xxxxxx0@{}", d.pci));
        }
        m.devices.push(arg);
        m.ids.insert(d.pci.clone(), id);
    }
    if !no_acs.is_empty() {
        m.kernel_args
            .push(format!("pci=config_acs={}", no_acs.join(";")));
    }
    if s.default_domain == DomainType::Identity {
        m.kernel_args.push("iommu.passthrough=1".into());
    }
    Ok(m)
}

/// A driver the harness kernel has, or why the scenario cannot be replayed.
fn driver_available(s: &Scenario, kernel_name: &str) -> Result<(), GuestError> {
    if DRIVERS.contains(&kernel_name) {
        Ok(())
    } else {
        Err(unsupported(
            s,
            format!(
                "the harness kernel has no driver `{kernel_name}` (it builds {})",
                DRIVERS.join(" and ")
            ),
        ))
    }
}

/// The device number of a `DOMAIN:BUS:DEV.FN` address, and its bus.
fn slot(pci: &str) -> Option<(u8, u8)> {
    let mut it = pci.split(':');
    let (_, bus, rest) = (it.next()?, it.next()?, it.next()?);
    let (dev, _) = rest.split_once('.')?;
    Some((
        u8::from_str_radix(dev, 16).ok()?,
        u8::from_str_radix(bus, 16).ok()?,
    ))
}

/// The agent's `/script`: set-up (each device's group reported, SERR# forwarding on every
/// port, built-in drivers checked, every other driver unbound), then one line per step
/// of the scenario's fixed script. `possible[i]` says whether the
/// model can take step `i + 1` in the state the steps before it reach: a step it cannot
/// take is written as `skip`, so the guest does not perform what the model says does not
/// happen (both sides then report it not performed).
pub fn script(s: &Scenario, wait_ms: u64, possible: &[bool]) -> Result<String, GuestError> {
    let pci = |name: &str| {
        s.device(name)
            .map(|d| d.pci.clone())
            .ok_or_else(|| unsupported(s, format!("no device `{name}`")))
    };
    let mut out = format!("wait_ms {wait_ms}\n");
    for d in &s.devices {
        let addr = &d.pci;
        out.push_str(&format!("group {addr}\n"));
        // A port forwards its secondary side's error messages only with SERR# enabled in
        // its Bridge Control, which firmware would set.
        if d.bridge() {
            out.push_str(&format!("serr {addr}\n"));
        }
        // A built-in driver bound it at boot, as the model's boot does; any other driver
        // the kernel bound is set aside, so the script starts from the model's state.
        match d.driver.as_deref().and_then(|n| s.driver(n)) {
            Some(drv) => out.push_str(&format!("expect {addr} {}\n", drv.kernel_name)),
            None => out.push_str(&format!("release {addr}\n")),
        }
    }
    if s.script.is_empty() {
        return Err(unsupported(s, "it has no fixed script to replay"));
    }
    let group_bdf = |group: &str| -> Result<String, GuestError> {
        let g = s
            .group(group)
            .ok_or_else(|| unsupported(s, format!("no group `{group}`")))?;
        let first = g
            .devices
            .first()
            .ok_or_else(|| unsupported(s, format!("group `{group}` is empty")))?;
        pci(first)
    };
    let type1 = || {
        if s.vfio_backend == switchyard_dsl::scenario::VfioBackend::Type1 {
            Ok(())
        } else {
            Err(unsupported(
                s,
                "the agent opens VFIO through the type1 container only",
            ))
        }
    };
    for (i, step) in s.script.iter().enumerate() {
        let n = i + 1;
        if !possible.get(i).copied().unwrap_or(true) {
            out.push_str(&format!("skip {n}\n"));
            continue;
        }
        let line = match step {
            Move::Bind { device, driver } => {
                let drv = s
                    .driver(driver)
                    .map_or(driver.as_str(), |d| d.kernel_name.as_str());
                driver_available(s, drv)?;
                format!("bind {n} {} {drv}", pci(device)?)
            }
            Move::Unbind { device } => format!("unbind {n} {}", pci(device)?),
            Move::RaiseAer { device } => format!("raise {n} {}", pci(device)?),
            Move::VfioOpen { group } => {
                type1()?;
                format!("vfio_open {n} {}", group_bdf(group)?)
            }
            Move::VfioClaim { group } => {
                type1()?;
                format!("vfio_claim {n} {}", group_bdf(group)?)
            }
            Move::VfioAttach { group } => {
                type1()?;
                format!("vfio_attach {n} {}", group_bdf(group)?)
            }
            Move::VfioClose { .. } => format!("vfio_close {n} -"),
            // The spelling iommu_group_store_type() accepts.
            Move::WriteType { group, ty } => {
                let ty = match ty {
                    DomainType::Dma => "DMA",
                    DomainType::Identity => "identity",
                };
                format!("write_type {n} {} {ty}", group_bdf(group)?)
            }
            other => {
                return Err(unsupported(
                    s,
                    format!("the agent cannot perform `{other}`"),
                ))
            }
        };
        out.push_str(&line);
        out.push('\n');
    }
    Ok(out)
}

/// Compiles the agent for the machine into `dir` (once per source text and machine) and
/// returns its bytes.
pub fn agent(dir: &Path, target: &Target) -> Result<Vec<u8>, GuestError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| GuestError::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let hash = {
        // FNV-1a over the source: a changed agent is rebuilt.
        let mut h: u64 = 0xcbf29ce484222325;
        for b in AGENT_C.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x100000001b3);
        }
        h
    };
    let bin = dir.join(format!("agent-{}-{hash:016x}", target.arch));
    if !bin.is_file() {
        let src = dir.join("agent.c");
        std::fs::write(&src, AGENT_C).map_err(io(&src))?;
        let out = Command::new(target.agent_cc)
            .args(["-static", "-O2", "-Wall", "-Werror", "-o"])
            .arg(&bin)
            .arg(&src)
            .output()
            .map_err(|e| GuestError::Compiler {
                cc: target.agent_cc,
                why: format!("{e} (install {})", target.compiler_packages),
            })?;
        if !out.status.success() {
            return Err(GuestError::Compiler {
                cc: target.agent_cc,
                why: String::from_utf8_lossy(&out.stderr).into_owned(),
            });
        }
    }
    std::fs::read(&bin).map_err(io(&bin))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arm_port_vfio_maps_to_the_measured_machine_and_script() {
        let s = switchyard_dsl::load_scenario("arm-port-vfio").unwrap();
        let m = machine(&s).unwrap();
        assert_eq!(
            m.devices,
            [
                "pcie-root-port,id=rp1,bus=pcie.0,addr=2.0,chassis=1",
                "e1000e,id=ep1,bus=rp1,addr=0.0"
            ]
        );
        assert_eq!(m.kernel_args, ["pci=config_acs=xxxxxx0@0000:00:02.0"]);
        assert_eq!(m.ids["0000:00:02.0"], "rp1");
        let text = script(&s, 15000, &[true; 6]).unwrap();
        assert_eq!(
            text,
            "wait_ms 15000\ngroup 0000:00:02.0\nserr 0000:00:02.0\nexpect 0000:00:02.0 pcieport\n\
             group 0000:01:00.0\nrelease 0000:01:00.0\nraise 1 0000:00:02.0\n\
             bind 2 0000:01:00.0 vfio-pci\nvfio_open 3 0000:00:02.0\nraise 4 0000:00:02.0\n\
             vfio_close 5 -\nraise 6 0000:00:02.0\n"
        );
        // A step the model cannot take is not performed.
        let text = script(&s, 15000, &[true, true, true, true, false, true]).unwrap();
        assert!(text.contains("\nskip 5\n"), "{text}");
        assert!(!text.contains("vfio_close"), "{text}");
    }

    /// A switch becomes QEMU's switch devices, each below its parent, and AER is raised
    /// at the endpoint itself; only the root port without ACS is named on the command line.
    #[test]
    fn a_switch_maps_to_x3130_devices_below_the_root_port() {
        let s = switchyard_dsl::load_scenario("arm-switch-vfio").unwrap();
        let m = machine(&s).unwrap();
        assert_eq!(
            m.devices,
            [
                "pcie-root-port,id=rp1,bus=pcie.0,addr=2.0,chassis=1",
                "x3130-upstream,id=us1,bus=rp1,addr=0.0",
                "xio3130-downstream,id=ds1,bus=us1,addr=0.0,chassis=2",
                "xio3130-downstream,id=ds2,bus=us1,addr=1.0,chassis=3",
                "virtio-rng-pci,id=ep1,bus=ds1,addr=0.0,aer=on",
                "virtio-rng-pci,id=ep2,bus=ds2,addr=0.0,aer=on",
            ]
        );
        assert_eq!(m.kernel_args, ["pci=config_acs=xxxxxx0@0000:00:02.0"]);
        assert_eq!(m.ids["0000:04:00.0"], "ep2");
        let text = script(&s, 15000, &[true; 6]).unwrap();
        assert!(text.contains("\nraise 4 0000:04:00.0\n"), "{text}");
        assert!(text.contains("\nserr 0000:02:01.0\n"), "{text}");
    }

    /// x86-port-vfio boots the q35 machine, its topology mapped to the same QEMU devices
    /// and kernel arguments as on arm64.
    #[test]
    fn x86_port_vfio_maps_to_the_q35_machine() {
        let s = switchyard_dsl::load_scenario("x86-port-vfio").unwrap();
        let m = machine(&s).unwrap();
        assert_eq!(m.target, &crate::target::X86_64);
        assert_eq!(
            m.devices,
            [
                "pcie-root-port,id=rp1,bus=pcie.0,addr=2.0,chassis=1",
                "e1000e,id=ep1,bus=rp1,addr=0.0"
            ]
        );
        assert_eq!(m.kernel_args, ["pci=config_acs=xxxxxx0@0000:00:02.0"]);
        let arm = machine(&switchyard_dsl::load_scenario("arm-port-vfio").unwrap()).unwrap();
        assert_eq!(arm.target, &crate::target::ARM64);
        assert_eq!(
            script(&s, 15000, &[true; 6]).unwrap(),
            script(
                &switchyard_dsl::load_scenario("arm-port-vfio").unwrap(),
                15000,
                &[true; 6]
            )
            .unwrap()
        );
    }

    #[test]
    fn scenarios_the_machine_cannot_express_are_refused_with_a_reason() {
        let s = switchyard_dsl::load_scenario("untrusted-external").unwrap();
        assert!(machine(&s).unwrap_err().to_string().contains("ATS"));
        let s = switchyard_dsl::load_scenario("rmr-require-direct").unwrap();
        assert!(machine(&s).unwrap_err().to_string().contains("IORT RMR"));
        // A driver the harness kernel does not build.
        let s = switchyard_dsl::load_scenario("singleton-managed-irq").unwrap();
        let mut other = s.clone();
        other.script = vec![Move::Bind {
            device: "port".into(),
            driver: "pcieport".into(),
        }];
        other.drivers[0].kernel_name = "e1000e".into();
        let e = script(&other, 15000, &[true]).unwrap_err().to_string();
        assert!(e.contains("no driver `e1000e`"), "{e}");
    }
}
