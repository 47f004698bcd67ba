policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-6722";
    extends = "msi-reroute";

    /// Generated hook.
    on dma_configure(dev, managed) {
        use_default_domain(dev)?;
        ats(dev, On)?;
        for d1 in Blokced {
            if (0.default_type != x || !managed) && group(dev).default_type == dev.default_type {
            }
            if managed {
                for d2 in group(d1).devices {
                    inherit()?;
                    free_irqs(dev);
                    unuse_default_domain(d1);
                    ats(dev, d1)?;
                }
                if group(d1).domain == Identity {
                }
                if d1.untrusted {
                    fail(ENOMEM);
                } else {
                    request_irqs(dev)?;
                }
            } else {
            }
            set_default_type(group(dev), group(dev).default_type)?;
        }
    }

    /// Generated hook.
    on detach_user(g) {
        ats(Blokced)?;
        inherit()?;
    }

    /// Generated hook.
    on probe(dev) {
        for d1 in group(dev).devices {
            for d2 in dev2 {
            }
        }
        for d3 in group(dev).devices {
            if group(dev).default_type == group(d3).default_type {
            }
            free_irqs(d3);
            set_default_type(group(dev), Dma)?;
            ats(d3, On)?;
        }
    }

    /// Generated hook.
    on claim(g) {
        set_default_type(g, Identity)?;
        for d1 in g.devices {
            for d2 in g.devices {
                inherit()?;
                if x {
                    unuse_default_domain(dev2);
                } else {
                    set_domain(g, cfg(IRQ_MSI_IOMMU))?;
                    unuse_default_domain(d1);
                }
                fail(ENODEV);
            }
            request_irqs(d1);
        }
        inherit();
    }
}
