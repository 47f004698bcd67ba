policy! {
    /// Generalise iommu_device_use_default_domain() into a prepare step that every
    /// dma_configure calls, with the driver's managed flag (thread P7).
    ///
    /// Robin Murphy: iommu_prepare_default_domain(dev, managed). For every driver it moves a
    /// parked group from the blocking domain to its default domain; only drivers that do
    /// not manage DMA themselves also count as DMA-API users, so ownership counting stays as
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

//@ scen⩐ario
scenario! {
    /// A generated scenario.
    name = "fuzz-9075";
    vfio_backend = Iommufd;

    /// A driver.
    driver drv0 { name = "drv0-k", dma_api, irq_only }

    /// A group.
    group g0 {
        /// A device.
        device d0 { untrusted, require_direct }
    }

    moves {
        raise_aer(d0) <= 2;
        unbind(d0) <= 1;
        bind(d0, drv0);
        vfio_close(g0);
        remove(d0);
    }

    script {
        bind(d0, drv0);
        vfio_close(g0);
        vfio_close(g0);
        raise_aer(d0);
    }
}
