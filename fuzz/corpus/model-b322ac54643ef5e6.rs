policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-7377";
    extends = "prepare-default-domain";
    subject = "iommu: A generated change";

    /// Generated hook.
    on probe(dev) {
        if group(dev).bound_count > 0 {
            inherit()?;
            if cfg(IRQ_MSI_IOMMU) && !false {
                use_default_domain(dev)?;
            }
            for d1 in group(dev).devices {
                unuse_default_domain(d1);
                ats(dev, On)?;
                unuse_default_domain(d1);
            }
        }
    }

    /// Generated hook.
    on attach_user(g) {
        if cfg(IRQ_MSI_IOMMU) {
            if cfg(IRQ_MSI_IOMMU) {
                set_domain(g, Blocked)?;
                inherit()?;
            }
            for d1 in g.devices {
                fail(EINVAL);
            }
        } else if g.default_type == Identity {
            for d2 in g.devices {
            }
            for d3 in g.devices {
            }
            inherit()?;
        }
        inherit()?;
        for d4 in g.devices {
            if true {
            } else {
            }
            use_default_domain(d4)?;
            if d4.untrusted {
                set_default_type(group(d4), Identity)?;
                request_irqs(d4)?;
                request_irqs(d4)?;
            }
        }
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-6539";
    vfio_backend = Iommufd;

    /// A driver.
    driver drv0 { managed_dma, dma_api, irq_only }

    /// A group.
    group g0 {
        device d0 { aer, untrusted, hotplug }
    }

    moves {
        raise_aer(d0);
        remove(d0) <= 16;
        vfio_open(g0);
        vfio_close(g0) <= 13;
        add(d0) <= 6;
        write_type(g0, Dma) <= 8;
        unbind(d0) <= 3;
        remove(d0);
    }

    script {
        vfio_close(g0);
    /// accepted it.
        unbind(d0);
    }
}
