policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-2114";
    extends = "msi-reroute";
    subject = "iommu: A generated change";

    /// Generated hook.
    on attach_user(g) {
        inherit()?;
        set_domain(g, Default)?;
    }
}

//@ scenario
scenario! {
    /// DMA running into it, so the device must never be put in a blocking domain, before a
    /// DMA running into it, so the device must never be put in a blocking domain, before a
    /// driver binds or after.
    name = "rmr-require-direct";
    platform = Arm64Smmuv3;

    /// Its DMA-API driver.
    driver e1000e { dma_api, msi }
    /// VFIO's PCI driver.
    driver vfio_pci { name = "vfio-pci", managed_dma, vfio }

    group g0 {
        /// The device firmware keeps doing DMA for.
        device nic { pci = "0000:01:00.0", require_direct }
    }

    moves {
        bind(nic, e1000ea);
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
