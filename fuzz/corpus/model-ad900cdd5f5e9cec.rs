policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-8502";
    extends = "msi-reroute";
    subject = "iommu: A generated change";

    /// Generated hook.
    on probe(dev) {
        if group(dev).singleton {
            inherit()?;
            use_default_domain(dev)?;
            if group(dev).default_type != Dma {
                inherit()?;
                unuse_default_domain(dev);
                set_domain(group(dev), Identity)?;
            } else if !cfg(IRQ_MSI_IOMMU) {
                fail(EINVAL);
            }
            ats(dev, Off)?;
        } else {
            for d1 in group(dev).devices {
                fail(EOPNOTSUPP);
            }
        }
    }

    /// Generated hook.
    on dma_cleanup(dev, managed) {
        for d1 in group(dev).devices {
            ats(d1, On)?;
            inherit()?;
            ats(dev, Off)?;
        }
        request_irqs(dev)?;
        if cfg(IRQ_MSI_IOMMU) {
            if dev.bound {
                set_domain(group(dev), Blocked)?;
                unuse_default_domain(dev);
                set_default_type(group(dev), group(dev).default_type)?;
            }
        } else if false {
        }
    }

    /// Generated hook.
    on claim(g) {
        set_domain(g, EmptyDma)?;
        set_domain(g, Identity)?;
    }

    /// Generated hook.
    on release(g) {
        for d1 in g.devices {
            if false {
                set_domain(group(d1), EmptyDma)?;
                set_default_type(g, Identity)?;
                ats(d1, On)?;
            } else {
                for d2 in group(d1).devices {
                    free_irqs(d2);
                    ats(d2, Off)?;
                    ats(d2, Off)?;
                    free_irqs(d1);
                }
            }
            free_irqs(d1);
        }
    }

    /// Generated hook.
    on bus_notify(AddDevice, dev) {
        set_domain(group(dev), Identity)?;
        ats(dev, On)?;
        for d1 in group(dev).devices {
            request_irqs(d1)?;
            for d2 in group(d1).devices {
                if cfg(IRQ_MSI_IOMMU) {
                    unuse_default_domain(d1);
                    inherit()?;
                    request_irqs(d1)?;
                    inherit()?;
                }
            }
        }
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-1316";
    platform = Arm64Smmuv3;
    vfio_backend = Type1;

    /// A driver.
    driver drv0 { managed_dma, vfio }

    /// A device.
    device d0 {  }

    /// A device.
    device d1 { root_port, aer, driver = drv0 }

    moves {
        bind(d0, drv0);
        unbind(d1);
        vfio_open(g0) <= 2;
        write_type(g0, Identity);
    }

    script {
        write_type(g0, Identity);
    }
}
