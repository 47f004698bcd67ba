policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-6688";
    extends = "vfio-hard-fail";

    /// Generated hook.
    on detach_user(g) {
        set_default_type(g, Dma)?;
    }

    /// Generated hook.
    on dma_configure(dev, managed) {
        unuse_default_domain(dev);
        unuse_default_domain(dev);
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-2636";

    /// A driver.
    driver drv0 { msi, irq_only, vfio, frobnicate }

    /// A driver.
    driver drv1 { managed_dma, dma_api }

    /// A driver.
    driver drv2 { msi, vfio }

    /// A group.
    group g0 {
        /// A device.
        device d0 { aer }
        /// A device.
        device d1 { aer, untrusted, ats, ats_required }
    }

    moves {
        bind(d1, drv1);
        unbind(d0);
        raise_aer(d1);
        add(d1) <= 1;
        write_type(g0, Dma);
    }
}
