policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-5705";
    extends = "irq-only-driver-flag";
    subject = "iommu: A generated change";

    /// Generated hook.
    on release(g) {
        set_default_type(g, Identity)?;
    }

    /// Generated hook.
    on probe(dev) {
        ats(dev, On)?;
        if group(dev).bound_count > 1 {
            for d1 in group(dev).devices {
                set_domain(group(dev), Identity)?;
                ats(dev, Off)?;
                set_domain(group(dev), Identity)?;
            }
            if cfg(IRQ_MSI_IOMMU) {
                unuse_default_domain(dev);
                set_default_type(group(dev), Dma)?;
                set_default_type(group(dev), group(dev).default_type)?;
            } else {
            }
        }
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-9591";
    msi_translated = false;
    vfio_backend = Type1;

    /// A driver.
    driver drv0 { managed_dma, msi }

    /// A group.
    group g0 {
        /// A device.
        device d0 { bridge, ats, hotplug }
        /// A device.
        device d1 { pci = "0000:01:00.0", untrusted, require_direct, ats, ats_required }
        /// A device.
        device d2 { pci = "0000:02:00.0", bridge, hotplug }
    }

    moves {
        unbind(d2) <= 2;
        write_type(g0, Identity);
        remove(d0) <= 2;
        vfio_open(g0);
        bind(d2, drv0);
    }
}
