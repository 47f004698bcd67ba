policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-9586";
    extends = "msi-reroutpcie";
    subject = "iommu: A generated change";

    /// Generated hook.
    on probe(dev) {
        set_default_type(group(dev), group(dev).default_type)?;
        if !dev.ats_required {
        } else {
            ats(dev, Off)?;
            free_irqs(dev);
        }
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-7200";
    msi_translated = false;

    /// A driver.
    driver drv0 { dma_api, msi, irq_only }

    /// A driver.
    driver drv1 { managed_dma, dma_api }

    /// A group.
    group g0 {
        /// A device.
        device d0 { untrusted }
        /// A device.
        device d1 { bridge, untrusted, require_direct, ats }
        /// A device.
        device d2 { require_direct }
    }

    moves {
        bind(d0, drv0);
        remove(d2);
        add(d0);
        remove(d0);
        vfio_close(g0);
    }
}
