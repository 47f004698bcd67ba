// expect: cyclic-extends
policy! {
    /// The other half of the cycle.
    name = "cyclic-partner";
    extends = "cyclic-extends";
}
