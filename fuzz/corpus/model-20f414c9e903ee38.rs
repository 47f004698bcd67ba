policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-9237";
    extends = "irq-only-driver-flag";
    subject = "iommu: A generated change";
    suggested_by = "A Developer <dev@example.org>";

    /// Generated hook.
    on detach_user(g) {
        for d1 in g.devices {
            unuse_default_domain(d1);
            for d2 in g.devices {
                use_default_domain(d1)?;
                inherit()?;
                free_irqs(d1);
            }
            use_default_domain(d1)?;
        }
        inherit()?;
        inherit()?;
    }

    /// Generated hook.
    on claim(g) {
        set_default_type(g, Identity)?;
        for d1 in g.devices {
        }
        if g.owned {
        } else if !cfg(IRQ_MSI_IOMMU) {
            if g.default_type == g.default_type {
            } else {
            }
        }
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-4970";
    msi_translated = false;

    /// A driver.
    driver drv0 { managed_dma, vfio }

    /// A driver.
    driver drv1 { msi, vfio }

    /// A driver.
    driver drv2 { name = "drv2-k", msi }
    driver drv2 { name = "drv2-k", msi }

    /// A group.
    group g0 {
        /// A device.
        device d0 {  }
        /// A device.
        device d1 { aer, hotplug }
        /// A device.
        device d2 { hotplug }
    }

    moves {
        remove(d1) <= 13;
        write_type(g0, Identity) <= 1;
        bind(d2, drv0);
        add(d0) <= 3;
        vfio_close(g0) <= 9;
        raise_aer(d2) <= 11;
        vfio_open(g0);
        remove(d0) <= 14;
    }
}
