// expect: unknown-attribute
scenario! {
    /// Gives a device an attribute that does not exist.
    name = "bad-attribute";

    group g0 {
        device port { pci = "0000:00:02.0", brdige }
    }

    moves {
        remove(port);
    }
}
