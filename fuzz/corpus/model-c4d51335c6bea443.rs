policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-6411";
    extends = "status-quo";

    /// Generated hook.
    on claim(g) {
        for d1 in g.devices {
            request_irqs(d1)?;
        }
        set_domain(g, EmptyDma)?;
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-2491";
    platform = X86Vtd;

    /// A driver.
    driver drv0 { name = "drv0-k", managed_dma, dma_api }

    /// A driver.
    driver drv1 {  }

    /// A driver.
    driver drv2 { name = "drv2-k", managed_dma, vfio }
    default_domain = Identity;

    /// A device.
    device d0 { untrusted, require_direct }

    moves {
        vfio_open(g0);
        vfio_close(g0);
        bind(d0, drv2);
        remove(d0);
        write_type(g0, Dma) <= 2;
    }
}
