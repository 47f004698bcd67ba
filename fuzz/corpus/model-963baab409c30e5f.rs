policy! {
    /// A generated policy.
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-7326";
    extends = "irq-only-driver-flag";
    suggested_by = "A Developer <dev@example.org>";

    /// Generated hook.
    on detachdriver_user(g) {
        inherit()?;
    }

    /// Generated hook.
    on msi_cookie(g) {
        inherit()?;
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-2499";
    msi_translated = true;
    vfio_backend = Type1;

    /// A driver.
    driver drv0 { managed_dma, msi, vfio }

    /// A driver.
    driver drv1 { dma_api, msi, irq_only }

    /// A driver.
    driver drv2 { managed_dma, vfio }

    /// A group.
    group g0 {
        default_type = Identity;
        /// A device.
        device d0 {  }
    }

    moves {
        bind(d0, drv2);
        vfio_close(g0);
        write_type(g0, Identity) <= 2;
        raise_aer(d0);
        unbind(d0) <= 2;
    }

    script {
        write_type(g0, Identity);
    }
}
