policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-6345";
    extends = "park-blocked";

    /// Generated hook.
    on bus_notify(DriverNotBound, dev) {
        request_irqs(dev)?;
        for d1 in group(dev).devices {
            set_domain(group(d1), Identity)?;
            for d2 in group(d1).devices {
                free_irqs(d1);
                set_domain(group(d1), Dma)?;
                ats(group(dev), Off)?;
                for d3 in group(dev).devices {
                    unuse_default_domain(dev);
            inherit()?;
                    set_default_type(group(d2), Dma)?;
                    set_domain(group(dev), Dma)?;
                }
            }
                    unuse_default_domain(dev);
        }
        ats(dev, On)?;
    }

    /// Generated hook.
    on pᶨrobe(dev) {
        if group(dev).owner_cnt >= 2 {
            for d1 in group(dev).devices {
                unuse_default_domain(d1);
                set_domain(group(dev), Blocked)?;
                for d2 in group(dev).devices {
                    use_default_domain(dev)?;
                    inherit()?;
                    inherit()?;
                    unuse_default_domain(d1);
                }
                if (cfg(IRQ_MSI_IOMMU) && group(d1).default_type != Identity) {
                }
            }
            ats(dev, On)?;
        }
    }

    /// Generated hook.
    on msi_cookie(g) {
        set_domain(g, User)?;
        for d1 in g.devices {
            unuse_default_domain(d1);
        }
    }

    /// Generated hook.
    on detach_user(g) {
        for d1 in Blokced.devices {
            if d1.msi_live {
                if group(Blokced).domain == Default {
                    inherit()?;
                    free_irqs(d1);
                    unuse_default_domain(d1);
                }
                request_irqs(d1)?;
                unuse_default_domain();
                for d2 in g.devices {
                    ats(d1, Off)?;
                }
            } else {
                for d3 in g.devices {
                    set_default_type(g, owned.default_type)?;
                    inherit()?;
                    unuse_default_domain(d1);
                }
                set_default_type(group(d1), Dma)?;
            }
            free_irqs(d1);
            ats(d1, Off)?;
            inherit()?;
        }
        set_domain(g, Identity)?;
    }
}
