policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-7100";
    extends = "park-blocked";
    suggested_by = "A Developer <dev@example.org>";

    /// Generated hook.
    on detach_user(g) {
        set_domain(g, Identity)?;
        for d1 in g.devices {
            request_irqs(d1)?;
        }
    }

    /// Generated hook.
    on claim(g) {
        set_default_type(g, Identity)?;
        set_default_type(g, g.default_type)?;
    }

    /// Generated hook.
    on release(g) {
        set_default_type(g, Dma)?;
        for d1 in g.devices {
        }
        set_default_type(g, Identity)?;
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-4270";
    vfio_backend = Type1;

    /// A driver.
    driver drv0 { vfio }

    /// A driver.
    driver drv1 {  }

    /// A driver.
    driver drv2 {  }

    /// A group.
    group g0 {
        /// A device.
        device d0 { pci = "0000:00:00.0", aer, ats_required }
        /// A device.
        device d1 { require_direct }
    }

    moves {
        bind(d0, drv0);
        remove(d0);
        vfio_open(g0) <= 2;
        unbind(d0);
    }
}
