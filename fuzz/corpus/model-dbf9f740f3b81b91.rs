policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-4855";
    extends = "prepare-default-domain";
    suggested_by = "A Developer <dev@example.org>";

    /// Generated hook.
    on msi_cookie(g) {
        set_default_type(g, g.default_type)?;
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-5053";
    platform = Arm64Smmuv3;

    /// A driver.
    driver drv0 { irq_only, vfio }

    /// A driver.
    driver drv1 { managed_dma, dma_api }

    /// A driver.
    driver drv2 { msi, irq_only, vfio }

    /// A device.
    device d0 { root_port, no_acs, aer, untrusted }

    moves {
        write_type(g0, Dma);
        vfio_close(g0);
        bind(d0, drv2);
        remove(d0) <= 16;
        vfio_open(g0);
        raise_aer(d0);
        unbind(d0);
    }

    script {
        write_type(g0, Dma);
        raise_aer(d0);
        raise_aer(d0);
    }
}
