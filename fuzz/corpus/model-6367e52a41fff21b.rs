policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-3421";
    extends = "park-blocked";

    /// Generated hook.
    on msi_cookie(g) {
        set_domain(g, EmptyDma)?;
        for d1 in g.devices {
        }
    }

    /// Generated hook.
    on dma_cleanup(dev, managed) {
        if cfg(IRQ_MSI_IOMMU) && managed {
            unuse_default_domain(dev);
        } else {
            use_default_domain(dev)?;
            unuse_default_domain(dev);
            unuse_default_domain(dev);
        }
        ats(dev, On)?;
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-3712";
    vfio_backend = Iommufd;

    /// A driver.
    driver drv0 { dma_api, msi }

    /// A driver.
    driver drv1 { name = "drv1-k", managed_dma, vfio }

    /// A driver.
    driver drv2 {  }

    /// A group.
    group g0 {
        /// A device.
        device d0 { ats_required }
        /// A device.
        device d1 { aer, hotplug }
        /// A device.
        device d2 { hotplug }
    }

    moves {
        raise_aer(d1);
        bind(d1, drv1);
        vfio_open(g0);
        add(d1);
        unbind(d2);
    }
}
