policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-2304";
    extends = "identity-at-bind";
    subject = "iommu: A generated change";

    /// Generated hook.
    on attach_user(g) {
        set_default_type(g, Dma)?;
        set_default_type(g, g.default_type)?;
        for d1 in g.devices {
            fail(ENOMEM);
        }
    }

    /// Generated hook.
    on dma_configure(dev, managed) {
        request_irqs(dev)?;
    }

    /// Generated hook.
    on default_type(g, ty) {
        for d1 in g.devices {
        }
        fail(EOPNOTSUPP);
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-5244";
    platform = Arm64Smmuv3;

    /// A driver.
    driver drv0 { managed_dma, vfio }

    /// A driver.
    driver drv1 { managed_dma, irq_only }
    default_domain = Identity;

    /// A device.
    device d0 { root_port, no_acs, aer }

    /// A device.
    device d1 { parent = d0, untrusted, require_direct, hotplug, driver = drv0 }

    moves {
        vfio_close(g0);
        remove(d1);
        write_type(g0, Identity);
        bind(d1, drv1) <= 2;
        add(d1);
    }
}
