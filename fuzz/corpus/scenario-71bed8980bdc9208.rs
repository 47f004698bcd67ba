scenario! {
    /// A generated scenario.
    name = "fuzz-9385";

    /// A driver.
    driver drv0 { dma_api, irq_only }

    /// A driver.
    driver drv1 { name = "drv1-k", dma_api, irq_only }

    /// A device.
    device d0 { root_port, aer, ats }

    moves {
        write_type(g0, Identity);
        write_type(g0, Dma);
        vfio_open(g0);
        vfio_open(g0);
        vfio_close(g0) <= 16;
        bind(d0, drv1);
        remove(d0) <= 16;
    }

    script {
        vfio_close(g0);
        vfio_close(g0);
        bind(d0, drv1);
    }
}
