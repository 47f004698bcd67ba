policy! {
    /// Refuse a VFIO claim while another member of the group has live MSI and MSI goes
    /// through the IOMMU (thread P9).
    ///
    /// Jason Gunthorpe: with CONFIG_IRQ_MSI_IOMMU, switching the group's domain under a
    /// driver that keeps interrupts (pcieport staying bound while VFIO owns the group)
    /// loses them. A hard failure is better than silently lost interrupts: the claim fails
    /// with EBUSY and the user learns why. It regresses users of hardware without ACS, whose
    /// root port shares the endpoint's group.
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
}
