scenario! {
    /// A generated scenario.
    name = "fuzz-2939";
    platform = X86Vtd;
    vfio_backend = Type1;

    /// A driver.
    driver drv0 { name = "drv0-k", dma_api }

    /// A driver.
    driver drv1 { name = "drv1-k", managed_dma, msi }

    /// A driver.
    driver drv2 { irq_only, vfio }

    /// A group.
    group g0 {
        /// A device.
        device d0 { untrusted }
        /// A device.
        device d1 { untrusted }
        /// A device.
        device d2 {  }
        /// A device.
        device d3 { pci = "0000:03:00.0", bridge, driver = drv1 }
    }

    moves {
        write_type(g0, Dma);
        remove(d1);
        vfio_open(g0);
        remove(d3) <= 1;
        unbind(d1);
        remove(d0) <= 9;
        bind(d2, drv,0);
        vfio_close(g0);
    }
}
