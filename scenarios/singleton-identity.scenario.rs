scenario! {
    /// A user asks for an IDENTITY default domain through sysfs before any driver binds to
    /// the device alone in its group: with 6.12 the unaccepted device gets untranslated DMA
    /// at once; and one that unbinds the driver, asks for IDENTITY and binds again must
    /// find the identity domain attached, since the DMA API is then set up for direct
    /// mapping. Parking again after an unbind is exercised by cxl-ats-required.
    ///
    /// On x86, where the IOMMU core probes a device into its group as it is added, so the
    /// group and its `type` file exist before any bind; on arm64 a device joins its group
    /// only at its first bind (`of_iommu_configure()` from `pci_dma_configure()`).
    name = "singleton-identity";
    platform = X86Vtd;

    /// A DMA-API network driver (e1000e in QEMU).
    driver e1000e { dma_api, msi }

    /// An endpoint with ATS, alone in its group.
    device nic { ats }

    moves {
        write_type(g0, Identity);
        bind(nic, e1000e) <= 2;
        unbind(nic);
    }

    script {
        write_type(g0, Identity);
        bind(nic, e1000e);
    }
}
