scenario! {
    /// A PCIe switch below a root port without ACS, an endpoint on each of its two
    /// downstream ports: all six functions share the root port's group (arm64, MSI
    /// translated by the IOMMU).
    ///
    /// One endpoint goes to a user through VFIO; the other stays with the host, and its
    /// errors are signalled by the root port's MSI. Taking the group for the user moves
    /// the root port out of the domain its vectors were composed in, so an error at the
    /// host's endpoint is lost while the user holds the group.
    ///
    /// In QEMU: a `pcie-root-port` at 00:02.0, an `x3130-upstream` below it with two
    /// `xio3130-downstream` ports, a `virtio-rng-pci,aer=on` on each (an endpoint QEMU
    /// lets report errors), and `pci=config_acs=xxxxxx0@0000:00:02.0`.
    name = "arm-switch-vfio";
    platform = Arm64Smmuv3;
    vfio_backend = Type1;

    /// The PCIe port services driver, built in: AER, PME and hotplug over MSI, no DMA.
    driver pcieport { managed_dma, msi, irq_only }
    /// VFIO's PCI driver.
    driver vfio_pci { name = "vfio-pci", managed_dma, vfio }

    /// The root port, without ACS.
    device rp { root_port, no_acs, aer, driver = pcieport }
    /// The switch's upstream port.
    device usp { upstream_port, parent = rp, driver = pcieport }
    /// Its downstream ports.
    device dsp1 { downstream_port, parent = usp, driver = pcieport }
    device dsp2 { downstream_port, parent = usp, driver = pcieport }
    /// The endpoint given to the user.
    device nic1 { parent = dsp1, aer }
    /// The endpoint the host keeps.
    device nic2 { parent = dsp2, aer }

    moves {
        bind(nic1, vfio_pci);
        vfio_open(g0);
        vfio_close(g0);
        raise_aer(nic2) <= 3;
    }

    script {
        raise_aer(nic2);
        bind(nic1, vfio_pci);
        vfio_open(g0);
        raise_aer(nic2);
        vfio_close(g0);
        raise_aer(nic2);
    }
}
