//! The switchyard language: policies and scenarios as Rust token trees.
//!
//! Pipeline: text -> AST ([`parse`], syn) -> semantic checks ([`policy`], [`scenario`]) ->
//! IR ([`ir`], [`scenario::Scenario`]). The IR is what the model and the C generator
//! consume. The vocabulary — hooks, actions, predicates, literals — is defined once, in
//! [`vocab`].
//!
//! Sources come from files (the built-ins under `policies/` and `scenarios/` are embedded
//! at build time) or from Rust code through the `policy!`/`scenario!` macros, which run the
//! same checks at compile time ([`macro_support`]).

pub mod base;
pub mod diag;
pub mod ir;
pub mod load;
pub mod macro_support;
pub mod parse;
pub mod policy;
pub mod scenario;
pub mod vocab;

pub use base::Base;
pub use diag::{Code, DslError, Issue, SourceFile};
pub use ir::{Origin, Policy};
pub use load::{
    builtin, builtins, load_file, load_policy, load_scenario, load_str, Builtin, Embedded,
    LoadError, Loaded, BUILTINS,
};
pub use parse::SourceKind;
pub use scenario::Scenario;
