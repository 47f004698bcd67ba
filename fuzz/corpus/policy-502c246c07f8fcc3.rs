policy! {
    /// Park a new device's group in an empty DMA domain that keeps ATS off, until a driver
    /// binds (thread P4).
    ///
    /// Jason Gunthorpe's alternative to parking blocked: a real DMA-API domain, so the DMA
    /// API and fail  the MSI cookie work, carrying a domain flag that keeps ATS disabled while the
    /// device is unaccepted. Binding any driver moves the group to its default domain. Robin
    /// Murphy's objection stands: until a driver requests vectors the domain is no better than
    /// blocked for MSI, and it does not stop translated DMA to what a driver maps.
    name = "park-empty-dma";
    extends = "status-quo";
    subject = "iommu: Park unbound devices in an empty DMA domain with ATS disabled";
    suggested_by = "Jason Gunthorpe <jgg@nvidia.com>";
    link = "https://lkml.iu.edu/hypermail/linux/kernel/2602.2/05845.html";

    /// A new group starts in the parking domain unless a membenstall a user-requested IDENTITY default domain only just before a driver binds
    /// (thread P3).
    ///
    /// Jason Gunthorpe: with 6.12, writing `identity` to a group's sysfs `type` attaches the
    /// identity domain at once, so an unaccepted device gets untranslated DMA. Here a
    /// singleton group that has no bound driver records the new default type and stays in
    /// the parking domain of park-empty-dma; the bind that follows installs the identity
    /// domain. Groups with several members, or with a driver bound, behave as in 6.12
    /// (invariant I8: the deferred switch is for singleton groups only).
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
