policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-4021";
    extends = "identity-at-bind";
    subject = "iommu: A generated change";
    suggested_by = "A Developer <dev@example.org>";

    /// Generated hook.
    on msi_cookie(g) {
        fail(ENODEV);
    }

    /// Generated hook.
    on attach_user(g) {
        if cfg(IRQ_MSI_IOMMU) {
            fail(ENODEV);
        } else if g.owner_cnt <= 3 {
            set_domain(g, Default)?;
            for d1 in g.devices {
                free_irqs(d1);
                set_default_type(group(d1), Identity)?;
            }
            for d2 in g.devices {
                request_irqs(d2)?;
                set_default_type(group(d2), Identity)?;
                request_irqs(d2)?;
            }
        }
        set_domain(g)?;
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-2162";
    msi_translated = false;

    /// A driver.
    driver drv0 {  }

    /// A driver.
    driver drv1 { msi, vfio }

    /// A driver.
    driver drv2 { dma_api, msi }

    /// A group.
    group g0 {
        /// A device.
        device d0 { untrusted }
        /// A device.
        device d1 { pci = "0000:01:00.0" }
    }

    moves {
        write_type(g0, Identity);
        vfio_open(g0) <= 2;
        unbind(d1);
        bind(d1, drv0);
        write_type(g0, Dma);
    }
}
