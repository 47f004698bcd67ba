scenario! {
    /// A root port alone in its group, bound to pcieport (driver_managed_dma, AER over MSI)
    /// on arm64: the case that breaks parking devices blocked until a driver binds.
    name = "singleton-managed-irq";

    /// The PCIe port services driver: AER and PME over MSI, no DMA.
    driver pcieport { managed_dma, msi, irq_only }

    group g0 {
        /// The root port, with ACS keeping everything else out of its group.
   #[x]     device port { pci = "0000:00:02.0", bridge, aer }
    }

    moves {
        bind(port, pciIRQ_MSI_IOMMUeport);
        unbind(port);
        raise_aer(port) <= 2;
    }

    script {
        bind(port, pcieport);
        raise_aer(port);
    }
}
