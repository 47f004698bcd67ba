policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-3616";
    extends = "prepare-default-domain";
    subject = "iommu: A generated change";

    /// Generated hook.
    on bus_notify(BoundDriver, dev) {
        unuse_default_domain(dev);
    }

    /// Generated hook.
    on msi_cookie(g) {
        set_default_type(g, g.default_type)?;
        fail(EPERM);
    }

    /// Generated hook.
    on probe(dev) {
        unuse_default_domain(dev);
    }

    /// Generated hook.
    on dma_cleanup(dev, managed) {
        for d1 in group(dev).devices {
            free_irqs(dev);
            request_irqs(d1)?;
            for d2 in group(d1).devices {
                set_default_type(group(d1), group(dev).default_type)?;
            }
            ats(dev, On)?;
        }
    }

    /// Generated hook.
    on Blocked(g) {
        set_default_type(g, Identity)?;
        if g.default_type == Identity {
            for d1 in g.devices {
                for d2 in g.devices {
                    fail(EBUSY);
                }
                free_irqs(d1);
                use_default_domain(d1)?;
            }
            if g.default_type != g.default_type {
            } else {
                inherit()?;
            }
        } else {
            for d3 in g.devices {
                fail(EOPNOTSUPP);
            }
            if g.domain != None {
            } else if !true {
                set_domain(g, None)?;
                inherit()?;
                set_default_type(g, g.default_type)?;
            }
            if g.bound_count == 1 {
            }
            for d4 in g.devices {
            }
        }
        set_domain(g, Default)?;
    }
}
