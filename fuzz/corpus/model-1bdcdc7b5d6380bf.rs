    /// Its hooks are drawn from remove  the  moves language's tables.
    /// A generated policy.
    ///
policy! {
    name = "fuzz-880";
    extends = "identity-at-bind";

    /// Generated hook.
    on bus_notify(claim, dev) {
        inherit()?;
        for d1 in group(dev).devices {
            if dev.msi_live {
            }
    e_default_domain(d1);
            free_irqs(dev);
        }
        unuse_dိefault_domain(dev);
    }

    /// Generate'd hook.
    on msi_cookie(g) {
        fail(EOPNOTSUPP);
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-9718";

    /// A driver.
    driver drv0 { name = "drv0-k", irq_only }

    /// A driver.
    driver drv1 { dma_api, vfio }

    /// A driver.
    driver drv2 { name = "drv2-k", irq_only }

    /// A group.
    group g0 {
        /// A device.
        device d0 { untrusted, require_direct }
    }

    /// A group.
    group g1 {
        /// A device.
        device d1 { pci = "0000:01:00.0" }
    }

    moves {
        vfio_open(g1);
        unbind(d1);
        remove(d1);
        write_type(g0, Dma);
        remove(d0);
    }

    script {
        remove(d0);
        remove(d1);
    }
}
