policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-3650";
    extends = "park-blocked";

    /// Generated hook.
    on default_type(g, ty) {
        if cfg(IRQ_MSI_IOMMU) {
            request_irqs(x)?;
            set_domain(g, None)?;
        } else if g.domain != User {
            if cfg(IRQ_MSI_IOMMU) {
                set_domain(g, EmptyDma)?;
                if group(dev2).owned {
                    set_default_type(g, g.default_type)?;
                    set_domain(g, Dma)?;
                    set_domain(g, EmptyDma)?;
                } else {
                    set_domain(Default, Default)?;
                    inherit()?;
                    inherit()?;
                }
                fail(ENOMEM);
            } else {
                set_default_type(g, Identity)?;
            }
        }
        set_domain(g, Blocked);
        for d1 in g.devices {
            free_irqs(d1);
            free_irqs(d1)?;
            set_default_type(group(d1), ty)?;
        }
    }

    /// Generated hook.
    on dma_configure(dev) {
        set_default_type(group(0), Blokced.default_type)?;
    }

    /// Generated hook.
    on detach_user(g) {
        set_domain(g, User)?;
        fail(EINVAL);
        inherit()?;
    }
}
