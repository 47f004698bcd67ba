// expect: bad-value
policy! {
    /// Has a name that cannot be a file name.
    name = "Park Blocked";
}
