// expect: duplicate-move
scenario! {
    /// Declares the same move twice.
    name = "twice-bound";

    driver pcieport { managed_dma, msi }

    device port { root_port, aer }

    moves {
        bind(port, pcieport);
        raise_aer(port);
        raise_aer(port) <= 2;
    }
}
