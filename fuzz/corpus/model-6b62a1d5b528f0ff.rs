policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-5876";
    extends = "irq-only-driver-flag";
    suggested_by = "A Developer <dev@example.org>";

    /// Generated hook.
    on msi_cookie(g) {
        fail(EOPNOTSUPP);
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-8117";
    platform = Arm64Smmuv3;

    /// A driver.
    driver drv0 { name = "drv0-k", managed_dma, irq_only, vfio }

    /// A driver.
    driver drv1 { name = "drv1-k", msi, irq_only, vfio }

    /// A driver.
    driver drv2 { managed_dma, dma_api, vfio }
    default_domain = Dma;

    /// A device.
    device d0 {  }

    moves {
        vfio_open(g0);
        remove(d0) <= 2;
        bind(d0, drv0);
        write_type(g0, Identity);
    }
}
