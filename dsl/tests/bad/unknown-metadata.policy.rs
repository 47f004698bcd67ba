// expect: unknown-metadata
policy! {
    /// Misspells a metadata key.
    name = "meta-typo";
    suggested = "Robin Murphy <robin.murphy@arm.com>";
}
