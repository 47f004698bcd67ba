// expect: duplicate-metadata
policy! {
    /// Names itself twice.
    name = "first";
    name = "second";
}
