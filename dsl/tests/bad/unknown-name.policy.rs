// expect: unknown-name
policy! {
    /// Uses a name nobody declared.
    name = "stray-name";

    on claim(g) {
        set_domain(g, Blocking)?;
    }
}
