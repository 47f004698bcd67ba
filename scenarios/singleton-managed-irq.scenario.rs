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
