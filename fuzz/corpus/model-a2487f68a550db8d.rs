policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-3847";
    extends = "park-empty-dma";
    subject = "iommu: A generated change";

    /// Generated hook.
    on bus_notify(BoundDriver, dev) {
        use_default_domain(dev)?;
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-5625";
    platform = X86Vtd;

    /// A driver.
    driver drv0 { dma_api }

    /// A driver.
    driver drv1 { dma_api }

    /// A device.
    device d0 { aer }

    /// A device.
    device d1 { root_port, aer, require_direct }

    /// A device.
    device d2 { parent = d1, hotplug }

    moves {
        unbind(d2);
        unbind(d1);
        vfio_open(g1) <= 2;
        vfio_close(g1) <= 2;
        bind(d2, drv1);
    }

    script {
        vfio_open(g1);
        vfio_close(g1);
    }
}
