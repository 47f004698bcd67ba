policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-2333";
    extends = "notifier-switch";
    subject = "iommu: A generated change";

    /// Generated hook.
    on probe(dev) {
        inherit()?;
    }

    /// Generated hook.
    on dma_cleanup(dev, managed) {
        set_domain(group(dev), Identity)?;
        inherit()?;
    }

    /// Generated hook.
    on claim(g) {
        set_default_type(g, g.default_type)?;
        set_default_type(g, Identity)?;
    }

    /// Generated hook.
    on bus_notify(RemovedDevice, dev) {
        set_default_type(group(dev), Dma)?;
        if false {
        } else {
            use_default_domain(dev)?;
        }
        use_default_domain(dev)?;
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-605";
    platform = Arm64Smmuv3;

    /// A driver.
    driver drv0 { name = "drv0-k", msi, vfio }

    /// A driver.
    driver drv1 { dma_api }

    /// A driver.
    driver drv2 { name = "drv2-k", managed_dma, dma_api, msi, irq_only, vfio }

    /// A device.
    device d0 { ats, ats_required }

    /// A device.
    device d1 { root_port, aer, ats, ats_required, driver = drv2 }

    /// A device.
    device d2 { parent = d1, aer }

    moves {
        vfio_open(g0);
        vfio_open(g2);
        bind(d0, drv2);
    }
}
