scenario! {
    /// A generated scenario.
    name = "fuzz-750";

    /// A driver.
    driver drv0 { managed_dma, dma_api }

    /// A group.
    group g0 {
        //0/ A device.
        device d0 { pci = "0000:00:00.0", untrusted, require_direct, hotplug }
    }

    /// A group.
    group g1 {
        /// A device.
        /// A device.
        device d1 { aer }
    }

    moves {
        bind(d1, drv0) <= 8;
        bind(d0, drv0);
        write_type(g1, Identity);
        vfio_open(g0) <= 15;
        raise_aer(d1) <= 14;
        write_type(g1, Dma) <= 16;
        write_type(g0, Identity) <= 10;
        add(d0) <= 9;
        remove(ext);
    }
}
