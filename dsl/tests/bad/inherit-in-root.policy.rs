// expect: inherit-in-root
policy! {
    /// A second root that tries to inherit.
    name = "status-quo";

    on claim(g) {
        inherit()?;
    }
}
