policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-6323";
    extends = "msi-reroute";
    subject = "iommu: A generated change";

    /// Generated hook.
    on claim(g) {
        set_default_type(g, Dma)?;
        set_domain(g, EmptyDma)?;
    }

    /// Generated hook.
    on bus_notify(UnbindDriver, dev) {
        use_default_domain(dev)?;
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-2695";
    platform = Arm64Smmuv3;

    /// A driver.
    driver drv0 { dma_api, msi }

    /// A driver.
    driver drv1 { name = "drv1-k", managed_dma, msi, vfio }

    /// A device.
    device d0 { root_port, aer, driver = drv0 }

    /// A device.
    device d1 { parent = d0, untrusted, require_direct }

    /// A device.
    device d2 { driver = drv1 }

    moves {
        write_type(g1, Identity);
        write_type(g1, Dma) <= 2;
        vfio_open(g2);
        vfio_close(g0);
        write_type(g2, Identity);
    }
}
