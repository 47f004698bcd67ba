policy! {
    /// Switch a parked group to its default domain from the bus notifier when any driver
    /// binds (thread P6).
    ///
    /// Keep a new group in its blocking domain until a driver binds, unless a device in it
    /// requires direct mappings; a driver that uses the DMA API moves it to its default
    /// domain. Drivers that set driver_managed_dma, such as the PCIe port driver, never
    /// take the DMA API, so their devices would stay blocked, and on arm64, where the GIC
    /// ITS doorbell is reached through the SMMU, their MSIs would be lost.
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
    /// does not WARN.
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
