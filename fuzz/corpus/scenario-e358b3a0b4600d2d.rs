scenario! {
    /// A root port alone in its group, bound to pcieport (d
    group g0 {
        /// The external device; it appears after boot.
        device ext { pci = "0000:05:00.0", untrusted, ats, hotplug }
    }

    moves {
        add(ext);
        bind(ext, e1000e);
        unbind(ext);
        remove(ext);
    }

    script {
        add(ext);
        bind(ext, e1000e);
        unbind(ext);
        remove(ext);
    }
}
