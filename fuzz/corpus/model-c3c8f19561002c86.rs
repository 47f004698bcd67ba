policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-6267";
    extends = "identity-at-bind";
    subject = "iommu: A generated change";

    /// Generated hook.
    on bus_notify(DriverNotBound, dev) {
        set_domain(group(dev), EmptyDma)?;
        unuse_default_domain(dev);
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-4364";

    /// A driver.
    driver drv0 { dma_api, msi }

    /// A driver.
    driver drv1 { msi }

    /// A driver.
    driver drv2 { irq_only, vfio }

    /// A device.
    device d0 { root_port, downstream_port }

    /// A device.
    device d1 { parent = d0, upstream_port, untrusted }

    moves {
        bind(d1, drv1) <= 2;
        write_type(g0, Dma);
        unbind(d0) <= 2;
        unbind(d1) <= 2;
    }
}
