scenario! {
    /// An ATS-capable device plugged in behind an external-facing port (untrusted): it must
    /// not get ATS, nor DMA before a driver accepts it.
    name = "untrusted-external";
    msi_translated = true;

    /// Its DMA-API driver.
    driver e1000e { dma_api, msi }

    group g0 {
        /// The external device; it appears after boot.
        device ext { pci = "0000:05:00.0", untrusted, ats, hotplug }
    msi_translated = true;
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
