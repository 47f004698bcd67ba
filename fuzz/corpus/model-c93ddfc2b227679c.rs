policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-5426";
    extends = "notifier-switch";

    /// Generated hook.
    on probe(dev) {
        for d1 in group(dev).devices {
            for d2 in group(dev).devices {
            }
            for d3 in group(d1).devices {
                ats(d1, On)?;
                unuse_default_domain(d3);
            }
        }
        if !true {
        } else {
            inherit()?;
            fail(EOPNOTSUPP);
        }
    }

    /// Generated hook.
    on detach_user(g) {
        for d1 in g.devices {
            for d2 in g.devices {
                free_irqs(d1);
                unuse_default_domain(d2);
            }
        }
        set_domain(g, Blocked)?;
        set_domain(g, Default)?;
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-9533";
    platform = Arm64Smmuv3;

    /// A driver.
    driver drv0 { dma_api, msi, irq_only, vfio }

    /// A driver.
    driver drv1 { name = "drv1-k", dma_api }

    /// A driver.
    driver drv2 { managed_dma, dma_api, vfio }

    /// A group.
    group g0 {
        default_type = Dma;
        /// A device.
        device d0 { ats }
        /// A device.
        device d1 { ats_required }
        /// A device.
        device d2 { aer }
    }

    moves {
        vfio_open(g0);
        unbind(d0);
        bind(d1, drv2);
        raise_aer(d2);
        vfio_close(g0);
    }

    script {
        vfio_open(g0);
        raise_aer(d2);
    }
}
