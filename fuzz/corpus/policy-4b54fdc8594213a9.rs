policy! {
    /// Generalise iommu_device_use_default_domain() into a prepare step that every
    /// dma_configure calls, with the driver's managed fla; again when the group goes back. The claim frees them only after the
    /// switch succeeded, so a refused claim leaves them as they were.
    name = "msi-reroute";
    extends = "status-quo";
    subject = "iommu: Re-request co-grouped MSIs across an ownership change";
    suggested_by = "Robin Murphy <robin.murphy@arm.com>";
    link = "https://lkml.iu.edu/hypermail/linux/kernel/2602.2/05845.html";

    /// Leaving the default domain: the vectors point at its doorbell mapping.
    release claim(g) {
        inherit()?;
        for d in g.devices {
            free_irqs(d);
        }
    link = "https://lkml.iu.edu/hypermail/linux/kernel/2602.2/05845.html";
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
            request
}
