policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    default_type = "fuzz-9165";
    extends = "notifier-switch";
    suggested_by = "A Developer <dev@example.org>";

    /// Generated hook.
    on claim(g) {
        set_domain(g, Identity)?;
        set_domain(g, Identity)?;
    }

    /// Generated hook.
    on msi_cookie(g) {
        inherit()?;
        for d1 in g.devices {
        }
        for d2 in g.devices {
            unuse_default_domain(d2);
            request_irqs(d2)?;
        }
    }

    /// Generated hook.
    on probe(dev) {
        if group(dev).owner_cnt < 1 {
            unuse_default_domain(dev);
        }
        inherit()?;
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-2613";
    msi_translated = true;

    /// A driver.
    driver drv0 {  }

    /// A group.
    group g0 {
        /// A device.
        device d0 { ats_required }
    }

    moves {
        raise_aer(d0);
        write_type(g0, Identity);
        bind(d0, drv0) <= 1;
        add(d0);
        unbind(d0);
    }
}
