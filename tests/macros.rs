//! `policy!` and `scenario!` in Rust code mean the same as the files.

use switchyard::dsl::{load_policy, load_scenario};

#[test]
fn policy_macro_gives_the_same_ir_as_the_builtin_file() {
    let embedded = switchyard::policy! {
        /// Refuse a VFIO claim while another member of the group has live MSI and MSI goes
        /// through the IOMMU (thread P9).
        name = "vfio-hard-fail";
        extends = "status-quo";
        subject = "iommu: Refuse DMA ownership while a group member has live MSIs";
        suggested_by = "Jason Gunthorpe <jgg@nvidia.com>";

        /// Any member with live vectors blocks the claim when the doorbell is translated.
        on claim(g) {
            if cfg(IRQ_MSI_IOMMU) {
                for d in g.devices {
                    if d.msi_live {
                        fail(EBUSY);
                    }
                }
            }
            inherit()?;
        }

        /// No driver that manages its own DMA may join a group a user owns.
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

        group g0 {
            /// The root port, with ACS keeping everything else out of its group.
            device port { pci = "0000:00:02.0", bridge, aer, driver = pcieport }
        }

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
