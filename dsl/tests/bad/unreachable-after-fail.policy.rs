// expect: unreachable-after-fail
policy! {
    /// Has a statement after a failure.
    name = "dead-code";

    on claim(g) {
        if g.owner_cnt > 0 {
            fail(EPERM);
            set_domain(g, Blocked)?;
        }
        inherit()?;
    }
}
