policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-6385";
    extends = "park-blocked";
    suggested_by = "A Developer <dev@example.org>";

    /// Generated hook.
    on bus_notify(BindDriver, dev) {
        free_irqs(dev);
        for d1 in group(dev).devices {
            inherit()?;
        }
    }

    /// Generated hook.
    on dma_configure(dev, managed) {
        ats(dev, On)?;
    }

    /// Generated hook.
    on probe(dev) {
        for d1 in group(dev).devices {
        }
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-4043";
    platform = Arm64Smmuv3;
    vfio_backend = Iommufd;

    /// A driver.
    driver drv0 { name = "drv0-k", dma_api, msi }

    /// A driver.
    driver drv1 { dma_api, msi }

    /// A driver.
    driver drv2 { managed_dma, msi, irq_only }

    /// A group.
    group g0 {
        /// A device.
        device d0 { pci = "0000:00:00.0", untrusted, require_direct }
    }

    /// A group.
    group g1 {
        default_type = Identity;
        /// A device.
        device d1 { aer }
    }

    moves {
        vfio_close(g1);
        raise_aer(d1) <= 1;
        remove(d0);
        vfio_open(g1);
    }

    script {
        vfio_open(g1);
        raise_aer(d1);
        remove(d0);
    }
}
