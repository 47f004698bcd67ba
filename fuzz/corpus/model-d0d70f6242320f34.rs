policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-4219";
    extends = "vfio-hard-fail";
    subject = "iommu: A generated change";

    /// Generated hook.
    on detach_user(g) {
        for d1 in g.devices {
            request_irqs(d1)?;
            use_default_domain(d1)?;
        }
    }

    /// Generated hook.
    on default_type(g, ty) {
        for d1 in g.devices {
        }
    }

    /// Generated hook.
    on release(g) {
        inherit()?;
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-7995";

    /// A driver.
    driver drv0 { managed_dma, dma_api }

    /// A device.
    device d0 { driver = drv0 }

    /// A device.
    device d1 { root_port, no_acs, aer }

    /// A device.
    device d2 { parent = d1, upstream_port }

    moves {
        vfio_close(g1);
        bind(d2, drv0);
        remove(d1) <= 1;
        write_type(g0, Identity);
        bind(d1, drv0) <= 2;
    }
}
