//! The checkable model as code: a standalone Cargo crate whose hooks are Rust generated
//! from the IR with `quote`, over this crate's [`Machine`](crate::machine::Machine).
//!
//! Every hook body in the policy's `extends` chain becomes one function
//! (`hook_<hook>__<policy>`); `inherit()` calls the parent's. Actions and predicates become
//! calls to the same `Machine` methods the interpreter uses, both read from one table (the
//! crate's `meaning` module), so the generated model and the interpreter can only disagree
//! if this translation is wrong, which the crate's own test (and switchyard's) checks by
//! comparing the two on every built-in scenario.

use crate::meaning::{self, ActionMeaning, AttrMeaning};
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use switchyard_dsl::ir::{Block, CmpOp, Expr, HookImpl, Lit, Policy, Stmt};
use switchyard_dsl::vocab::{Hook, Kind};

#[derive(Debug, thiserror::Error)]
pub enum GenError {
    #[error("cannot write `{path}`: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{0}` exists and is not an empty directory or a crate switchyard generated")]
    NotEmpty(PathBuf),
    #[error("the generated code does not parse: {0}")]
    Parse(String),
}

/// Where the generated crate finds switchyard's libraries.
pub struct Sources<'a> {
    /// The `model/` directory (this crate).
    pub model: &'a Path,
    /// The `dsl/` directory.
    pub dsl: &'a Path,
    /// A Cargo.lock to start from, so the generated crate resolves the same versions.
    pub lockfile: Option<&'a Path>,
}

fn snake(s: &str) -> String {
    s.replace('-', "_")
}

/// A hook body's function name, `hook_<hook>__<policy>`: the generated crate's Rust
/// function and the Promela back-end's inline.
pub(crate) fn hook_body_name(hook: Hook, policy: &str) -> String {
    format!("hook_{}__{}", hook_stem(hook), snake(policy))
}

/// A hook as an identifier: `claim`, `bus_notify_add_device`.
pub(crate) fn hook_stem(hook: Hook) -> String {
    match hook {
        Hook::BusNotify(a) => format!("bus_notify_{}", snake_case(a.name())),
        other => other.spec().name.to_string(),
    }
}

fn hook_fn_name(hook: Hook, policy: &str) -> Ident {
    format_ident!("{}", hook_body_name(hook, policy))
}

fn snake_case(camel: &str) -> String {
    let mut out = String::new();
    for (i, c) in camel.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// A DSL name as a Rust variable (prefixed: DSL names may be Rust keywords).
fn var(name: &str) -> Ident {
    format_ident!("v_{}", name)
}

fn hook_path(hook: Hook) -> TokenStream {
    match hook {
        Hook::BusNotify(a) => {
            let a = Ident::new(a.name(), Span::call_site());
            quote!(Hook::BusNotify(NotifyAction::#a))
        }
        Hook::Probe => quote!(Hook::Probe),
        Hook::Join => quote!(Hook::Join),
        Hook::DmaConfigure => quote!(Hook::DmaConfigure),
        Hook::DmaCleanup => quote!(Hook::DmaCleanup),
        Hook::Claim => quote!(Hook::Claim),
        Hook::AttachUser => quote!(Hook::AttachUser),
        Hook::MsiCookie => quote!(Hook::MsiCookie),
        Hook::DetachUser => quote!(Hook::DetachUser),
        Hook::Release => quote!(Hook::Release),
        Hook::DefaultType => quote!(Hook::DefaultType),
        Hook::RemoveLast => quote!(Hook::RemoveLast),
        Hook::PrepareMsi => quote!(Hook::PrepareMsi),
    }
}

fn param_type(kind: Kind) -> TokenStream {
    match kind {
        Kind::Device => quote!(DevId),
        Kind::Group => quote!(GroupId),
        Kind::Bool => quote!(bool),
        Kind::DomainType => quote!(DomainType),
        other => unreachable!("no hook takes {other:?}"),
    }
}

fn arg_unpack(kind: Kind, i: usize) -> TokenStream {
    match kind {
        Kind::Device => quote!(args[#i].device()),
        Kind::Group => quote!(args[#i].group()),
        Kind::Bool => quote!(args[#i].truth()),
        Kind::DomainType => quote!(args[#i].domain_type()),
        other => unreachable!("no hook takes {other:?}"),
    }
}

/// Collects every hook body of the chain, once each, keyed by (hook, policy).
fn collect<'a>(imp: &'a HookImpl, out: &mut BTreeMap<(Hook, String), &'a HookImpl>) {
    out.entry((imp.hook, imp.defined_in.clone())).or_insert(imp);
    if let Some(p) = &imp.parent {
        collect(p, out);
    }
}

fn hook_fn(imp: &HookImpl) -> TokenStream {
    let name = hook_fn_name(imp.hook, &imp.defined_in);
    let params = imp
        .params
        .iter()
        .zip(imp.hook.spec().params)
        .map(|(n, (_, kind))| {
            let v = var(n);
            let t = param_type(*kind);
            quote!(#v: #t)
        });
    let body = block(imp, &imp.body);
    let doc = format!("`{}` as written in `{}`.", imp.signature(), imp.defined_in);
    quote! {
        #[doc = #doc]
        #[allow(non_snake_case, unused_variables, unreachable_code, clippy::all)]
        fn #name(m: &mut Machine, #(#params),*) -> Result<(), Errno> {
            #body
            Ok(())
        }
    }
}

fn block(imp: &HookImpl, b: &Block) -> TokenStream {
    let stmts = b.0.iter().map(|s| stmt(imp, s));
    quote!(#(#stmts)*)
}

fn stmt(imp: &HookImpl, s: &Stmt) -> TokenStream {
    match s {
        Stmt::If {
            cond,
            then,
            otherwise,
        } => {
            let c = expr(cond);
            let t = block(imp, then);
            match otherwise {
                Some(e) => {
                    let e = block(imp, e);
                    quote!(if #c { #t } else { #e })
                }
                None => quote!(if #c { #t }),
            }
        }
        Stmt::For {
            var: v,
            group,
            body,
        } => {
            let v = var(v);
            let g = expr(group);
            let b = block(imp, body);
            quote!(for #v in m.members(#g) { #b })
        }
        Stmt::Call {
            action,
            args,
            message,
            ..
        } => {
            let a: Vec<TokenStream> = args.iter().map(expr).collect();
            // `fail(E, "...")`: the kernel prints the message, then returns the error.
            let print = message.as_ref().map(|msg| {
                let about = expr(&msg.about);
                let text = &msg.text;
                match msg.about {
                    Expr::Var {
                        kind: Kind::Device, ..
                    } => quote!(m.refuse_dev(#about, #text);),
                    _ => quote!(m.refuse_group(#about, #text);),
                }
            });
            match meaning::action(*action) {
                ActionMeaning::Method(method) => {
                    let f = format_ident!("{}", method.name);
                    if method.fallible {
                        quote!(m.#f(#(#a),*)?;)
                    } else {
                        quote!(m.#f(#(#a),*);)
                    }
                }
                ActionMeaning::Fail => quote!(#print return Err(#(#a),*);),
                ActionMeaning::Inherit => {
                    let parent = imp
                        .parent
                        .as_deref()
                        .expect("checked: inherit() has a parent");
                    let f = hook_fn_name(parent.hook, &parent.defined_in);
                    let pass = imp.params.iter().map(|p| var(p));
                    quote!(#f(m, #(#pass),*)?;)
                }
            }
        }
    }
}

fn lit(l: &Lit) -> TokenStream {
    match l {
        Lit::Bool(b) => quote!(#b),
        Lit::Int(i) => quote!(#i),
        Lit::Domain(d) => {
            let i = Ident::new(d.name(), Span::call_site());
            quote!(DomainLit::#i)
        }
        Lit::DomainType(t) => {
            let i = Ident::new(t.name(), Span::call_site());
            quote!(DomainType::#i)
        }
        Lit::Errno(e) => {
            let i = Ident::new(e.name(), Span::call_site());
            quote!(Errno::#i)
        }
        Lit::Ats(a) => {
            let i = Ident::new(a.name(), Span::call_site());
            quote!(AtsState::#i)
        }
    }
}

fn expr(e: &Expr) -> TokenStream {
    prec_expr(e).0
}

/// An expression and the precedence of its generated form (1 `||`, 2 `&&`, 3 comparison,
/// 4 `!`, 5 a call or a name), so parentheses go only where Rust needs them.
fn prec_expr(e: &Expr) -> (TokenStream, u8) {
    let wrap = |e: &Expr, min: u8| {
        let (t, p) = prec_expr(e);
        if p < min {
            quote!((#t))
        } else {
            t
        }
    };
    match e {
        Expr::Var { name, .. } => {
            let v = var(name);
            (quote!(#v), 5)
        }
        Expr::Lit { lit: l } => (lit(l), 5),
        Expr::GroupOf { dev } => {
            let d = expr(dev);
            (quote!(m.group_of(#d)), 5)
        }
        Expr::Cfg { option } => {
            let o = Ident::new(option.name(), Span::call_site());
            (quote!(m.cfg(CfgOption::#o)), 5)
        }
        Expr::Attr { base, attr } => {
            let b = expr(base);
            let t = match meaning::attribute(*attr) {
                AttrMeaning::Predicate(p) => {
                    let f = format_ident!("{}", p.name);
                    quote!(m.#f(#b))
                }
                // `g.domain` compared with a literal becomes `domain_is` in `cmp`; compared
                // with another group's, the attached domains are compared.
                AttrMeaning::CurrentDomain => quote!(m.state.groups[#b].domain),
                // Only in a `for`, where the group itself is the range.
                AttrMeaning::Members => b,
            };
            (t, 5)
        }
        Expr::Not { expr: inner } => {
            let i = wrap(inner, 5);
            (quote!(!#i), 4)
        }
        Expr::And { lhs, rhs } => {
            let (l, r) = (wrap(lhs, 2), wrap(rhs, 3));
            (quote!(#l && #r), 2)
        }
        Expr::Or { lhs, rhs } => {
            let (l, r) = (wrap(lhs, 1), wrap(rhs, 2));
            (quote!(#l || #r), 1)
        }
        Expr::Cmp { op, lhs, rhs } => cmp(*op, lhs, rhs),
    }
}

fn group_domain(e: &Expr) -> Option<&Expr> {
    match e {
        Expr::Attr { base, attr } => match meaning::attribute(*attr) {
            AttrMeaning::CurrentDomain => Some(base),
            AttrMeaning::Predicate(_) | AttrMeaning::Members => None,
        },
        _ => None,
    }
}

fn cmp(op: CmpOp, lhs: &Expr, rhs: &Expr) -> (TokenStream, u8) {
    let domain_lit = match (group_domain(lhs), group_domain(rhs), lhs, rhs) {
        (Some(g), _, _, Expr::Lit { lit: l }) | (_, Some(g), Expr::Lit { lit: l }, _) => {
            Some((g, l))
        }
        _ => None,
    };
    if let Some((g, l)) = domain_lit {
        let (g, l) = (expr(g), lit(l));
        let call = quote!(m.domain_is(#g, #l));
        return match op {
            CmpOp::Eq => (call, 5),
            _ => (quote!(!#call), 4),
        };
    }
    let side = |e: &Expr| {
        let (t, p) = prec_expr(e);
        if p < 4 {
            quote!((#t))
        } else {
            t
        }
    };
    let (l, r) = (side(lhs), side(rhs));
    let t = match op {
        CmpOp::Eq => quote!(#l == #r),
        CmpOp::Ne => quote!(#l != #r),
        CmpOp::Lt => quote!(#l < #r),
        CmpOp::Le => quote!(#l <= #r),
        CmpOp::Gt => quote!(#l > #r),
        CmpOp::Ge => quote!(#l >= #r),
    };
    (t, 3)
}

/// The crate's `src/lib.rs`: the policy's hooks as Rust.
pub fn lib_rs(policy: &Policy) -> Result<String, GenError> {
    let mut bodies = BTreeMap::new();
    for imp in policy.hooks.values() {
        collect(imp, &mut bodies);
    }
    let fns = bodies.values().map(|imp| hook_fn(imp));
    let arms = policy.hooks.values().map(|imp| {
        let path = hook_path(imp.hook);
        let f = hook_fn_name(imp.hook, &imp.defined_in);
        let args = imp
            .hook
            .spec()
            .params
            .iter()
            .enumerate()
            .map(|(i, (_, k))| arg_unpack(*k, i));
        quote!(#path => #f(m, #(#args),*))
    });
    let name = &policy.name;
    let source_doc = format!(
        " The policy `{}` ({}) as a checkable model: generated by `switchyard gen model`.",
        policy.name,
        policy.chain.join(" -> ")
    );
    let summary = format!(" {}", policy.summary());
    let file = quote! {
        #![doc = #source_doc]
        #![doc = ""]
        #![doc = #summary]

        use switchyard_model::machine::{DevId, GroupId, Machine};
        use switchyard_model::{PolicyHooks, Value};
        use switchyard_dsl::vocab::*;

        /// The policy's hooks.
        pub struct Generated;

        /// The policy's name.
        pub const NAME: &str = #name;

        impl PolicyHooks for Generated {
            fn policy_name(&self) -> &str {
                NAME
            }

            fn run(&self, m: &mut Machine, hook: Hook, args: &[Value]) -> Result<(), Errno> {
                match hook {
                    #(#arms,)*
                }
            }
        }

        #(#fns)*
    };
    let parsed = syn::parse2::<syn::File>(file).map_err(|e| GenError::Parse(e.to_string()))?;
    Ok(prettyplease::unparse(&parsed))
}

fn write(path: &Path, text: &str) -> Result<(), GenError> {
    std::fs::write(path, text).map_err(|source| GenError::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// Writes the crate to `dir`: Cargo.toml, the generated `src/lib.rs`, a `check` binary that
/// prints the checker's verdicts on every built-in scenario as JSON, and a test that runs the
/// same checks with the generated hooks and with the interpreter and compares them.
///
/// `files` are the sources of the policy and of every ancestor that is not built in, as
/// (policy name, text); they go to `policy/NAME.policy.rs`, where `extends` finds them.
pub fn write_crate(
    policy: &Policy,
    files: &[(String, String)],
    dir: &Path,
    src: &Sources,
) -> Result<(), GenError> {
    let marker = dir.join(".switchyard-model");
    if dir.exists() {
        let empty = std::fs::read_dir(dir)
            .map(|mut d| d.next().is_none())
            .unwrap_or(false);
        if !empty && !marker.exists() {
            return Err(GenError::NotEmpty(dir.to_path_buf()));
        }
    }
    for d in [
        dir.to_path_buf(),
        dir.join("src"),
        dir.join("src/bin"),
        dir.join("tests"),
        dir.join("policy"),
    ] {
        std::fs::create_dir_all(&d).map_err(|source| GenError::Write {
            path: d.clone(),
            source,
        })?;
    }
    let lib = lib_rs(policy)?;
    let crate_name = format!("switchyard-model-{}", policy.name);
    let cargo = format!(
        "[package]\nname = \"{crate_name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n\
         [dependencies]\nswitchyard-model = {{ path = {:?} }}\nswitchyard-dsl = {{ path = {:?} }}\nserde_json = \"1\"\n\n\
         # A crate of its own, not a member of any enclosing workspace.\n[workspace]\n",
        src.model.display().to_string(),
        src.dsl.display().to_string(),
    );
    write(&dir.join("Cargo.toml"), &cargo)?;
    if let Some(lock) = src.lockfile {
        if let Ok(text) = std::fs::read_to_string(lock) {
            write(&dir.join("Cargo.lock"), &text)?;
        }
    }
    write(&dir.join("src/lib.rs"), &lib)?;
    for (name, text) in files {
        write(&dir.join("policy").join(format!("{name}.policy.rs")), text)?;
    }
    let policy_file = format!("/policy/{}.policy.rs", policy.name);
    let krate = snake(&crate_name);
    let krate_ident = Ident::new(&krate, Span::call_site());
    let bin = quote! {
        //! Prints the verdicts and state counts of the generated model on every built-in
        //! scenario, as JSON, on the kernel base its argument names (default linux-6.12).
        use switchyard_model::{check, Options};

        fn main() {
            let base: switchyard_dsl::Base = match std::env::args().nth(1) {
                None => switchyard_dsl::Base::default(),
                Some(name) => match name.parse() {
                    Ok(base) => base,
                    Err(e) => {
                        eprintln!("{e}");
                        std::process::exit(2);
                    }
                },
            };
            let opts = Options { base, ..Options::default() };
            let reports: Vec<_> = switchyard_dsl::builtins(switchyard_dsl::SourceKind::Scenario)
                .map(|b| {
                    let s = switchyard_dsl::load_scenario(b.name).expect("built-in scenarios load");
                    check(&#krate_ident::Generated, &s, opts)
                })
                .collect();
            println!("{}", serde_json::to_string_pretty(&reports).expect("reports serialise"));
        }
    };
    write(
        &dir.join("src/bin/check.rs"),
        &prettyplease::unparse(&syn::parse2(bin).map_err(|e| GenError::Parse(e.to_string()))?),
    )?;
    let test = quote! {
        //! The generated hooks and the interpreter, run on the policy's own text, give the
        //! same verdicts, traces and state counts on every built-in scenario, on every kernel
        //! base the policy applies to.
        use switchyard_model::{check, run_script, Interpreter, Options};

        #[test]
        fn generated_model_agrees_with_the_interpreter() {
            let path = concat!(env!("CARGO_MANIFEST_DIR"), #policy_file);
            let policy = switchyard_dsl::load_policy(path).expect("the policy loads");
            let interpreted = Interpreter { policy: &policy };
            for &base in &policy.bases {
                let opts = Options { base, ..Options::default() };
                for b in switchyard_dsl::builtins(switchyard_dsl::SourceKind::Scenario) {
                    let s = switchyard_dsl::load_scenario(b.name).expect("built-in scenarios load");
                    let g = check(&#krate_ident::Generated, &s, opts);
                    let i = check(&interpreted, &s, opts);
                    assert_eq!(g.verdicts, i.verdicts, "{} on {}", b.name, base);
                    assert_eq!(g.stats.states, i.stats.states, "{} on {}", b.name, base);
                    assert_eq!(g.stats.transitions, i.stats.transitions, "{} on {}", b.name, base);
                    assert_eq!(
                        run_script(&#krate_ident::Generated, &s, base),
                        run_script(&interpreted, &s, base),
                        "{} on {}", b.name, base
                    );
                }
            }
        }
    };
    write(
        &dir.join("tests/agree.rs"),
        &prettyplease::unparse(&syn::parse2(test).map_err(|e| GenError::Parse(e.to_string()))?),
    )?;
    write(
        &marker,
        "This crate was generated by `switchyard gen model`; it is rewritten in place.\n",
    )?;
    Ok(())
}
