// expect: hook-params
policy! {
    /// Forgets the managed flag.
    name = "short-params";

    on dma_configure(dev) {
        inherit()?;
    }
}
