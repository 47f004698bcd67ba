//! The policy IR: what the model and the C generator consume.
//!
//! A [`Policy`] is resolved: every hook has a body (hooks a policy does not define come from
//! its ancestors, ending in `status-quo`, which defines them all), every name has a kind,
//! and an `inherit()` call carries the parent's body it stands for. The IR holds no spans:
//! everything that can be wrong with the text was reported before it was built.

use crate::base::Base;
use crate::vocab::{Action, AtsState, Attr, CfgOption, DomainLit, DomainType, Errno, Hook, Kind};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::{self, Write};

/// Where a policy or scenario came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Shipped with switchyard (`policies/`, `scenarios/`).
    Builtin,
    /// A file a user named.
    File(String),
    /// A `policy!`/`scenario!` invocation in Rust code.
    Macro,
}

/// Commit-message metadata.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Meta {
    /// The patch subject, with its subsystem prefix (`iommu: ...`).
    pub subject: Option<String>,
    pub suggested_by: Vec<String>,
    pub links: Vec<String>,
    pub cc: Vec<String>,
    /// `bases = ["linux-6.12"];`: the kernel bases the policy says it applies to, when it
    /// says so; a policy that does not inherits its parent's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bases: Option<Vec<Base>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Policy {
    pub name: String,
    /// The whole doc comment.
    pub doc: String,
    pub meta: Meta,
    pub origin: Origin,
    /// The direct parent; `None` only for `status-quo`.
    pub parent: Option<String>,
    /// This policy then its ancestors, ending in `status-quo`.
    pub chain: Vec<String>,
    /// The kernel bases the policy applies to: its own `bases`, else its nearest
    /// ancestor's, else every base.
    pub bases: Vec<Base>,
    /// The hooks this policy itself defines, in source order.
    pub own_hooks: Vec<Hook>,
    /// Every hook's effective implementation (in JSON, keyed by `Hook::id()`).
    #[serde(serialize_with = "hooks_by_id")]
    pub hooks: BTreeMap<Hook, HookImpl>,
}

fn hooks_by_id<S: serde::Serializer>(
    hooks: &BTreeMap<Hook, HookImpl>,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_map(hooks.iter().map(|(h, imp)| (h.id(), imp)))
}

impl Policy {
    /// Whether the policy applies to the base (its `bases`, resolved through `extends`).
    pub fn applies_to(&self, base: Base) -> bool {
        self.bases.contains(&base)
    }

    /// The first sentence of the doc comment (one line).
    pub fn summary(&self) -> String {
        summary(&self.doc)
    }
    pub fn hook(&self, hook: Hook) -> &HookImpl {
        &self.hooks[&hook]
    }
    /// Hooks whose behaviour differs from `status-quo`'s (defined somewhere below the root).
    pub fn changed_hooks(&self) -> Vec<Hook> {
        self.hooks
            .values()
            .filter(|h| h.defined_in != "status-quo")
            .map(|h| h.hook)
            .collect()
    }
}

fn hook_id<S: serde::Serializer>(hook: &Hook, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&hook.id())
}

/// The first sentence of a doc comment, on one line.
pub fn summary(doc: &str) -> String {
    let para = doc.split("\n\n").next().unwrap_or("").replace('\n', " ");
    let para = para.trim();
    match para.find(". ") {
        Some(i) => para[..=i].to_string(),
        None => para.to_string(),
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HookImpl {
    #[serde(serialize_with = "hook_id")]
    pub hook: Hook,
    /// The policy whose text holds this body.
    pub defined_in: String,
    pub doc: String,
    /// The parameter names the body uses, in the hook's order (after the notifier action).
    pub params: Vec<String>,
    pub body: Block,
    /// What `inherit()` runs: present exactly when the body calls it.
    pub parent: Option<Box<HookImpl>>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Block(pub Vec<Stmt>);

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "stmt", rename_all = "snake_case")]
pub enum Stmt {
    If {
        cond: Expr,
        then: Block,
        #[serde(skip_serializing_if = "Option::is_none")]
        otherwise: Option<Block>,
    },
    For {
        var: String,
        group: Expr,
        body: Block,
    },
    Call {
        action: Action,
        args: Vec<Expr>,
        /// Written with `?`: an error ends the hook with that error.
        propagate: bool,
        /// `fail(ERRNO, "...")`: what the kernel prints before failing.
        #[serde(skip_serializing_if = "Option::is_none")]
        message: Option<Message>,
    },
}

/// The message of `fail(ERRNO, "...")`: printed by the kernel, rate-limited, on the failing
/// path, and shown by the model with the error.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Message {
    /// As written: one line of printable ASCII without `%`, `"` or `\`
    /// ([`crate::vocab::check_message`]).
    pub text: String,
    /// What the message is printed for: the innermost device in scope (a `for` variable,
    /// else the hook's device), or the hook's group when the hook has no device. A
    /// variable, of kind device or group; decided by the checks, not written.
    pub about: Expr,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }

    /// `a OP b`.
    pub fn holds<T: Ord>(self, a: T, b: T) -> bool {
        match self {
            CmpOp::Eq => a == b,
            CmpOp::Ne => a != b,
            CmpOp::Lt => a < b,
            CmpOp::Le => a <= b,
            CmpOp::Gt => a > b,
            CmpOp::Ge => a >= b,
        }
    }

    /// The operator with its operands swapped: `a OP b` is `b OP.swapped() a`.
    pub fn swapped(self) -> CmpOp {
        match self {
            CmpOp::Lt => CmpOp::Gt,
            CmpOp::Le => CmpOp::Ge,
            CmpOp::Gt => CmpOp::Lt,
            CmpOp::Ge => CmpOp::Le,
            other => other,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Lit {
    Bool(bool),
    Int(u32),
    Domain(DomainLit),
    DomainType(DomainType),
    Errno(Errno),
    Ats(AtsState),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "node", rename_all = "snake_case")]
pub enum Expr {
    /// A hook parameter or a `for` variable.
    Var {
        name: String,
        kind: Kind,
    },
    Lit {
        lit: Lit,
    },
    Attr {
        base: Box<Expr>,
        attr: Attr,
    },
    /// `group(dev)`.
    GroupOf {
        dev: Box<Expr>,
    },
    Cfg {
        option: CfgOption,
    },
    Not {
        expr: Box<Expr>,
    },
    And {
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    Or {
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    Cmp {
        op: CmpOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
}

impl Expr {
    fn precedence(&self) -> u8 {
        match self {
            Expr::Or { .. } => 1,
            Expr::And { .. } => 2,
            Expr::Cmp { .. } => 3,
            Expr::Not { .. } => 4,
            _ => 5,
        }
    }

    fn write_prec(&self, out: &mut String, min: u8) {
        let paren = self.precedence() < min;
        if paren {
            out.push('(');
        }
        match self {
            Expr::Var { name, .. } => out.push_str(name),
            Expr::Lit { lit } => {
                let _ = write!(out, "{lit}");
            }
            Expr::Attr { base, attr } => {
                base.write_prec(out, 5);
                out.push('.');
                out.push_str(attr.spec().name);
            }
            Expr::GroupOf { dev } => {
                out.push_str("group(");
                dev.write_prec(out, 0);
                out.push(')');
            }
            Expr::Cfg { option } => {
                let _ = write!(out, "cfg({option})");
            }
            Expr::Not { expr } => {
                out.push('!');
                expr.write_prec(out, 4);
            }
            Expr::And { lhs, rhs } => {
                lhs.write_prec(out, 2);
                out.push_str(" && ");
                rhs.write_prec(out, 3);
            }
            Expr::Or { lhs, rhs } => {
                lhs.write_prec(out, 1);
                out.push_str(" || ");
                rhs.write_prec(out, 2);
            }
            Expr::Cmp { op, lhs, rhs } => {
                lhs.write_prec(out, 4);
                let _ = write!(out, " {} ", op.symbol());
                rhs.write_prec(out, 4);
            }
        }
        if paren {
            out.push(')');
        }
    }
}

impl fmt::Display for Lit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Lit::Bool(b) => write!(f, "{b}"),
            Lit::Int(i) => write!(f, "{i}"),
            Lit::Domain(d) => write!(f, "{d}"),
            Lit::DomainType(d) => write!(f, "{d}"),
            Lit::Errno(e) => write!(f, "{e}"),
            Lit::Ats(a) => write!(f, "{a}"),
        }
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        self.write_prec(&mut s, 0);
        f.write_str(&s)
    }
}

impl Block {
    /// The block's statements in DSL syntax, one per line, indented by `indent` spaces.
    pub fn render(&self, indent: usize) -> String {
        let mut out = String::new();
        for stmt in &self.0 {
            stmt.render(&mut out, indent);
        }
        out
    }

    /// Whether the block calls `inherit()` anywhere.
    pub fn calls_inherit(&self) -> bool {
        self.0.iter().any(|s| match s {
            Stmt::If {
                then, otherwise, ..
            } => then.calls_inherit() || otherwise.as_ref().is_some_and(Block::calls_inherit),
            Stmt::For { body, .. } => body.calls_inherit(),
            Stmt::Call { action, .. } => *action == Action::Inherit,
        })
    }
}

impl Stmt {
    fn render(&self, out: &mut String, indent: usize) {
        let pad = " ".repeat(indent);
        match self {
            Stmt::If {
                cond,
                then,
                otherwise,
            } => {
                let _ = writeln!(out, "{pad}if {cond} {{");
                out.push_str(&then.render(indent + 4));
                let mut tail = otherwise.as_ref();
                while let Some(els) = tail {
                    match els.0.as_slice() {
                        [Stmt::If {
                            cond,
                            then,
                            otherwise,
                        }] => {
                            let _ = writeln!(out, "{pad}}} else if {cond} {{");
                            out.push_str(&then.render(indent + 4));
                            tail = otherwise.as_ref();
                        }
                        _ => {
                            let _ = writeln!(out, "{pad}}} else {{");
                            out.push_str(&els.render(indent + 4));
                            tail = None;
                        }
                    }
                }
                let _ = writeln!(out, "{pad}}}");
            }
            Stmt::For { var, group, body } => {
                let _ = writeln!(out, "{pad}for {var} in {group}.devices {{");
                out.push_str(&body.render(indent + 4));
                let _ = writeln!(out, "{pad}}}");
            }
            Stmt::Call {
                action,
                args,
                propagate,
                message,
            } => {
                let mut args: Vec<String> = args.iter().map(ToString::to_string).collect();
                if let Some(m) = message {
                    args.push(format!("\"{}\"", m.text));
                }
                let q = if *propagate { "?" } else { "" };
                let _ = writeln!(out, "{pad}{}({}){q};", action.name(), args.join(", "));
            }
        }
    }
}

impl HookImpl {
    /// `on claim(g)` / `on bus_notify(BindDriver, dev)`.
    pub fn signature(&self) -> String {
        let mut params = Vec::new();
        if let Hook::BusNotify(a) = self.hook {
            params.push(a.name().to_string());
        }
        params.extend(self.params.iter().cloned());
        format!("on {}({})", self.hook.spec().name, params.join(", "))
    }
}
