//! `policy!` and `scenario!` in Rust code mean the same as the files.

use switchyard::dsl::{load_policy, load_scenario};

#[test]
fn policy_macro_gives_the_same_ir_as_the_builtin_file() {
    let embedded = switchyard::policy! {
        /// Refuse DMA ownership of a group while another member has MSI vectors whose doorbell
        /// is mapped through the group's domain (thread P9).
        ///
        /// Jason Gunthorpe: switching the group's domain under a driver that keeps interrupts
        /// (pcieport staying bound while VFIO owns the group) loses them. A hard failure is better
        /// than silently lost interrupts: the claim fails with EBUSY and the user learns why. It
        /// regresses users of hardware without ACS, whose root port shares the endpoint's group.
        ///
        /// The claim looks at what the vectors carry, not at how the kernel is built:
        /// CONFIG_IRQ_MSI_IOMMU is selected by IOMMU_DMA on x86 as on arm64, but only the GICv3
        /// ITS, GICv2m, GICv3 MBI and ls-scfg-msi irqchips map a doorbell through the IOMMU
        /// (iommu_dma_prepare_msi()). On x86 interrupts are remapped apart from DMA, so the
        /// port's vectors survive the domain switch and the claim succeeds as before.
        ///
        /// Refusing the claim alone is not enough: a driver_managed_dma driver such as pcieport
        /// that binds after the claim allocates its vectors in the user's domain and loses them
        /// when the group goes back to its default domain (bind vfio-pci, open the group, bind
        /// pcieport, close it, raise an AER error). That driver has no vectors yet when it binds,
        /// and whether its irqchip will map the doorbell is known only once it allocates them,
        /// so the bind cannot be judged by its vectors. While a user owns the group, such a bind
        /// fails with EBUSY wherever the kernel can map MSI doorbells through the IOMMU
        /// (CONFIG_IRQ_MSI_IOMMU); on x86 this costs binding the port again once the user has
        /// released the group.
        name = "vfio-hard-fail";
        extends = "status-quo";
        subject = "iommu: Refuse DMA ownership while a member's MSIs use the group's domain";
        suggested_by = "Jason Gunthorpe <jgg@nvidia.com>";
        link = "https://lkml.iu.edu/hypermail/linux/kernel/2602.3/05415.html";

        /// A member whose vectors carry a doorbell IOVA of the group's domain blocks the claim.
        on claim(g) {
            for d in g.devices {
                if d.msi_iova {
                    fail(EBUSY);
                }
            }
            inherit()?;
        }

        /// No driver that manages its own DMA may join a group a user owns where MSI doorbells
        /// can be mapped through the IOMMU.
        on dma_configure(dev, managed) {
            if cfg(IRQ_MSI_IOMMU) && managed && group(dev).owned {
                fail(EBUSY);
            }
            inherit()?;
        }
    };
    assert_eq!(embedded.name, "vfio-hard-fail");
    let from_macro = embedded.policy().unwrap();
    let from_file = load_policy("vfio-hard-fail").unwrap();
    assert_eq!(from_macro.hooks, from_file.hooks);
    assert_eq!(from_macro.chain, from_file.chain);
    assert_eq!(from_macro.origin, switchyard::dsl::Origin::Macro);
}

#[test]
fn scenario_macro_gives_the_same_ir_as_the_builtin_file() {
    let embedded = switchyard::scenario! {
        /// A root port alone in its group, bound to pcieport (driver_managed_dma, AER over MSI)
        /// on arm64: the case that breaks parking devices blocked until a driver binds.
        name = "singleton-managed-irq";
        platform = Arm64Smmuv3;

        /// The PCIe port services driver: AER and PME over MSI, no DMA. Built in: it binds
        /// to the port at boot, before userspace runs.
        driver pcieport { managed_dma, msi, irq_only }

        /// The root port, with ACS keeping everything else out of its group.
        device port { root_port, aer, driver = pcieport }

        moves {
            bind(port, pcieport);
            unbind(port);
            raise_aer(port) <= 2;
        }

        script {
            raise_aer(port);
            unbind(port);
            bind(port, pcieport);
            raise_aer(port);
        }
    };
    let mut s = embedded.scenario().unwrap();
    let file = load_scenario("singleton-managed-irq").unwrap();
    s.origin = file.origin.clone();
    assert_eq!(s, file);
}
