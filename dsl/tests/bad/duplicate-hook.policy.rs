// expect: duplicate-hook
policy! {
    /// Defines the claim hook twice.
    name = "twice";

    on claim(g) {
        inherit()?;
    }

    on claim(g) {
        fail(EBUSY);
    }
}
