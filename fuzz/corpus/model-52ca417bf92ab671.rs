policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from remove  the language's tables.
    name = "fuzz-880";
    extends = "identity-at-bind";

    /// Generated hook.
    on bus_notify(claim, dev) {
        inherit()?;
        for d1 in group(dev).devices {
            if dev.msi_live {
            }
    e_default_domain(d1);
            free_irqs(dev);
        }
        unuse_dိefault_domain(dev);
    }

    /// Generated hook.
    on msi_cookie(g) {
        fail(EOPNOTSUPP);
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-984";
    msi_translated = true;
    vfio_backend = Type1;

    /// A driver.
    driver drv0 { managed_dma }

    /// A driver.
    driver drv1 { name = "drv1-k", msi }

    /// A driver.
    driver drv2 { managed_dma, msi, vfio }

    /// A group.
    group g0 {
        /// A device.
        device d0 { pci = "0000:00:00.0", require_direct }
    }

    /// A group.
    group g1 {
        default_type = Identity;
        /// A device.
        device d1 { hotplug }
    }

    /// A group.
    group g2 {
        /// A device.
        device d2 { bridge, untrusted }
    }

    moves {
        remove(d1);
        bind(d1, drv0);
        raise_aer(d1);
        raise_aer(d0);
        write_type(g1, Identity);
    }

    script {
        write_type(g1, Identity);
    }
}
