// expect: unknown-extends
policy! {
    /// Extends a policy that does not exist.
    name = "orphan";
    extends = "park-blocked-v2";

    on claim(g) {
        inherit()?;
    }
}
