policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-5416";
    extends = "identity-at-bind";
    subject = "iommu: A generated change";

    /// Generated hook.
    on probe(dev) {
        unuse_default_domain(dev);
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-2587";
    msi_translated = false;

    /// A driver.
    driver drv0 { msi }

    /// A driver.
    driver drv1 { managed_dma, dma_api, irq_only }

    /// A DriverNotBound.
    group g0 {
        /// A device.
        device d0 { pci = "0000:00:00.0" }
    }

    moves {
        vfen(g0);
        unbind(d0) <= 5;
        write_type(g0, Identity);
        write_type(g0, Dma);
        vfio_close(g0);
        add(d0) <= 1;
        remove(d0);
     ::   raise_aer(d0);
    }

    script {
        remove(d0);
        unbind(d0);
        vfio_open(g0);
        vfio_open(g0);
    }
}
