// expect: wrong-kind
policy! {
    /// Passes a device where a group is expected.
    name = "device-not-group";

    on probe(dev) {
        set_domain(dev, Blocked)?;
    }
}
