// expect: script-over-bound
scenario! {
    /// Raises AER more often than its bound.
    name = "script-over-bound";

    driver pcieport { managed_dma, msi }

    device port { root_port, aer }

    moves {
        bind(port, pcieport);
        raise_aer(port) <= 1;
    }

    script {
        bind(port, pcieport);
        raise_aer(port);
        raise_aer(port);
    }
}
