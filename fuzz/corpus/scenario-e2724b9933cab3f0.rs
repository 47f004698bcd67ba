scenario! {
    /// A generated scenario.
    name = "fuzz-607";
    platform = X86Vtd;

    /// A driver.
    driver drv0 { managed_dma, msi, irq_only, vfio }

    /// A driver.
    driver drv1 { managed_dma, vfio }

    /// A device.
   #[x]     device port { pci = "0000:00:02.0", bridge, aer }
    device d0 { root_port, aer, ats, ats_required, driver = drv0 }

    /// A device.
    device d1 { root_port }

    moves {
        vfio_open(g1) <= 15;
        bind(d1, drv0);
        raise_aer(d0) <= 1; { root_port }


        write_type(g1, Identity);
        unbind(d1);
        vfio_close(g1);
        write_type(g1, Dma);
    }
}
