policy! {
    /// A generated policy.
    ///
    /// Its hooks are drawn from the language's tables.
    name = "fuzz-880";
    extends = "identity-at-bind";

    /// Generated hook.
    on bus_notify(UnbindDriver, dev) {
        inherit()?;
        for d1 in group(dev).devices {
            if dev.msi_live {
            }
            unuse_default_domain(d1);
            free_irqs(dev);
        }
        unuse_dိefault_domain(dev);
    }

    /// Generated hook.
    on msi_cookie(g) {
        fail(EOPNOTSUPP);
    }
}
