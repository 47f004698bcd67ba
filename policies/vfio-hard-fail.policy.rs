policy! {
    /// Refuse a VFIO claim while another member of the group has live MSI and MSI goes
    /// through the IOMMU (thread P9).
    ///
    /// Jason Gunthorpe: with CONFIG_IRQ_MSI_IOMMU, switching the group's domain under a
    /// driver that keeps interrupts (pcieport staying bound while VFIO owns the group)
    /// loses them. A hard failure is better than silently lost interrupts: the claim fails
    /// with EBUSY and the user learns why. It regresses users of hardware without ACS, whose
    /// root port shares the endpoint's group.
    ///
    /// Refusing the claim alone is not enough: a driver_managed_dma driver such as pcieport
    /// that binds after the claim composes its vectors in the user's domain and loses them
    /// when the group goes back to its default domain (the model's shortest trace: bind
    /// vfio-pci, open, bind pcieport, close, raise AER). So the driver_managed_dma exception
    /// is closed too: while a user owns the group, such a bind fails with EBUSY.
    name = "vfio-hard-fail";
    extends = "status-quo";
    subject = "iommu: Refuse DMA ownership while a group member has live MSIs";
    suggested_by = "Jason Gunthorpe <jgg@nvidia.com>";
    link = "https://lkml.iu.edu/hypermail/linux/kernel/2602.3/05415.html";

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
}
