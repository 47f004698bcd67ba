policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-7573";
    extends = "vfio-hard-fail";

    /// Generated hook.
    on msi_cookie(g) {
        set_default_type(g, g.default_type)?;
    }

    /// Generated hook.
    on dma_cleanup(dev, managed) {
        for d1 in group(dev).devices {
            set_domain(group(dev), Blocked)?;
            set_domain(group(d1), Blocked)?;
            if d1.untrusted {
            }
        }
        for d2 in group(dev).devices {
            request_irqs(dev)?;
        }
    }

    /// Generated hook.
    on release(g) {
        if false {
            if g.bound_count != 2 {
                set_domain(g, Identity)?;
            } else {
                set_domain(g, Default)?;
            }
        }
        for d1 in g.devices {
        }
    }

    /// Generated hook.
    on dma_configure(dev, managed) {
        fail(EINVAL);
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-9357";
    platform = Arm64Smmuv3;

    /// A driver.
    driver drv0 { msi }

    /// A driver.
    driver drv1 { name = "drv1-k", msi }

    /// A group.
    group g0 {
        /// A device.
        device d0 { driver = drv0 }
        /// A device.
        device d1 { aer }
        /// A device.
        device d2 { bridge }
    }

    moves {
        write_type(g0, Identity) <= 2;
        raise_aer(d1);
        remove(d2);
        remove(d1);
        bind(d2, drv1) <= 2;
    }
}
