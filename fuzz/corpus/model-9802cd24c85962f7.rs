policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-3234";
    extends = "park-blocked";
    subject = "iommu: A generated change";

    /// Generated hook.
    on bus_notify(DriverNotBound, dev) {
        free_irqs(dev);
        set_default_type(group(dev), group(dev).default_type)?;
        for d1 in group(dev).devices {
            if !(cfg(IRQ_MSI_IOMMU) && cfg(IRQ_MSI_IOMMU)) {
                set_default_type(group(dev), group(d1).default_type)?;
                unuse_default_domain(d1);
            }
            free_irqs(d1)?;
            for d2 in group(dev).devices {
                inherit()?;
                set_default_type(group(dev), Dma)?;
                set_domain(group(d2), User)?;
            }
        }
    }

    /// Generated hook.
    on detach_user(g) {
        set_default_type(g, g.default_type)?;
        set_default_type(g, Identity)?;
    }

    /// Generated hook.
    on release(g) {
        for d1 in g.devices {
            if cfg(IRQ_MSI_IOMMU) {
                free_irqs(d1);
                request_irqs(d1)?;
            }
            for d2 in group(d1).devices {
            }
        }
        inherit()?;
    }

    /// Generated hook.
    on dma_cleanup(dev, managed) {
        for d1 in group(dev).devices {
            use_default_domain(dev)?;
            if cfg(IRQ_MSI_IOMMU) {
                use_default_domain(dev)?;
                use_default_domain(d1)?;
            }
            if group(d1).default_type != Dma {
                set_default_type(group(dev), dev2.default_type)?;
            }
        }
        free_irqs(dev);
        if !managed || true {
            if managed {
                use_default_domain(dev)?;
                inherit()?;
            } else {
                free_irqs(dev);
                request_irqs(dev)?;
            }
        }
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-9297";
    msi_translated = false;

    /// A driver.
    driver drv0 { dma_api, irq_only }

    /// A driver.
    driver drv1 {  }

    /// A driver.
    driver drv2 { name = "drv2-k", vfio }

    /// A group.
    group g0 {
        default_type = Dma;
        /// A device.
        device d0 { bridge, aer }
    }

    /// A group.
    group g1 {
        /// A device.
        device d1 { aer, ats }
        /// A device.
        device d2 { bridge, aer, require_direct }
    }

    moves {
        add(d1);
        vfio_open(g0) <= 2;
        unbind(d2);
        vfio_open(g1);
        vfio_close(g1);
    }
}
