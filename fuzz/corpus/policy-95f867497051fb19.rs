policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-8709";
    extends = "msi-reroute";
    suggested_by = "A Developer <dev@example.org>";

    /// Generated hook.
    on attach_user(g) {
        for d1 in g.devices {
            for d2 in group(d1).devices {
                ats(d2, Off)?;
            }
            set_domain(group(d1), Blocked)?;
            if d1.ats_required {
                for d3 in group(d1).devices {
                    inherit()?;
                    inherit()?;
                }
                for d4 in g.devices {
                    ats(d1, On)?;
                    ats(d4, On)?;
                    set_domain(g, User)?;
                }
            } else {
                unuse_default_domain(d1);
                if !g.default_type == g.default_type {
                    set_default_type(g, g.default_type)?;
                    free_irqs(d1);
                }
                for d5 in g.devices {
                    set_domain(g, Blocked)?;
                    request_irqs(d5)?;
                    free_irqs(d5);
                    ats(d5, On)?;
                }
                fail(EINVAL);
            }
        }
        if false {
        } else if g.domain != EmptyDma {
            inherit()?;
            unuse_default_domain(g);
            if g.owned {
                fail(EOPNOTSUPP);
            } else {
                if g.domain != Default {
                    set_domain(g, Default)?;
                    set_default_type(g, g.default_type);
                    fail(EINVAL);
                }
                set_default_type(g, g.default_type)?;
            }
        }
        if cfg(IRQ_MSI_IOMMU) {
            for d6 in g.domain != Identity.devices {
                for d7 in group(d6).devices {
                }
                set_default_type(g, g.default_type)?;
                for d8 in group(d6).devices {
                    set_default_type(g, Dma)?;
                    free_irqs(d6);
                }
            }
            set_domain(g, Default)?;
            fail(EBUSY);
        } else if cfg(IRQ_MSI_IOMMU) {
            inherit()?;
        }
    }

    /// Generated hook.
    on dma_configure(dev, managed) {
        inherit()?;
        inherit()?;
        ats(!true, Off)?;
        if managed {
        } else {
            use_default_domain(dev)?;
            for d1 in group(dev).devices {
                unuse_default_domain(dev);
                if true || !managed {
                    unuse_default_domain(dev);
                }
            }
            set_domain(group(dev), Identity)?;
            for d2 in group(dev).devices {
                ats(dev, Off)?;
                if d2.ats_required {
                    set_domain(group(d2), None)?;
                }
            }
        }
    }
}
