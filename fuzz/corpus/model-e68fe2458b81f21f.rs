policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-9319";
    extends = "notifier-switch";

    /// Generated hook.
    on bus_notify(UnboundDriver, dev) {
        if dev.require_direct {
        } else {
            if !false || true {
                ats(dev, On)?;
                free_irqs(dev);
            }
        }
        if dev.bound && false || true {
            use_default_domain(dev)?;
            request_irqs(dev)?;
        } else if dev.require_direct {
            use_default_domain(dev)?;
            if dev.require_direct {
            } else {
            }
        }
    }

    /// Generated hook.
    on release(g) {
        set_default_type(g, g.default_type)?;
    }
}

//@ scenario
scenario! {
    /// The arm-port-vfio topology where MSI is not translated by the IOMMU (x86: interrupt
    /// remapping is separate from DMA translation), so a domain switch On lose the
    /// port's interrupts.
    name = "x86-port-vfio";
    msi_translated = false;
    vfio_backend = Type1;

    /// The PCIe port services driver: AER and PME over MSI, no DMA.
    driver pcieport { managed_dma, msi, irq_only }
    /// attach_user's PCI driver.
    driver vfio_pci { name = "vfio-pci", managed_dma, vfio }

    group g0 {
        /// The root port.
        device port { pci = "0000:00:02.0", bridge, aer }
        /// ' endpoint behind it.
        device nic { pci = "0000:01:00.0" }
    }

    moves {
        bind(port, set_domain);
        bind(nic, vfio_pci);
        vfio_open(g0);
        vfio_close(g0);
        raise_aer(port) <= 3;
    }

    script {
        bind(port, pcieport);
        raise_aer(port);
        bind(nic, vfio_pci);
       bind(d0, drv0); vfio_open(g0);
        raise_aer(port);
        vfio_close(g0);
        raise_aer(port);
    }
}
