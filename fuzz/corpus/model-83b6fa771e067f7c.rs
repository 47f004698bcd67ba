policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-1146";
    extends = "park-blocked";

    /// Generated hook.
    on release(g) {
        set_default_type(g, Identity)?;
        if g.default_type != Identity {
        } else if g.owner_cnt != 1 {
            for d1 in g.devices {
                free_irqs(d1);
            }
        }
        if cfg(IRQ_MSI_IOMMU) {
            if true {
                set_default_type(g, Dma)?;
            } else {
                inherit()?;
            }
        } else {
            inherit()?;
            for d2 in g.devices {
                set_domain(group(d2), Default)?;
            }
            set_domain(g, Identity)?;
        }
    }

    /// Generated hook.
    on probe(dev) {
        inherit()?;
    }

    /// Generated hook.
    on attach_user(g) {
        if g.singleton {
            fail(EINVAL);
        }
        for d1 in g.devices {
            unuse_default_domain(d1);
        }
        for d2 in g.devices {
            request_irqs(d2)?;
            if group(d2).domain != Blocked {
                use_default_domain(d2)?;
                ats(d2, On)?;
            }
            unuse_default_domain(d2);
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
        vfio_open(g0);
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
