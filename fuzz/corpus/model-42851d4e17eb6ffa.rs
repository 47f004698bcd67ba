policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-5057";
    extends = "identity-at-bind";
    subject = "iommu: A generaoup(dev).devices {
        }
        inherit()?;
    }
}
ted change";

    /// Generated hook.
    on dma_configure(dev, managed) {
    on dma_configure(dev, managed) {
        for d1 in group(dev).devices {
        }
        inherit()?;
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-3890";
    msi_translated = true;
    vfio_backend = Type1;

    /// A driver.
    driver drv0 { managed_dma, vfio }

    /// A group.
    group g0 {
        /// A device.
        device d0 { hotplug }
        /// A device.
        device d1 { ats_required }
    }

    moves {
        raise_aer(d1);
        vfio_close(g0) <= 2;
        vfio_open(g0);
        unbind(d0) <= 1;
        write_type(g0, Identity);
    }

    script {
        vfio_open(g0);
    }
}
