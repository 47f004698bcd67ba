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
    /// that no driver has accepted can do neither DMA nor ATS. The PCI, platform and AMBA
    /// buses' dma_configure() call iommu_prepare_default_domain() for every driver, and it
    /// moves a parked group to its default domain when the driver takes the DMA API; VFIO
    /// can take ownership of a parked group. Only a group that no DMA API driver has used
    /// since it was probed is parked: nothing parks it again when its drivers unbind. A
    /// parked group whose last device is removed goes back to its default domain first,
    /// while the device is still its member, as __iommu_group_free_device() expects of an
    /// empty group.
    ///
    /// A group whose default domain is the identity domain, as with iommu.passthrough=1 or
    /// iommu=pt, is parked too: until a driver takes the DMA API its devices can no longer
    /// DMA untranslated, and DMA that firmware left running is blocked unless an RMRR, an
    /// RMR or an iommu-addresses property describes it.
    ///
    /// Drivers with driver_managed_dma, such as the PCIe port driver, never take the DMA
    /// API, so their devices stay blocked.
    ///
    /// A device that joins a parked group later, hot-added or, on arm64, probed at its
    /// first bind, would be attached to the blocking domain, which
    /// __iommu_device_set_domain() refuses to a device that requires direct mappings: its
    /// probe would fail and leave it outside any group. Move the group to its default
    /// domain, where iommu_create_device_direct_mappings() has just mapped them, before
    /// such a device joins it.
    ///
    /// [linux-6.12] On arm64 the GIC ITS doorbell is reached through the SMMU, so their
    /// MSIs are lost: iommu_dma_prepare_msi() finds no MSI cookie in the blocking domain
    /// and leaves the messages aimed at the physical doorbell, which the domain blocks.
    ///
    /// [linux-7.3] On arm64 the GIC ITS doorbell is reached through the SMMU, and
    /// iommu_dma_prepare_msi() refuses their vectors with -EOPNOTSUPP, as the blocking
    /// domain has no MSI cookie: the port driver falls back to INTx, and a port without
    /// INTx goes without its AER and PME services.
    name = "park-blocked";
    extends = "status-quo";
    subject = "iommu: Keep new devices blocked until a DMA API driver binds";
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

    /// A device that requires direct mappings unparks the group it joins.
    on join(dev) {
        if dev.require_direct && group(dev).domain == Blocked && !group(dev).owned {
            set_domain(group(dev), Default)?;
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
