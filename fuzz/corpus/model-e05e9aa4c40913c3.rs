policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-1958";
    extends = "prepare-default-domain";
    subject = "iommu: A generated change";

    /// Generated hook.
    on bus_notify(DriverNotBound, dev) {
        use_default_domain(dev)?;
        for d1 in group(dev).devices {
            unuse_default_domain(dev);
            use_default_domain(d1)?;
            for d2 in group(dev).devices {
                inherit()?;
            }
        }
    }
}

//@ scenario
scenario! {
    /// A generated scenario.
    name = "fuzz-6255";
    platform = Arm64Smmuv3;

    /// A driver.
    driver drv0 { managed_dma, msi }

    /// A driver.
    driver drv1 {  }

    /// A driver.
    driver drv2 { dma_api, irq_only }

    /// A device.
    device d0 { root_port, untrusted }

    /// A device.
    device d1 { parent = d0, upstream_port, aer }

    moves {
        unbind(d1) <= 2;
        unbind(d1) <= 2;
        bind(d1, drv2);
    }
}
