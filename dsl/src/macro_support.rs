//! What `policy!` and `scenario!` expand to. Lives here, not in the proc-macro crate, so
//! it is unit-tested and shares every check with the file front-end.
//!
//! A macro parses its tokens, runs the semantic checks (a policy's `extends` is resolved
//! against the built-ins: a macro cannot see files), and reports problems as compiler errors
//! at the offending tokens. A clean source expands to a [`crate::Embedded`] value holding
//! the tokens' text; its `policy()`/`scenario()` methods give the IR at run time.

use crate::diag::{Code, Issue};
use crate::load::builtin;
use crate::parse::{PolicyAst, SourceKind};
use crate::scenario::ScenarioAst;
use crate::{policy, Origin};
use proc_macro2::{Span, TokenStream};
use quote::quote;

fn errors(issues: &[Issue]) -> TokenStream {
    let errs = issues.iter().map(|i| i.to_syn().to_compile_error());
    quote! { { #(#errs)* } }
}

/// Expands a `policy! { ... }` invocation.
pub fn expand_policy(tokens: TokenStream) -> TokenStream {
    let text = tokens.to_string();
    let ast: PolicyAst = match syn::parse2(tokens) {
        Ok(a) => a,
        Err(e) => return errors(&Issue::from_syn(e)),
    };
    let unit = match policy::check(&ast, Span::call_site()) {
        Ok(u) => u,
        Err(issues) => return errors(&issues),
    };
    if let Some((parent, span)) = &unit.extends {
        if builtin(SourceKind::Policy, parent).is_none() {
            return errors(&[Issue::new(
                Code::UnknownExtends,
                *span,
                format!("no built-in policy named `{parent}`"),
            )
            .label("unknown parent policy")
            .help("in Rust code, `extends` names a built-in policy (`switchyard policy list`)")]);
        }
    }
    let name = &unit.name;
    quote! {
        ::switchyard::dsl::Embedded {
            kind: ::switchyard::dsl::SourceKind::Policy,
            name: #name,
            text: #text,
        }
    }
}

/// Expands a `scenario! { ... }` invocation.
pub fn expand_scenario(tokens: TokenStream) -> TokenStream {
    let text = tokens.to_string();
    let ast: ScenarioAst = match syn::parse2(tokens) {
        Ok(a) => a,
        Err(e) => return errors(&Issue::from_syn(e)),
    };
    let scenario = match crate::scenario::check(&ast, Span::call_site(), Origin::Macro) {
        Ok(s) => s,
        Err(issues) => return errors(&issues),
    };
    let name = &scenario.name;
    quote! {
        ::switchyard::dsl::Embedded {
            kind: ::switchyard::dsl::SourceKind::Scenario,
            name: #name,
            text: #text,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expanded(tokens: TokenStream) -> String {
        expand_policy(tokens).to_string()
    }

    #[test]
    fn a_clean_policy_expands_to_an_embedded_value() {
        let out = expanded(quote! {
            /// Refuse claims.
            name = "no-claims";
            on claim(g) { fail(EPERM); }
        });
        assert!(out.contains(":: switchyard :: dsl :: Embedded"), "{out}");
        assert!(!out.contains("compile_error"), "{out}");
    }

    #[test]
    fn problems_become_compile_errors_with_their_hints() {
        let out = expanded(quote! {
            /// Uses an unknown action.
            name = "bad";
            on claim(g) { mask_msi(g); }
        });
        assert!(out.contains("compile_error"), "{out}");
        assert!(out.contains("unknown action `mask_msi`"), "{out}");
        assert!(out.contains("did you mean `mask_msis`"), "{out}");

        let out = expanded(quote! {
            /// Extends a file a macro cannot see.
            name = "child";
            extends = "my-local-policy";
        });
        assert!(
            out.contains("no built-in policy named `my-local-policy`"),
            "{out}"
        );
    }

    #[test]
    fn scenario_problems_become_compile_errors() {
        let out = expand_scenario(quote! {
            /// Binds an undeclared driver.
            name = "s";
            device d {}
            moves { bind(d, nope); }
        })
        .to_string();
        assert!(out.contains("no driver `nope` in this scenario"), "{out}");
    }
}
