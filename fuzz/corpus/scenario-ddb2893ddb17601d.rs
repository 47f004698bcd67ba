scenario! {
    /// A generated scenario.
    name = "fuzz-4970";
    msi_translated = false;

    /// A driver.
    driver drv0 { managed_dma, vfio }

    /// A driver.
    driver drv1 { msi, vfio }

    /// A driver.
    driver drv2 { name = "drv2-k", msi }

    /// A group.
    group g0 {
        /// A device.
        device d0 {  }
        /// A device.
        device d1 { aer, hotplug }
        /// A device.
        device d2 { hotplug }
    }

    moves {
        remove(d1) <= 13;
        write_type(g0, Identity) <= 1;
        bind(d2, drv0);
        add(d0) <= 3;
        vfio_close(g0) <= 9;
        raise_aer(d2) <= 11;
        vfio_open(g0);
        remove(d0) <= 14;
    }
}
