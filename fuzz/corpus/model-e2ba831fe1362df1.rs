policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-3936";
    extends = "park-blocked";
    subject = "iommu: A generated change";
    suggested_by = "A Developer <dev@example.org>";

    /// Generated hook.
    on release(g) {
        for d1 in g.devices {
            inherit()?;
            ats(d1, On)?;
            set_default_type(g, g.default_type)?;
        }
        for d2 in g.devices {
            use_default_domain(d2)?;
            request_irqs(d2)?;
        }
        if true {
        }
    }

    /// Generated hook.
    on detach_user(g) {
        set_domain(g, Blocked)?;
        for d1 in g.devices {
            if (cfg(IRQ_MSI_IOMMU) && g.owner_cnt > 1) {
                inherit()?;
            } else {
                request_irqs(d1)?;
            }
            for d2 in group(d1).devices {
                inherit()?;
                set_default_type(group(d1), Identity)?;
            }
            for d3 in g.devices {
            }
        }
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-9989";
    msi_translated = false;

    /// A driver.
    driver drv0 { managed_dma, dma_api, irq_only }

    /// A driver.
    driver drv1 { name = "drv1-k" }

    /// A group.
    group g0 {
        /// A device.
        device d0 { require_direct, ats, hotplug }
    }

    /// A group.
    group g1 {
        default_type = Dma;
        /// A device.
        device d1 { untrusted, ats_required }
        /// A device.
        device d2 {  }
    }

    moves {
        vfio_close(g1) <= 2;
        vfio_open(g1);
        bind(d0, drv0);
        remove(d0) <= 2;
        vfio_close(g0) <= 1;
    }
}
