// expect: unknown-predicate
policy! {
    /// Asks a device for a group predicate.
    name = "wrong-predicate";

    on probe(dev) {
        if dev.owned {
            inherit()?;
        }
    }
}
