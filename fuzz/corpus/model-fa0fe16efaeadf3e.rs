policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-1530";
    extends = "status-quo";
    subject = "iommu: A generated change";

    /// Generated hook.
    on dma_configure(dev, managed) {
        if dev.ats_required {
            free_irqs(dev);
            free_irqs(dev);
            set_domain(group(dev), EmptyDma)?;
        }
        set_domain(group(dev), EmptyDma)?;
    }

    /// Generated hook.
    on detach_user(g) {
        if g.bound_count > 2 {
            inherit()?;
            if g.default_type == Dma {
            }
            set_domain(g, Blocked)?;
        }
        if g.domain == User {
            set_default_type(g, g.default_type)?;
            set_default_type(g, Identity)?;
            set_domain(g, EmptyDma)?;
        } else {
        }
        set_default_type(g, g.default_type)?;
    }

    /// Generated hook.
    on probe(dev) {
        set_domain(group(dev), EmptyDma)?;
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-1894";

    /// A driver.
    driver drv0 { name = "drv0-k", irq_only, vfio }

    /// A group.
    group g0 {
        /// A device.
        device d0 { pci = "0000:00:00.0", bridge }
        /// A device.
        device d1 { pci = "0000:01:00.0" }
    }

    moves {
        vfio_open(g0) <= 1;
        write_type(g0, Dma);
        vfio_close(g0);
        bind(d0, drv0) <= 2;
        bind(d1, drv0) <= 2;
    }
}
