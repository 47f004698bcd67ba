// expect: missing-doc
policy! {
    name = "undocumented";
}
