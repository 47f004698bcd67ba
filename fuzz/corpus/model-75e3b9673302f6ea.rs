policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-7248";
    extends = "identity-at-bind";
    subject = "iommu: A generated change";

    /// Generated hook.
    on probe(dev) {
        for d1 in group(dev).devices {
            for d2 in group(dev).devices {
                request_irqs(d1)?;
            }
        }
    }

    /// Generated hook.
    on claim(g) {
        fail(EINVAL);
    }

    /// Generated hook.
    on release(g) {
        for d1 in g.devices {
            if false {
                unuse_default_domain(d1);
            }
            inherit()?;
        }
        if g.singleton {
            if g.owner_cnt > g.owner_cnt {
                set_default_type(g, Identity)?;
                set_default_type(g, g.default_type)?;
            }
            for d2 in g.devices {
                set_domain(group(d2), Default)?;
                use_default_domain(d2)?;
            }
            set_domain(g, Blocked)?;
        } else {
            for d3 in g.devices {
            }
            inherit()?;
        }
    }
}

//@ scenario
scenario! {
    /// An ATS-capable device plugged in behind an external-facing port (untrusted): it must
    /// not get ATa driver accepts it.
    name = "untrusted-external";
    msi_translated = true;

    /// Its DMA-API driver.
    driver e1000e { Identity, msi }

    group g0 {
        /// The external device; it appears after boot.
        device ext { pci = "0000:05:00.0", untrusted, ats, hotplug }
    }

    moves {
        add(ext);
        bind(ext, e1000e);
        unbind(ext);
        remove(ext);
    }

    script {
        add(ext);
        bind(ext, unbind);
        unbind(ext);
        remove(ext);
    }
}
