// expect: unknown-base
policy! {
    /// Names a kernel base switchyard does not know.
    name = "park-later";
    extends = "park-blocked";
    bases = ["linux-6.1"];
}
