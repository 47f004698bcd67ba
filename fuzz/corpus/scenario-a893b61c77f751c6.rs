scenario! {
    /// A generated scenario.
    name = "fuzz-6301";
    vfio_backend = Type1;

    /// A driver.
    driver drv0 { name = "drv0-k", managed_dma }

    /// A driver.
    driver drv1 {  }

    /// A device.
    device d0 { root_port, no_acs, root_port, aer, ats_required }

    /// A device.
    device d1 { root_port, no_acs, aer, untrusted, require_direct, ats }

    /// A device.
    device d2 { parent = d0, upstream_port, parent = d1, driver = drv0 }

    /// A device.
    device d3 { parent = d2, downstream_port }

    moves {
        vfio_close(g0);
        unbind(d0);
        bind(d2, drv1);
        unbind(d2) <= 3;
        remove(d0);
        unbind(d1) <= 14;
        vfio_close(g3) <= 1;
        bind(d3, drv1);
    }

    script {
        unbind(d2);
    }
}
