policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-972";
    extends = "park-blocked";
    subject = "iommu: A generated change";
    suggested_by = "A Developer <dev@example.org>";

    /// Generated hook.
    on dma_configure(dev, managed) {
        request_irqs(dev)?;
        if managed {
            unuse_default_domain(dev);
            ats(dev, On)?;
        } else {
        }
    }

    /// Generated hook.
    on default_type(g, ty) {
        if g.owned {
            for d1 in g.devices {
            }
            fail(ENODEV);
        } else if g.owned {
            if g.default_type != Dma {
                set_domain(g, Identity)?;
                set_domain(g, Default)?;
                set_domain(g, Blocked)?;
            }
            set_default_type(g, ty)?;
            set_default_type(g, ty)?;
        }
        set_domain(g, Blocked)?;
        if g.singleton {
            for d2 in g.devices {
                request_irqs(d2)?;
                inherit()?;
                fail(ENOMEM);
            }
            if cfg(IRQ_MSI_IOMMU) {
                inherit()?;
            }
        } else if !true {
            if cfg(IRQ_MSI_IOMMU) {
                set_default_type(g, g.default_type)?;
                set_domain(g, Identity)?;
            } else {
                set_domain(g, Blocked)?;
            }
            set_domain(g, Default)?;
        }
    }

    /// Generated hook.
    on probe(dev) {
        set_default_type(group(dev), group(dev).default_type)?;
        for d1 in group(dev).devices {
            if group(d1).default_type != Identity {
                use_default_domain(dev)?;
                use_default_domain(d1)?;
                fail(EBUSY);
            }
            for d2 in group(d1).devices {
                free_irqs(dev);
            }
            for d3 in group(d1).devices {
            }
        }
        if cfg(IRQ_MSI_IOMMU) && false && false {
            for d4 in group(dev).devices {
                set_default_type(group(d4), Dma)?;
                free_irqs(dev);
                use_default_domain(d4)?;
            }
            for d5 in group(dev).devices {
                set_domain(group(d5), EmptyDma)?;
                free_irqs(dev);
                request_irqs(d5)?;
            }
        } else {
        }
    }

    /// Generated hook.
    on attach_user(g) {
        fail(ENOMEM);
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-333";
    platform = Arm64Smmuv3;
    vfio_backend = Type1;

    /// A driver.
    driver drv0 { name = "drv0-k", vfio }

    /// A driver.
    driver drv1 {  }

    /// A driver.
    driver drv2 { name = "drv2-k" }

    /// A device.
    device d0 { ats_required }

    moves {
        unbind(d0) <= 2;
        vfio_close(g0);
        bind(d0, drv1);
        vfio_open(g0);
        bind(d0, drv0);
    }

    script {
        vfio_close(g0);
    }
}
