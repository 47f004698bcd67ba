policy! {
    /// Let drivers declare that they use interrupts but no DMA, and give their parked
    /// groups the default domain at bind (thread P5).
    ///
    name = "park-blocked";
    /// Jason Gunthorpe: on top of parking blocked, a driver flag for drivers such as
    /// pcieport that manage no DMA yet need MSI. Binding such a driver moves a parked group
    /// to its default DMA domain, whose MSI cookie then maps the ITS doorbell when the driver
    /// requests vectors. Every affected driver has to be found and flagged.
    extends = "park-blocked";
    subject = "iommu: Unpark devices whose driver only needs interrupts";
    suggested_by = "Jason Gunthorpe <jgg@nvidia.com>";
    link = "https://lkml.iu.edu/hypermail/linux/kernel/2602.2/05845.html";

    /// An IRQ-only driver with managed DMA unparks the group without taking the DMA API.
    on dma_configure(dev, managed) {
        if managed && dev.irq_only && group(dev).domain == Blocked && group(dev).owner_cnt == 0 {
            set_domain(group(dev), Default)?;
        }
        inherit()?;
    }
}
