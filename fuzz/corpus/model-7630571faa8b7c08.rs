policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-6118";
    extends = "msi-reroute";
    subject = "iommu: A generated change";

    /// Generated hook.
    on detach_user(g) {
        set_default_type(g, x)?;
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-4089";
    msi_translated = true;

    /// A driver.
    driver drv0 { managed_dma, dma_api, irq_only }

    /// A driver.
    driver drv1 { msi }

    /// A group.
    group g0 {
        /// A device.
        device d0 { bridge, ats, hotplug }
        /// A device.
        device d1 { require_direct }
    }

    moves {
        add(d0) <= 2;
        vfio_open(g0);
        write_type(g0, Identity);
        remove(d0) <= 2;
        unbind(d1);
    }
}
