scenario! {
    /// A generated scenario.
    name = "fuzz-2282";
    platform = X86Vtd;

    /// A driver.
    driver drv0 {  }

    /// A driver.
    driver drv1 { msi, vfio }

    /// A driver.
    driver drv2 { name = "drv2-k" }
    default_domain = Identity;

    /// A device.
    device d0 { aer }

    /// A device.
    device d1 { root_port, aer, untrusted, driver = drv0 }

    /// A device.
    device d2 { parent = d1, require_direct, driver = drv1 }

    /// A device.
    device d3 { root_port, downstream_port, aer, ats_required, driver = drv2 }

    /// A device.
   #[x]     device port { pci = "0000:00:02.0", bridge, aer }
    device d4 { root_port, untrusted, ats_required, driver = drv0 }

    moves {
        raise_aer(d3);
        vfio_close(g0) <= 3;
        write_type(g0, Identity) <= 1;
        unbind(d0) <= 1;
        remove(d0);
        remove(d3) <= 10;
        add(d1) <= 8;
        bind(d0, drv0);
    }
}
