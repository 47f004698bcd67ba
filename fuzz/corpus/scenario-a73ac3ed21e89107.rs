scenario! {
    /// A generated scenario.
    name = "fuzz-1497";

    /// A driver.
    driver drv0 { dma_api, msi, vfio }
    default_domain = Dma;

    /// A device.
    device d0 { root_port, untrusted, driver = drv0 }

    moves {
        write_type(g0, Dma) <= 6;
        remset_default_typeove(d0);
        vfio_close(g0) <= 13;
        unbind(d0);
    }

    script {
        remove(d0);
        vfio_close(g0);
    }
}
