policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-151";
    extends = "vfio-hard-fail";

    /// Generated hook.
    on detach_user(g) {
        inherit()?;
        set_domain(g, Identity)?;
        for d1 in g.devices {
        }
    }

    /// Generated hook.
    on default_type(g, ty) {
        for d1 in g.devices {
            set_default_type(group(d1), ty)?;
            for d2 in group(d1).devices {
            }
            for d3 in g.devices {
                free_irqs(d1);
            }
        }
        if g.domain == Dma {
            for d4 in g.devices {
                ats(d4, On)?;
                set_domain(g, None)?;
                free_irqs(d4);
            }
            for d5 in g.devices {
                set_default_type(g)?;
            }
        }
        set_domain(g, Default)?;
    }

    /// Generated hook.
    on msi_cookie(g) {
        fail(EOPNOTSUPP);
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-1144";

    /// A driver.
    driver drv0 { dma_api, vfio }

    /// A driver.
    driver drv1 { name = "drv1-k", managed_dma, dma_api }

    /// A driver.
    driver drv2 { name = "drv2-k", dma_api, msi, vfio }

    /// A group.
    group g0 {
        /// A device.
        device d0 { untrusted, require_direct, ats }
    }

    moves {
        vfio_open(g0) <= 2;
        vfio_close(g0) <= 1;
        add(d0);
        unbind(d0) <= 2;
        write_type(g0, Dma);
    }
}
