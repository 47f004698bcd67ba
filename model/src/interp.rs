//! Runs a policy's IR on the [`Machine`]: the reference implementation of
//! [`PolicyHooks`]. Generated model crates implement the same trait with Rust written from
//! the IR; both call the machine's methods for every action and predicate, as
//! [`crate::meaning`] names them.

use crate::machine::{DevId, GroupId, Machine};
use crate::meaning::{self, ActionMeaning, AttrMeaning};
use switchyard_dsl::ir::{Block, CmpOp, Expr, HookImpl, Lit, Policy, Stmt};
use switchyard_dsl::vocab::{Action, AtsState, Attr, DomainLit, DomainType, Errno, Hook};

/// A value in a running hook.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Value {
    Device(DevId),
    Group(GroupId),
    Bool(bool),
    Int(u32),
    /// `g.domain`: compared with a domain literal through [`Machine::domain_is`].
    CurrentDomain(GroupId),
    Domain(DomainLit),
    DomainType(DomainType),
    Errno(Errno),
    Ats(AtsState),
}

impl Value {
    /// A device argument: of a hook (the environment passes each hook its own kinds) or of
    /// a checked action.
    pub fn device(self) -> DevId {
        match self {
            Value::Device(d) => d,
            other => panic!("expected a device argument, got {other:?}"),
        }
    }
    pub fn group(self) -> GroupId {
        match self {
            Value::Group(g) => g,
            other => panic!("expected a group argument, got {other:?}"),
        }
    }
    pub fn truth(self) -> bool {
        match self {
            Value::Bool(b) => b,
            other => panic!("expected a truth-value argument, got {other:?}"),
        }
    }
    pub fn domain_type(self) -> DomainType {
        match self {
            Value::DomainType(t) => t,
            other => panic!("expected a domain-type argument, got {other:?}"),
        }
    }
    /// A domain argument of a checked action.
    pub(crate) fn domain(self) -> DomainLit {
        match self {
            Value::Domain(d) => d,
            other => panic!("expected a domain argument, got {other:?}"),
        }
    }
    /// An ATS-state argument of a checked action.
    pub(crate) fn ats(self) -> AtsState {
        match self {
            Value::Ats(a) => a,
            other => panic!("expected an ATS-state argument, got {other:?}"),
        }
    }
}

/// A policy's hooks, however they are run. Shared by the checker's worker threads.
pub trait PolicyHooks: Sync {
    fn policy_name(&self) -> &str;
    /// Runs the policy's body for `hook` with the hook's arguments (after the notifier
    /// action for `bus_notify`): devices, groups, `managed` as a truth value, `ty` as a
    /// domain type.
    fn run(&self, m: &mut Machine, hook: Hook, args: &[Value]) -> Result<(), Errno>;
}

/// The IR interpreter.
pub struct Interpreter<'p> {
    pub policy: &'p Policy,
}

impl PolicyHooks for Interpreter<'_> {
    fn policy_name(&self) -> &str {
        &self.policy.name
    }

    fn run(&self, m: &mut Machine, hook: Hook, args: &[Value]) -> Result<(), Errno> {
        run_impl(m, self.policy.hook(hook), args)
    }
}

fn run_impl(m: &mut Machine, imp: &HookImpl, args: &[Value]) -> Result<(), Errno> {
    let mut env: Vec<(&str, Value)> = imp
        .params
        .iter()
        .map(String::as_str)
        .zip(args.iter().copied())
        .collect();
    exec(m, imp, &imp.body, &mut env, args)
}

fn exec<'a>(
    m: &mut Machine,
    imp: &'a HookImpl,
    block: &'a Block,
    env: &mut Vec<(&'a str, Value)>,
    args: &[Value],
) -> Result<(), Errno> {
    for stmt in &block.0 {
        match stmt {
            Stmt::If {
                cond,
                then,
                otherwise,
            } => {
                if truth(m, cond, env) {
                    exec(m, imp, then, env, args)?;
                } else if let Some(els) = otherwise {
                    exec(m, imp, els, env, args)?;
                }
            }
            Stmt::For { var, group, body } => {
                let Value::Group(g) = eval(m, group, env) else {
                    unreachable!("checked: a for range is a group's members")
                };
                for d in m.members(g) {
                    env.push((var.as_str(), Value::Device(d)));
                    let r = exec(m, imp, body, env, args);
                    env.pop();
                    r?;
                }
            }
            Stmt::Call {
                action,
                args: call_args,
                message,
                ..
            } => {
                let vals: Vec<Value> = call_args.iter().map(|a| eval(m, a, env)).collect();
                // `fail(E, "...")`: the kernel prints the message, then returns the error.
                if let Some(msg) = message {
                    match eval(m, &msg.about, env) {
                        Value::Device(d) => m.refuse_dev(d, &msg.text),
                        Value::Group(g) => m.refuse_group(g, &msg.text),
                        other => unreachable!(
                            "checked: a message is about a device or a group, not {other:?}"
                        ),
                    }
                }
                // `?` is written exactly where an action can fail (the checks enforce it),
                // so every error propagates.
                call(m, imp, *action, &vals, args)?;
            }
        }
    }
    Ok(())
}

fn call(
    m: &mut Machine,
    imp: &HookImpl,
    action: Action,
    vals: &[Value],
    hook_args: &[Value],
) -> Result<(), Errno> {
    match meaning::action(action) {
        ActionMeaning::Method(method) => (method.run)(m, vals),
        ActionMeaning::Fail => match vals {
            [Value::Errno(e)] => Err(*e),
            v => unreachable!("checked IR: fail() with {v:?}"),
        },
        ActionMeaning::Inherit => {
            let parent = imp
                .parent
                .as_deref()
                .expect("checked: inherit() has a parent body");
            run_impl(m, parent, hook_args)
        }
    }
}

fn truth(m: &Machine, e: &Expr, env: &[(&str, Value)]) -> bool {
    match eval(m, e, env) {
        Value::Bool(b) => b,
        other => unreachable!("checked: a condition is a truth value, not {other:?}"),
    }
}

fn eval(m: &Machine, e: &Expr, env: &[(&str, Value)]) -> Value {
    match e {
        Expr::Var { name, .. } => env
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| *v)
            .expect("checked: names are in scope"),
        Expr::Lit { lit } => match lit {
            Lit::Bool(b) => Value::Bool(*b),
            Lit::Int(i) => Value::Int(*i),
            Lit::Domain(d) => Value::Domain(*d),
            Lit::DomainType(t) => Value::DomainType(*t),
            Lit::Errno(e) => Value::Errno(*e),
            Lit::Ats(a) => Value::Ats(*a),
        },
        Expr::GroupOf { dev } => match eval(m, dev, env) {
            Value::Device(d) => Value::Group(m.group_of(d)),
            other => unreachable!("checked: group() of a device, not {other:?}"),
        },
        Expr::Cfg { option } => Value::Bool(m.cfg(*option)),
        Expr::Attr { base, attr } => attribute(m, eval(m, base, env), *attr),
        Expr::Not { expr } => Value::Bool(!truth(m, expr, env)),
        Expr::And { lhs, rhs } => Value::Bool(truth(m, lhs, env) && truth(m, rhs, env)),
        Expr::Or { lhs, rhs } => Value::Bool(truth(m, lhs, env) || truth(m, rhs, env)),
        Expr::Cmp { op, lhs, rhs } => {
            Value::Bool(compare(m, *op, eval(m, lhs, env), eval(m, rhs, env)))
        }
    }
}

fn attribute(m: &Machine, base: Value, attr: Attr) -> Value {
    match meaning::attribute(attr) {
        AttrMeaning::Predicate(p) => (p.read)(m, base),
        AttrMeaning::CurrentDomain => Value::CurrentDomain(base.group()),
        AttrMeaning::Members => base,
    }
}

fn compare(m: &Machine, op: CmpOp, a: Value, b: Value) -> bool {
    let eq = match (a, b) {
        (Value::CurrentDomain(g), Value::Domain(d))
        | (Value::Domain(d), Value::CurrentDomain(g)) => m.domain_is(g, d),
        (Value::CurrentDomain(g), Value::CurrentDomain(h)) => {
            m.state.groups[g].domain == m.state.groups[h].domain
        }
        (Value::Int(x), Value::Int(y)) => return op.holds(x, y),
        (x, y) => x == y,
    };
    match op {
        CmpOp::Eq => eq,
        CmpOp::Ne => !eq,
        _ => unreachable!("checked: only counts are ordered"),
    }
}
