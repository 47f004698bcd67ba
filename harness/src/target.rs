//! The harness's machines: for each platform a scenario can declare, the QEMU machine it
//! boots, the kernel built for it and the compiler of its guest agent.
//!
//! - arm64 (`Arm64Smmuv3`): `qemu-system-aarch64 -M virt,gic-version=3,iommu=smmuv3`, a
//!   GICv3 ITS behind an SMMUv3, so MSI doorbells are reached through the IOMMU; the
//!   kernel and the agent cross-compiled with `aarch64-linux-gnu-`; `Image`.
//! - x86-64 (`X86Vtd`): `qemu-system-x86_64 -M q35` with an emulated Intel IOMMU in
//!   scalable mode with interrupt remapping, so MSI is remapped as interrupts and never
//!   goes through a DMA domain; the kernel and the agent built with the host compiler;
//!   `bzImage`. Under TCG: the machines this runs on have no hardware virtualisation.
//!
//! Machine selection is [`Target::of`], from the scenario's `platform`; everything that
//! differs between the two machines is a field here, so the kernel build, the guest and
//! the boot read it from one place.

use std::path::{Path, PathBuf};
use switchyard_dsl::scenario::{Iommu, Platform};

/// One machine: how its kernel is built, how its agent is compiled, how it boots.
#[derive(Debug, PartialEq, Eq)]
pub struct Target {
    /// The name of the architecture, as the kernel's `ARCH=` spells it.
    pub arch: &'static str,
    /// `CROSS_COMPILE=` for the kernel; `None` builds with the host compiler.
    pub cross_compile: Option<&'static str>,
    /// The configuration fragment merged onto `allnoconfig`.
    pub fragment: &'static str,
    /// The fragment's file name under `harness/kernel/`.
    pub fragment_name: &'static str,
    /// Options the fragment does not set that the reproduction needs, as `.config` states
    /// them: selected by what it does set, on every base's Kconfig (checked after each
    /// configuration, with the fragment's own, by [`crate::kbuild::missing_options`]).
    pub selected: &'static [&'static str],
    /// make's target for the boot image.
    pub image_target: &'static str,
    /// The boot image, relative to the build directory.
    pub image: &'static str,
    /// The compiler of the guest agent (linked statically).
    pub agent_cc: &'static str,
    /// The Debian packages that provide the build's compilers.
    pub compiler_packages: &'static str,
    /// The QEMU binary.
    pub qemu: &'static str,
    /// The Debian package of the QEMU binary.
    pub qemu_package: &'static str,
    /// QEMU's machine, CPU and IOMMU arguments.
    pub qemu_args: &'static [&'static str],
    /// The kernel's serial console.
    pub console: &'static str,
    /// Kernel command-line words every boot of this machine gets.
    pub kernel_args: &'static [&'static str],
    /// What the IOMMU driver logs a fault as, for the guest's observations.
    pub fault: &'static str,
    /// The IOMMU, as the model names it.
    pub iommu: Iommu,
    /// Where this machine's source and build directories go below the cache: `None` for
    /// the cache itself (arm64, the harness's first machine), else a subdirectory, so that
    /// a branch has one build directory per machine.
    pub cache_subdir: Option<&'static str>,
}

/// The arm64 machine.
pub const ARM64: Target = Target {
    arch: "arm64",
    cross_compile: Some("aarch64-linux-gnu-"),
    fragment: include_str!("../kernel/arm64.config"),
    fragment_name: "arm64.config",
    // The MSI doorbell mapped through the IOMMU (`iommu_dma_prepare_msi()`): selected by
    // IOMMU_DMA on 6.12, by the irqchips whose doorbells need it (GICv3 ITS) on 7.3.
    selected: &["CONFIG_IOMMU_DMA=y", "CONFIG_IRQ_MSI_IOMMU=y"],
    image_target: "Image",
    image: "arch/arm64/boot/Image",
    agent_cc: "aarch64-linux-gnu-gcc",
    compiler_packages: "gcc-aarch64-linux-gnu and libc6-dev-arm64-cross",
    qemu: "qemu-system-aarch64",
    qemu_package: "qemu-system-arm",
    qemu_args: &[
        "-M",
        "virt,gic-version=3,iommu=smmuv3",
        "-cpu",
        "cortex-a57",
    ],
    console: "ttyAMA0",
    kernel_args: &[],
    fault: "SMMU event",
    iommu: Iommu::Smmuv3,
    cache_subdir: None,
};

/// The x86-64 machine. `kernel-irqchip=split` is what interrupt remapping asks for under
/// KVM and is accepted (and without effect) under TCG; `intremap=on` gives the DMAR table
/// its interrupt-remapping flag and the IOMMU its IR capability, which VFIO type1 needs
/// (`iommu_group_has_isolated_msi()`); `x-scalable-mode=on` is the mode the model's VT-d
/// rules follow; `device-iotlb=on` advertises Device-TLB and an ATSR for every root port,
/// without which the kernel never enables ATS (`ecap_dev_iotlb_support()`,
/// `dmar_ats_supported()`). `caching-mode` is left off: it is for devices QEMU passes
/// through from its host, and every device here is emulated. `-nodefaults` keeps the
/// root bus to q35's own functions (host bridge at 00.0, ICH9 at 1f.0, 1f.2 and 1f.3),
/// and `-accel tcg` says what the machine would fall back to anyway.
///
/// `no_timer_check`: at boot `check_timer()` counts timer ticks through the IO-APIC over
/// a short busy wait (`timer_irq_works()`); under TCG on a loaded host too few arrive,
/// and with interrupt remapping the kernel then panics ("timer doesn't work through
/// Interrupt-remapped IO-APIC") instead of falling back. The option skips the count.
pub const X86_64: Target = Target {
    arch: "x86_64",
    cross_compile: None,
    fragment: include_str!("../kernel/x86_64.config"),
    fragment_name: "x86_64.config",
    // Interrupt remapping, not a doorbell in the DMA domain: 7.3 no longer selects
    // IRQ_MSI_IOMMU here at all.
    selected: &["CONFIG_IOMMU_DMA=y"],
    image_target: "bzImage",
    image: "arch/x86/boot/bzImage",
    agent_cc: "gcc",
    compiler_packages: "gcc and libc6-dev",
    qemu: "qemu-system-x86_64",
    qemu_package: "qemu-system-x86",
    qemu_args: &[
        "-accel",
        "tcg",
        "-M",
        "q35,kernel-irqchip=split",
        "-nodefaults",
        "-device",
        "intel-iommu,intremap=on,x-scalable-mode=on,device-iotlb=on",
    ],
    console: "ttyS0",
    kernel_args: &["no_timer_check"],
    fault: "DMAR fault",
    iommu: Iommu::Vtd,
    cache_subdir: Some("x86_64"),
};

impl Target {
    /// The machine a scenario's platform boots.
    pub fn of(platform: Platform) -> &'static Target {
        match platform {
            Platform::Arm64Smmuv3 => &ARM64,
            Platform::X86Vtd => &X86_64,
        }
    }

    /// The directory below `cache` that holds this machine's `src/` and `build/`.
    pub fn cache_root(&self, cache: &Path) -> PathBuf {
        match self.cache_subdir {
            Some(d) => cache.join(d),
            None => cache.to_path_buf(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_platform_has_its_machine_and_its_own_build_directories() {
        assert_eq!(Target::of(Platform::Arm64Smmuv3), &ARM64);
        assert_eq!(Target::of(Platform::X86Vtd), &X86_64);
        for p in Platform::ALL {
            assert_eq!(Target::of(p).iommu, p.iommu(), "{p}");
        }
        let cache = Path::new("/c");
        assert_eq!(ARM64.cache_root(cache), Path::new("/c"));
        assert_eq!(X86_64.cache_root(cache), Path::new("/c/x86_64"));
    }

    #[test]
    fn the_fragments_have_what_the_reproduction_needs() {
        for opt in [
            "CONFIG_ARM_SMMU_V3=y",
            "CONFIG_ARM_GIC_V3_ITS=y",
            "CONFIG_PCIEAER=y",
            "CONFIG_VFIO_PCI=y",
            "CONFIG_VFIO_IOMMU_TYPE1=y",
        ] {
            assert!(ARM64.fragment.lines().any(|l| l == opt), "{opt}");
        }
        for opt in [
            "CONFIG_ACPI=y",
            "CONFIG_PCI_MMCONFIG=y",
            "CONFIG_INTEL_IOMMU=y",
            "CONFIG_INTEL_IOMMU_SCALABLE_MODE_DEFAULT_ON=y",
            "CONFIG_IRQ_REMAP=y",
            "CONFIG_PCIEAER=y",
            "CONFIG_VFIO_PCI=y",
            "CONFIG_VFIO_IOMMU_TYPE1=y",
            "CONFIG_SERIAL_8250_CONSOLE=y",
        ] {
            assert!(X86_64.fragment.lines().any(|l| l == opt), "{opt}");
        }
    }
}
