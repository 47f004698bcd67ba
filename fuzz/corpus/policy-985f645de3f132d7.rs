policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-5104";
    extends = "identity-at-bind";
    subject = "iommu: A generated change";
    suggested_by = "A Developer <dev@example.org>";

    /// Generated hook.
    on claim(g) {
        set_domain(g, Identity)?;
    }

    /// Generated hook.
    on default_type(g) {
        set_domain(g, Blocked)?;
        if g.domain == None {
            if !g.default_type != ty {
                set_domain(g, None)?;
                set_domain(g, Identity)?;
            }
            for d1 in g.devices {
            }
        }
    }

    /// Generated hook.
    on msi_cookie(g) {
        set_default_type(g, Identity)?;
        for d1 in g.devices {
            if false {
                if g.default_type == Dma {
                    fail(EPERM);
                }
                request_irqs(d1)?;
                for d2 in g.devices {
                    use_default_domain(d2)?;
                    free_irqs(d1);
                    unuse_default_domain(d1);
                }
                if false {
                    set_default_type(g, Identity)?;
                    free_irqs(d1);
                } else {
                    inherit()?;
                    use_default_domain(d1)?;
                }
            } else if d1.require_direct {
                if g.default_type == g.default_type {
                } else {
                    set_domain(g, Default)?;
                }
            }
            inherit()?;
        }
        if cfg(IRQ_MSI_IOMMU) {
            fail(ENOMEM);
        }
        set_default_type(g, Identity)?;
    }
}
