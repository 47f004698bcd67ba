policy! {
    /// Generalise iommu_device_use_default_domain() into a prepare step that every
    /// dma_configure calls, with the driver's managed flag (thread P7).
    ///
    /// Keep a new group in its blocking domain until a driver binds, unless a device in it
    /// requires direct mappings. Only drivers without driver_managed_dma take the DMA API,
    /// so the group of a device whose driver manages DMA itself, such as the PCIe port
    /// driver, would stay blocked, and so would its MSIs where the doorbell is reached
    /// through the IOMMU. A parked group whose last device is removed goes back to its
    /// default domain first, as __iommu_group_free_device() expects of an empty group.
    ///
    /// Prepare the group in the step that every bus's dma_configure() takes for every
    /// driver, with the driver's driver_managed_dma: for any driver it moves a parked group
    /// from the blocking domain to its default domain, and only drivers that do not manage
    /// DMA themselves also count as DMA API users. Ownership is counted as before, and VFIO
    /// can still take ownership of a group past the port driver.
    name = "prepare-default-domain";
    extends = "park-blocked";
    subject = "iommu: Prepare the default domain for every driver bind";
    suggested_by = "Robin Murphy <robin.murphy@arm.com>";
    link = "https://lkml.iu.edu/hypermail/linux/kernel/2602.2/05845.html";

    /// Unpark for every driver; count only the DMA-API users.
    on dma_configure(dev, managed) {
        if group(dev).domain == Blocked && group(dev).owner_cnt == 0 {
            set_domain(group(dev), Default)?;
        }
        if !managed {
            use_default_domain(dev)?;
        }
    }
}
