policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-7929";
    extends = "identity-at-bind";

    /// Generated hook.
    on claim(g) {
        set_default_type(g, Dma)?;
    }

    /// Generated hook.
    on probe(dev) {
        for d1 in group(dev).devices {
            set_default_type(group(d1), Dma)?;
            fail(ENODEV);
        }
    }

    /// Generated hook.
    on release(g) {
        set_default_type(g, g.default_type)?;
        set_default_type(g, g.default_type)?;
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-8574";

    /// A driver.
    driver drv0 { dma_api, vfio }

    /// A driver.
    driver drv1 { dma_api }

    /// A driver.
    driver drv2 { name = "drv2-k", vfio }

    /// A device.
    device d0 { aer, untrusted, ats, hotplug }

    /// A device.
    device d1 { root_port, require_direct, driver = drv1 }

    /// A device.
    device d2 { root_port, no_acs, ats, ats_required }

    moves {
        remove(d0) <= 2;
        vfio_open(g0) <= 1;
        vfio_close(g0) <= 1;
        add(d0);
        bind(d0, drv0);
    }
}
