// expect: unknown-attribute
scenario! {
    /// Gives a device an attribute that does not exist.
    name = "bad-attribute";

    device port { root_prot }

    moves {
        remove(port);
    }
}
