policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-1767";
    extends = "irq-only-driver-flag";
    subject = "iommu: A generated change";

    /// Generated hook.
    on dma_cleanup(dev, managed) {
        unuse_default_domain(dev);
        ats(dev, Off)?;
    }

    /// Generated hook.
    on dma_configure(dev, managed) {
        unuse_default_domain(dev);
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-6700";

    /// A driver.
    driver drv0 { name = "drv0-k", dma_api, vfio }

    /// A driver.
    driver drv1 { managed_dma, msi }

    /// A device.
    device d0 { root_port, no_acs, require_direct, ats }

    /// A device.
    device d1 { parent = d0, upstream_port, untrusted }

    /// A device.
    device d2 { parent = d1, downstream_port, no_acs, require_direct }

    moves {
        write_type(g2, Identity);
        vfio_open(g1) <= 2;
        write_type(g1, Identity);
        vfio_open(g0);
        vfio_close(g0);
    }
}
