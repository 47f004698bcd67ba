policy! {
    /// Switch a parked group to its default domain from the bus notifier when any driver
    /// binds (thread P6).
    ///
    /// Robin Murphy: handle BUS_NOTIFY_BIND_DRIVER in iommu_bus_notifier() and move the
    /// group from the blocking domain to its (still empty) default DMA domain whether or not
    /// the driver goes on to use the DMA API, so a driver_managed_dma driver such as pcieport
    /// gets a working MSI doorbell before its probe requests vectors. In 6.12 the notifier
    /// runs after dma_configure and before the driver's probe. Owned groups are left alone,
    /// and the group is parked again when its last driver unbinds.
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

    /// The last driver leaving parks the group again.
    on bus_notify(UnboundDriver, dev) {
        if group(dev).domain == Default && !group(dev).owned && group(dev).bound_count == 0 {
            set_domain(group(dev), Blocked)?;
        }
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-2397";
    platform = Arm64Smmuv3;

    /// A driver.
    driver drv0 { dma_api, msi }

    /// A driver.
    driver drv1 { name = "drv1-k", dma_api }

    /// A driver.
    driver drv2 { irq_only }

    /// A device.
    device d0 { aer, untrusted }

    moves {
        vfio_open(g0);
        vfio_close(g0);
        unbind(d0);
        bind(d0, drv2);
    }

    script {
        bind(d0, drv2);
    }
}
