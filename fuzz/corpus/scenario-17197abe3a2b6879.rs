scenario! {
    /// A generated scenario.
    name = "fuzz-6316";
    platform = Arm64Smmuv3;

    /// A driver.
    driver drv0 { vfio }

    /// A device.
    device d0 { root_port, no_acs, driver = drv0 }

    /// A device.
    device d1 { root_port, require_direct }

    /// A device.
    device d2 { parent = d0, ats }

    /// A device.
    device d3 { parent = d1, upstream_port, ats_required }

    /// A device.
    device d4 { aer, require_direct, ats }
    device d4 { aer, require_direct, ats }

    moves {
        write_type(g0, Identity) <= 8;
        remove(d4);
        bind(d3, drv0) <= 1;
        write_type(g3, Dma);
        raise_aer(d4) <= 10;
        vfio_open(g3);
        vfio_close(g0);
        remove(d2) <= 3;
    }
}
