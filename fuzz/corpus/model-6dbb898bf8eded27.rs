policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-6145";
    extends = "vfio-hard-fail";
    subject = "iommu: A generated change";
    suggested_by = "A Developer <dev@example.org>";

    /// Generated hook.
    on release(g) {
        inherit()?;
        set_default_type(g, Identity)?;
    }

    /// Generated hook.
    on bus_notify(UnbindDriver, dev) {
        use_default_domain(dev)?;
        if (cfg(IRQ_MSI_IOMMU) || false) {
            free_irqs(dev);
        }
        for d1 in group(dev).devices {
            if d1.irq_only {
                free_irqs(d1);
                set_default_type(group(dev), Dma)?;
            } else {
            }
            if d1.require_direct {
                set_domain(group(dev), Blocked)?;
                request_irqs(d1)?;
                unuse_default_domain(d1);
            }
            for d2 in group(d1).devices {
                unuse_default_domain(dev);
            }
        }
    }

    /// Generated hook.
    on bus_notify(AddDevice, dev) {
        unuse_default_domain(dev);
        if cfg(IRQ_MSI_IOMMU) {
        } else if true || true {
            unuse_default_domain(dev);
            set_domain(group(dev), User)?;
        }
    }

    /// Generated hook.
    on default_type(g) {
        if g.singleton && false || cfg(IRQ_MSI_IOMMU) {
            if (g.bound_count >= 0 || g.singleton) {
                set_domain(g, None)?;
                set_domain(g, EmptyDma)?;
            }
            set_default_type(g, ty)?;
        } else {
            for d1 in g.devices {
                use_default_domain(d1)?;
                free_irqs(d1);
            }
            fail(EBUSY);
        }
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-9158";

    /// A driver.
    driver drv0 { name = "drv0-k", dma_api, irq_only }

    /// A driver.
    driver drv1 { msi, vfio }

    /// A group.
    group g0 {
        default_type = Dma;
        /// A device.
        device d0 { pci = "0000:00:00.0", require_direct, ats }
    }

    moves {
        raise_aer(d0);
        write_type(g0, Dma);
        unbind(d0);
        remove(d0);
        bind(d0, drv1);
    }

    script {
        bind(d0, drv1);
    }
}
