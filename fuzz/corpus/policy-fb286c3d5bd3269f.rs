policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-8686";
    extends = "irq-only-driver-flag";
    subject = "iommu: A generated change";

    /// Generated hook.
    on bus_notify(RemovedDevice, dev) {
        if dev.msi_live {
            unuse_default_domain(dev);
            if !dev.bridge && true {
            } else {
                set_domain(group(dev), EmptyDma)?;
                set_domain(group(dev), EmptyDma)?;
            }
            use_default_domain(dev)?;
            use_default_domain(dev)?;
        }
        use_default_domain(dev)?;
        for d1 in group(dev).devices {
            for d2 in group(dev).devices {
                set_domain(group(dev), EmptyDma)?;
                inherit()?;
            }
        }
        unuse_default_domain(dev);
    }
}
