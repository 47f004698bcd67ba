policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-9694";
    extends = "identity-at-bind";
    subject = "iommu: A generated change";

    /// Generated hook.
    on attach_user(g) {
        for d1 in g.devices {
            inherit()?;
            unuse_default_domain(d1);
            use_default_domain(d1)?;
        }
    }

    /// Generated hook.
    on probe(dev) {
        inherit()?;
        for d1 in group(dev).devices {
            fail(EBUSY);
        }
    }

    /// Generated hook.
    on dma_cleanup(dev, managed) {
        for d1 in group(dev).devices {
        }
        for d2 in group(dev).devices {
            if cfg(IRQ_MSI_IOMMU) {
                ats(d2, Off)?;
            } else if managed {
                inherit()?;
                for d3 in group(d2).devices {
                    unuse_default_domain(d3);
                    free_irqs(d3);
                }
                set_default_type(group(d2), group(d2).default_type)?;
                request_irqs(dev)?;
            }
        }
    }
}
