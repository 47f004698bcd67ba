// expect: incomplete-root
policy! {
    /// A root that defines one hook only.
    name = "status-quo";

    on claim(g) {
        fail(EBUSY);
    }
}
