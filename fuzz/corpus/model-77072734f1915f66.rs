policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-1135";
    extends = "msi-reroute";
    subject = "iommu: A generated change";

    /// Generated hook.
    on detach_user(g) {
        for d1 in g.devices {
            if g.owner_cnt < 3 {
                request_irqs(d1)?;
                use_default_domain(d1)?;
                set_default_type(group(d1), g.default_type)?;
            } else {
                inherit()?;
            }
            if d1.managed_dma {
                set_domain(group(d1), EmptyDma)?;
                ats(d1, On)?;
            } else {
                request_irqs(d1)?;
            }
        }
    }
}

//@ scenario
scenario! {
    /// A PCIe root port bound to pcieport and an endpoint for vfio-pci share one IOMMU
    /// group on arm64, where MSI is translated by the IOMMU (GICv3 ITS behind SMMUv3).
    ///
    /// pcieport manages no DMA (driver_managed_dma) and signals AER through MSI; its
    /// vectors hold the doorbell IOVA of the group's DMA domain. VFIO moves the group
    /// DMA -> blocked -> the user's domain; in 6.12 the port's next AER is lost, its Root
    /// Error Status stays set, and AER never signals again.
    ///
    /// In QEMU: `-M virt,gic-version=3,iommu=smmuv3`, a pcie-root-port at 00:02.0 with an
    /// e1000e behind it, and `pci=config_acs=xxxxxx0@0000:00:02.0` so both share group 0.
    name = "arm-port-vfio";
    platform = Arm64Smmuv3;
    vfio_backend = Type1;

    /// The PCIe port services driver: AER and PME over MSI, no DMA. Built in: it binds
    /// to the port at boot, before userspace runs.
    driver pcieport { managed_dma, msi, irq_only }
    /// VFIO's PCI driver: offers the group to a user; the user does the DMA.
    driver vfio_pci { name = "vfio-pci", managed_dma, vfio }

    /// The root port, without ACS: the endpoint below it shares its group.
    device port { root_port, no_acs, aer, driver = pcieport }
    /// The endpoint behind it (an e1000e in QEMU).
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
