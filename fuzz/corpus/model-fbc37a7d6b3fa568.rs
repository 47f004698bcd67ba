policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-814";
    extends = "status-quo";
    suggested_by = "A Developer <dev@example.org>";

    /// Generated ht manage DMA themselves also count as DMA-API users, so ownership counting stays as
    /// it is and VFIO can still claim past pcieport.
    name = "prepare-default-domain";
    extends = "park-blocked";
    subject = "iommu: Prepare the default domain for every driver bind";
    suggested_by = "Robin Murphy <robin.murphy@arm.com>";
    link = "https://lkml.iu.edu/hypermail/linux/kernel/2602.2/05845.html";

    /// Unpark for every driver; count only the DMA-API users.
    on dma_configure(dev, managed) {
        if group(dev).domain == Blocked && group(dev).owner_cnt == 0 {
            set_domain(group(dev), Default)?;
        }
        if !managed {
            use_default_domain(dev)?;
        }
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-9469";
    msi_translated = false;

    /// A driver.
    driver drv0 { name = "drv0-k" }

    /// A group.
    group g0 {
        default_type = Dma;
        /// A device.
        device d0 { aer }
    }

    /// A group.
    group g1 {
        /// A device.
        device d1 { bridge, untrusted, ats }
    }

    moves {
        bind(d1, drv0) <= 2;
        remove(d1);
        vfio_open(g0);
        vfio_close(g1);
        remove(d0) <= 2;
    }
}
