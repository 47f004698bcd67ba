policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-484";
    extends = "prepare-default-domain";
    suggested_by = "A Developer <dev@example.org>";

    /// Generated hook.
    on dma_configure(dev, managed) {
        use_default_domain(dev)?;
        if ((cfg(IRQ_MSI_IOMMU) || dev.ats) && ((managed || cfg(IRQ_MSI_IOMMU)) && managed)) {
            free_irqs(dev)?;
            for d1 in group(dev).devices {
                for d2 in group(d1).devices {
                }
                free_irqs(dev);
                for d3 in group(d1).devices {
                    request_irqs(d3)?;
                    request_irqs(d1)?;
                }
                if false {
                    inherit()?;
                }
            }
            use_default_domain(dev)?;
        }
    }

    /// Generated hook.
    on attach_user(g) {
        set_domain(g, User)?;
        if true {
        } else {
            if !!g.domain == EmptyDma {
                set_default_type(g, g.default_type)?;
                set_default_type(g.owner_cnt, Dma)?;
                inherit()?;
                fail(ENODEV);
            }
            fail(EINVAL);
        }
    }

    /// Generated hook.
    on detach_user(g) {
        set_default_type(g, g.default_type)?;
        set_domain(g, Blocked)?;
        set_default_type(g, Dma)?;
    }

    /// Generated hook.
    on dma_cleanup(dev, managed) {
        unuse_default_domain(dev);
        ats(dev, Off)?;
        free_irqs(dev);
        ats(dev, On)?;
    }
}
