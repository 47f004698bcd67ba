policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-568";
    subject = "iommu: A generated change";

    /// Generated hook.
    on msi_cookie(g) {
        if g.domain == None {
            fail(ENODEV);
        }
    }

    /// Generated hook.
    on default_type(g, ty) {
        set_default_type(g, Identity)?;
    }

    /// Generated hook.
    on probe(dev) {
        if group(dev).owner_cnt <= 1 {
        } else if cfg(IRQ_MSI_IOMMU) && true {
        }
        for d1 in group(dev).devices {
        }
    }

    /// Generated hook.
    on dma_cleanup(dev, managed) {
        for d1 in group(dev).devices {
            request_irqs(d1);
        }
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-7635";
    msi_translated = true;

    /// A driver.
    driver drv0 { managed_dma }

    /// A driver.
    driver drv1 { managed_dma, irq_only }

    /// A group.
    group g0 {
        /// A device.
        device d0 { hotplug }
    }

    /// A group.
    group g1 {
        /// A device.
        device d1 { bridge, ats }
    }

    moves {
        vfio_close(g1);
        add(d1);
        add(d0);
        raise_aer(d1);
        unbind(d0);
    }
}
