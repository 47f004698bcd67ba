// expect: bad-value
policy! {
    /// A refusal whose message would be read as a printk format.
    name = "percent-message";

    on claim(g) {
        if g.owner_cnt > 0 {
            fail(EBUSY, "group 100% busy");
        }
    }
}
