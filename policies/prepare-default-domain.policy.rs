policy! {
    /// Generalise iommu_device_use_default_domain() into a prepare step that every
    /// dma_configure calls, with the driver's managed flag (thread P7).
    ///
    /// Keep a new group in its blocking domain until a driver binds, unless a device in it
    /// requires direct mappings. Only drivers without driver_managed_dma take the DMA API,
    /// so the group of a device whose driver manages DMA itself, such as the PCIe port
    /// driver, would stay blocked. A parked group whose last device is removed goes back to
    /// its default domain first, as __iommu_group_free_device() expects of an empty group,
    /// and a device that requires direct mappings moves the parked group it joins to its
    /// default domain, as the blocking domain would refuse it.
    ///
    /// [linux-6.12] Where the doorbell is reached through the IOMMU, as the GIC ITS is
    /// through the SMMU on arm64, that driver's MSIs would be lost: iommu_dma_prepare_msi()
    /// finds no MSI cookie in the blocking domain and leaves the messages aimed at the
    /// physical doorbell, which the domain blocks.
    ///
    /// [linux-7.3] Where the doorbell is reached through the IOMMU, as the GIC ITS is
    /// through the SMMU on arm64, iommu_dma_prepare_msi() would refuse that driver's
    /// vectors with -EOPNOTSUPP, as the blocking domain has no MSI cookie: the port driver
    /// would fall back to INTx, and a port without INTx would go without its AER and PME
    /// services.
    ///
    /// Prepare the group in the step that the PCI, platform and AMBA buses' dma_configure()
    /// take for every driver, with the driver's driver_managed_dma: for any driver it moves
    /// a parked group from the blocking domain to its default domain, and only drivers that
    /// do not manage DMA themselves also count as DMA API users. Ownership is counted as
    /// before, and VFIO can still take ownership of a group past the port driver.
    ///
    /// Only a group that no driver has bound to since it was probed is parked: nothing
    /// parks it again when its drivers unbind. A group whose default domain is the identity
    /// domain, as with iommu.passthrough=1 or iommu=pt, is parked too: until its first
    /// driver binds its devices can no longer DMA untranslated, and DMA that firmware left
    /// running is blocked unless an RMRR, an RMR or an iommu-addresses property describes
    /// it.
    ///
    /// This does not help a port that stays bound while VFIO takes its group, as when the
    /// port shares a group with an endpoint for lack of ACS: the port's vectors were
    /// prepared in the default DMA domain, and once the group moves to the blocking domain
    /// or to the user's domain their messages no longer reach the doorbell. Those MSIs are
    /// lost, as they are today.
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
