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
