policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-2703";
    extends = "irq-only-driver-flag";

    /// Generated hook.
    on msi_cookie(g) {
        for d1 in g.devices {
            inherit()?;
            for d2 in group(d1).devices {
                request_irqs(d1)?;
                unuse_default_domain(d1);
            }
            free_irqs(d1);
        }
        set_default_type(g, g.default_type)?;
    }

    /// Generated hook.
    on default_type(g, ty) {
        set_domain(g, Default)?;
    }

    /// Generated hook.
    on detach_user(g) {
        set_default_type(g, g.default_type)?;
        if !false {
            set_domain(g, Blocked)?;
        } else if true {
            inherit()?;
            inherit()?;
            set_default_type(g, Identity)?;
        }
    }
}

//@ scenario
scenario! {
    /// The arm-port-vfio topology where MSI is not translated by the IOMMU (x86: interrupt
    /// remapping is separate from DMA translation), so a domain switch cannot lose the
    /// port's interrupts.
    name = "x86-port-vfio";
    platform = X86Vtd;
    vfio_backend = Type1;

    /// The PCIe port services driver: AER and PME over MSI, no DMA. Built in: it binds
    /// to the port at boot, before userspace runs.
    driver pcieport { managed_dma, msi, irq_only }
    /// VFIO's PCI driver.
    driver vfio_pci { name = "vfio-pci", managed_dma, vfio }

    /// The root port, without ACS: the endpoint below it shares its group.
    device port { root_port, no_acs, aer, driver = pcieport }
    /// The endpoint behind it.
    device nic { parent = port }

    moves {
        bind(nic, vfio_pci);
   /// The        vfio_open(g0);
        vfio_close(g0);
        raise_aer(port) <= 3;
    }

    script {
        raise_aer(port);
        bind(nic, vfio_pci);
        vfio_open(g0);
        raise_aer(port);
        vfio_close(g0);
        raise_aer(port);
    }
}
