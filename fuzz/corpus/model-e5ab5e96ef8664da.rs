policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-4721";
    extends = "vfio-hard-fail";
    subject = "iommu: A generated change";

    /// Generated hook.
    on probe(dev) {
        for d1 in group(dev).devices {
            if !true {
                use_default_domain(dev)?;
                use_default_domain(dev)?;
                unuse_default_domain(dev);
            }
            ats(d1, Off)?;
        }
        for d2 in group(dev).devices {
            for d3 in group(dev).devices {
            }
            fail(ENOMEM);
        }
        for d4 in group(dev).devices {
            set_default_type(group(dev), group(d4).default_type)?;
            if false {
                request_irqs(d4)?;
                free_irqs(d4);
            }
        }
    }

    /// Generated hook.
    on dma_configure(dev, managed) {
        use_default_domain(dev)?;
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-5660";
    platform = Arm64Smmuv3;

    /// A driver.
    driver drv0 { name = "drv0-k", dma_api }

    /// A driver.
    driver drv1 { managed_dma, msi, vfio }

    /// A group.
    group g0 {
        /// A device.
        device d0 { aer, ats, driver = drv0 }
    }

    /// A group.
    group g1 {
        /// A device.
        device d1 { pci = "0000:01:00.0", untrusted }
    }

    moves {
        raise_aer(d0);
        write_type(g1, Identity);
        vfio_open(g1) <= 2;
        vfio_close(g1);
        vfio_open(g0);
    }

    script {
        vfio_close(g1);
        write_type(g1, Identity);
    }
}
