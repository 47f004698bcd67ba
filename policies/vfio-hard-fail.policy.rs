policy! {
    /// Refuse DMA ownership of a group while another member has MSI vectors whose doorbell
    /// is mapped through the group's domain (thread P9).
    ///
    /// Switching a group's domain under a driver that keeps its interrupts, such as the
    /// PCIe port driver staying bound while VFIO owns the group, loses them. Failing is
    /// better than losing interrupts silently: refuse DMA ownership with -EBUSY while
    /// another device in the group has MSI vectors whose doorbell is mapped through the
    /// group's domain. This regresses users of hardware without ACS, whose root port shares
    /// the endpoint's group.
    ///
    /// The check looks at what the vectors carry, not at how the kernel is built:
    /// CONFIG_IRQ_MSI_IOMMU is selected by IOMMU_DMA on x86 as on arm64, but only the GICv3
    /// ITS, GICv2m, GICv3 MBI and ls-scfg-msi irqchips map a doorbell through the IOMMU
    /// (iommu_dma_prepare_msi()). On x86 interrupts are remapped apart from DMA, so the
    /// port's vectors survive the domain switch and taking ownership succeeds as before.
    ///
    /// Refusing ownership alone is not enough: a driver_managed_dma driver such as the port
    /// driver that binds after VFIO took the group allocates its vectors in the user's
    /// domain and loses them when the group goes back to its default domain (bind vfio-pci,
    /// open the group, bind pcieport, close the group, raise an AER error). That driver has
    /// no vectors yet when it binds, and whether its irqchip will map the doorbell is known
    /// only once it allocates them, so the bind cannot be judged by its vectors. While a
    /// user owns the group, such a bind fails with -EBUSY wherever the kernel can map MSI
    /// doorbells through the IOMMU (CONFIG_IRQ_MSI_IOMMU); on x86 this costs binding the
    /// port again once the user has released the group.
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
}
