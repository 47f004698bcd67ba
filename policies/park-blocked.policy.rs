policy! {
    /// Park a new device's group in its blocking domain until a DMA-API driver binds
    /// (thread P2).
    ///
    /// A device is attached to its group's default domain when it is probed, before any
    /// driver has accepted it, so it can DMA, and issue translated requests where ATS is
    /// enabled, before anything has decided that it may.
    ///
    /// Attach a new group to its blocking domain instead, unless a device in it requires
    /// direct mappings. The blocking domain is a real one, not a NULL domain, so a device
    /// that no driver has accepted can do neither DMA nor ATS.
    /// iommu_device_use_default_domain() moves the group to its default domain when a
    /// driver takes the DMA API, and VFIO can take ownership of a parked group. A parked
    /// group whose last device is removed goes back to its default domain first, while
    /// the device is still its member, as __iommu_group_free_device() expects of an
    /// empty group.
    ///
    /// Drivers with driver_managed_dma, such as the PCIe port driver, never call
    /// iommu_device_use_default_domain(), so their devices stay blocked. On arm64 the GIC
    /// ITS doorbell is reached through the SMMU, and their MSIs are lost.
    name = "park-blocked";
    extends = "status-quo";
    subject = "iommu: Keep unbound devices in the blocking domain";
    suggested_by = "Jason Gunthorpe <jgg@nvidia.com>";
    link = "https://lists.infradead.org/pipermail/linux-arm-kernel/2026-January/1095536.html";

    /// A new group starts blocked unless a member requires direct mappings (I4).
    on probe(dev) {
        if group(dev).domain == None && !group(dev).require_direct {
            set_domain(group(dev), Blocked)?;
        } else {
            inherit()?;
        }
    }

    /// The first DMA-API user unparks the group, then counts itself as in 6.12.
    on dma_configure(dev, managed) {
        if !managed && group(dev).domain == Blocked && group(dev).owner_cnt == 0 {
            set_domain(group(dev), Default)?;
        }
        inherit()?;
    }

    /// A parked group may be claimed as it is: it is already blocked.
    on claim(g) {
        if g.owner_cnt > 0 {
            fail(EPERM);
        }
        if g.domain != Default && g.domain != Blocked && g.domain != None {
            fail(EBUSY);
        }
        set_domain(g, Blocked)?;
    }

    /// The last device leaves its group in the default domain, where
    /// __iommu_group_free_device() expects an empty group to be.
    on remove_last(g) {
        if g.domain == Blocked && !g.owned {
            set_domain(g, Default)?;
        }
    }
}
