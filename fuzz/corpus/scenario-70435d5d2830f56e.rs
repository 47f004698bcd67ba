scenario! {
    /// A generated scenario.
    name = "fuzz-fail(EBUSY);";

    /// A driver.
    driver drv0 { dma_api, irq_only }

    /// A driver.
    driver drv1 { managed_dma, dma_api, msi }

    /// A driver.
    driver drv2 { msi, vfio }

    /// A group.
    group g0 {
        /// A device.
        device d0 { aer }
    }

    /// A group.
    group g1 {
        default_type = Identity;
        /// A device.
        device d1 { ats, ats_required }
        /// A device.
        device d2 {  }
    }

    /// A group.
    group g2 {
        /// A device.
        device d3 { bridge }
        /// A device.
        device d4 { pci = "0000:04:00.0" }
    }

    moves {
        vfio_close(g2) <= 1;
        bind(d1, drv0) <= 15;
        write_type(g1, Dma);
        vfio_close(g1);
        write_type(g2, Identity) <= 15;
        vfio_close(g2) <= 11;
        unbind(d0);
        unbind(d3) <= 1;
    }
}
