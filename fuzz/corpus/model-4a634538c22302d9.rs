policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-8143";
    extends = "park-empty-dma";
    subject = "iommu: A generated change";
    suggested_by = "A Developer <dev@example.org>";

    /// Generated hook.
    on default_type(g, ty) {
    }

    /// Generated hook.
    on attach_user(g) {
        set_domain(g, Identity)?;
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-2154";

    /// A driver.
    driver drv0 { dma_api, msi, irq_only, vfio }

    /// A driver.
    driver drv1 { dma_api, msi, irq_only, vfio, frobnicate }

    /// A device.
    device d0 { ats_required, hotplug, driver = drv1 }

    /// A device.
    device d1 { root_port, aer, driver = drv1 }

    moves {
        write_type(g0, Identity) <= 2;
        raise_aer(d1);
        unbind(d0);
        write_type(g0, Dma);
        vfio_close(g0) <= 2;
    }

    script {
        vfio_close(g0);
        vfio_close(g0);
        unbind(d0);
        raise_aer(d1);
    }
}
