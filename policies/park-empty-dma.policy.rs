policy! {
    /// Park a new device's group in an empty DMA domain that keeps ATS off, until a driver
    /// binds (thread P4).
    ///
    /// A device is attached to its group's default domain when it is probed, before any
    /// driver has accepted it. The blocking domain would stop its DMA and ATS, but also the
    /// MSIs of drivers that never take the DMA API, where the doorbell is reached through
    /// the IOMMU.
    ///
    /// Park a new group in an empty DMA API domain instead, unless a device in it requires
    /// direct mappings: the DMA API and the MSI cookie work in it, and it keeps ATS
    /// disabled while no driver has accepted the device. Binding any driver moves the group
    /// to its default domain. A parked group whose last device is removed goes back to
    /// its default domain first, while the device is still its member, as
    /// __iommu_group_free_device() expects of an empty group, and iommu_deinit_device()
    /// then frees the parking domain with the group's other domains.
    ///
    /// Only arm-smmu-v3 honours the flag so far. VT-d enables ATS in every paging domain it
    /// attaches, and AMD in those that use its v2 page table, so there a parked device can
    /// still issue translated requests.
    ///
    /// Until a driver requests vectors the domain is no better than the blocking domain for
    /// MSI, and it does not stop translated DMA to what a driver maps.
    name = "park-empty-dma";
    extends = "status-quo";
    subject = "iommu: Park unbound devices in an empty DMA domain with ATS disabled";
    suggested_by = "Jason Gunthorpe <jgg@nvidia.com>";
    link = "https://lkml.iu.edu/hypermail/linux/kernel/2602.2/05845.html";

    /// A new group starts in the parking domain unless a member requires direct mappings.
    on probe(dev) {
        if group(dev).domain == None && !group(dev).require_direct {
            set_domain(group(dev), EmptyDma)?;
        } else {
            inherit()?;
        }
    }

    /// Binding any driver accepts the device: the group leaves the parking domain.
    on dma_configure(dev, managed) {
        if group(dev).domain == EmptyDma {
            set_domain(group(dev), Default)?;
        }
        inherit()?;
    }

    /// The last device leaves its group in the default domain, where
    /// __iommu_group_free_device() expects an empty group to be; iommu_deinit_device()
    /// then frees the parking domain with the group's other domains.
    on remove_last(g) {
        if g.domain == EmptyDma {
            set_domain(g, Default)?;
        }
    }
}
