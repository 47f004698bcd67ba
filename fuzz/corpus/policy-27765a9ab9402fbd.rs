policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-3847";
    extends = "park-empty-dma";
    subject = "iommu: A generated change";

    /// Generated hook.
    on bus_notify(BoundDriver, dev) {
        use_default_domain(dev)?;
    }
}
