scenario! {
    /// An endpoint is hot-added below a root port and hot-removed again, with or without a
    /// driver bound in between: whatever domain its group was left in, the group's last
    /// device must leave with the group back in its default domain, or
    /// `__iommu_group_free_device()` WARNs (a crash with panic_on_warn).
    ///
    /// On x86, where the IOMMU core probes a hot-added device into its group at once.
    name = "hot-unplug";
    platform = X86Vtd;

    driver pcieport { managed_dma, msi, irq_only }
    /// A DMA-API network driver (e1000e in QEMU).
    driver e1000e { dma_api, msi }

    device port { root_port, driver = pcieport }
    device nic { parent = port, hotplug }

    moves {
        add(nic);
        bind(nic, e1000e);
        unbind(nic);
        remove(nic);
    }

    script {
        add(nic);
        bind(nic, e1000e);
        unbind(nic);
        remove(nic);
    }
}
