policy! {
    /// Park a new device's group in an empty DMA domain that keeps ATS off, until a driver
    /// binds (thread P4).
    ///
    /// A device is attached to its group's default domain when it is probed, before any
    /// driver has accepted it. The blocking domain would stop its DMA and ATS, but would
    /// also keep drivers that never take the DMA API from using MSI where the doorbell is
    /// reached through the IOMMU.
    ///
    /// Park a new group in an empty DMA API domain instead, unless a device in it requires
    /// direct mappings: the DMA API and the MSI cookie work in it, and it keeps ATS
    /// disabled while no driver has accepted the device. Binding any driver moves the group
    /// to its default domain. Only a group that no driver has bound to since it was probed
    /// is parked: nothing parks it again when its drivers unbind. A parked group whose last
    /// device is removed goes back to its default domain first, while the device is still
    /// its member, as __iommu_group_free_device() expects of an empty group, and
    /// iommu_deinit_device() then frees the parking domain with the group's other domains.
    ///
    /// A group whose default domain is the identity domain, as with iommu.passthrough=1 or
    /// iommu=pt, is parked too: until its first driver binds its devices can no longer DMA
    /// untranslated, and DMA that firmware left running faults unless an RMRR, an RMR or an
    /// iommu-addresses property describes it.
    ///
    /// A device that joins a parked group later, hot-added or, on arm64, probed at its
    /// first bind, would be attached to the parking domain, but
    /// iommu_create_device_direct_mappings() maps its direct mappings only in the group's
    /// default domain: DMA that firmware keeps running would fault until a driver binds.
    /// Move the group to its default domain before such a device joins it.
    ///
    /// Only arm-smmu-v3 honours the flag so far. VT-d enables ATS in every paging domain it
    /// attaches, and AMD whenever it attaches a PCI device to a domain other than its
    /// blocked domain, so there a parked device can still issue translated requests.
    ///
    /// Until a driver requests vectors the domain is no better than the blocking domain for
    /// MSI, and it does not stop translated DMA to what a driver maps. Nor does it help a
    /// PCIe port that stays bound while VFIO takes its group, as when the port shares a
    /// group with an endpoint for lack of ACS: the port's vectors were prepared in the
    /// default DMA domain, and once the group moves to the blocking domain or to the user's
    /// domain their messages no longer reach the doorbell. Those MSIs are lost, as they are
    /// today.
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

    /// A device that requires direct mappings unparks the group it joins.
    on join(dev) {
        if dev.require_direct && group(dev).domain == EmptyDma {
            set_domain(group(dev), Default)?;
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
