// expect: needless-try
policy! {
    /// Propagates from an action that cannot fail.
    name = "needless-try";

    on claim(g) {
        inherit()?;
        for d in g.devices {
            mask_msis(d)?;
        }
    }
}
