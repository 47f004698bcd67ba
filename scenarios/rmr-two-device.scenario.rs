scenario! {
    /// A root port without ACS and the endpoint below it share a group, and firmware
    /// reserved a direct-mapped region (a VT-d RMRR) for the endpoint, the group's second
    /// member: the group must never be put in a blocking domain, although its first
    /// member, the port, requires nothing.
    ///
    /// At boot bus_iommu_probe() puts both devices in the group before it sets up the
    /// group's first domain, so a look at every member sees the endpoint; a look at
    /// iommu_group_first_dev() sees only the port. (On x86 every PCI device is probed at
    /// boot; on arm64 a PCI device joins its group only at its first bind.)
    name = "rmr-two-device";
    platform = X86Vtd;

    /// The PCIe port services driver, built in: AER, PME and hotplug over MSI, no DMA.
    driver pcieport { managed_dma, msi, irq_only }
    /// The endpoint's DMA-API driver.
    driver e1000e { dma_api, msi }
    /// VFIO's PCI driver.
    driver vfio_pci { name = "vfio-pci", managed_dma, vfio }

    /// The root port, without ACS: the group's first member.
    device rp { root_port, no_acs, aer, driver = pcieport }
    /// The endpoint firmware keeps doing DMA for: the group's second member.
    device nic { parent = rp, require_direct }

    moves {
        bind(nic, e1000e);
        unbind(nic);
        bind(nic, vfio_pci);
        vfio_open(g0);
        vfio_close(g0);
    }

    script {
        bind(nic, e1000e);
        unbind(nic);
    }
}
