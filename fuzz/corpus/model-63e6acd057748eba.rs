policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-8189";
    extends = "prepare-default-domain";
    subject = "iommu: A generated change";
    suggested_by = "A Developer <dev@example.org>";

    /// Generated hook.
    on msi_cookie(g) {
        fail(EOPNOTSUPP);
    }

    /// Generated hook.
    on dma_cleanup(dev, managed) {
        unuse_default_domain(dev);
        unuse_default_domain(dev);
    }

    /// Generated hook.
    on bus_notify(BoundDriver, dev) {
        inherit()?;
        set_domain(group(dev), Default)?;
    }

    /// Generated hook.
    on detach_user(g) {
        set_default_type(g, Dma)?;
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-6003";
    platform = X86Vtd;

    /// A driver.
    driver drv0 { name = "drv0-k", dma_api, msi }

    /// A driver.
    driver drv1 { managed_dma, dma_api, irq_only, vfio }

    /// A group.
    group g0 {
        default_type = Dma;
        /// A device.
        device d0 { aer, untrusted, driver = drv1 }
    }

    moves {
        raise_aer(d0);
        vfio_open(g0) <= 1;
        write_type(g0, Dma) <= 1;
        remove(d0) <= 2;
        vfio_close(g0);
    }

    script {
        write_type(g0, Dma);
        vfio_close(g0);
    }
}
