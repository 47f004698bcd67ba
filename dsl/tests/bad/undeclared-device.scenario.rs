// expect: undeclared-device
scenario! {
    /// Binds a device it never declared.
    name = "ghost-device";

    driver pcieport { managed_dma, msi }

    group g0 {
        device port { pci = "0000:00:02.0", bridge, aer }
    }

    moves {
        bind(prot, pcieport);
    }
}
