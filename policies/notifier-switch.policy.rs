policy! {
    /// Switch a parked group to its default domain from the bus notifier when any driver
    /// binds (thread P6).
    ///
    /// Keep a new group in its blocking domain until a driver binds, unless a device in it
    /// requires direct mappings; a driver that uses the DMA API moves it to its default
    /// domain. Drivers that set driver_managed_dma, such as the PCIe port driver, never
    /// take the DMA API, so their devices would stay blocked.
    ///
    /// [linux-6.12] On arm64, where the GIC ITS doorbell is reached through the SMMU, their
    /// MSIs would be lost: iommu_dma_prepare_msi() finds no MSI cookie in the blocking
    /// domain and leaves the messages aimed at the physical doorbell, which the domain
    /// blocks.
    ///
    /// [linux-7.3] On arm64, where the GIC ITS doorbell is reached through the SMMU,
    /// iommu_dma_prepare_msi() would refuse their vectors with -EOPNOTSUPP, as the blocking
    /// domain has no MSI cookie: the port driver would fall back to INTx, and a port
    /// without INTx would go without its AER and PME services.
    ///
    /// Handle BUS_NOTIFY_BIND_DRIVER in iommu_bus_notifier() and move the group from the
    /// blocking domain to its (still empty) default DMA domain whether or not the driver
    /// goes on to use the DMA API. really_probe() sends it after dma_configure() and before
    /// the driver's probe, so the driver finds a working MSI doorbell when it requests
    /// vectors. Groups that a user owns are left alone, and a group is parked again when
    /// its last driver unbinds or fails to probe (DRIVER_NOT_BOUND, sent while the
    /// failing device's driver is still set), unless a device in it requires direct
    /// mappings, which the blocking domain would refuse, or a device's attach is still
    /// deferred: a group kept in its default domain for a kdump kernel's deferred attach is
    /// not parked when a driver that never mapped DMA unbinds, as that would end the
    /// deferral and block the crashed kernel's DMA still in flight. A parked group whose
    /// last device is removed goes back to its default domain first, as
    /// __iommu_group_free_device() expects of an empty group, so that unplugging a device
    /// does not WARN, and a parked group goes to its default domain before a device that
    /// requires direct mappings joins it, as the blocking domain would refuse that device. The notifier sees every bus, so a group on the fsl-mc or CDX bus,
    /// which is not parked when it is set up, is parked when its last driver unbinds and
    /// unparked when the next one binds, as any other; no driver binds to a host1x context
    /// device, so its group never is.
    ///
    /// A group whose default domain is the identity domain, as with iommu.passthrough=1 or
    /// iommu=pt, is parked too: while no driver is bound its devices can no longer DMA
    /// untranslated, and DMA that firmware left running is blocked unless an RMRR, an RMR
    /// or an iommu-addresses property describes it.
    ///
    /// This does not help a port that stays bound while VFIO takes its group, as when the
    /// port shares a group with an endpoint for lack of ACS: the port's vectors were
    /// prepared in the default DMA domain, and once the group moves to the blocking domain
    /// or to the user's domain their messages no longer reach the doorbell. Those MSIs are
    /// lost, as they are today.
    name = "notifier-switch";
    extends = "park-blocked";
    subject = "iommu: Unpark a device's group when a driver binds";
    suggested_by = "Robin Murphy <robin.murphy@arm.com>";
    link = "https://lkml.iu.edu/hypermail/linux/kernel/2602.2/05845.html";

    /// Any driver binding accepts the device.
    on bus_notify(BindDriver, dev) {
        if group(dev).domain == Blocked && !group(dev).owned {
            set_domain(group(dev), Default)?;
        }
    }

    /// The last driver leaving parks the group again, unless a member requires direct
    /// mappings or its attach is still deferred.
    on bus_notify(UnboundDriver, dev) {
        if group(dev).domain == Default
            && !group(dev).owned
            && group(dev).bound_count == 0
            && !group(dev).require_direct
            && !group(dev).attach_deferred
        {
            set_domain(group(dev), Blocked)?;
        }
    }

    /// A driver whose probe failed leaves as one that unbinds: really_probe() sends
    /// DRIVER_NOT_BOUND, not UNBOUND_DRIVER, with the device's driver still set, so the
    /// group is parked again when no other member has a driver.
    on bus_notify(DriverNotBound, dev) {
        if group(dev).domain == Default
            && !group(dev).owned
            && group(dev).bound_count == 1
            && !group(dev).require_direct
            && !group(dev).attach_deferred
        {
            set_domain(group(dev), Blocked)?;
        }
    }
}
