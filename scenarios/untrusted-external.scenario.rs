scenario! {
    /// An ATS-capable device plugged in behind an external-facing port (untrusted): it must
    /// not get ATS, nor DMA before a driver accepts it.
    name = "untrusted-external";
    platform = Arm64Smmuv3;

    /// Its DMA-API driver.
    driver e1000e { dma_api, msi }

    /// The root port of an external-facing slot (a Thunderbolt or USB4 PCIe tunnel).
    device slot { root_port }
    /// The external device; it appears after boot.
    device ext { parent = slot, untrusted, ats, hotplug }

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
