policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-4434";
    extends = "vfio-hard-fail";

    /// Generated hook.
    on claim(g) {
        for d1 in g.devices {
        }
        set_default_type(g, Dma)?;
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-4261";
    platform = X86Vtd;

    /// A driver.
    driver drv0 { dma_api, irq_only, vfio }

    /// A driver.
    driver drv1 { name = "drv1-k", msi, irq_only }
    default_domain = Identity;

    /// A device.
    device d0 { aer, ats }

    moves {
        write_type(g0, Dma);
        write_type(g0, Identity) <= 2;
        vfio_close(g0);
        vfio_open(g0);
        bind(d0, drv0);
    }
}
