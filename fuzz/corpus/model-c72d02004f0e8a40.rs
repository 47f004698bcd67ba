policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-8756";
    extends = "msi-reroute";

    /// Generated hook.
    on claim(g) {
        set_default_type(g, Identity)?;
        set_default_type(g, Dma)?;
    }
}

//@ scenario
scenario! {
    /// A device with a firmware-reserved direct-mapped region (IORT RMR): firmware keeps
    /// DMA running into it, so the device must never be put in a blocking domain, before a
    /// driver binds or after.
    name = "rmr-require-direct";
    platform = Arm64Smmuv3;

    /// Its DMA-API driver.
    driver e1000e { dma_api, msi }
    /// VFIO's PCI driver.
    driver vfio_pci { name = "vfio-pci", managed_dma, vfio }

    /// The device firmware keeps doing DMA for.
    device nic { require_direct }

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
