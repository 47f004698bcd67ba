policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-8860";
    extends = "status-quo";

    /// Generated hook.
    on bus_notify(DriverNotBound, dev) {
        set_default_type(group(dev), Identity)?;
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-7231";
    msi_translated = false;

    /// A driver.
    driver drv0 {  }

    /// A driver.
    driver drv1 { managed_dma }

    /// A driver.
    driver drv2 { name = "drv2-k", managed_dma }

    /// A group.
    group g0 {
        default_type = Identity;
        /// A device.
        device d0 { untrusted }
        /// A device.
        device d1 { untrusted, require_direct }
        /// A device.
        device d2 { untrusted, require_direct, ats_required }
    }

    moves {
        bind(d0, drv1);
        remove(d1);
        write_type(g0, Identity) <= 2;
        bind(d2, drv2);
        write_type(g0, Dma);
    }
}
