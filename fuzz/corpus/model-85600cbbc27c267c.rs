policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-9257";
    extends = "identity-at-bind";

    /// Generated hook.
    on bus_notify(BoundDriver, dev) {
        set_domain(group(dev), Default)?;
        free_irqs(dev);
    }

    /// Generated hook.
    on claim(g) {
        for d1 in g.devices {
        }
    }

    /// Generated hook.
    on release(g) {
        inherit()?;
        set_default_type(g, Identity)?;
    }

    /// Generated hook.
    on default_type(g, ty) {
        if cfg(IRQ_MSI_IOMMU) {
            for d1 in g.devices {
                unuse_default_domain(d1);
            }
            fail(EBUSY);
        } else {
            set_default_type(g, g.default_type)?;
        }
        for d2 in g.devices {
            use_default_domain(d2)?;
            for d3 in g.devices {
                free_irqs(d2);
                fail(EINVAL);
            }
            fail(ENOMEM);
        }
    }
}

//@ scenario
scenario! {
    /// A root port alone in its group, bound to pcieport (driver_managed_dma, AER over MSI)
    /// on arm64: the case that breaks parking devices blocked until a driver binds.
    name = "singleton-managed-irq";
    platform = Arm64Smmuv3;

    /// The PCIe port services driver: AER and PME over MSI, no DMA. Built in: it binds
    /// to the port at boot, before userspace runs.
    driver pcieport { managed_dma, msi, irq_only }

    /// The root port, with ACS keeping everything else out of its group.
    device port { root_port, aer, driver = pcieport }

    moves {
        bind(port, pcieport);
        unbind(port);
        raise_aer(port) <= 2;
    }

    script {
        raise_aer(port);
        unbind(port);
        bind(port, pcieport);
        raise_aer(port);
    }
}
