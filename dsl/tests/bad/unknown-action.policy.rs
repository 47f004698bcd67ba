// expect: unknown-action
policy! {
    /// Misspells an action.
    name = "typo-action";

    on claim(g) {
        mask_msi(g);
        inherit()?;
    }
}
