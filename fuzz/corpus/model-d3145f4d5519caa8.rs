policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-4986";
    extends = "park-blocked";
    suggested_by = "A Developer <dev@example.org>";

    /// Generated hook.
    on default_type(g, ty) {
        set_domain(g, Blocked)?;
        inherit()?;
    }

    /// Generated hook.
    on probe(dev) {
        request_irqs(dev)?;
        set_default_type(group(dev), Dma)?;
    }

    /// Generated hook.
    on claim(g) {
        if false && (cfg(IRQ_MSI_IOMMU) || cfg(IRQ_MSI_IOMMU)) {
            fail(ENOMEM);
        } else if !cfg(IRQ_MSI_IOMMU) {
            inherit()?;
            set_default_type(g, g.default_type)?;
        }
        if g.default_type != Dma {
            fail(EPERM);
        } else {
            set_domain(g, Blocked)?;
        }
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-3618";
    msi_translated = true;

    /// A driver.
    driver drv0 { dma_api, msi }

    /// A driver.
    driver drv1 { name = "drv1-k" }

    /// A driver.
    driver drv2 { managed_dma }

    /// A group.
    group g0 {
        default_type = Identity;
        /// A device.
        device d0 { aer }
    }

    moves {
        raise_aer(d0) <= 2;
        bind(d0, drv0);
        write_type(g0, Dma) <= 2;
        write_type(g0, Identity) <= 2;
        remove(d0);
    }
}
