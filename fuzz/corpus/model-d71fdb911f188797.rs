policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-7654";
    extends = "park-empty-dma";
    suggested_by = "A Developer <dev@example.org>";

    /// Generated hook.
    on dma_configure(dev, managed) {
        set_domain(group(dev), Default)?;
        if dev.irq_only {
            ats(dev, Off)?;
        } else {
            if managed {
                unuse_default_domain(dev);
                set_domain(group(dev), Default)?;
            }
        }
    }

    /// Generated hook.
    on release(g) {
        for d1 in g.devices {
            for d2 in group(d1).devices {
                free_irqs(d2);
                free_irqs(d1);
            }
            request_irqs(d1)?;
        }
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-6170";
    platform = Arm64Smmuv3;
    vfio_backend = Iommufd;

    /// A driver.
    driver drv0 { irq_only, vfio }

    /// A driver.
    driver drv1 { dma_api, msi, irq_only, vfio }

    /// A group.
    group g0 {
        /// A device.
        device d0 {  }
    }

    moves {
        vfio_close(g0);
        write_type(g0, Identity) <= 2;
        vfio_open(g0);
        write_type(g0, Dma);
        bind(d0, drv1);
    }

    script {
        vfio_close(g0);
    }
}
