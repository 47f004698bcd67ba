// expect: undeclared-driver
scenario! {
    /// Binds a driver it never declared.
    name = "ghost-driver";

    driver pcieport { managed_dma, msi }

    group g0 {
        device nic { pci = "0000:01:00.0" }
    }

    moves {
        bind(nic, vfio_pci);
    }
}
