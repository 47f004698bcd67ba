// expect: syntax
scenario! {
    /// Declares a group by hand, which the kernel derives.
    name = "hand-made-group";

    group g0 {
        device nic { }
    }

    moves { remove(nic); }
}
