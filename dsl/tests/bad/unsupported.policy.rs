// expect: unsupported
policy! {
    /// Uses a let binding.
    name = "let-binding";

    on probe(dev) {
        let g = group(dev);
        inherit()?;
    }
}
