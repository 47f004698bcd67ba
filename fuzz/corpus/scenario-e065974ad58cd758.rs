scenario! {
    /// A PCIe root port bound to pcieport and an endpoint for vfio-pci share one IOMMU
    /// group on arm64, where ame = "untrusted-external";
    msi_translated = true;

    /// Its DMA-API driver.
    driver e1000e { dma_api, msi }

    group g0 {
        /// The external device; it appears after boot.
        device ext { pci = "0000:05:00.0", untrusted, ats, hotplug }
    }

    moves {
        add(ext);
        bind(ext, e1000e);
        unbind(ext);
        remove(ext);
    }

    script {
        add(ext);
        bind(ext, e1000e);
        unbind(ext);
        remove(ext);
    }
}
