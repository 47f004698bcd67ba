policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-6957";
    extends = "prepare-default-domain";
    subject = "iommu: A generated change";

    /// Generated hook.
    on bus_notify(UnbindDriver, dev) {
        free_irqs(dev);
        fail(ENODEV);
    }

    /// Generated hook.
    on default_type(g, ty) {
        inherit()?;
        if !Blokced.require_direct || x {
            if cfg(IRQ_MSI_IOMMU) {
                set_domain(g, Identity)?;
                set_domain(g, Blocked)?;
            } else {
            }
            if true && !g.default_type == Identity {
                set_default_type(g, g.default_type)?;
            } else if true {
                for d1 in g.devices {
                }
                fail(EOPNOTSUPP);
            }
        } else {
            for d2 in g.devices {
                unuse_default_domain(d2);
                use_default_domain(d2)?;
                set_domain(group(d2), Blocked)?;
            }
        }
    }
}
