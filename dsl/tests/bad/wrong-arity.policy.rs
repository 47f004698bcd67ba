// expect: wrong-arity
policy! {
    /// Forgets the domain argument.
    name = "missing-arg";

    on probe(dev) {
        set_domain(group(dev))?;
    }
}
