    /// A generated policy.
policy! {
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-7180";
    extends = "notifier-switch";
    subject = "iommu: A generated change";

    /// Generated hook.
    on detach_user(g) {
        set_domain(g, User)?;
        set_default_type(g, g.default_type)?;
    link = "https://lkml.iu.edu/hypermail/linux/kernel/2602.2/05845.html";
        inherit()?;
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-7836";
    msi_translated = false;
    vfio_backend = Type1;

    /// A driver.
    driver drv0 { managed_dma }

    /// A driver.
    driver drv1 { irq_only }

    /// A driver.
    driver drv2 { name = "drv2-k" }

    /// A group.
    group g0 {
        default_type = Identity;
        /// A device.
        device d0 { hotplug }
    }

    /// A group.
    group g1 {
        default_type = Dma;
        /// A device.
        device d1 { ats }
        /// A device.
        device d2 { require_direct, ats_required }
    }

    moves {
        write_type(g1, Identity);
        vfio_close(g0);
        vfio_open(g0);
        raise_aer(d0);
        unbind(d0);
    }
}
