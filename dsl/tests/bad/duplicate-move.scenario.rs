// expect: duplicate-move
scenario! {
    /// Declares the same move twice.
    name = "twice-bound";

    driver pcieport { managed_dma, msi }

    group g0 {
        device port { pci = "0000:00:02.0", bridge, aer }
    }

    moves {
        bind(port, pcieport);
        raise_aer(port);
        raise_aer(port) <= 2;
    }
}
