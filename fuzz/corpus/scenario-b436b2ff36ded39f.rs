scenario! {
    //nerated scenario.
    name = "fuzz-6651";
    platform = Arm64Smmuv3;

    /// A driver.
    driver drv0 { managed_dma }

    /// A driver.
    driver drv1 { managed_dma, msi, vfio }

    /// A group.
    group g0 {
        default_type = Dma;
        /// A device.
        device d0 { untrusted, require_direct, hotplug, driver = drv0 }
    }

    moves {
        bind(d0, drv0) <= 3;
        write_type(g0, Identity);
        add(d0) <= 1;
        vfio_close(g0) <= 8;
        vfiopen(g0);
        write_type(g0, Dma) <= 16;
    }
}
