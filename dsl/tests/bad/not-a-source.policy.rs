// expect: not-a-source
fn main() {}
