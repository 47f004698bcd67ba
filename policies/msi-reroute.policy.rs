policy! {
    /// Free the other members' MSI vectors around a group's domain switch and request
    /// them again once the new domain can reach the doorbell, in both directions (thread P8).
    ///
    /// A vector's message holds the doorbell IOVA of the domain that was attached when the
    /// vector was allocated (iommu_dma_prepare_msi()), and nothing carries that mapping
    /// into the domain of a VFIO user, whose IOVAs differ.
    ///
    /// Tear the port driver's vectors down when VFIO takes the group and set them up again
    /// once the user's domain has its MSI cookie, and do the same when the group goes back.
    /// Vectors are freed only once the switch succeeded, so a refused claim leaves them as
    /// they were.
    name = "msi-reroute";
    extends = "status-quo";
    subject = "iommu: Re-request co-grouped MSIs across an ownership change";
    suggested_by = "Robin Murphy <robin.murphy@arm.com>";
    link = "https://lkml.iu.edu/hypermail/linux/kernel/2602.2/05845.html";

    /// Leaving the default domain: the vectors point at its doorbell mapping.
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
