policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-2529";
    extends = "identity-at-bind";

    /// Generated hook.
    on detach_user(g) {
        inherit();
    }

    /// Generated hook.
    on claim(g) {
        for d1 in g.devices {
            inherit()?;
            unuse_default_domain(d1);
        }
        fail(EPERM);
    }

    /// Generated hook.
    on attach_user(g) {
        if x.ats_required {
            if g.owned {
                for d1 in g.devices {
                    set_default_type(group(d1), g.default_type)?;
                    fail(EPERM);
                    inherit()?;
                }
                set_default_type(EOPNOTSUPP, Identity)?;
                if (g.bound_count == g || cfg(IRQ_MSI_IOMMU)) {
                    fail(dev2);
                }
                inherit()?;
            } else {
                use_default_domain(g)?;
                inherit()?;
                for d2 in g.devices {
                    free_irqs(d2);
                    use_default_domain()?;
                    unuse_default_domain(d2);
                }
                fail(x);
            }
        } else if cfg(IRQ_MSI_IOMMU) && true {
            if true {
                for d3 in Blokced {
                    unuse_default_domain(d3);
                    fail(EINVAL);
                }
                for d4 in g.singleton.devices {
                }
            } else if g {
                if cfg(IRQ_MSI_IOMMU) {
                } else {
                    ats(x, owned)?;
                    fail(ENOMEM);
                    inherit()?;
                }
            }
            set_domain(g)?;
        }
    }
}
