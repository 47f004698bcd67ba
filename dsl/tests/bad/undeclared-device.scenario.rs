// expect: undeclared-device
scenario! {
    /// Binds a device it never declared.
    name = "ghost-device";

    driver pcieport { managed_dma, msi }

    device port { root_port, aer }

    moves {
        bind(prot, pcieport);
    }
}
