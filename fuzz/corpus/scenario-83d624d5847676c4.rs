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
