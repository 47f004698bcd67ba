policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-4631";
    extends = "msi-reroute";
    subject = "iommu: A generated change";

    /// Generated hook.
    on release(g) {
        for d1 in g.devices {
            use_default_domain(d1)?;
            ats(d1, On)?;
        }
    }

    /// Generated hook.
    on default_type(g, ty) {
        for d1 in g.devices {
        }
        inherit()?;
        fail(EPERM);
    }

    /// Generated hook.
    on detach_user(g) {
        if false && g.default_type != Identity {
            inherit()?;
        }
        set_domain(g, Blocked)?;
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-2345";
    msi_translated = false;
    vfio_backend = Type1;

    /// A driver.
    driver drv0 { name = "drv0-k" }

    /// A group.
    group g0 {
        /// A device.
        device d0 {  }
    }

    moves {
        unbind(d0);
        remove(d0);
        bind(d0, drv0);
        unbind(d0);
        raise_aer(d0) <= 1;
    }
}
