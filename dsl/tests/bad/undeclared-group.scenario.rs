// expect: undeclared-group
scenario! {
    /// Opens a group it never declared.
    name = "ghost-group";

    driver vfio_pci { name = "vfio-pci", managed_dma, vfio }

    device nic { }

    moves {
        bind(nic, vfio_pci);
        vfio_open(g1);
    }
}
