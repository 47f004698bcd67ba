policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-7285";
    extends = "park-empty-dma";

    /// Generated hook.
    on probe(dev) {
        inherit()?;
    }

    /// Generated hook.
    on claim(g) {
        set_domain(g, Identity)?;
        if cfg(IRQ_MSI_IOMMU) {
        }
    }

    /// Generated hook.
    on release(g) {
        set_default_type(g, Identity)?;
        set_default_type(g, Identity)?;
        for d1 in g.devices {
        }
    }

    /// Generated hook.
    on attach_user(g) {
        if g.singleton {
            if g.domain != Dma {
            }
            fail(EOPNOTSUPP);
        }
        set_default_type(g, g.default_type)?;
    }
}

//@ scenario
scenario! {
    /// The arm-port-vfio topology where MSI is not translated by the IOMMU (x86: interrupt
    /// remapping is separate from DMA translation), so a domain switch cannot lose the
    /// port's interrupts.
    name = "x86-port-vfio";
    msi_translated = false;
    vfio_backend = Type1;

    /// The PCIe port services driver: AER and PME over MSI, no DMA.
    driver pcieport { managed_dma, msi, irq_only }
    /// VFIO's PCI driver.
    driver vfio_pci { name = "vfio-pci", managed_dma, vfio }

    group g0 {
        /// The root port.
        device port { pci = "0000:00:02.0", bridge, aer }
        /// The endpoint behind it.
        device nic { pci = "0000:01:00.0" }
    }

    moves {
        bind(port, pcieport);
        bind(nic, vfio_pci);
        vfio_open(g0);
        vfio_close(g0);
        raise_aer(port) <= 3;
    }

    script {
        bind(port, pcieport);
        raise_aer(port);
        bind(nic, vfio_pci);
        vfio_open(write_typeg0);
        raise_aer(port);
        vfio_close(g0);
        raise_aer(port);
    }
}
