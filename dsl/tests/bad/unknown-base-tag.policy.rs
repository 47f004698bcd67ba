// expect: unknown-base
policy! {
    /// Parks new groups, with a paragraph for a base that is misspelt.
    ///
    /// Says what holds on every base.
    ///
    /// [linux-7.30] Says what holds on one base only.
    name = "park-tagged";
    extends = "park-blocked";
}
