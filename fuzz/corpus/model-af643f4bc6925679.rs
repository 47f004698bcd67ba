policy! {
    /// Install a user-requested IDENTITY default domain only just before a driver binds
    /// (thread P3).
    ///
    /// Until a driver binds, a new group is parked in an empty DMA domain that keeps ATS
    /// disabled. Writing "identity" to the group's sysfs type, however, attaches the
    /// identity domain at once, so a device that no driver has accepted yet gets
    /// untranslated DMA.
    ///
    /// Defer the switch for a singleton group with no driver bound: give the group its new
    /// default domain without attaching it, and leave the group parked, so that the bind
    /// that follows attaches the identity domain. A group with several devices, or with a
    /// driver bound, changes its domain at once as before: the deferral is for singleton
    /// groups only.
    name = "identity-at-bind";
    extends = "park-empty-dma";
    subject = "iommu: Defer a requested identity domain to driver bind";
    suggested_by = "Jason Gunthorpe <jgg@nvidia.com>";
    link = "https://lkml.iu.edu/hypermail/linux/kernel/2602.2/05845.html";

    /// Record the type; attach it now only where the deferral does not apply.
    on default_type(g, ty) {
        if g.singleton && g.bound_count == 0 && g.owner_cnt == 0 {
            set_default_type(g, ty)?;
        } else {
            inherit()?;
        }
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-753";
    platform = Arm64Smmuv3;

    /// A driver.
    driver drv0 { name = "drv0-k", managed_dma, vfio }

    /// A driver.
    driver drv1 { dma_api, irq_only, vfio }
    default_domain = Dma;

    /// A device.
    device d0 { root_port, no_acs, untrusted, require_direct, ats }

    /// A device.
    device d1 { parent = d0, upstream_port, driver = drv0 }

    moves {
        bind(d1, drv0);
        write_type(g0, Dma);
        bind(d1, drv1);
        write_type(g0, Identity) <= 2;
        bind(d0, drv1) <= 2;
    }
}
