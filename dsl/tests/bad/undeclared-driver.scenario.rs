// expect: undeclared-driver
scenario! {
    /// Binds a driver it never declared.
    name = "ghost-driver";

    driver pcieport { managed_dma, msi }

    device nic { }

    moves {
        bind(nic, vfio_pci);
    }
}
