policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-7229";
    extends = "irq-only-driver-flag";

    /// Generated hook.
    on dma_cleanup(dev, managed) {
        set_default_type(group(dev), group(dev).default_type)?;
        unuse_default_domain(dev);
    }

    /// Generated hook.
    on dma_configure(dev, managed) {
        if cfg(IRQ_MSI_IOMMU) {
            set_domain(group(dev), Identity)?;
        } else {
            ats(dev, On)?;
        }
    }

    /// Generated hook.
    on claim(g) {
        set_default_type(g, Dma)?;
        set_default_type(g, g.default_type)?;
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-165";
    platform = X86Vtd;

    /// A driver.
    driver drv0 { msi }

    /// A driver.
    driver drv1 { dma_api, msi, irq_only, vfio }

    /// A driver.
    driver drv2 { vfio }

    /// A group.
    group g0 {
        /// A device.
        device d0 { require_direct, ats, hotplug }
    }

    moves {
        add(d0);
        vfio_open(g0) <= 2;
        bind(d0, drv1);
        remove(d0);
    }

    script {
        bind(d0, drv1);
    }
}
