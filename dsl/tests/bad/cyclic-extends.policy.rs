// expect: cyclic-extends
policy! {
    /// Extends its own descendant (cyclic-partner.policy.rs, beside this file).
    name = "cyclic-extends";
    extends = "cyclic-partner";
}
