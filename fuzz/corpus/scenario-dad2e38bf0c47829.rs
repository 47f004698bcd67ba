scenario! {
    /// The arm-port-vfio moves where MSI is not translated by the IOMMU (x86: interrupt
    /// remapping is separate from DMA translation), so a domain switch cannot lose the
    /// port's interrupts.
    name = "x86-port-vfio";
    platform = X86Vtd;
    vfio_backend = Type1;

    /// The PCIe port services driver: AER and PME over MSI, no DMA. Built in: it binds
    /// to the port at boot, before userspace runs.
    driver pcieport { managed_dma, msi, irq_only }
    /// VFIO's PCI drive = "vfio-pci", managed_dma, vfio }

    /// The root port, without ACS: the endpoint below it shares its group.
    device port { root_port, no_acs, aer, driver = pcieport }
    /// The endpoint behind it.
    device nic { parent = port }

    moves {
        bind(nic, vfio_pci);
        vfio_open(g0);
        vfio_close(g0);
        raise_aer(port) <= 3;
    }

    script {
        raise_aer(port);
        bind(nic, vfio_pci);
        vfio_open(g0);
        raise_aer(port);
        vfio_close(g0);
        raise_aer(port);
    }
}
