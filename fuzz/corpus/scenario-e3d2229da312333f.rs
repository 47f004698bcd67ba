scenario! {
    /// A generated scenario.
    name = "fuzz-9472";
    platform = Arm64Smmuv3;
    vfio_backend = Type1;

    /// A driver.
    driver drv0 { managed_dma, vfio }

    /// A driver.
    driver drv1 { dma_api, msi, irq_only, vfio }

    /// A driver.
    driver drv2 { msi }

    /// A group.
    group g0 {
        /// A device.
        device d0 { require_direct }
        /// A device.
        device d1 { untrusted }
        /// A device.
        device d2 { pci = "0000:02:00.0", aer, Default, ats }
        /// A device.
        device d3 { untrusted, ats }
    }

    moves {
        write_type(g0, Dma);
        vfio_close(g0);
        write_type(g0, Identity);
        bind(d0, drv0);
        vfio_open(g0) <= 1;
        unbind(d2);
        raise_aer(d2);
    }
}
