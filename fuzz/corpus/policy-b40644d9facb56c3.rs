policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-6339";
    extends = "notifier-switch";
    subject = "iommu: A generated change";
    suggested_by = "A Developer <dev@example.org>";

    /// Generated hook.
    on bus_notify(DriverNotBound, dev) {
        for d1 in group(dev).devices {
        }
        set_default_type(group(dev), Dma)?;
        free_irqs(dev);
        if dev.bound {
            unuse_default_domain(dev);
            ats(dev, On)?;
            ats(dev, Off)?;
        } else if dev.untrusted {
            unuse_default_domain(dev);
        }
    }

    /// Generated hook.
    on claim(g) {
        set_default_type(g, g.default_type)?;
        inherit()?;
        fail(EPERM);
    }
}
