policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-824";
    extends = "identity-at-bind";
    subject = "iommu: A generated change";
    suggested_by = "A Developer <dev@example.org>";

    /// Generated hook.
    on msi_cookie(g) {
        inherit()?;
        if !cfg(IRQ_MSI_IOMMU) {
            fail(EINVAL);
        } else {
            for d1 in g.devices {
                unuse_default_domain(d1);
                request_irqs(d1)?;
            }
            set_domain(g, EmptyDma)?;
            for d2 in g.devices {
                set_default_type(group(d2), Identity)?;
                unuse_default_domain(d2);
            }
        }
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-7612";
    platform = Arm64Smmuv3;

    /// A driver.
    driver drv0 { name = "drv0-k", managed_dma }

    /// A driver.
    driver drv1 { msi, vfio }

    /// A device.
    device d0 { aer, require_direct, driver = drv0 }

    /// A device.
    device d1 { root_port, aer, ats }

    moves {
        vfio_open(g1);
        write_type(g0, Identity);
        raise_aer(d0) <= 1;
        write_type(g1, Dma) <= 2;
        bind(d1, drv1);
    }
}
