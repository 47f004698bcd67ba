policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-7485";
    extends = "msi-reroute";
    subject = "iommu: A generated change";

    /// Generated hook.
    on probe(dev) {
        use_default_domain(dev)?;
        fail(EPERM);
    }

    /// Generated hook.
    on default_type(g, ty) {
        fail(EBUSY);
    }

    /// Generated hook.
    on attach_user(g) {
        set_default_type(g, Identity)?;
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-5079";

    /// A driver.
    driver drv0 { managed_dma, dma_api }

    /// A driver.
    driver drv1 { dma_api, vfio }

    /// A driver.
    driver drv2 {  }
    default_domain = Identity;

    /// A device.
    device d0 { root_port, no_acs, aer }

    /// A device.
    device d1 { parent = d0, untrusted, ats, ats_required }

    /// A device.
    device d2 {  }

    moves {
        remove(d2);
        vfio_close(g0);
        raise_aer(d0);
        vfio_open(g0);
        unbind(d0);
    }

    script {
        vfio_close(g0);
        unbind(d0);
    }
}
