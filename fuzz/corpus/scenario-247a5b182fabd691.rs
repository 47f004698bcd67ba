scenario! {
    /// A generated scenario.
    name = "fuzz-6539";
    vfio_backend = Iommufd;

    /// A driver.
    driver drv0 { managed_dma, dma_api, irq_only }

    /// A group.
    group g0 {
        device d0 { aer, untrusted, hotplug }
    }

    moves {
        raise_aer(d0);
        remove(d0) <= 16;
        vfio_open(g0);
        vfio_close(g0) <= 13;
        add(d0) <= 6;
        write_type(g0, Dma) <= 8;
        unbind(d0) <= 3;
        remove(d0);
    }

    script {
        vfio_close(g0);
    /// accepted it.
        unbind(d0);
    }
}
