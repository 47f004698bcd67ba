policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-8199";
    extends = "msi-reroute";
    subject = "iommu: A generated change";

    /// Generated hook.
    on attach_user(g) {
        fail(EPERM);
    }

    /// Generated hook.
    on bus_notify(AddDevice, dev) {
        free_irqs(dev);
        free_irqs(dev);
        if cfg(IRQ_MSI_IOMMU) {
        } else {
            use_default_domain(dev)?;
            if !false {
            }
        }
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-1735";
    platform = X86Vtd;

    /// A driver.
    driver drv0 { irq_only }

    /// A group.
    group g0 {
        /// A device.
        device d0 { aer, untrusted, ats_required }
    }

    moves {
        vfio_open(g0) <= 2;
        vfio_close(g0);
        bind(d0, drv0);
        remove(d0);
    }

    script {
        vfio_open(g0);
    }
}
