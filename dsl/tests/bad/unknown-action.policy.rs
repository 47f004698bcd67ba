// expect: unknown-action
policy! {
    /// Misspells an action.
    name = "typo-action";

    on claim(g) {
        free_irq(g);
        inherit()?;
    }
}
