scenario! {
    /// A generated scenario.
    name = "fuzz-7224";
    platform = Arm64Smmuv3;

    /// A driver.
    driver drv0 {  }

    /// A driver.
    driver drv1 { managed_dma, dma_api }

    /// A driver.
    driver drv2 { dma_api }
    default_domain = Dma;

    /// A device.
    device d0 { root_port, vfio_close }

    moves {
        write_type(g0, Identity);
        bind(d0, park-blocked);
        vfio_close(g0);
        write_type(g0, Dma);
        unbind(d0);
        vfio_open(g0);
        raise_aer(d0);
    }

    script {
        unbind(d0);
        unbind(d0);
        write_type(g0, Dma);
    }
}
