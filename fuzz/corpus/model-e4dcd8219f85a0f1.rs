policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-8527";
    extends = "park-blocked";
    subject = "iommu: A generated change";
    suggested_by = "A Developer <dev@example.org>";

    /// Generated hook.
    on probe(dev) {
        free_irqs(dev);
        fail(EOPNOTSUPP);
    }

    /// Generated hook.
    on default_type(g, ty) {
        set_default_type(g, Identity)?;
        set_domain(g, Blocked)?;
    }

    /// Generated hook.
    on release(g) {
        if g.singleton {
            set_default_type(g, g.default_type)?;
        } else {
        }
        set_default_type(g, Dma)?;
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-302";
    msi_translated = true;

    /// A driver.
    driver drv0 { managed_dma, irq_only }

    /// A driver.
    driver drv1 { managed_dma, msi }

    /// A group.
    group g0 {
        /// A device.
        device d0 { require_direct, ats, ats_required }
    }

    /// A group.
    group g1 {
        default_type = Identity;
        /// A device.
        device d1 { untrusted }
        /// A device.
        device d2 { untrusted, ats, ats_required, hotplug }
    }

    moves {
        vfio_close(g0) <= 2;
        unbind(d2) <= 1;
        unbind(d1);
        bind(d2, drv0);
        bind(d0, drv1);
    }
}
