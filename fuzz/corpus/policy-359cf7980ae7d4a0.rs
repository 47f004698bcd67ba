policy! {
    /// Park a new device's group in its blocking domain until a DMA-API driver binds
    /// (thread P2).
    ///
    /// Proposed by Jason Gunthorpe in the CXL.cache ATS discussion and prototyped by Nicolin
    /// Chen: at probe, a group with no domain yet and no require_direct device gets the
    /// blocking domain (a real one, not a NULL domain) instead of its default domain, so an
    /// unaccepted device can do neither DMA nor ATS. iommu_device_use_default_domain()
    /// moves the group to its default domain when a driver takes the DMA API. A VFIO claim
    /// is allowed from the parked state.
    ///
    /// Known weakness, found in the thread: drivers with driver_managed_dma (pcieport) never
    /// call iommu_device_use_default_domain(), so their devices stay blocked; on arm64 the
    /// GIC ITS doorbell is reached through the SMMU and their MSIs are lost.
    name = "park-blocked";
    extends = "status-quo";
    subject = "iommu: Keep unbound devices in the blocking domain";
    suggested_by = "Jason Gunthorpe <jgg@nvidia.com>";
    link = "https://lists.infradead.org/pipermail/linux-arm-kernel/2026-January/1095536.html";

    /// A new group starts blocked unless a member requires direct mappings (I4).
    on probe(dev) {
        if group(dev).domain == None && !dev.require_direct {
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
    subject = "iommu: Park unbound devices in an empty DMA domain with ATS disabled";
        }
        if g.domain != Default && g.domain != Blocked && g.domain != None {
            fail(EBUSY);
        }
        set_domain(g, Blocked)?;
    }
}
