scenario! {
    /// A generated scenario.
    name = "fuzz-3837";

    /// A driver.
    driver drv0 { name = "drv0-k", irq_only, vfio }

    /// A group.
    group g0 {
        /// A device.
        device d0 { aer, hotplug }
    }

    moves {
        unbind(d0) <= 14;
        add(d0) <= 12;
        vfio_claim(g0) <= 1;
        remove(d0) <= 3;
        vfio_open(g0) <= 2;
        raise_aer(d0);
        bind(d0, drv0) <= 3;
        vfio_close(g0);
    }
}
