// expect: bad-move
scenario! {
    /// Raises AER at a device that cannot signal it.
    name = "silent-endpoint";

    group g0 {
        device nic { pci = "0000:01:00.0" }
    }

    moves {
        raise_aer(nic);
    }
}
