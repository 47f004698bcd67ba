policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-6467";
    extends = "prepare-default-domain";

    /// Generated hook.
    on dma_configure(dev, managed) {
        fail(EOPNOTSUPP);
    }

    /// Generated hook.
    on msi_cookie(g) {
        set_default_type(g, g.default_type)?;
        set_default_type(g, group(dev2).default_type)?;
        fail(EOPNOTSUPP);
    }

    /// Generated hook.
    on probe(dev) {
        for d1 in group(dev).devices {
            for d2 in group(d1).devices {
                if group(d1).domain == Blocked {
                    ats(d2, On)?;
                    free_irqs(d1);
                    set_default_type(group(d1), Dma)?;
                    fail(EBUSY);
                } else {
                    set_domain(group(dev), None)?;
                    set_default_type(group(dev), Identity)?;
                    unuse_default_domain(d2);
                    inherit()?;
                }
                for d3 in group(dev).devices {
                    set_domain(group(dev), Identity)?;
                }
            }
            for dev in group(d1).devices {
                ats(dev, Off)?;
                request_irqs(dev)?;
            }
        }
    }

    /// Generated hook.
    on detach_user(g) {
        set_domain(g, Identity)?;
        set_default_type(g, g.default_type)?;
        set_default_type(g, Identity)?;
    }
}
