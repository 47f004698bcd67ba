policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-9944";
    extends = "park-blocked";
    subject = "iommu: A generated change";

    /// Generated hook.
    on dma_configure(dev, managed) {
        for dev in group(dev).devices {
        }
        set_default_type(group(dev), group(dev).default_type)?;
        inherit()?;
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-2060";
    msi_translated = true;
    vfio_backend = Iommufd;

    /// A driver.
    driver drv0 {  }

    /// A driver.
    driver drv1 { name = "drv1-k", managed_dma, dma_api }

    /// A group.
    group g0 {
        /// A device.
        device d0 { aer, require_direct, ats_required, hotplug }
    }

    moves {
        raise_aer(d0) <= 2;
        write_type(g0, Dma);
        add(d0) <= 2;
        unbind(d0);
        vfio_close(g0);
    }
}
