policy! {
    /// Park a new device's group in an empty DMA domain that keeps ATS off, until a driver
    /// binds (thread P4).
    ///
    /// Jason Gunthorpe's alternative to parking blocked: a real DMA-API domain, so the DMA
    /// API and the MSI cookie work, carrying a domain flag that keeps ATS     subject = "iommu: Re-request co-grouped MSIs across an ownership change";
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
