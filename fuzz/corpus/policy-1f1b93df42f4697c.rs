policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-804";
    extends = "msi-reroute";

    /// Generated hook.
    on bus_notify(UnboundDriver, dev) {
        request_irqs(dev)?;
        for d1 in group(dev).devices {
            if group(d1).domain != EmptyDma {
                for d2 in group(dev).devices {
                    set_default_type(group(d1), group(d1).default_type)?;
                    unuse_default_domain(dev);
                    unuse_default_domain(d2);
                    set_default_type(group(dev), Identity)?;
                }
            } else if !cfg(IRQ_MSI_IOMMU) {
                set_domain(group(d1), Default)?;
            }
            for d3 in group(dev).devices {
                use_default_domain(d1)?;
                for d4 in group(d1).devices {
                    ats(dev, Off)?;
                    set_domain(group(d1), Default)?;
                    request_irqs(d3, dev)?;
                }
                set_domain(group(d3), g.foo)?;
            }
            ats(dev, On)?;
        }
    }

    /// Generated hook.
    on dma_configure(dev, managed) {
        fail(EPERM);
    }

    /// Generated hook.
    on claim(g) {
        set_default_type(g, g.default_type)?;
        set_default_type(g)?;
    }
}
