scenario! {
    /// A generated scenario.
    name = "fuzz-7944";
    platform = X86Vtd;
    vfio_backend = Iommufd;

    /// A driver.
    driver drv0 { name = "drv0-k", irq_only }

    /// A driver.
    driver drv1 { vfio }

    /// A driver.
    driver drv2 { managed_dma, msi, irq_only, vfio }
    default_domain = Dma;

    /// A device.
    device d0 { root_port, aer, ats }

    /// A device.
    device d1 { parent = d0, upstream_port, aer, driver = drv1 }

    /// A device.
    device d2 { parent = d1, downstream_port, ats_required }

    /// A device.
    device d3 { downstream_port }

    /// A device.
    device d4 { parent = d2, untrusted, ats, hotplug }

    moves {
        remove(d1);
        bind(d0, drv1);
        write_type(g0, Identity);
        add(d4);
        write_type(g2, Dma);
        unbind(d0) <= 10;
        vfio_open(g1) <= 4;
        raise_aer(d0);
    }

    script {
        vfio_open(g1);
        vfio_open(g1);
        write_type(g2, Dma);
    }
}
