// expect: missing-metadata
policy! {
    /// Has no name.
    extends = "park-blocked";
}
