policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-2610";
    extends = "vfio-hard-fail";
    subject = "iommu: A generated change";

    /// Generated hook.
    on detach_user(g) {
        if !g.domain != Identity {
            set_domain(g, Dma)?;
            if cfg(IRQ_MSI_IOMMU) {
                inherit()?;
                set_domain(g, Dma)?;
            } else {
                set_domain(g, EmptyDma)?;
                set_default_type(g, Identity)?;
            }
            for d1 in g.devices {
                request_irqs(d1)?;
            }
        }
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-2437";
    vfio_backend = Iommufd;

    /// A driver.
    driver drv0 { managed_dma, dma_api, msi }

    /// A group.
    group g0 {
        default_type = Dma;
        /// A device.
        device d0 { bridge, ats_required }
    }

    /// A group.
    group g1 {
        default_type = Dma;
        /// A device.
        device d1 { bridge }
        /// A device.
        device d2 { pci = "0000:02:00.0", aer, ats }
    }

    moves {
        vfio_close(g1);
        raise_aer(d1);
        vfio_close(g0);
        raise_aer(d0);
        add(d2);
    }
}
