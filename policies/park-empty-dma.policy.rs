policy! {
    /// Park a new device's group in an empty DMA domain that keeps ATS off, until a driver
    /// binds (thread P4).
    ///
    /// Jason Gunthorpe's alternative to parking blocked: a real DMA-API domain, so the DMA
    /// API and the MSI cookie work, carrying a domain flag that keeps ATS disabled while the
    /// device is unaccepted. Binding any driver moves the group to its default domain. Robin
    /// Murphy's objection stands: until a driver requests vectors the domain is no better than
    /// blocked for MSI, and it does not stop translated DMA to what a driver maps.
    name = "park-empty-dma";
    extends = "status-quo";
    subject = "iommu: Park unbound devices in an empty DMA domain with ATS disabled";
    suggested_by = "Jason Gunthorpe <jgg@nvidia.com>";
    link = "https://lkml.iu.edu/hypermail/linux/kernel/2602.2/05845.html";

    /// A new group starts in the parking domain unless a member requires direct mappings.
    on probe(dev) {
        if group(dev).domain == None && !dev.require_direct {
            set_domain(group(dev), EmptyDma)?;
        } else {
            inherit()?;
        }
    }

    /// Binding any driver accepts the device: the group leaves the parking domain.
    on dma_configure(dev, managed) {
        if group(dev).domain == EmptyDma {
            set_domain(group(dev), Default)?;
        }
        inherit()?;
    }
}
