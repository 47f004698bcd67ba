// expect: script-step-not-allowed
scenario! {
    /// Scripts a close the moves do not allow.
    name = "script-outside-moves";

    driver vfio_pci { name = "vfio-pci", managed_dma, vfio }

    device nic { }

    moves {
        bind(nic, vfio_pci);
        vfio_open(g0);
    }

    script {
        bind(nic, vfio_pci);
        vfio_open(g0);
        vfio_close(g0);
    }
}
