policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-8247";
    extends = "identity-at-bind";

    /// Generated hook.
    on msi_cookie(g) {
        for d1 in g.devices {
        }
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-4937";

    /// A driver.
    driver drv0 { name = "drv0-k", dma_api, vfio }

    /// A group.
    group g0 {
        default_type = Identity;
        /// A device.
        device d0 {  }
        /// A device.
        device d1 { aer, untrusted, ats_required }
    }

    moves {
        write_type(g0, Dma) <= 2;
        vfio_close(g0);
        write_type(g0, Identity) <= 2;
        remove(d0);
        remove(d1) <= 2;
    }

    script {
        remove(d1);
        remove(d1);
        write_type(g0, Dma);
    }
}
