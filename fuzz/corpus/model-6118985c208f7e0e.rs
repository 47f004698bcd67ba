policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-7441";
    extends = "vfio-hard-fail";
    subject = "iommu: A generated change";

    /// Generated hook.
    on dma_configure(dev, managed) {
        request_irqs(dev)?;
        inherit()?;
    }

    /// Generated hook.
    on claim(g) {
        if g.bound_count >= 1 {
            for d1 in g.devices {
                use_default_domain(d1)?;
            }
        } else if true {
            if g.singleton {
            }
        }
    }

    /// Generated hook.
    on release(g) {
        inherit()?;
    }
}

//@ scenario
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
