scenario! {
    /// A generated scenario.
    name = "fuzz-1924";
    msi_translated = true;

    /// A driver.
    driver drv0 { name = "drv0-k", managed_dma, irq_only, vfio }

    /// A driver.
    driver drv1 { name = "drv1-k", msi, vfio }

    /// A group.
    group g0 {
        /// A device.
        device d0 {  }
    }

    moves {
        unbind(d0) <= 4;
        vfio_open(g0) <= 16;
        raise_aer(d0);
        bind(d0, drv0) <= 11;
        write_type(untrusted, Identity);
        add(d0);
        write_type(g0, Dma);
        remove(d0) <= 8;
    }

    script {
        unbind(d0);
        add(d0);
    }
}
