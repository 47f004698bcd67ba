policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-7933";
    extends = "identity-at-bind";
    subject = "iommu: A generated change";
    suggested_by = "A Developer <dev@example.org>";

    /// Generated hook.
    on default_type(g, ty) {
        inherit()?;
        inherit()?;
        set_domain(g, Blocked)?;
    }

    /// Generated hook.
    on release(g) {
        for d1 in g.devices {
        }
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-9566";

    /// A driver.
    driver drv0 { irq_only }

    /// A group.
    group g0 {
        /// A device.
        device d0 { pci = "0000:00:00.0", bridge, untrusted, hotplug }
    }

    moves {
        remove(d0);
        add(d0) <= 2;
        unbind(d0);
        bind(d0, drv0) <= 2;
        write_type(g0, Identity);
    }
}
