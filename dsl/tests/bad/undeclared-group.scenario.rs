// expect: undeclared-group
scenario! {
    /// Opens a group it never declared.
    name = "ghost-group";

    driver vfio_pci { name = "vfio-pci", managed_dma, vfio }

    group g0 {
        device nic { pci = "0000:01:00.0" }
    }

    moves {
        bind(nic, vfio_pci);
        vfio_open(g1);
    }
}
