scenario! {
    /// The arm-port-vfio group, with an AER error raised inside a VFIO open: after the
    /// claim has moved the group to its blocking domain and before `VFIO_SET_IOMMU`
    /// attaches the user's domain (the guest agent stops between the two ioctls).
    ///
    /// Whatever the port's vectors point at, no domain the group is in then reaches the
    /// ITS doorbell: the message is lost unless something holds it. The raise after the
    /// open shows whether the error was serviced: a Root Error Status left set keeps the
    /// port from signalling again.
    ///
    /// In QEMU: as arm-port-vfio.
    name = "arm-port-window";
    platform = Arm64Smmuv3;
    vfio_backend = Type1;

    /// The PCIe port services driver: AER and PME over MSI, no DMA. Built in.
    driver pcieport { managed_dma, msi, irq_only }
    /// VFIO's PCI driver.
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
        bind(nic, vfio_pci);
        vfio_claim(g0);
        raise_aer(port);
        vfio_attach(g0);
        raise_aer(port);
        vfio_close(g0);
        raise_aer(port);
    }
}
