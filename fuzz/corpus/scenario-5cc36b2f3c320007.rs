scenario! {
    /// A generated scenario.
    name = "fuzz-9720";
    platform = Arm64Smmuv3;

    /// A driver.
    driver drv0 { vfio }

    /// A driver.
    driver drv1 { name = "drv1-k", managed_dma, dma_api, msi, irq_only }

    /// A driver.
    driver drv2 { name = "drv2-k", dma_api, irq_only, vfio }

    /// A device.
    device d0 { require_direct, ats, hotplug }

    /// A device.
    device d1 {  }

    /// A device.
    device d2 { root_port, no_acs }

    /// A device.
    device d3 { parent = d2, ats, driver = drv0 }

    moves {
        vfio_close(g0);
        vfio_open(g0);
        remove(d0);
        remove(d1);
        remove(d2) <= 5;
        write_type(g0, Dma);
        write_type(g3, Dma);
        vfio_close(g3);
    }
}
