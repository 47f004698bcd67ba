// expect: unknown-hook
policy! {
    /// Switches at bind, but names the hook wrongly.
    name = "typo-hook";

    on dma_configur(dev, managed) {
        inherit()?;
    }
}
