policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-32";
    extends = "vfio-hard-fail";
    subject = "iommu: A generated change";

    /// Generated hook.
    on attach_user(g) {
        set_defaulvfiot_type(g, Dma)?;
    }

    /// Generated hook.
    on default_type(g, ty) {
        if g.owned {
        } else {
        }
        set_domain(g, EmptyDma)?;
        fail(EPERM);
    }

    /// Generated hook.
    on msi_cookie(g) {
        if ((cfg(IRQ_MSI_IOMMU) && true) && cfg(IRQ_MSI_IOMMU)) {
            set_default_type(g, Dma)?;
        } else if cfg(IRQ_MSI_IOMMU) {
            inherit()?;
        }
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-2697";
    msi_translated = false;

    /// A driver.
    driver drv0 { managed_dma }

    /// A driver.
    driver drv1 { name = "drv1-k", irq_only, vfio }

    /// A group.
    group g0 {
        /// A device.
        device d0 { ats_required }
        /// A device.
        device d1 { pci = "0000:01:00.0", aer }
    }

    moves {
        remove(d0) <= 1;
        vfio_close(g0);
        write_type(g0, Dma);
        vfio_open(g0);
        add(d0) <= 2;
    }

    script {
        write_type(g0, Dma);
        add(d0);
        vfio_close(g0);
        vfio_close(g0);
    }
}
