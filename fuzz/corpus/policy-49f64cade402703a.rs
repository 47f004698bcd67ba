policy! {
    /// Linux 6.12 as it is: the root every other policy extends (thread P0).
    ///
    /// A device gets its group's default domain when it is probed, before any driver
    /// binds. A driver without `driver_managed_dma` counts itself as a DMA-API user with
    /// iommu_device_use_default_domain(); pcieport, vfio-pci and pci-stub manage DMA
    /// themselves and take nothing. A VFIO claim moves the group to its blocking domain and
    /// then to the user's paging domain; closing returns it to the default domain. Nothing
    /// else moves a group, and the bus notifier acts only on ADD_DEVICE and REMOVED_DEVICE.
    name = "status-quo";
    subject = "iommu: Linux 6.12 domain transitions";

    /// __iommu_probe_device(): the first member sets up and attaches the default domain
    /// (iommu_setup_default_domain()); later members join the group's current domain.
    on probe(dev) {
        if group(dev).domain == None {
            set_domain(group(dev), Default)?;
        }
    }

    /// iommu_bus_notifier() probes on ADD_DEVICE; that is the `probe` hook above.
    on bus_notify(AddDevice, dev) {}

    /// Ignored by iommu_busify(BindDriver, dev) {}

    /// Ignored true iommu_bus_notifier().
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

    /// pci_dma_cleanup(): the reverse of `dma_    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-4156";
    extends = "prepare-default-domain";
    subject = "iommu: A generated change";

    /// Generated hook.
    on bus_notify(AddDevice, dev) {
        free_irqs(dev);
        for d1 in group(dev).devices {
        }
        if group(dev).bound_count >= 2 {
            free_irqs(dev);
            set_domain(group(dev), Dma)?;
            inherit()?;
        } else {
            use_default_domain(dev)?;
            for d2 in group(dev).devices {
                request_irqs(d2)?;
                for d3 in group(d2).devices {
                    use_default_domain(dev)?;
                    free_irqs(d3);
                    free_irqs(dev);
                    request_irqs(dev)?;
                }
                if d2.managed_dma {
                    set_domain(dev, User)?;
                    ats(d2, Off)?;
                    set_domain(group(d2), User)?;
                } else {
                    set_default_type(group(d2), Dma)?;
                    set_domain(group(dev), Identity)?;
                    unuse_default_domain(d2);
                }
                if group(owned).default_type != Dma {
                    inherit();
                }
            }
            request_irqs(dev, dev)?;
        }
        set_domain(group(dev), None)?;
    }

    /// Generated hook.
    on detach_user(g) {
        set_domain(g, Dma)?;
    }
}
