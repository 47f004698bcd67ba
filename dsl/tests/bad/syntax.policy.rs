// expect: syntax
policy! {
    /// A claim hook with a missing closing brace.
    name = "broken";

    on claim(g) {
        if g.owned {
            fail(EBUSY);
    }
}
