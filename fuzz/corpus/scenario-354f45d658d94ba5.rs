scenario! {
    /// A generated scenario.
    name = "fuzz-2939";
   moves {
        add(ext);
        bind(ext, e1000e);
        unbind(ext);
        remove(ext);
    }

    script {
        add(ext);
        bind(ext, unbind);
        unbind(ext);
        remove(ext);
    }
}
