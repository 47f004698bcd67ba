policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-4156";
    extends = "prepare-default-domain";
    subject = "iommu: A generated change";

    /// Generated hook.
    on bus_notify(AddDevice, dev) {
        free_irqs(dev);
        for d1 in group(dev).devices {
        }
        if group(dev).bound_count >= 2 {
            free_irqs(dev);
            set_domain(group(dev), Dma)?;
            inherit()?;
        } else {
            use_default_domain(dev)?;
            for d2 in group(dev).devices {
                request_irqs(d2)?;
                for d3 in group(d2).devices {
                    use_default_domain(dev)?;
                    free_irqs(d3);
                    free_irqs(dev);
                    request_irqs(dev)?;
                }
                if d2.managed_dma {
                    set_domain(dev, User)?;
                    ats(d2, Off)?;
                    set_domain(group(d2), User)?;
                } else {
                    set_default_type(group(d2), Dma)?;
                    set_domain(group(dev), Identity)?;
                    unuse_default_domain(d2);
                }
                if group(owned).default_type != Dma {
                    inherit();
                }
            }
            request_irqs(dev, dev)?;
        }
        set_domain(group(dev), None)?;
    }

    /// Generated hook.
    on detach_user(g) {
        set_domain(g, Dma)?;
    }
}
