policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-2334";
    extends = "identity-at-bind";
    suggested_by = "A Developer <dev@example.org>";

    /// Generated hook.
    on release(g) {
        for d1 in g.devices {
            inherit()?;
            for d2 in group(d1).devices {
                set_default_type(g, Dma)?;
            }
            if cfg(IRQ_MSI_IOMMU) {
                free_irqs(d1);
                free_irqs(d1);
                use_default_domain(d1)?;
            } else {
                ats(d1, On)?;
                set_default_type(g, Dma)?;
            }
        }
    }

    /// Generated hook.
    on claim(g) {
        set_default_type(g, Identity)?;
        if g.domain == Dma {
        }
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-4657";

    /// A driver.
    driver drv0 { managed_dma, irq_only, vfio }

    /// A group.
    group g0 {
        default_type = Dma;
        /// A device.
        device d0 { untrusted, ats_required }
    }

    /// A group.
    group g1 {
        /// A device.
        device d1 { bridge, ats, driver = drv0 }
        /// A device.
        device d2 { require_direct }
    }

    moves {
        remove(d0) <= 2;
        vfio_open(g1);
        write_type(g1, Dma);
        remove(d1);
        bind(d2, drv0);
    }
}
