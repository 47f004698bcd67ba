scenario! {
    /// A generated scenario.
    name = "fuzz-4999";
    vfio_backend = Iommufd;

    /// A driver.
    driver drv0 { managed_dma, irq_only, vfio }

    /// A driver.
    driver drv1 { vfio }

    /// A driver.
    driver drv2 { irq_only, vfio }

    /// A device.
    device d0 { root_port, no_acs, aer, driver = drv2 }

    /// A device.
    device d1 { parent = d0, ats }

    /// A device.
    device d2 { untrusted, hotplug }

    /// A device.
    device d3 { aer, hotplug }

    /// A device.
    device d4 { untrusted, require_direct }

    moves {
        bind(d4, drv0);
        add(d2) <= 2;
        vfio_close(g0) <= 13;
        remove(d3);
        vfio_attach(g2);
        add(d4);
        unbind(d3);
        unbind(d4);
    }
}
