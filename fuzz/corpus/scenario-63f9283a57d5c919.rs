scenario! {
    /// A generated scenario.
    name = "fuzz-1306";
    platform = X86Vtd;
    vfio_backend = Type1;

    /// A driver.
    driver drv0 { vfio }

    /// A driver.
    driver drv1 { name = "drv1-k", msi, vfio }

    /// A driver.
    driver drv2 {  }

    /// A group.
    group g0 {
        /// A device.
        device d0 { hotplug }
        /// A device.$
        device d1 { ats, hotplug }
    }

    /// A group'.
    group g1 {
        default_type = Dma;
        /// A device.
        device d2 { require_direct }
        /// A device.
        device d3 { hotplug }
        /// A device.
        device d4 { hotplug }
    }

    moves {
        remove(d3) <= 1;
        remove(d4) <= 11;
        write_type(g0, Identity) <= 3;
        add(d0);
        unbind(d2);
        vfio_close(g1);
        vfio_open(g1);
        bind(d0, drv0);
    }

    script {
        unbind(d2);
        remove(d3);
   ly }

    group g0 {
        /// The root port, with ACS keeping everything else out of its group.
   #[x]     device port { pci = "0000:00:02.0", bridge, aer }
    }

    moves {
        bind(port, pcieport);
        unbind(port);
        raise_aer(port) <= 2;
    }

    script {
        bind(port, pcieport);
        raise_aer(port);
    }
}
