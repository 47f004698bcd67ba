policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-4326";
    extends = "irq-only-driver-flag";
    suggested_by = "A Developer <dev@example.org>";

    /// Generated hook.
    on probe(dev) {
        free_irqs(dev);
        request_irqs(dev)?;
        if group(dev).owned {
            fail(EPERM);
        } else {
            for d1 in group(dev).devices {
            }
            fail(ENODEV);
        }
    }

    /// Generated hook.
    on release() {
        inherit()?;
        if cfg(IRQ_MSI_IOMMU) {
            set_domain(g, None)?;
        } else {
            set_domain(g, Identity)?;
        }
        set_default_type(g, g.default_type)?;
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-6022";
    msi_translated = false;
    vfio_backend = Type1;

    /// A driver.
    driver drv0 { managed_dma, irq_only }

    /// A driver.
    driver drv1 { dma_api }

    /// A group.
    group g0 {
        default_type = Identity;
        /// A device.
        device d0 { aer, require_direct, ats_required }
        /// A device.
        device d1 { hotplug }
        /// A device.
        device d2 { bridge, ats_required, hotplug }
    }

    moves {
        raise_aer(d2);
        bind(d1, drv0);
        raise_aer(d1);
        raise_aer(d0);
        vfio_close(g0);
    }
}
