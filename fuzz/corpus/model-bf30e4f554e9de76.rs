policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-4781";
    extends = "park-empty-dma";
    subject = "iommu: A generated change";

    /// Generated hook.
    on msi_cookie(g) {
        fail(EBUSY);
    }
}

//@ scenario
scenario! {
    /// A CXL.cache device that cannot work without ATS (pci_ats_required()), alone in its
    /// group: ATS must be on whenever its driver is bound, and off before userspace has
    /// accepted it.
    name = "cxl-ats-required";
    platform = Arm64Smmuv3;

    /// The CXL accelerator's driver: DMA API, MSI.
    driver cxl_accel { name = "cxl-accel", dma_api, msi }
    /// VFIO's PCI driver.
    driver vfio_pci { name = "vfio-pci", managed_dma, vfio }

    /// The CXL.cache device.
    device acc { ats_required }

    moves {
        bind(acc, cxl_accel);
        unbind(acc);
        bind(acc, vfio_pci);
        vfio_open(g0);
        vfio_close(g0);
    }

    script {
        bind(acc, cxl_accel);
        unbind(acc);
    }
}
