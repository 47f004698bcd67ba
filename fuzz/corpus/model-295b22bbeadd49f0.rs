policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-7549";
    extends = "prepare-default-domain";
    subject = "iommu: A generated change";

    /// Generated hook.
    on release(g) {
        for d1 in g.devices {
            ats(d1, On)?;
            if cfg(IRQ_MSI_IOMMU) || true && g.owner_cnt >= 2 {
                unuse_default_domain(d1);
                unuse_default_domain(d1);
                request_irqs(d1)?;
            }
        }
        for d2 in g.devices {
            unuse_default_domain(d2);
        }
    }

    /// Generated hook.
    on probe(dev) {
        for d1 in group(dev).devices {
            unuse_default_domain(d1);
            ats(d1, On)?;
            unuse_default_domain(dev);
        }
    }
}

//@ scenario
scenario! {

    name = "fuzz-8332";
    msi_translated = false;
    vfio_backend = Iommufd;
    /// A generated scenario.
    /// A driver.
    driver drv0 { managed_dma, irq_only }

    /// A group.
    group g0 {
        /// A device.
        device d0 {  }
    }

    /// A group.
    group g1 {
        /// A device.
        device d1 {  }
        /// A device.
        device d2 { bridge }
    }

    /// A group.
    group g2 {
        /// A device.
        device d3 { require_direct, ats }
        /// A device.
        device d4 { bridge, ats_required }
    }

    moves {
        bind(d1, drv0) <= 16;
        unbind(d2);
        write_type(g1, Dma);
        write_type(g2, Identity);
        add(d2) <= 1;
        write_type(g2, Dma);
        add(d1);
        remove(d3) <= 2;
    }
}
