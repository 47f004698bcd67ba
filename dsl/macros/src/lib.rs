//! `policy! { ... }` and `scenario! { ... }`: switchyard sources inside Rust code, checked
//! when the code compiles (errors point at the offending tokens) and available at run time
//! as `switchyard::dsl::Embedded`. Use them through the `switchyard` crate, which re-exports
//! both: the expansion names `::switchyard::dsl`.

use proc_macro::TokenStream;

/// A policy; see the language reference in the repository's README.
#[proc_macro]
pub fn policy(input: TokenStream) -> TokenStream {
    switchyard_dsl::macro_support::expand_policy(input.into()).into()
}

/// A scenario; see the language reference in the repository's README.
#[proc_macro]
pub fn scenario(input: TokenStream) -> TokenStream {
    switchyard_dsl::macro_support::expand_scenario(input.into()).into()
}
