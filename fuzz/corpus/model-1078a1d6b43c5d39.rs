policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-8850";
    extends = "irq-only-driver-flag";
    subject = "iommu: A generated change";

    /// Generated hook.
    on default_type(g, ty) {
        set_default_type(g, ty)?;
    }

    /// Generated hook.
    on dma_cleanup(dev, managed) {
        set_default_type(group(dev), Identity)?;
    }

    /// Generated hook.
    on probe(dev) {
        for d1 in group(dev).devices {
            use_default_domain(dev)?;
        }
        if dev.irq_only && dev.bound {
            ats(dev, Off)?;
            if !dev.irq_only {
                unuse_default_domain(dev);
                free_irqs(dev);
            }
        } else {
            ats(dev, On)?;
        }
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-9528";
    msi_translated = false;
    vfio_backend = Iommufd;

    /// A driver.
    driver drv0 {  }

    /// A group.
    group g0 {
        default_type = Identity;
        /// A device.
        device d0 { untrusted, hotplug }
        /// A device.
        device d1 { untrusted }
    }

    moves {
        vfio_close(g0);
        bind(d0, drv0);
        bind(d1, drv0);
        unbind(d0) <= 2;
        remove(d0);
    }

    script {
        remove(d0);
        bind(d1, drv0);
        remove(d0);
        bind(d1, drv0);
    }
}
