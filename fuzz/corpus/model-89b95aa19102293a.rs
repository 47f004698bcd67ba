policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-1652";

    /// Generated hook.
    on probe(dev) {
        use_default_domain(dev)?;
        free_irqs(dev);
    }

    /// Generated hook.
    on attach_user(g) {
        fail(ENODEV);
    }

    /// Generated hook.
    on detach_user(g) {
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-7269";
    platform = X86Vtd;

    /// A driver.
    driver drv0 {  }

    /// A driver.
    driver drv1 { managed_dma }

    /// A device.
    device d0 { root_port, aer }

    /// A device.
    device d1 { ats_required, driver = drv0 }

    moves {
        raise_aer(d0) <= 1;
        unbind(d0);
        vfio_close(g0) <= 1;
        vfio_open(g1) <= 2;
        bind(d1, drv1);
    }

    script {
        raise_aer(d0);
        bind(d1, drv1);
    }
}
