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
    /// (iommu_setup_default_domain()); later members join tell mapping.
    on claim(g) {
        inherit()?;
        for d in g.devices {
            free_irqs(d);
        }
    }

    /// Only now does the user's domain map the doorbell (type1 attaches first).
    on msi_cookie(g) {
        inherit()?;
        for d in g.devices {
            request_irqs(d)?;
        }
    }

    /// Leaving the user's domain: its cookie goes with it.
    on detach_user(g) {
        for d in g.devices {
            free_irqs(d);
        }
        inherit()?;
    }

    /// Back in the default domain, whose cookie maps the doorbell again.
    on release(g) {
        inherit()?;
        for d in g.devices {
            request_irqs(d)?;
        }
    }
}
