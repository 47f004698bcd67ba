// expect: missing-try
policy! {
    /// Ignores a failure.
    name = "ignored-error";

    on release(g) {
        set_domain(g, Default);
    }
}
