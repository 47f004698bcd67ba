policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-6954";
    extends = "identity-at-bind";
    suggested_by = "A Developer <dev@example.org>";

    /// Generated hook.
    on attach_user(g) {
        for d1 in g.devices {
        }
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-9052";
    platform = Arm64Smmuv3;
    vfio_backend = Iommufd;

    /// A driver.
    driver drv0 { name = "drv0-k", dma_api, irq_only, vfio }

    /// A driver.
    driver drv1 { name = "drv1-k", managed_dma, dma_api }

    /// A driver.
    driver drv2 { managed_dma, vfio }

    /// A device.
    device d0 { aer, ats, ats_required }

    /// A device.
    device d1 { root_port, no_acs, ats }

    moves {
        bind(d0, drv2) <= 2;
        remove(d1);
        write_type(g0, Identity);
        vfio_close(g0) <= 2;
        vfio_open(g0) <= 2;
    }
}
