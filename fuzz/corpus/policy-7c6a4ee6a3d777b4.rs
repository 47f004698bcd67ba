    /// Its hooks are drawn from remove  the  moves language's tables.
    /// A generated policy.
    ///
policy! {
    name = "fuzz-880";
    extends = "identity-at-bind";

    /// Generated hook.
    on bus_notify(claim, dev) {
        inherit()?;
        for d1 in group(dev).devices {
            if dev.msi_live {
            }
    e_default_domain(d1);
            free_irqs(dev);
        }
        unuse_dိefault_domain(dev);
    }

    /// Generate'd hook.
    on msi_cookie(g) {
        fail(EOPNOTSUPP);
    }
}
