policy! {
    /// Linux 6.12 as it is: the root every other policy extends (thread P0).
    ///
    /// A device gets its group's default domain when it is probed, before any driver
    /// binds. A driver without `driver_managed_dma` counts itself as a DMA-API user with
    /// iommu_device_use_default_domain(); pcieport, vfio-pci and pci-stub manage DMA
    /// themselves and take nothing. A VFIO claim moves the group to its blocking domain and
    /// then to the user's paging domain; closing returns it to the default domain. Nothing
    /// else moves a group, and the bus notifier acts only on ADD_DEVICE and REMOVED_DEVICE.
    ///
    /// Linux 7.3 has the same hooks. What it changes is around them: an arm64 device is
    /// probed into its group when it is added (iommu_init_device() calls the bus's
    /// dma_configure()), iommu_dma_prepare_msi() refuses a domain without a cookie, and
    /// only the irqchips that need it select IRQ_MSI_IOMMU.
    name = "status-quo";
    subject = "iommu: Linux 6.12 domain transitions";

    /// __iommu_probe_device(): the first member sets up and attaches the default domain
    /// (iommu_setup_default_domain()); later members join the group's current domain.
    on probe(dev) {
        if group(dev).domain == None {
            set_domain(group(dev), Default)?;
        }
    }

    /// __iommu_probe_device(): a device joining a group that has a domain is attached to
    /// the group's current domain after this.
    on join(dev) {}

    /// iommu_bus_notifier() probes on ADD_DEVICE; that is the `probe` hook above.
    on bus_notify(AddDevice, dev) {}

    /// Ignored by iommu_bus_notifier().
    on bus_notify(BindDriver, dev) {}

    /// Ignored by iommu_bus_notifier().
    on bus_notify(BoundDriver, dev) {}

    /// Ignored by iommu_bus_notifier().
    on bus_notify(UnbindDriver, dev) {}

    /// Ignored by iommu_bus_notifier().
    on bus_notify(UnboundDriver, dev) {}

    /// Ignored by iommu_bus_notifier().
    on bus_notify(DriverNotBound, dev) {}

    /// iommu_bus_notifier() calls iommu_release_device() after this.
    on bus_notify(RemovedDevice, dev) {}

    /// pci_dma_configure(): a driver that does not manage DMA itself takes the DMA API.
    on dma_configure(dev, managed) {
        if !managed {
            use_default_domain(dev)?;
        }
    }

    /// pci_dma_cleanup(): the reverse of `dma_configure`.
    on dma_cleanup(dev, managed) {
        if !managed {
            unuse_default_domain(dev);
        }
    }

    /// iommu_group_claim_dma_owner() and __iommu_take_dma_ownership(): no DMA-API users
    /// (EPERM), the group in its default domain (EBUSY), then the blocking domain.
    on claim(g) {
        if g.owner_cnt > 0 {
            fail(EPERM);
        }
        if g.domain != Default && g.domain != None {
            fail(EBUSY);
        }
        set_domain(g, Blocked)?;
    }

    /// __iommu_attach_group(): only from the default or the blocking domain.
    on attach_user(g) {
        if g.domain != Default && g.domain != Blocked {
            fail(EBUSY);
        }
        set_domain(g, User)?;
    }

    /// vfio_iommu_type1_attach_group() installs the cookie and does nothing more.
    on msi_cookie(g) {}

    /// __iommu_group_set_core_domain(): the blocking domain while owned, else the default.
    on detach_user(g) {
        if g.owned {
            set_domain(g, Blocked)?;
        } else {
            set_domain(g, Default)?;
        }
    }

    /// __iommu_release_dma_ownership(): back to the default domain.
    on release(g) {
        set_domain(g, Default)?;
    }

    /// iommu_group_store_type(): refused while the group has DMA-API users or an owner;
    /// iommu_setup_default_domain() then attaches the new default domain at once.
    on default_type(g, ty) {
        if g.owner_cnt > 0 {
            fail(EPERM);
        }
        set_default_type(g, ty)?;
        set_domain(g, Default)?;
    }

    /// __iommu_group_remove_device() does nothing for the last device but free it:
    /// __iommu_group_free_device() expects the group to be in its default domain.
    on remove_last(g) {}

    /// iommu_dma_prepare_msi() maps the doorbell in the domain attached now, whatever
    /// owns the group.
    on prepare_msi(dev) {}
}
