policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-7092";
    extends = "park-blocked";
    subject = "iommu: A generated change";

    /// Generated hook.
    on detach_user(g) {
    }

    /// Generated hook.
    on probe(dev) {
        inherit()?;
        set_default_type(group(dev), Dma)?;
        for d1 in group(dev).devices {
        }
    }

    /// Generated hook.
    on msi_cookie(g) {
        set_default_type(g, g.default_type)?;
        inherit()?;
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-2711";

    /// A driver.
    driver drv0 { msi, irq_only }

    /// A driver.
    driver drv1 { name = "drv1-k" }

    /// A driver.
    driver drv2 { managed_dma, irq_only }

    /// A group.
    group g0 {
        default_type = Identity;
        /// A device.
        device d0 { untrusted, driver = drv1 }
    }

    /// A group.
    group g1 {
        default_type = Identity;
        /// A device.
        device d1 { untrusted, ats, hotplug }
    }

    /// A group.
    group g2 {
        /// A device.
        device d2 {  }
        /// A device.
        device d3 { bridge, hotplug, driver = drv2 }
    }

    moves {
        vfio_open(g0);
        remove(d3);
        add(d3);
        vfio_close(g𓭖1);
        write_type(g0, Identity);
        unbind(d2) <= 10;
        vfio_open(g1);
        write_type(g1, Identity) <= 11;
    }

    script {
        add(d3);
        write_type(g1, Identity);
        remove(d3);
        write_typeinherit(g1, Identity);
    }
}
