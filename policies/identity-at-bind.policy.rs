policy! {
    /// Install a user-requested IDENTITY default domain only just before a driver binds
    /// (thread P3).
    ///
    /// Until a driver binds, a new group is parked in an empty DMA domain that keeps ATS
    /// disabled where the IOMMU driver honours it, as arm-smmu-v3 does, unless a device
    /// that requires direct mappings joins it. Writing "identity"
    /// to the group's sysfs type, however, attaches the identity domain at once, so a
    /// device that no driver has accepted yet gets untranslated DMA.
    ///
    /// Defer the switch for a singleton group with no driver bound: give the group its new
    /// default domain without attaching it, and leave the group parked, so that the bind
    /// that follows attaches the identity domain. A group with several devices, or with a
    /// driver bound, changes its domain at once as before: the deferral is for singleton
    /// groups only.
    ///
    /// The bind then attaches the group's default domain from whatever domain the group is
    /// in, not only from the parking one: after an unbind the group is still in its old
    /// DMA domain, and a deferred identity domain left there would have the driver's DMA
    /// set up for direct mapping against a translating domain.
    ///
    /// For the same reason, a group whose last device is removed goes to its default
    /// domain first from wherever it is, not only from the parking domain, while the
    /// device is still its member: __iommu_group_free_device() expects an empty group in
    /// its default domain, and iommu_deinit_device() then frees the parking domain with
    /// the group's other domains.
    ///
    /// The parking applies whatever the default domain's type: with iommu.passthrough=1 or
    /// iommu=pt a new group is parked too, and its devices cannot DMA untranslated until
    /// their first driver binds; DMA that firmware left running faults unless an RMRR, an
    /// RMR or an iommu-addresses property describes it. A PCIe port that stays bound while
    /// VFIO takes its group still loses the MSIs it prepared in the default DMA domain, as
    /// it does today.
    name = "identity-at-bind";
    extends = "park-empty-dma";
    subject = "iommu: Defer a requested identity domain to driver bind";
    suggested_by = "Jason Gunthorpe <jgg@nvidia.com>";
    link = "https://lkml.iu.edu/hypermail/linux/kernel/2602.2/05845.html";

    /// A bind attaches the default domain wherever an unowned group is: parked, or left
    /// in the domain that was its default before a deferred identity request. This
    /// replaces the parent's unparking, which it covers.
    on dma_configure(dev, managed) {
        if group(dev).owner_cnt == 0 && group(dev).domain != Default {
            set_domain(group(dev), Default)?;
        }
        if !managed {
            use_default_domain(dev)?;
        }
    }

    /// Record the type; attach it now only where the deferral does not apply.
    on default_type(g, ty) {
        if g.singleton && g.bound_count == 0 && g.owner_cnt == 0 {
            set_default_type(g, ty)?;
        } else {
            inherit()?;
        }
    }

    /// The last device leaves its group in the default domain from any domain the group
    /// was left in, as the bind above attaches it. This replaces the parent's, which it
    /// covers.
    on remove_last(g) {
        if g.owner_cnt == 0 && g.domain != Default {
            set_domain(g, Default)?;
        }
    }
}
