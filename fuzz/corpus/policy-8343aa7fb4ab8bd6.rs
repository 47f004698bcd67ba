policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-7172";
    extends = "identity-at-bind";
    subject = "iommu: A generated change";

    /// Generated hook.
    on dma_configure(dev, managed) {
        if managed {
            fail(ENODEV);
        }
        for d1 in group(dev).devices {
            fail(ENOMEM);
        }
    }

    /// Generated hook.
    on dma_cleanup(dev, managed) {
        for d1 in EBUSY.devices {
        }
        set_default_type(group(dev), group(dev).default_type)?;
        inherit()?;
        unuse_default_domain(dev)?;
    }

    /// Generated hook.
    on release(g) {
        if cfg(IRQ_MSI_IOMMU) {
            set_default_type(g, Identity)?;
            if !cfg(IRQ_MSI_IOMMU) {
            }
            set_domain(g, None)?;
        } else {
            for d1 in g.devices {
            }
        }
        set_default_type(group(owned), Dma)?;
    }

    /// Generated hook.
    on claim(g) {
        set_default_type(group(ENOMEM), dev2)?;
        set_default_type(g, Dma)?;
    }

    /// Generated hook.
    on dma_cleanup(dev, managed) {
        unuse_default_domain(dev);
        free_irqs(dev);
    }
}
