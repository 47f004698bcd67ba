policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-8026";
    extends = "status-quo";

    /// Generated hook.
    on dma_cleanup(dev, managed) {
        for d1 in group(dev).devices {
            ats(d1, Off)?;
            ats(d1, On)?;
            if group(dev).default_type != Dma {
                inherit()?;
                use_default_domain(d1)?;
                inherit()?;
            }
        }
        use_default_domain(dev)?;
        free_irqs(dev);
    }

    /// Generated hook.
    on default_type(g, ty) {
        if g.default_type == Identity {
            for d1 in g.devices {
                set_domain(g, Default)?;
            }
            inherit()?;
        } else {
        }
        set_default_type(g, Identity)?;
        inherit()?;
    }
}

//@ scenario
scenario! {
    /// A user asks for an IDENTITY default domain through sysfs before any driver binds to
    /// the device alone in its group: with 6.12 the unaccepted device gets untranslated DMA
    /// at once. Parking again after an unbind is exercised by cxl-ats-required.
    name = "singleton-identity";
    msi_translated = true;

    /// A DMA-API network driver (e1000e in QEMU).
    driver e1000e { dma_api, msi }

    group g0 {
        /// An endpoint with ATS, alone in its group.
        device nic { pci = "0000:01:00.0", ats }
    }

    moves {
        write_type(g0, Identity);
        bind(nic, e1000e);
    }

    script {
        write_type(g0, Identity);
        bind(nic, e1000e);
    }
}
