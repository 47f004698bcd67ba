// expect: bad-move
scenario! {
    /// Raises AER at a device that cannot signal it.
    name = "silent-endpoint";

    device nic { }

    moves {
        raise_aer(nic);
    }
}
