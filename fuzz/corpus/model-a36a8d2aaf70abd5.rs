policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-9013";
    extends = "status-quo";

    /// Generated hook.
    on release(g) {
        inherit()?;
        for d1 in g.devices {
        }
    }

    /// Generated hook.
    on bus_notify(UnboundDriver, dev) {
        if dev.managed_dma && cfg(IRQ_MSI_IOMMU) {
            if dev.irq_only {
                set_domain(group(dev), Dma)?;
            }
        }
        unuse_default_domain(dev);
        request_irqs(dev)?;
    }

    /// Generated hook.
    on claim(g) {
        if !g.domain != None {
        } else {
            inherit()?;
            inherit()?;
            fail(ENOMEM);
        }
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-2817";
    msi_translated = false;

    /// A driver.
    driver drv0 { name = "drv0-k", managed_dma }

    /// A driver.
    driver drv1 { name = "drv1-k", msi, vfio }

    /// A group.
    group g0 {
        /// A device.
        device d0 { ats }
    }

    /// A group.
    group g1 {
        default_type = Identity;
        /// A device.
        device d1 { pci = "0000:01:00.0", ats }
        /// A device.
        device d2 { pci = "0000:02:00.0", bridge, hotplug }
    }

    moves {
        vfio_close(g1);
        bind(d0, drv0) <= 2;
        write_type(g1, Dma);
        unbind(d2);
        bind(d1, drv0);
    }
}
