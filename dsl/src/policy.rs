//! Policy semantic checks: AST -> a checked [`PolicyUnit`] (one file's own definitions),
//! then [`resolve`] against its parent -> the IR [`Policy`].

use crate::base::Base;
use crate::diag::{Code, Issue};
use crate::ir::{Block, CmpOp, Expr, HookImpl, Lit, Message, Meta, Origin, Policy, Stmt};
use crate::parse::{docs, meta_str, HookItem, MetaItem, PolicyAst, PolicyItem};
use crate::vocab::{
    check_message, hook_spec, list, suggest, Action, AtsState, Attr, CfgOption, DomainLit,
    DomainType, Errno, Hook, Kind, NotifyAction, ACTIONS, ATTRS, EXAMPLE_MESSAGE, FUNCTIONS,
    HOOK_NAMES,
};
use proc_macro2::Span;
use std::collections::BTreeMap;
use syn::spanned::Spanned;

/// The name of the root policy every `extends` chain ends in.
pub const ROOT: &str = "status-quo";

/// The metadata a policy may set, one `key = value;` each.
pub const META_KEYS: &[&str] = &[
    "name",
    "extends",
    "subject",
    "suggested_by",
    "link",
    "cc",
    "bases",
];

/// One policy's own definitions, checked but not yet joined to its parent.
#[derive(Clone, Debug)]
pub struct PolicyUnit {
    pub name: String,
    pub name_span: Span,
    pub doc: String,
    pub meta: Meta,
    /// The parent's name and the span of the `extends` value (`None` only for the root).
    pub extends: Option<(String, Span)>,
    pub hooks: Vec<OwnHook>,
}

#[derive(Clone, Debug)]
pub struct OwnHook {
    pub hook: Hook,
    pub span: Span,
    pub doc: String,
    pub params: Vec<String>,
    pub body: Block,
}

/// Checks a parsed policy. Reports every problem it can find, not just the first.
pub fn check(ast: &PolicyAst, whole: Span) -> Result<PolicyUnit, Vec<Issue>> {
    let mut issues = Vec::new();
    let mut doc = String::new();
    let mut name: Option<(String, Span)> = None;
    let mut extends: Option<(String, Span)> = None;
    let mut meta = Meta::default();
    let mut seen_meta: BTreeMap<String, Span> = BTreeMap::new();
    let mut hooks: Vec<OwnHook> = Vec::new();

    if let Some((_, span)) = docs(&ast.trailing, &mut issues) {
        issues.push(
            Issue::new(Code::Syntax, span, "doc comment documents nothing")
                .label("nothing follows this comment")
                .help("move it above the metadata (policy docs) or above an `on` hook"),
        );
    }

    // Metadata first: the root's hooks are checked differently.
    for item in &ast.items {
        if let PolicyItem::Meta(m) = item {
            if let Some((text, _)) = docs(&m.attrs, &mut issues) {
                check_base_tags(&m.attrs, doc.is_empty(), &mut issues);
                if !doc.is_empty() {
                    doc.push_str("\n\n");
                }
                doc.push_str(&text);
            }
            check_meta(
                m,
                &mut issues,
                &mut seen_meta,
                &mut name,
                &mut extends,
                &mut meta,
            );
        }
    }
    let Some((name, name_span)) = name else {
        if seen_meta.contains_key("name") {
            // The name was given but is invalid; that is already reported.
            return Err(issues);
        }
        issues.push(
            Issue::new(Code::MissingMetadata, whole, "this policy has no `name`")
                .label("policy without a name")
                .help("add a line `name = \"my-policy\";`"),
        );
        return Err(issues);
    };
    let is_root = name == ROOT;
    if is_root {
        if let Some((_, span)) = &extends {
            issues.push(
                Issue::new(
                    Code::UnknownExtends,
                    *span,
                    "`status-quo` is the root and extends nothing",
                )
                .label("remove this")
                .help("every other policy's `extends` chain ends in `status-quo`"),
            );
        }
    } else if extends.is_none() {
        extends = Some((ROOT.to_string(), name_span));
    }
    if doc.is_empty() {
        issues.push(
            Issue::new(Code::MissingDoc, name_span, format!("policy `{name}` has no doc comment"))
                .label("undocumented policy")
                .help("put `/// what it does, and where in the discussion it comes from` above `name = ...`; it becomes the commit message"),
        );
    }

    let mut defined: BTreeMap<Hook, Span> = BTreeMap::new();
    for item in &ast.items {
        if let PolicyItem::Hook(h) = item {
            if let Some(own) = check_hook(h, is_root, &mut issues) {
                if let Some(first) = defined.get(&own.hook) {
                    issues.push(
                        Issue::new(
                            Code::DuplicateHook,
                            own.span,
                            format!("hook `{}` is defined twice", own.hook),
                        )
                        .label("second definition")
                        .also(*first, "first defined here")
                        .help("merge the two bodies into one `on` block"),
                    );
                    continue;
                }
                defined.insert(own.hook, own.span);
                hooks.push(own);
            }
        }
    }

    if is_root {
        let missing: Vec<String> = Hook::all()
            .into_iter()
            .filter(|h| !defined.contains_key(h))
            .map(|h| format!("`{h}`"))
            .collect();
        if !missing.is_empty() {
            issues.push(
                Issue::new(
                    Code::IncompleteRoot,
                    name_span,
                    "`status-quo` must define every hook",
                )
                .label("incomplete root policy")
                .help(format!("missing: {}", missing.join(", "))),
            );
        }
    }

    if issues.is_empty() {
        Ok(PolicyUnit {
            name,
            name_span,
            doc,
            meta,
            extends,
            hooks,
        })
    } else {
        Err(issues)
    }
}

fn check_meta(
    m: &MetaItem,
    issues: &mut Vec<Issue>,
    seen: &mut BTreeMap<String, Span>,
    name: &mut Option<(String, Span)>,
    extends: &mut Option<(String, Span)>,
    meta: &mut Meta,
) {
    let key = m.key.to_string();
    if !META_KEYS.contains(&key.as_str()) {
        let mut issue = Issue::new(
            Code::UnknownMetadata,
            m.key.span(),
            format!("unknown policy metadata `{key}`"),
        )
        .label("not a policy key");
        issue = match suggest(&key, META_KEYS.iter().copied()) {
            Some(s) => issue.help(format!(
                "did you mean `{s}`? keys: {}",
                list(META_KEYS.iter().copied())
            )),
            None => issue.help(format!("keys: {}", list(META_KEYS.iter().copied()))),
        };
        issues.push(issue);
        return;
    }
    let repeatable = matches!(key.as_str(), "suggested_by" | "link" | "cc");
    if !repeatable {
        if let Some(first) = seen.get(&key) {
            issues.push(
                Issue::new(
                    Code::DuplicateMetadata,
                    m.key.span(),
                    format!("`{key}` is given twice"),
                )
                .label("second value")
                .also(*first, "first given here")
                .help("keep one"),
            );
            return;
        }
        seen.insert(key.clone(), m.key.span());
    }
    if key == "bases" {
        meta.bases = meta_bases(m, issues);
        return;
    }
    let Some((value, span)) = meta_str(m, issues) else {
        return;
    };
    match key.as_str() {
        "name" | "extends" => {
            if !valid_name(&value) {
                issues.push(
                    Issue::new(
                        Code::BadValue,
                        span,
                        format!("`{value}` is not a valid policy name"),
                    )
                    .label("invalid name")
                    .help("names are lowercase letters, digits and `-`, starting with a letter"),
                );
                return;
            }
            if key == "name" {
                *name = Some((value, span));
            } else {
                *extends = Some((value, span));
            }
        }
        "subject" => meta.subject = Some(value),
        "suggested_by" => meta.suggested_by.push(value),
        "link" => meta.links.push(value),
        "cc" => meta.cc.push(value),
        _ => unreachable!("key checked against META_KEYS"),
    }
}

/// A policy doc paragraph that opens with a base's name in brackets (`[linux-7.3] ...`)
/// is part of the commit log on that base only (switchyard-series `commit_paragraphs`), so
/// a bracketed `linux-` name that is no base would put the paragraph on no base's log
/// silently. `first` is whether these comments open the policy's doc (the first line
/// opens a paragraph); other bracketed openings (`[v2]`) are text.
fn check_base_tags(attrs: &[syn::Attribute], first: bool, issues: &mut Vec<Issue>) {
    let known = list(Base::ALL.iter().map(|b| b.name()));
    let mut opens = first;
    for attr in attrs {
        let syn::Meta::NameValue(nv) = &attr.meta else {
            continue;
        };
        let syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) = &nv.value
        else {
            continue;
        };
        let line = s.value();
        let line = line.trim();
        if line.is_empty() {
            opens = true;
            continue;
        }
        let tag = opens
            .then(|| line.strip_prefix('['))
            .flatten()
            .and_then(|rest| rest.split_once(']'))
            .map(|(name, _)| name)
            .filter(|name| name.starts_with("linux-"));
        opens = false;
        let Some(name) = tag else {
            continue;
        };
        if Base::from_name(name).is_some() {
            continue;
        }
        let mut issue = Issue::new(
            Code::UnknownBase,
            attr.span(),
            format!("`[{name}]` names no kernel base"),
        )
        .label("this paragraph would be in no base's commit log");
        issue = match suggest(name, Base::ALL.iter().map(|b| b.name())) {
            Some(x) => issue.help(format!(
                "did you mean `[{x}]`? a paragraph tagged with a base is in that base's log only; bases: {known}"
            )),
            None => issue.help(format!(
                "a paragraph tagged with a base is in that base's log only; bases: {known}"
            )),
        };
        issues.push(issue);
    }
}

/// `bases = ["linux-6.12", ...];`: a non-empty array of known base names, each once.
fn meta_bases(m: &MetaItem, issues: &mut Vec<Issue>) -> Option<Vec<Base>> {
    let known = list(Base::ALL.iter().map(|b| b.name()));
    let syn::Expr::Array(arr) = &m.value else {
        issues.push(
            Issue::new(
                Code::BadValue,
                m.value.span(),
                "`bases` takes an array of base names",
            )
            .label("expected an array of strings")
            .help(format!("write `bases = [\"linux-6.12\"];`; bases: {known}")),
        );
        return None;
    };
    if arr.elems.is_empty() {
        issues.push(
            Issue::new(Code::BadValue, m.value.span(), "`bases` is empty")
                .label("no base")
                .help(format!(
                    "name the bases the policy applies to, or leave `bases` out for all: {known}"
                )),
        );
        return None;
    }
    let mut bases = Vec::new();
    let mut ok = true;
    for e in &arr.elems {
        let syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) = e
        else {
            issues.push(
                Issue::new(Code::BadValue, e.span(), "a base is a string")
                    .label("expected a string literal")
                    .help(format!("bases: {known}")),
            );
            ok = false;
            continue;
        };
        let name = s.value();
        match Base::from_name(&name) {
            Some(b) if !bases.contains(&b) => bases.push(b),
            Some(_) => {
                issues.push(
                    Issue::new(Code::BadValue, s.span(), format!("`{name}` is given twice"))
                        .label("second time")
                        .help("name each base once"),
                );
                ok = false;
            }
            None => {
                let mut issue = Issue::new(
                    Code::UnknownBase,
                    s.span(),
                    format!("unknown kernel base `{name}`"),
                )
                .label("not a base switchyard knows");
                issue = match suggest(&name, Base::ALL.iter().map(|b| b.name())) {
                    Some(x) => issue.help(format!("did you mean `{x}`? bases: {known}")),
                    None => issue.help(format!("bases: {known}")),
                };
                issues.push(issue);
                ok = false;
            }
        }
    }
    bases.sort();
    ok.then_some(bases)
}

/// Names of policies and scenarios: `[a-z][a-z0-9-]*`.
pub fn valid_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some('a'..='z'))
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn check_hook(h: &HookItem, is_root: bool, issues: &mut Vec<Issue>) -> Option<OwnHook> {
    let doc = docs(&h.attrs, issues).map(|d| d.0).unwrap_or_default();
    let name = h.name.to_string();
    let Some(spec) = hook_spec(&name) else {
        let mut issue = Issue::new(
            Code::UnknownHook,
            h.name.span(),
            format!("unknown hook `{name}`"),
        )
        .label("no such hook");
        let hooks = list(HOOK_NAMES.iter().copied());
        issue = match suggest(&name, HOOK_NAMES.iter().copied()) {
            Some(s) => issue.help(format!("did you mean `{s}`? hooks: {hooks}")),
            None => issue.help(format!("hooks: {hooks}")),
        };
        issues.push(issue);
        return None;
    };
    let mut args = h.args.iter();
    let hook = if name == "bus_notify" {
        let actions = list(NotifyAction::ALL.iter().map(|a| a.name()));
        let Some(action) = args.next() else {
            issues.push(
                Issue::new(
                    Code::HookParams,
                    h.args_span,
                    "`bus_notify` needs a notifier action",
                )
                .label("missing action")
                .help(format!(
                    "write `on bus_notify(BindDriver, dev)`; actions: {actions}"
                )),
            );
            return None;
        };
        match NotifyAction::from_name(&action.to_string()) {
            Some(a) => Hook::BusNotify(a),
            None => {
                let word = action.to_string();
                let mut issue = Issue::new(
                    Code::UnknownNotifyAction,
                    action.span(),
                    format!("unknown bus notifier action `{word}`"),
                )
                .label("not a BUS_NOTIFY_* action");
                issue = match suggest(&word, NotifyAction::ALL.iter().map(|a| a.name())) {
                    Some(s) => issue.help(format!("did you mean `{s}`? actions: {actions}")),
                    None => issue.help(format!("actions: {actions}")),
                };
                issues.push(issue);
                return None;
            }
        }
    } else {
        hook_from_name(&name)
    };
    let params: Vec<&syn::Ident> = args.collect();
    if params.len() != spec.params.len() {
        issues.push(
            Issue::new(
                Code::HookParams,
                h.args_span,
                format!(
                    "`{name}` takes {} parameter{}, found {}",
                    spec.params.len(),
                    if spec.params.len() == 1 { "" } else { "s" },
                    params.len()
                ),
            )
            .label("wrong parameters")
            .help(format!("write `{}`", signature(hook))),
        );
        return None;
    }
    let mut scope: Vec<(String, Kind)> = Vec::new();
    for (ident, (_, kind)) in params.iter().zip(spec.params) {
        let n = ident.to_string();
        if scope.iter().any(|(s, _)| *s == n) {
            issues.push(
                Issue::new(
                    Code::HookParams,
                    ident.span(),
                    format!("parameter `{n}` is named twice"),
                )
                .label("duplicate parameter")
                .help("give each parameter its own name"),
            );
            return None;
        }
        scope.push((n, *kind));
    }
    let mut cx = BodyCx {
        hook,
        fallible: spec.fallible,
        is_root,
        scope,
        issues,
    };
    let (body, _) = cx.block(&h.body.stmts, h.body.span());
    Some(OwnHook {
        hook,
        span: h.name.span(),
        doc,
        params: params.iter().map(ToString::to_string).collect(),
        body,
    })
}

fn hook_from_name(name: &str) -> Hook {
    match name {
        "probe" => Hook::Probe,
        "dma_configure" => Hook::DmaConfigure,
        "dma_cleanup" => Hook::DmaCleanup,
        "claim" => Hook::Claim,
        "release" => Hook::Release,
        "attach_user" => Hook::AttachUser,
        "msi_cookie" => Hook::MsiCookie,
        "detach_user" => Hook::DetachUser,
        "default_type" => Hook::DefaultType,
        "remove_last" => Hook::RemoveLast,
        "join" => Hook::Join,
        "prepare_msi" => Hook::PrepareMsi,
        _ => unreachable!("hook_spec found `{name}`"),
    }
}

/// How a hook is written, with its conventional parameter names.
pub fn signature(hook: Hook) -> String {
    let spec = hook.spec();
    let mut params: Vec<String> = Vec::new();
    if let Hook::BusNotify(a) = hook {
        params.push(a.name().into());
    }
    params.extend(spec.params.iter().map(|(n, _)| n.to_string()));
    format!("on {}({}) {{ ... }}", spec.name, params.join(", "))
}

struct BodyCx<'a> {
    hook: Hook,
    fallible: bool,
    is_root: bool,
    scope: Vec<(String, Kind)>,
    issues: &'a mut Vec<Issue>,
}

impl BodyCx<'_> {
    /// Checks a block; returns it and whether it always ends in `fail(...)`.
    fn block(&mut self, stmts: &[syn::Stmt], _span: Span) -> (Block, Option<Span>) {
        let mut out = Vec::new();
        let mut diverged: Option<Span> = None;
        for stmt in stmts {
            if let Some(fail_span) = diverged {
                self.issues.push(
                    Issue::new(
                        Code::UnreachableAfterFail,
                        stmt.span(),
                        "statement after `fail(...)` can never run",
                    )
                    .label("unreachable")
                    .also(fail_span, "the hook ends here")
                    .help("move it before the `fail(...)`, or remove it"),
                );
                break;
            }
            let expr = match stmt {
                syn::Stmt::Expr(e, _) => e,
                syn::Stmt::Local(l) => {
                    self.unsupported(
                        l.span(),
                        "`let` bindings are not part of the policy language",
                        "use the hook's parameters, `group(dev)` and `for` variables",
                    );
                    continue;
                }
                syn::Stmt::Item(i) => {
                    self.unsupported(
                        i.span(),
                        "items cannot appear in a hook body",
                        "a hook body holds actions, `if` and `for`",
                    );
                    continue;
                }
                syn::Stmt::Macro(m) => {
                    self.unsupported(
                        m.span(),
                        "macros cannot appear in a hook body",
                        "a hook body holds actions, `if` and `for`",
                    );
                    continue;
                }
            };
            if let Some((stmt, div)) = self.stmt(expr) {
                diverged = div;
                out.push(stmt);
            }
        }
        (Block(out), diverged)
    }

    fn unsupported(&mut self, span: Span, message: &str, help: &str) {
        self.issues.push(
            Issue::new(Code::Unsupported, span, message)
                .label("not supported here")
                .help(help),
        );
    }

    fn stmt(&mut self, e: &syn::Expr) -> Option<(Stmt, Option<Span>)> {
        match e {
            syn::Expr::If(i) => self.if_stmt(i),
            syn::Expr::ForLoop(f) => {
                if let Some(label) = &f.label {
                    self.unsupported(
                        label.span(),
                        "loop labels are not part of the language",
                        "remove the label",
                    );
                }
                let var = match &*f.pat {
                    syn::Pat::Ident(p)
                        if p.by_ref.is_none() && p.mutability.is_none() && p.subpat.is_none() =>
                    {
                        p.ident.to_string()
                    }
                    other => {
                        self.unsupported(
                            other.span(),
                            "a `for` loop binds one plain name",
                            "write `for d in g.devices { ... }`",
                        );
                        return None;
                    }
                };
                let range = self.expr(&f.expr, Some(Kind::Devices))?;
                let group = match range {
                    Expr::Attr {
                        base,
                        attr: Attr::Devices,
                    } => *base,
                    _ => unreachable!("only `.devices` has kind Devices"),
                };
                if self.scope.iter().any(|(n, _)| *n == var) {
                    self.issues.push(
                        Issue::new(
                            Code::Unsupported,
                            f.pat.span(),
                            format!("`{var}` is already a name here"),
                        )
                        .label("shadows an outer name")
                        .help("choose another name for the loop variable"),
                    );
                    return None;
                }
                self.scope.push((var.clone(), Kind::Device));
                let (body, _) = self.block(&f.body.stmts, f.body.span());
                self.scope.pop();
                Some((Stmt::For { var, group, body }, None))
            }
            syn::Expr::Try(t) => match &*t.expr {
                syn::Expr::Call(c) => self.call(c, Some(t.question_token.span())),
                other => {
                    self.unsupported(
                        other.span(),
                        "`?` applies to an action call",
                        "write `set_domain(g, Blocked)?;`",
                    );
                    None
                }
            },
            syn::Expr::Call(c) => self.call(c, None),
            syn::Expr::Return(r) => {
                self.unsupported(r.span(), "`return` is not part of the language", "end a hook with an error with `fail(EBUSY);`; a hook that reaches its end succeeds");
                None
            }
            syn::Expr::MethodCall(m) => {
                self.issues.push(
                    Issue::new(
                        Code::UnknownAction,
                        m.method.span(),
                        format!("unknown action `{}`", m.method),
                    )
                    .label("method-call syntax is not used")
                    .help(format!(
                        "actions are called as functions, e.g. `mask_msis(dev);`; actions: {}",
                        list(ACTIONS.iter().map(|a| a.name))
                    )),
                );
                None
            }
            syn::Expr::Block(b) if b.label.is_none() && b.attrs.is_empty() => {
                self.unsupported(
                    b.span(),
                    "a bare block is not part of the language",
                    "remove the braces, or use `if`",
                );
                None
            }
            other => {
                self.unsupported(
                    other.span(),
                    "expected an action call, `if` or `for`",
                    "a hook body holds statements such as `set_domain(group(dev), Blocked)?;`",
                );
                None
            }
        }
    }

    fn if_stmt(&mut self, i: &syn::ExprIf) -> Option<(Stmt, Option<Span>)> {
        let cond = self.expr(&i.cond, Some(Kind::Bool));
        let (then, then_div) = self.block(&i.then_branch.stmts, i.then_branch.span());
        let (otherwise, else_div) = match &i.else_branch {
            None => (None, None),
            Some((_, e)) => match &**e {
                syn::Expr::Block(b) => {
                    let (blk, div) = self.block(&b.block.stmts, b.span());
                    (Some(blk), div)
                }
                syn::Expr::If(inner) => match self.if_stmt(inner) {
                    Some((stmt, div)) => (Some(Block(vec![stmt])), div),
                    None => (None, None),
                },
                other => {
                    self.unsupported(
                        other.span(),
                        "unexpected `else` branch",
                        "write `else { ... }` or `else if ...`",
                    );
                    (None, None)
                }
            },
        };
        let diverges = match (then_div, else_div) {
            (Some(s), Some(_)) => Some(s.join(i.span()).unwrap_or(i.if_token.span)),
            _ => None,
        };
        Some((
            Stmt::If {
                cond: cond?,
                then,
                otherwise,
            },
            diverges.map(|_| i.if_token.span),
        ))
    }

    fn call(&mut self, c: &syn::ExprCall, question: Option<Span>) -> Option<(Stmt, Option<Span>)> {
        let name_span = c.func.span();
        let Some(name) = path_ident(&c.func) else {
            self.unsupported(
                name_span,
                "expected an action name",
                "actions are called by name, e.g. `mask_msis(dev);`",
            );
            return None;
        };
        let Some(action) = Action::from_name(&name) else {
            let actions = list(ACTIONS.iter().map(|a| a.name));
            let mut issue = Issue::new(
                Code::UnknownAction,
                name_span,
                format!("unknown action `{name}`"),
            )
            .label("no such action");
            issue = if FUNCTIONS.iter().any(|f| f.0 == name) {
                issue.help(format!(
                    "`{name}(...)` is a value, not an action; actions: {actions}"
                ))
            } else if let Some(s) = suggest(&name, ACTIONS.iter().map(|a| a.name)) {
                issue.help(format!("did you mean `{s}`? actions: {actions}"))
            } else {
                issue.help(format!("actions: {actions}"))
            };
            self.issues.push(issue);
            return None;
        };
        let spec = action.spec();
        let arity = spec.params.len();
        let with_message = spec.message && c.args.len() == arity + 1;
        if c.args.len() != arity && !with_message {
            let kinds: Vec<&str> = spec.params.iter().map(|k| k.describe()).collect();
            let optional = if spec.message {
                " (and optionally a message)"
            } else {
                ""
            };
            self.issues.push(
                Issue::new(
                    Code::WrongArity,
                    c.paren_token.span.join(),
                    format!(
                        "`{name}` takes {arity} argument{}{optional}, found {}",
                        if arity == 1 { "" } else { "s" },
                        c.args.len()
                    ),
                )
                .label("wrong number of arguments")
                .help(if kinds.is_empty() {
                    format!("write `{name}()`")
                } else if spec.message {
                    format!(
                        "`{name}` takes {}, then optionally a message: `{name}(EBUSY, \"{EXAMPLE_MESSAGE}\")`",
                        kinds.join(", then ")
                    )
                } else {
                    format!("`{name}` takes {}", kinds.join(", then "))
                }),
            );
            return None;
        }
        let mut args = Vec::new();
        let mut ok = true;
        for (arg, kind) in c.args.iter().zip(spec.params) {
            match self.expr(arg, Some(*kind)) {
                Some(a) => args.push(a),
                None => ok = false,
            }
        }
        let message = if with_message {
            let m = self.message(&c.args[arity]);
            ok &= m.is_some();
            m
        } else {
            None
        };
        // Action-specific rules.
        match action {
            Action::Fail if !self.fallible => {
                self.issues.push(
                    Issue::new(Code::FailCannotFail, name_span, format!("`{}` cannot fail", self.hook))
                        .label("no caller sees this error")
                        .help(format!("the kernel ignores the result of {}; decide without failing, or fail in a hook that can", self.hook.spec().kernel)),
                );
                ok = false;
            }
            Action::Inherit if self.is_root => {
                self.issues.push(
                    Issue::new(
                        Code::InheritInRoot,
                        name_span,
                        "`status-quo` has no parent to inherit from",
                    )
                    .label("nothing to inherit")
                    .help("write the 6.12 behaviour out in full"),
                );
                ok = false;
            }
            Action::SetDomain => {
                if let Some(Expr::Lit {
                    lit: Lit::Domain(d),
                }) = args.get(1)
                {
                    let bad = match d {
                        DomainLit::None => Some("a group cannot be detached from every domain"),
                        DomainLit::User if self.hook != Hook::AttachUser => {
                            Some("`User` is the domain being attached, only known in `attach_user`")
                        }
                        DomainLit::Dma => Some("name the group's own DMA domain: `Default` (its default domain) or `EmptyDma` (the parking domain)"),
                        _ => None,
                    };
                    if let Some(why) = bad {
                        self.issues.push(
                            Issue::new(
                                Code::BadValue,
                                c.args[1].span(),
                                format!("cannot set the domain to `{d}`"),
                            )
                            .label("not a domain to attach here")
                            .help(why),
                        );
                        ok = false;
                    }
                }
            }
            _ => {}
        }
        match (spec.fallible, question) {
            (true, None) => {
                self.issues.push(
                    Issue::new(
                        Code::MissingTry,
                        c.span(),
                        format!("the result of `{name}` is not handled"),
                    )
                    .label("this can fail")
                    .help(format!(
                        "write `{name}(...)?;`: an error ends the hook with that error"
                    )),
                );
                ok = false;
            }
            (false, Some(q)) => {
                self.issues.push(
                    Issue::new(Code::NeedlessTry, q, format!("`{name}` cannot fail"))
                        .label("nothing to propagate")
                        .help("remove the `?`"),
                );
                ok = false;
            }
            _ => {}
        }
        if !ok {
            return None;
        }
        let div = (action == Action::Fail).then(|| c.span());
        Some((
            Stmt::Call {
                action,
                args,
                propagate: question.is_some(),
                message,
            },
            div,
        ))
    }

    /// The message of `fail(ERRNO, "...")`: a string literal the kernel can print as it is,
    /// about the innermost device in scope, else the hook's group.
    fn message(&mut self, e: &syn::Expr) -> Option<Message> {
        let syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            attrs,
        }) = e
        else {
            self.issues.push(
                Issue::new(Code::WrongKind, e.span(), "a message is a string literal")
                    .label("not a string literal")
                    .help(format!(
                        "write the message the kernel prints: `fail(EBUSY, \"{EXAMPLE_MESSAGE}\")`"
                    )),
            );
            return None;
        };
        if !attrs.is_empty() || !s.suffix().is_empty() {
            self.unsupported(
                s.span(),
                "a message is a plain string literal",
                "remove the suffix",
            );
            return None;
        }
        let text = s.value();
        if let Err(why) = check_message(&text) {
            self.issues.push(
                Issue::new(Code::BadValue, s.span(), "the kernel cannot print this message as written")
                    .label(why)
                    .help("a message is one line of printable ASCII without `%`, `\"` or `\\`, and no space at either end; the kernel adds the device or group it is about, and the newline"),
            );
            return None;
        }
        // Every hook is given a device or a group.
        let about = self
            .scope
            .iter()
            .rev()
            .find(|(_, k)| *k == Kind::Device)
            .or_else(|| self.scope.iter().find(|(_, k)| *k == Kind::Group))
            .map(|(name, kind)| Expr::Var {
                name: name.clone(),
                kind: *kind,
            });
        let Some(about) = about else {
            self.unsupported(
                s.span(),
                "this hook has no device or group to print the message for",
                "fail without a message",
            );
            return None;
        };
        Some(Message { text, about })
    }

    fn expect(&mut self, span: Span, found: Kind, expected: Option<Kind>, what: &str) -> bool {
        match expected {
            Some(k) if k != found => {
                self.issues.push(
                    Issue::new(
                        Code::WrongKind,
                        span,
                        format!("expected {}, found {}", k.describe(), found.describe()),
                    )
                    .label(format!("`{what}` is {}", found.describe()))
                    .help(format!("{} here: {}", k.describe(), k.examples())),
                );
                false
            }
            _ => true,
        }
    }

    fn expr(&mut self, e: &syn::Expr, expected: Option<Kind>) -> Option<Expr> {
        let (expr, kind) = self.typed(e, expected)?;
        let text = quote::ToTokens::to_token_stream(e).to_string();
        if kind == Kind::Devices && expected != Some(Kind::Devices) {
            self.issues.push(
                Issue::new(
                    Code::WrongKind,
                    e.span(),
                    "a group's members can only be iterated",
                )
                .label("used as a value")
                .help("write `for d in g.devices { ... }`"),
            );
            return None;
        }
        self.expect(e.span(), kind, expected, &text).then_some(expr)
    }

    /// Resolves an expression and its kind; `expected` steers literals such as `Identity`,
    /// which is both a domain and a default-domain type.
    fn typed(&mut self, e: &syn::Expr, expected: Option<Kind>) -> Option<(Expr, Kind)> {
        match e {
            syn::Expr::Paren(p) => self.typed(&p.expr, expected),
            syn::Expr::Group(g) => self.typed(&g.expr, expected),
            syn::Expr::Lit(l) => {
                match &l.lit {
                    syn::Lit::Bool(b) => Some((
                        Expr::Lit {
                            lit: Lit::Bool(b.value),
                        },
                        Kind::Bool,
                    )),
                    syn::Lit::Int(i) => match i.base10_parse::<u32>() {
                        Ok(v) => Some((Expr::Lit { lit: Lit::Int(v) }, Kind::Int)),
                        Err(_) => {
                            self.issues.push(
                                Issue::new(
                                    Code::BadValue,
                                    i.span(),
                                    "expected a small non-negative integer",
                                )
                                .label("not a count")
                                .help("counts are written like `0` or `1`"),
                            );
                            None
                        }
                    },
                    other => {
                        self.unsupported(other.span(), "this literal has no meaning in a hook body", "values are names (`dev`, `Blocked`, `EBUSY`), counts, `true` and `false`");
                        None
                    }
                }
            }
            syn::Expr::Path(p) => {
                let Some(name) = path_ident(e) else {
                    self.unsupported(
                        p.span(),
                        "paths are not part of the language",
                        "write a single name",
                    );
                    return None;
                };
                self.name(&name, p.span(), expected)
            }
            syn::Expr::Field(f) => {
                let (base, base_kind) = self.typed(&f.base, None)?;
                let syn::Member::Named(member) = &f.member else {
                    self.unsupported(
                        f.member.span(),
                        "tuple fields are not part of the language",
                        "write `dev.bound`",
                    );
                    return None;
                };
                let m = member.to_string();
                if !matches!(base_kind, Kind::Device | Kind::Group) {
                    self.issues.push(
                        Issue::new(
                            Code::UnknownPredicate,
                            member.span(),
                            format!("{} has no predicate `{m}`", base_kind.describe()),
                        )
                        .label("no such predicate")
                        .help("predicates belong to devices (`dev.bound`) and groups (`g.owned`)"),
                    );
                    return None;
                }
                match Attr::lookup(base_kind, &m) {
                    Some(attr) => Some((
                        Expr::Attr {
                            base: Box::new(base),
                            attr,
                        },
                        attr.spec().kind,
                    )),
                    None => {
                        let names = ATTRS.iter().filter(|a| a.on == base_kind).map(|a| a.name);
                        let all = Attr::names_on(base_kind);
                        let other = if base_kind == Kind::Device {
                            Kind::Group
                        } else {
                            Kind::Device
                        };
                        let help = if Attr::lookup(other, &m).is_some() {
                            if base_kind == Kind::Device {
                                format!("`{m}` is a group predicate: write `group(...).{m}`")
                            } else {
                                format!("`{m}` is a device predicate; iterate with `for d in g.devices` and test `d.{m}`")
                            }
                        } else {
                            match suggest(&m, names) {
                                Some(s) => format!(
                                    "did you mean `{s}`? {} predicates: {all}",
                                    kind_noun(base_kind)
                                ),
                                None => format!("{} predicates: {all}", kind_noun(base_kind)),
                            }
                        };
                        self.issues.push(
                            Issue::new(
                                Code::UnknownPredicate,
                                member.span(),
                                format!("unknown {} predicate `{m}`", kind_noun(base_kind)),
                            )
                            .label("no such predicate")
                            .help(help),
                        );
                        None
                    }
                }
            }
            syn::Expr::Call(c) => {
                let Some(name) = path_ident(&c.func) else {
                    self.unsupported(
                        c.func.span(),
                        "expected a function name",
                        "functions: `group(dev)`, `cfg(IRQ_MSI_IOMMU)`",
                    );
                    return None;
                };
                match name.as_str() {
                    "group" => {
                        if c.args.len() != 1 {
                            self.issues.push(
                                Issue::new(
                                    Code::WrongArity,
                                    c.paren_token.span.join(),
                                    format!("`group` takes 1 argument, found {}", c.args.len()),
                                )
                                .label("wrong number of arguments")
                                .help("write `group(dev)`"),
                            );
                            return None;
                        }
                        let dev = self.expr(&c.args[0], Some(Kind::Device))?;
                        Some((Expr::GroupOf { dev: Box::new(dev) }, Kind::Group))
                    }
                    "cfg" => {
                        let opts = list(CfgOption::ALL.iter().map(|o| o.name()));
                        let arg = (c.args.len() == 1)
                            .then(|| path_ident(&c.args[0]))
                            .flatten();
                        match arg.as_deref().and_then(CfgOption::from_name) {
                            Some(option) => Some((Expr::Cfg { option }, Kind::Bool)),
                            None => {
                                let span = c
                                    .args
                                    .first()
                                    .map_or(c.paren_token.span.join(), Spanned::span);
                                self.issues.push(
                                    Issue::new(
                                        Code::UnknownPredicate,
                                        span,
                                        "unknown configuration option",
                                    )
                                    .label("not a known CONFIG_ option")
                                    .help(format!("options: {opts} (without the CONFIG_ prefix)")),
                                );
                                None
                            }
                        }
                    }
                    _ => {
                        let funcs = list(FUNCTIONS.iter().map(|f| f.0));
                        let mut issue = Issue::new(
                            Code::UnknownPredicate,
                            c.func.span(),
                            format!("unknown predicate `{name}`"),
                        )
                        .label("no such function");
                        issue = if Action::from_name(&name).is_some() {
                            issue.help(format!(
                                "`{name}` is an action, and has no value; functions: {funcs}"
                            ))
                        } else if let Some(s) = suggest(&name, FUNCTIONS.iter().map(|f| f.0)) {
                            issue.help(format!("did you mean `{s}`? functions: {funcs}; predicates are fields like `dev.bound`"))
                        } else {
                            issue.help(format!("functions: {funcs}; predicates are fields like `dev.bound` and `g.owned`"))
                        };
                        self.issues.push(issue);
                        None
                    }
                }
            }
            syn::Expr::MethodCall(m) => {
                self.issues.push(
                    Issue::new(
                        Code::UnknownPredicate,
                        m.method.span(),
                        format!("unknown predicate `{}()`", m.method),
                    )
                    .label("method calls are not used")
                    .help(format!(
                        "predicates are fields: write `x.{}` without parentheses",
                        m.method
                    )),
                );
                None
            }
            syn::Expr::Unary(u) => match u.op {
                syn::UnOp::Not(_) => {
                    let inner = self.expr(&u.expr, Some(Kind::Bool))?;
                    Some((
                        Expr::Not {
                            expr: Box::new(inner),
                        },
                        Kind::Bool,
                    ))
                }
                _ => {
                    self.unsupported(
                        u.span(),
                        "only `!` is supported among unary operators",
                        "use `!x`",
                    );
                    None
                }
            },
            syn::Expr::Binary(b) => {
                use syn::BinOp;
                let logic = match b.op {
                    BinOp::And(_) => Some(true),
                    BinOp::Or(_) => Some(false),
                    _ => None,
                };
                if let Some(is_and) = logic {
                    let l = self.expr(&b.left, Some(Kind::Bool));
                    let r = self.expr(&b.right, Some(Kind::Bool));
                    let (lhs, rhs) = (Box::new(l?), Box::new(r?));
                    let e = if is_and {
                        Expr::And { lhs, rhs }
                    } else {
                        Expr::Or { lhs, rhs }
                    };
                    return Some((e, Kind::Bool));
                }
                let op = match b.op {
                    BinOp::Eq(_) => CmpOp::Eq,
                    BinOp::Ne(_) => CmpOp::Ne,
                    BinOp::Lt(_) => CmpOp::Lt,
                    BinOp::Le(_) => CmpOp::Le,
                    BinOp::Gt(_) => CmpOp::Gt,
                    BinOp::Ge(_) => CmpOp::Ge,
                    _ => {
                        self.unsupported(
                            b.op.span(),
                            "arithmetic is not part of the language",
                            "conditions use `&&`, `||`, `!` and comparisons",
                        );
                        return None;
                    }
                };
                // Type the side that is not a bare literal first, so `Identity` on the
                // other side is read as the right kind.
                let left_first = !is_bare_name(&b.left) || is_bare_name(&b.right);
                let (lhs, rhs) = if left_first {
                    let (l, k) = self.typed(&b.left, None)?;
                    let r = self.expr(&b.right, Some(k))?;
                    ((l, k), r)
                } else {
                    let (r, k) = self.typed(&b.right, None)?;
                    let l = self.expr(&b.left, Some(k))?;
                    ((l, k), r)
                };
                let ((lhs, kind), rhs) = (lhs, rhs);
                let ordered = matches!(op, CmpOp::Lt | CmpOp::Le | CmpOp::Gt | CmpOp::Ge);
                if (ordered && kind != Kind::Int) || matches!(kind, Kind::Errno | Kind::Devices) {
                    self.issues.push(
                        Issue::new(Code::WrongKind, b.op.span(), format!("`{}` does not compare {}", op.symbol(), plural(kind)))
                            .label("unsupported comparison")
                            .help("counts compare with `<`, `<=`, `>`, `>=`; other values with `==` and `!=`"),
                    );
                    return None;
                }
                Some((
                    Expr::Cmp {
                        op,
                        lhs: Box::new(lhs),
                        rhs: Box::new(rhs),
                    },
                    Kind::Bool,
                ))
            }
            other => {
                self.unsupported(
                    other.span(),
                    "this expression is not part of the language",
                    "conditions use predicates (`dev.bound`), comparisons, `&&`, `||` and `!`",
                );
                None
            }
        }
    }

    fn name(&mut self, name: &str, span: Span, expected: Option<Kind>) -> Option<(Expr, Kind)> {
        if let Some((_, kind)) = self.scope.iter().rev().find(|(n, _)| n == name) {
            return Some((
                Expr::Var {
                    name: name.to_string(),
                    kind: *kind,
                },
                *kind,
            ));
        }
        let lits = literal_candidates(name);
        let pick = lits
            .iter()
            .find(|(_, k)| Some(*k) == expected)
            .or_else(|| lits.first())
            .copied();
        if let Some((lit, kind)) = pick {
            return Some((Expr::Lit { lit }, kind));
        }
        let in_scope: Vec<&str> = self.scope.iter().map(|(n, _)| n.as_str()).collect();
        let literals: Vec<&str> = all_literal_names().collect();
        let all_names = in_scope.iter().chain(literals.iter()).copied();
        let mut help = match suggest(name, all_names) {
            Some(s) => format!("did you mean `{s}`? "),
            None => String::new(),
        };
        help.push_str(&format!(
            "names in scope: {}",
            list(in_scope.iter().copied())
        ));
        if let Some(k) = expected {
            if !matches!(
                k,
                Kind::Device | Kind::Group | Kind::Bool | Kind::Int | Kind::Devices
            ) {
                help.push_str(&format!("; {} here: {}", k.describe(), k.examples()));
            }
        }
        if Action::from_name(name).is_some() || FUNCTIONS.iter().any(|f| f.0 == name) {
            help = format!("`{name}` is called with arguments: `{name}(...)`");
        }
        self.issues.push(
            Issue::new(Code::UnknownName, span, format!("unknown name `{name}`"))
                .label("not a parameter, variable or literal")
                .help(help),
        );
        None
    }
}

fn kind_noun(k: Kind) -> &'static str {
    match k {
        Kind::Device => "device",
        Kind::Group => "group",
        _ => "value",
    }
}

fn plural(k: Kind) -> &'static str {
    match k {
        Kind::Errno => "errnos",
        Kind::Devices => "member lists",
        Kind::Bool => "truth values",
        Kind::Domain => "domains",
        Kind::DomainType => "domain types",
        Kind::Ats => "ATS states",
        Kind::Device => "devices",
        Kind::Group => "groups",
        Kind::Int => "counts",
    }
}

fn is_bare_name(e: &syn::Expr) -> bool {
    matches!(e, syn::Expr::Path(_))
}

fn path_ident(e: &syn::Expr) -> Option<String> {
    match e {
        syn::Expr::Path(p) if p.qself.is_none() && p.attrs.is_empty() => {
            p.path.get_ident().map(ToString::to_string)
        }
        _ => None,
    }
}

fn literal_candidates(name: &str) -> Vec<(Lit, Kind)> {
    let mut v = Vec::new();
    if let Some(d) = DomainLit::from_name(name) {
        v.push((Lit::Domain(d), Kind::Domain));
    }
    if let Some(d) = DomainType::from_name(name) {
        v.push((Lit::DomainType(d), Kind::DomainType));
    }
    if let Some(e) = Errno::from_name(name) {
        v.push((Lit::Errno(e), Kind::Errno));
    }
    if let Some(a) = AtsState::from_name(name) {
        v.push((Lit::Ats(a), Kind::Ats));
    }
    v
}

fn all_literal_names() -> impl Iterator<Item = &'static str> {
    DomainLit::ALL
        .iter()
        .map(|d| d.name())
        .chain(Errno::ALL.iter().map(|e| e.name()))
        .chain(AtsState::ALL.iter().map(|a| a.name()))
}

/// Joins a checked unit to its resolved parent.
pub fn resolve(unit: &PolicyUnit, parent: Option<&Policy>, origin: Origin) -> Policy {
    let mut hooks = parent.map(|p| p.hooks.clone()).unwrap_or_default();
    for own in &unit.hooks {
        let inherited = if own.body.calls_inherit() {
            parent.map(|p| Box::new(p.hooks[&own.hook].clone()))
        } else {
            None
        };
        hooks.insert(
            own.hook,
            HookImpl {
                hook: own.hook,
                defined_in: unit.name.clone(),
                doc: own.doc.clone(),
                params: own.params.clone(),
                body: own.body.clone(),
                parent: inherited,
            },
        );
    }
    let mut chain = vec![unit.name.clone()];
    if let Some(p) = parent {
        chain.extend(p.chain.iter().cloned());
    }
    let bases = match (&unit.meta.bases, parent) {
        (Some(own), _) => own.clone(),
        (None, Some(p)) => p.bases.clone(),
        (None, None) => Base::ALL.to_vec(),
    };
    Policy {
        name: unit.name.clone(),
        doc: unit.doc.clone(),
        meta: unit.meta.clone(),
        origin,
        parent: parent.map(|p| p.name.clone()),
        chain,
        bases,
        own_hooks: unit.hooks.iter().map(|h| h.hook).collect(),
        hooks,
    }
}
