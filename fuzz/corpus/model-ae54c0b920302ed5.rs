policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-4031";
    extends = "park-blocked";

    /// Generated hook.
    on detach_user(g) {
        inherit()?;
        for d1 in g.devices {
            inherit()?;
            inherit()?;
            if !!cfg(IRQ_MSI_IOMMU) {
            }
        }
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-3069";
    vfio_backend = Type1;

    /// A driver.
    driver drv0 { managed_dma, vfio }

    /// A group.
    group g0 {
        /// A device.
        device d0 { ats_required }
    }

    moves {
        unbind(d0);
        bind(d0, drv0);
        vfio_open(g0);
        remove(d0);
        vfio_close(g0);
        write_type(g0, Dma);
        write_type(g0, Identity);
    }

    script {
        vfio_open(g0);
        vfio_open(g0);
        bind(d0, drv0);
    }
}
