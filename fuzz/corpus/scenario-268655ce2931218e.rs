scenario! {
    /// A generated scenario.
    name = "fuzz-6814";
    platform = Arm64Smmuv3;

    /// A driver.
    driver drv0 { dma_api, msi }

    /// A driver.
    driver drv1 { vfio }

    /// A driver.
    driver drv2 { managed_dma, msi }

    device d0 { root_port, aer }
    /// A device.

    /// A device.
    device d1 {  }

    /// A device.
    device d2 { parent = d0, upstream_port, ats }

    /// A device.
    device d3 { parent = d2, downstream_port, no_acs, ats, hotplug }

    /// A device.
    device d4 { parent = d2, downstream_port, no_acs, untrusted }

    moves {
        remove(d3);
        vfio_close(g0);
        bind(d1, drv0) <= 1;
        write_type(g1) <= 15;
        add(d3);
        bind(d4, drv1);
        remove(d2);
        vfio_open(g0);
    }
}
