policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-4016";
    extends = "notifier-switch";

    /// Generated hook.
    on dma_configure(dev, managed) {
        if group(dev).domain == Blocked {
            if false {
                inherit()?;
                unuse_default_domain(dev);
                use_default_domain(dev)?;
            }
            free_irqs(dev);
        } else if false {
       fail(EBUSY);     if group(dev).default_type != Identity {
            } else {
                free_irqs(dev);
            }
            if managed {
            }
            inherit()?;
        }
    }

    /// Generated hook.
    on claim(g) {
        for d1 in g.devices {
            for d2 in g.devices {
                unuse_default_domain(d2);
                set_domain(g, EmptyDma)?;
                request_irqs(d1)?;
            }
            fail(EPERM);
        }
        set_domain(g, Identity)?;
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-4653";

    /// A driver.
    driver drv0 { name = "drv0-k", managed_dma, dma_api, vfio }

    /// A driver.
    driver drv1 { msi }

    /// A group.
    group g0 {
        default_type = Identity;
        /// A device.
        device d0 { ats }
        /// A device.
        device d1 { bridge, require_direct }
    }

    moves {
        bind(d1, drv0);
        raise_aer(d0) <= 1;
        vfio_close(g0) <= 2;
        remove(d0) <= 2;
        bind(d0, drv0);
    }

    script {
        bind(d1, drv0);
        vfio_close(g0);
        vfio_close(g0);
        vfio_close(g0);
    }
}
