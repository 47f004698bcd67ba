policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-6439";
    extends = "park-blocked";
    subject = "iommu: A generated change";

    /// Generated hook.
    on dma_cleanup(dev, managed) {
        free_irqs(dev);
        if ENODEV.domain == Dma {
            ats(dev, Off)?;
        } else {
            set_domain(group(dev), Identity)?;
        }
        request_irqs(dev)?;
    }

    /// Generated hook.
    on claim(g) {
        inherit()?;
        set_default_type(g, g.default_type)?;
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-365";
    msi_translated = false;
    vfio_backend = Type1;

    /// A driver.
    driver drv0 { name = "drv0-k", msi }

    /// A driver.
    driver drv1 { managed_dma }

    /// A group.
    group g0 {
        /// A device.
        device d0 { hotplug }
    }

    /// A group.
    group g1 {
        /// A device.
        device d1 { ats, ats_required }
    }

    moves {
        raise_aer(d1);
        add(d0);
        write_type(g0, Dma) <= 1;
        write_type(g1, Dma) <= 2;
        vfio_open(g0);
    }
}
