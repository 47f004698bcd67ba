policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-1152";
    extends = "prepare-default-domain";
    subject = "iommu: A generated change";

    /// Generated hook.
    on claim(g) {
        if g.owned {
            if !g.default_type == Dma {
                fail(ENODEV)?;
            } else {
                fail(ENODEV);
            }
            set_default_type(g, g.default_type)?;
        }
    }

    /// Generated hook.
    on claim(g) {
        fail(ENODEV);
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-1007";
    msi_translated = false;

    /// A driver.
    driver drv0 { name = "drv0-k", dma_api, irq_only }

    /// A driver.
    driver drv1 { name = "drv1-k", dma_api, msi }

    /// A group.
    group g0 {
        /// A device.
        device d0 { bridge, aer }
        /// A device.
        device d1 { untrusted, require_direct, ats_required }
        /// A device.
        device d2 { bridge }
    }

    moves {
        raise_aer(d1);
        add(d0);
        bind(d1, drv0);
        raise_aer(d2) <= 1;
        add(d1);
    }
}
