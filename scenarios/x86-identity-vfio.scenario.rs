scenario! {
    /// A user asks through sysfs for an IDENTITY default domain for an endpoint no driver
    /// holds yet, then gives it to VFIO. On x86 the IOMMU core puts a device into its
    /// group as it is added, so the group's `type` file is there from boot, and 6.12
    /// switches the group at once (`iommu_group_store_type()` only refuses a group with
    /// an owner): the endpoint nobody has accepted gets untranslated DMA.
    name = "x86-identity-vfio";
    platform = X86Vtd;
    vfio_backend = Type1;

    /// The PCIe port services driver: AER and PME over MSI, no DMA. Built in: it binds
    /// to the port at boot, before userspace runs.
    driver pcieport { managed_dma, msi, irq_only }
    /// VFIO's PCI driver.
    driver vfio_pci { name = "vfio-pci", managed_dma, vfio }

    /// The root port, with ACS: the endpoint below it has a group of its own.
    device port { root_port, driver = pcieport }
    /// The endpoint behind it.
    device nic { parent = port }

    moves {
        write_type(g1, Identity);
        bind(nic, vfio_pci);
        vfio_open(g1);
        vfio_close(g1);
    }

    script {
        write_type(g1, Identity);
        bind(nic, vfio_pci);
        vfio_open(g1);
        vfio_close(g1);
    }
}
