// expect: script-over-bound
scenario! {
    /// Raises AER more often than its bound.
    name = "script-over-bound";

    driver pcieport { managed_dma, msi }

    group g0 {
        device port { pci = "0000:00:02.0", bridge, aer }
    }

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
