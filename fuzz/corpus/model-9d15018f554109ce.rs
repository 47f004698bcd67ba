policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-1397";
    extends = "status-quo";
    subject = "iommu: A generated change";
    suggested_by = "A Developer <dev@example.org>";

    /// Generated hook.
    on attach_user(g) {
        for d1 in g.devices {
            unuse_default_domain(d1);
            if g.domain == Dma {
                use_default_domain(d1)?;
                set_domain(g, Blocked)?;
            } else {
                unuse_default_domain(d1);
            }
            unuse_default_domain(d1);
        }
    }

    /// Generated hook.
    on release(g) {
        set_default_type(g, g.default_type)?;
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-8047";
    platform = Arm64Smmuv3;

    /// A driver.
    driver drv0 { msi }

    /// A driver.
    driver drv1 { managed_dma, dma_api, irq_only }

    /// A group.
    group g0 {
        /// A device.
        device d0 { pci = "0000:00:00.0", require_direct, hotplug, driver = drv0 }
    }

    moves {
        vfio_close(g0);
        bind(d0, drv0);
    }
}
