//! The C rendering of every DSL construct, written once.
//!
//! A hook body becomes the statements of one C function that runs with `group->mutex`
//! held. Every group expression is that function's `group` (a hook only ever sees the
//! group of its device or its group parameter); devices are the hook's device parameter,
//! or `gdev->dev` inside `for_each_group_device()`. An action renders the same way in
//! every hook; only `?` depends on the hook: in a hook that can fail it returns the error,
//! in one that cannot it warns and stops the hook (`WARN_ON()`), and a domain switch uses
//! `__iommu_group_set_domain_nofail()` as 6.12 does in its infallible paths.
//!
//! One sequence renders as a whole: `set_default_type(g, ty)?` directly followed by
//! `set_domain(g, Default)?` is `iommu_setup_default_domain()`, which means exactly that
//! (a new default domain, attached at once) and is what 6.12 calls for it. Alone,
//! `set_default_type()` is `iommu_group_replace_default_domain()`, which leaves the group
//! where it is.
//!
//! Facts the site guarantees (a claim only happens with `owner_cnt == 0`, a new group has
//! no domain yet) fold conditions at render time, so the C carries no dead branches.
//!
//! The statements are then shaped as a maintainer writes them: a fallible body's last
//! `if`/`else` whose arms both end in a call whose error is returned becomes an early
//! return of its shorter arm (`tail`), and adjacent `if`s with the same body become one
//! condition where that runs the body exactly as before (`Ctx::merge`): a policy's own
//! branch, the one it inherits and the first attach's default-domain cases are one `if`.

use crate::need::Need;
use crate::sites::Facts;
use std::collections::BTreeSet;
use switchyard_dsl::ir::{Block, CmpOp, Expr, HookImpl, Lit, Message, Stmt};
use switchyard_dsl::vocab::{Action, Attr, CfgOption, DomainLit, DomainType, Kind};

/// A construct that has no honest C rendering on this kernel base.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unsupported {
    /// The construct, in DSL syntax.
    pub(crate) construct: String,
    /// Why, and what would be needed.
    pub(crate) reason: String,
}

/// One C statement: its lines, indented relative to the statement, and for an `if`, its
/// parts, so that the statements around it can still be joined ([`tail`],
/// [`Ctx::merge`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CStmt(pub(crate) Vec<String>, Option<Box<If>>);

/// The parts of a rendered `if`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct If {
    cond: Cond,
    /// The condition negated, where the `else` arm could lead.
    neg: Option<Cond>,
    then: Vec<CStmt>,
    els: Option<Vec<CStmt>>,
}

/// A rendered condition: a disjunction of conjunctions of C expressions.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Cond(Vec<Vec<Atom>>);

/// A C expression of a condition that is neither `&&` nor `||` at its top.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Atom {
    text: String,
    /// Its C precedence (see [`Ctx::expr`]).
    prec: u8,
    /// It only reads (an allocation in a condition does not).
    pure: bool,
}

const AND_PREC: u8 = 2;
const OR_PREC: u8 = 1;

impl Atom {
    fn read(text: impl Into<String>, prec: u8) -> Atom {
        Atom {
            text: text.into(),
            prec,
            pure: true,
        }
    }

    /// `!x` for `x`, or `x` for `!x` (one operand, not a parenthesised expression).
    fn complements(&self, other: &Atom) -> bool {
        let plain = |a: &Atom, b: &Atom| {
            b.text.strip_prefix('!') == Some(a.text.as_str())
                && !a.text.starts_with('(')
                && !a.text.starts_with('!')
        };
        plain(self, other) || plain(other, self)
    }
}

impl Cond {
    fn render(&self) -> (String, u8) {
        let conj = |c: &[Atom]| -> (String, u8) {
            match c {
                [] => ("true".into(), 6),
                [a] => (a.text.clone(), a.prec),
                _ => (
                    c.iter()
                        .map(|a| paren(a.text.clone(), a.prec, AND_PREC))
                        .collect::<Vec<_>>()
                        .join(" && "),
                    AND_PREC,
                ),
            }
        };
        match self.0.as_slice() {
            [] => ("false".into(), 6),
            [c] => conj(c),
            cs => (
                cs.iter()
                    .map(|c| {
                        let (s, p) = conj(c);
                        paren(s, p, AND_PREC + 1)
                    })
                    .collect::<Vec<_>>()
                    .join(" || "),
                OR_PREC,
            ),
        }
    }

    fn pure(&self) -> bool {
        self.0.iter().flatten().all(|a| a.pure)
    }

    /// `self || other`. Two conjunctions that end in the same conjuncts keep them once,
    /// after the disjunction of what differs, which is evaluated first in both, so no
    /// conjunct moves ahead of one that guards it: `(x && y && c) || (!x && c)` is
    /// `(!x || y) && c`.
    fn or(self, other: Cond) -> Cond {
        let (Some(a), Some(b)) = (single(&self), single(&other)) else {
            return self.either(other);
        };
        if !self.pure() || !other.pure() {
            return self.either(other);
        }
        let n = a
            .iter()
            .rev()
            .zip(b.iter().rev())
            .take_while(|(x, y)| x == y)
            .count();
        let common = a[a.len() - n..].to_vec();
        let (ra, rb) = (&a[..a.len() - n], &b[..b.len() - n]);
        if ra.is_empty() || rb.is_empty() {
            // `c || (y && c)` is `c`.
            return Cond(vec![common]);
        }
        // `(x && y) || !x` is `!x || y`.
        let differ = match (ra, rb) {
            ([x, rest @ ..], [nx]) | ([nx], [x, rest @ ..]) if x.complements(nx) => {
                if rest.is_empty() {
                    return Cond(vec![common]);
                }
                Cond(vec![vec![nx.clone()], rest.to_vec()])
            }
            _ => Cond(vec![ra.to_vec(), rb.to_vec()]),
        };
        if common.is_empty() {
            return differ;
        }
        let (text, prec) = differ.render();
        let mut all = vec![Atom {
            text,
            prec,
            pure: differ.pure(),
        }];
        all.extend(common);
        Cond(vec![all])
    }
}

impl Cond {
    /// `self || other`, as written.
    fn either(self, other: Cond) -> Cond {
        let mut any = self.0;
        any.extend(other.0);
        Cond(any)
    }
}

/// The one conjunction of `c`, if it is one.
fn single(c: &Cond) -> Option<&[Atom]> {
    match c.0.as_slice() {
        [one] => Some(one),
        _ => None,
    }
}

impl CStmt {
    fn new(lines: Vec<String>) -> Self {
        CStmt(lines, None)
    }

    fn line(s: impl Into<String>) -> Self {
        CStmt::new(vec![s.into()])
    }

    /// An `if` with its parts.
    fn guard(cond: Cond, neg: Option<Cond>, then: Vec<CStmt>, els: Option<Vec<CStmt>>) -> Self {
        let head = format!("if ({})", cond.render().0);
        let CStmt(lines, _) = braced(&head, &then, els.as_deref());
        CStmt(
            lines,
            Some(Box::new(If {
                cond,
                neg,
                then,
                els,
            })),
        )
    }

    /// Whether control never passes this statement: a `return`, not inside an `if` or
    /// a loop.
    pub(crate) fn returns(&self) -> bool {
        self.1.is_none()
            && !self.0[0].starts_with("for_each")
            && self.0.last().is_some_and(|l| l.starts_with("return"))
    }
    /// A statement that kernel style lets stand without braces under `if`/`for`: one
    /// line. A body that is itself an `if` or a loop gets braces (coding-style.rst: "use
    /// braces when a loop contains more than a single simple statement").
    fn simple(&self) -> bool {
        self.0.len() == 1
    }
}

/// What a rendered body uses, so the function declares exactly what it needs.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Uses {
    /// `int ret;`
    pub(crate) ret: bool,
    /// Loop cursors, `struct group_device *gdev;`.
    pub(crate) cursors: BTreeSet<String>,
    /// C names of hook parameters the body reads.
    pub(crate) params: BTreeSet<String>,
    /// Helpers and capabilities the C relies on.
    pub(crate) needs: BTreeSet<Need>,
    /// The body returns an error: a `fail()`, or a failed call it propagates.
    pub(crate) fails: bool,
}

/// The rendering context of one hook function.
pub(crate) struct Ctx {
    /// The hook's kernel function returns an error.
    pub(crate) fallible: bool,
    /// The first attach of a new group: 6.12 requires it to succeed.
    pub(crate) first_attach: bool,
    /// What the site guarantees.
    pub(crate) facts: Facts,
    /// DSL name -> C expression, for device variables.
    devices: Vec<(String, String)>,
    /// DSL name -> C expression, for truth-value parameters.
    bools: Vec<(String, String)>,
    /// DSL name -> C expression, for domain-type parameters.
    types: Vec<(String, String)>,
    /// The C name of the hook's own device parameter (facts about `bound` apply to it).
    hook_dev: Option<String>,
    pub(crate) uses: Uses,
}

const GROUP: &str = "group";

/// `set_default_type(g, ty)?` directly followed by `set_domain(g, Default)?`: the type.
fn new_default_attached<'e>(first: &'e Stmt, next: Option<&Stmt>) -> Option<&'e Expr> {
    let Stmt::Call {
        action: Action::SetDefaultType,
        args,
        propagate: true,
        ..
    } = first
    else {
        return None;
    };
    let Some(Stmt::Call {
        action: Action::SetDomain,
        args: next_args,
        propagate: true,
        ..
    }) = next
    else {
        return None;
    };
    matches!(
        next_args.get(1),
        Some(Expr::Lit {
            lit: Lit::Domain(DomainLit::Default)
        })
    )
    .then(|| args.get(1))
    .flatten()
}

/// At the first attach of a group that a policy attaches elsewhere than to its default
/// domain, the groups attached to their default domain as in 6.12: one with a device whose
/// attach the IOMMU driver deferred (kdump on VT-d and AMD), so that the previous kernel's
/// translation stays until the device's first DMA mapping; and one with a device on a bus
/// whose driver binds do not call iommu_prepare_default_domain() (fsl-mc, CDX, host1x
/// context devices), which nothing would move to its default domain.
fn kept_in_default_domain() -> CStmt {
    let atom = |t: &str, prec| vec![Atom::read(t, prec)];
    CStmt::guard(
        Cond(vec![
            atom("iommu_group_attach_deferred(group)", 6),
            atom("!iommu_group_bus_prepares(group)", 5),
        ]),
        None,
        vec![CStmt::line(format!("return {FIRST_DEFAULT};"))],
        None,
    )
}

/// The first attach of a group to its default domain, as 6.12 makes it.
const FIRST_DEFAULT: &str = "__iommu_group_set_domain_internal(group, group->default_domain, \
     IOMMU_SET_DOMAIN_MUST_SUCCEED)";

/// `set_default_type()` in the probe hook, which runs inside iommu_setup_default_domain().
fn first_attach_default_type() -> Unsupported {
    Unsupported {
        construct: "set_default_type()".into(),
        reason: "the probe hook runs inside iommu_setup_default_domain(), while the group's \
                 first default domain is being set up"
            .into(),
    }
}

impl Ctx {
    /// A context for `hook`, mapping its parameters to C names: devices to `dev`, truth
    /// values to `managed`, groups to `group`, the default type to `type`.
    pub(crate) fn new(hook: &HookImpl, fallible: bool, first_attach: bool, facts: Facts) -> Ctx {
        let mut ctx = Ctx {
            fallible,
            first_attach,
            facts,
            devices: Vec::new(),
            bools: Vec::new(),
            types: Vec::new(),
            hook_dev: None,
            uses: Uses::default(),
        };
        ctx.bind_params(hook);
        ctx
    }

    fn bind_params(&mut self, hook: &HookImpl) {
        let kinds = hook.hook.spec().params;
        for (name, (_, kind)) in hook.params.iter().zip(kinds) {
            match kind {
                Kind::Device => {
                    self.devices.push((name.clone(), "dev".into()));
                    self.hook_dev = Some("dev".into());
                }
                Kind::Bool => self.bools.push((name.clone(), "managed".into())),
                Kind::DomainType => self.types.push((name.clone(), "type".into())),
                _ => {}
            }
        }
    }

    /// Renders a hook's body (with `inherit()` expanded to the parent's body). In a hook
    /// that can fail, its tail returns ([`Ctx::tail`]), and [`Uses::ret`] then says
    /// whether `ret` is still read.
    pub(crate) fn body(&mut self, hook: &HookImpl) -> Result<Vec<CStmt>, Unsupported> {
        let mut body = self.block(&hook.body, hook)?;
        if self.fallible {
            body = tail(body);
        }
        if self.first_attach && self.uses.needs.contains(&Need::AttachDeferredHelper) {
            // __iommu_device_set_domain() keeps the previous kernel's translation of a
            // device whose attach is deferred only while the default domain is attached;
            // a group whose binds do not reach the core would never leave another domain.
            body.insert(0, kept_in_default_domain());
        }
        let body = self.merge(body);
        let reads_ret = body.iter().flat_map(|s| &s.0).any(|l| {
            l.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .any(|w| w == "ret")
        });
        self.uses.ret &= reads_ret;
        Ok(body)
    }

    fn block(&mut self, block: &Block, hook: &HookImpl) -> Result<Vec<CStmt>, Unsupported> {
        let mut out = Vec::new();
        let mut stmts = block.0.iter().peekable();
        while let Some(stmt) = stmts.next() {
            if let Some(ty) = new_default_attached(stmt, stmts.peek().copied()) {
                stmts.next();
                out.push(self.setup_default_domain(ty)?);
                continue;
            }
            out.extend(self.stmt(stmt, hook)?);
        }
        Ok(self.merge(out))
    }

    /// Joins adjacent `if`s without `else` whose bodies are the same into one, as a
    /// maintainer writes one condition where a policy's hooks (its own and the ones it
    /// inherits) wrote several: `if (a) B; if (b) B;` is `if (a || b) B;` when `B`
    /// returns, so that `b` is only ever tested where `a` did not hold, or when `a` and
    /// `b` cannot both hold, as they test a parameter of the hook (which nothing
    /// assigns) one way and the other.
    fn merge(&self, stmts: Vec<CStmt>) -> Vec<CStmt> {
        let mut out: Vec<CStmt> = Vec::with_capacity(stmts.len());
        for s in stmts {
            let joined = match (out.last().and_then(|p| p.1.as_deref()), s.1.as_deref()) {
                (Some(a), Some(b))
                    if a.els.is_none()
                        && b.els.is_none()
                        && lines(&a.then) == lines(&b.then)
                        && (a.then.last().is_some_and(CStmt::returns)
                            || self.exclusive(&a.cond, &b.cond)) =>
                {
                    Some(CStmt::guard(
                        a.cond.clone().or(b.cond.clone()),
                        None,
                        a.then.clone(),
                        None,
                    ))
                }
                _ => None,
            };
            match joined {
                Some(j) => *out.last_mut().expect("a previous statement") = j,
                None => out.push(s),
            }
        }
        out
    }

    /// Whether two conditions, each a conjunction of reads, test a truth-value parameter
    /// of the hook one way and the other.
    fn exclusive(&self, a: &Cond, b: &Cond) -> bool {
        let (Some(a), Some(b)) = (single(a), single(b)) else {
            return false;
        };
        a.iter().chain(b).all(|x| x.pure)
            && a.iter().any(|x| {
                self.bools
                    .iter()
                    .any(|(_, c)| *c == x.text.trim_start_matches('!'))
                    && b.iter().any(|y| x.complements(y))
            })
    }

    /// A condition as C, each conjunct and disjunct at its top apart.
    fn cond(&mut self, e: &Expr) -> Result<Cond, Unsupported> {
        let mut any = Vec::new();
        flatten(e, false, &mut any);
        any.sort_by_key(|p| !is_domain_cmp(p, CmpOp::Eq, DomainLit::None));
        let mut out = Vec::new();
        for d in any {
            if self.fold(d) == Some(false) {
                continue;
            }
            let mut all = Vec::new();
            flatten(d, true, &mut all);
            // A conjunct saying the group has a domain goes first: it guards the others.
            all.sort_by_key(|p| !is_domain_cmp(p, CmpOp::Ne, DomainLit::None));
            let mut conj = Vec::new();
            for p in all {
                if self.fold(p) == Some(true) {
                    continue;
                }
                let (text, prec) = self.expr(p)?;
                conj.push(Atom::read(text, prec));
            }
            out.push(conj);
        }
        Ok(Cond(out))
    }

    /// `set_default_type(g, ty)?; set_domain(g, Default)?;`: a new default domain,
    /// attached at once, is what iommu_setup_default_domain() does for
    /// iommu_group_store_type() in 6.12, including putting the old default domain back
    /// if the new one cannot be attached.
    fn setup_default_domain(&mut self, ty: &Expr) -> Result<CStmt, Unsupported> {
        if self.first_attach {
            return Err(first_attach_default_type());
        }
        let ty = self.domain_type(ty)?;
        Ok(self.fallible_call(&format!("iommu_setup_default_domain(group, {ty})"), true))
    }

    /// The C name of the domain-type variable `name`.
    fn type_c(&self, name: &str) -> Option<String> {
        self.types
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, c)| c.clone())
    }

    /// A domain type: the hook's parameter (which the body then reads) or a literal.
    fn domain_type(&mut self, e: &Expr) -> Result<String, Unsupported> {
        match e {
            Expr::Var { name, .. } => {
                let c = self.type_c(name).ok_or_else(|| Unsupported {
                    construct: name.clone(),
                    reason: "not a domain-type parameter of this hook".into(),
                })?;
                self.uses.params.insert(c.clone());
                Ok(c)
            }
            Expr::Lit {
                lit: Lit::DomainType(t),
            } => Ok(match t {
                DomainType::Dma => "IOMMU_DOMAIN_DMA",
                DomainType::Identity => "IOMMU_DOMAIN_IDENTITY",
            }
            .to_string()),
            other => Err(Unsupported {
                construct: other.to_string(),
                reason: "a domain type is a parameter or a literal".into(),
            }),
        }
    }

    fn stmt(&mut self, stmt: &Stmt, hook: &HookImpl) -> Result<Vec<CStmt>, Unsupported> {
        match stmt {
            Stmt::If {
                cond,
                then,
                otherwise,
            } => self.if_stmt(cond, then, otherwise.as_ref(), hook),
            Stmt::For { var, body, .. } => {
                let cursor = if self.uses.cursors.is_empty() {
                    "gdev".to_string()
                } else {
                    format!("gdev{}", self.uses.cursors.len() + 1)
                };
                self.uses.cursors.insert(cursor.clone());
                self.devices.push((var.clone(), format!("{cursor}->dev")));
                let inner = self.block(body, hook);
                self.devices.pop();
                let inner = inner?;
                if inner.is_empty() {
                    self.uses.cursors.remove(&cursor);
                    return Ok(Vec::new());
                }
                let head = format!("for_each_group_device({GROUP}, {cursor})");
                Ok(vec![braced(&head, &inner, None)])
            }
            Stmt::Call {
                action,
                args,
                propagate,
                message,
            } => {
                let call = self.call(*action, args, *propagate, hook)?;
                match message {
                    // The message and the return are one statement: braced under an `if`.
                    Some(m) => {
                        let mut lines = self.message(m)?.0;
                        lines.extend(call.into_iter().flat_map(|s| s.0));
                        Ok(vec![CStmt::new(lines)])
                    }
                    None => Ok(call),
                }
            }
        }
    }

    fn if_stmt(
        &mut self,
        cond: &Expr,
        then: &Block,
        otherwise: Option<&Block>,
        hook: &HookImpl,
    ) -> Result<Vec<CStmt>, Unsupported> {
        match self.fold(cond) {
            Some(true) => return self.block(then, hook),
            Some(false) => {
                return match otherwise {
                    Some(b) => self.block(b, hook),
                    None => Ok(Vec::new()),
                }
            }
            None => {}
        }
        let c = self.cond(cond)?;
        let t = self.block(then, hook)?;
        let e = match otherwise {
            Some(b) => self.block(b, hook)?,
            None => Vec::new(),
        };
        if t.is_empty() && e.is_empty() {
            return Ok(Vec::new());
        }
        let neg = match e.is_empty() {
            true => None,
            false => Some(self.cond(&negate(cond))?),
        };
        if t.is_empty() {
            let neg = neg.expect("an else arm");
            return Ok(vec![CStmt::guard(neg, Some(c), e, None)]);
        }
        let els = (!e.is_empty()).then_some(e);
        Ok(vec![CStmt::guard(c, neg, t, els)])
    }

    fn call(
        &mut self,
        action: Action,
        args: &[Expr],
        propagate: bool,
        hook: &HookImpl,
    ) -> Result<Vec<CStmt>, Unsupported> {
        let unsupported = |reason: &str| Unsupported {
            construct: format!(
                "{}({})",
                action.name(),
                args.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            reason: reason.to_string(),
        };
        match action {
            Action::Fail => {
                let Some(Expr::Lit { lit: Lit::Errno(e) }) = args.first() else {
                    return Err(unsupported("fail() takes an errno literal"));
                };
                self.uses.fails = true;
                Ok(vec![CStmt::line(format!("return -{};", e.name()))])
            }
            Action::Inherit => {
                let parent = hook
                    .parent
                    .as_deref()
                    .ok_or_else(|| unsupported("inherit() without a parent body"))?;
                // The parent names its parameters itself: bind them to the same C names.
                let saved = (self.devices.len(), self.bools.len(), self.types.len());
                let kinds = parent.hook.spec().params;
                for (i, (name, (_, kind))) in parent.params.iter().zip(kinds).enumerate() {
                    let own = hook.params.get(i);
                    let c = match kind {
                        Kind::Device => own.and_then(|o| self.device_c(o)),
                        Kind::Bool => own.and_then(|o| self.bool_c(o)),
                        Kind::DomainType => own.and_then(|o| self.type_c(o)),
                        _ => None,
                    };
                    match (kind, c) {
                        (Kind::Device, Some(c)) => self.devices.push((name.clone(), c)),
                        (Kind::Bool, Some(c)) => self.bools.push((name.clone(), c)),
                        (Kind::DomainType, Some(c)) => self.types.push((name.clone(), c)),
                        _ => {}
                    }
                }
                let body = self.block(&parent.body, parent);
                self.devices.truncate(saved.0);
                self.bools.truncate(saved.1);
                self.types.truncate(saved.2);
                body
            }
            Action::SetDomain => {
                let target = match args.get(1) {
                    Some(Expr::Lit {
                        lit: Lit::Domain(d),
                    }) => *d,
                    _ => return Err(unsupported("the domain must be a literal")),
                };
                let (domain, alloc) =
                    match target {
                        DomainLit::Blocked => (
                            "group->blocking_domain",
                            Some("__iommu_group_alloc_blocking_domain(group)"),
                        ),
                        DomainLit::Default => ("group->default_domain", None),
                        DomainLit::EmptyDma => {
                            self.uses.needs.insert(Need::ParkingDomain);
                            (
                                "group->parking_domain",
                                Some("__iommu_group_alloc_parking_domain(group)"),
                            )
                        }
                        DomainLit::Identity | DomainLit::Dma => return Err(unsupported(
                            "struct iommu_group holds no identity or spare DMA domain in 6.12; \
                             switch to `Default` after `set_default_type()` instead",
                        )),
                        DomainLit::User | DomainLit::None => {
                            return Err(unsupported(
                                "the user's domain belongs to VFIO/iommufd and None cannot be set",
                            ))
                        }
                    };
                if self.first_attach && target != DomainLit::Default {
                    // iommu_setup_dma_ops() runs while the group is in this domain.
                    self.uses.needs.insert(Need::DmaOpsFromDefaultDomain);
                    // A deferred attach, and a bus whose binds do not reach the core,
                    // keep the default domain (see body()).
                    self.uses.needs.insert(Need::AttachDeferredHelper);
                    self.uses.needs.insert(Need::BusPreparesHelper);
                }
                let mut out = Vec::new();
                match alloc {
                    // A group whose domain cannot be allocated is attached to its default
                    // domain, as in 6.12, rather than failing its devices' IOMMU probe:
                    // iommu_setup_default_domain() requires the first attach to succeed.
                    Some(alloc) if self.first_attach => out.push(CStmt::guard(
                        Cond(vec![vec![Atom {
                            text: alloc.into(),
                            prec: 6,
                            pure: false,
                        }]]),
                        None,
                        vec![CStmt::line(format!("return {FIRST_DEFAULT};"))],
                        None,
                    )),
                    Some(alloc) => out.push(self.fallible_call(alloc, propagate)),
                    None => {}
                }
                if self.fallible {
                    self.uses.ret = true;
                    let set = if self.first_attach {
                        format!(
                            "ret = __iommu_group_set_domain_internal(group, {domain}, \
                             IOMMU_SET_DOMAIN_MUST_SUCCEED);"
                        )
                    } else {
                        format!("ret = __iommu_group_set_domain(group, {domain});")
                    };
                    out.push(self.check_ret(set, propagate));
                } else {
                    out.push(CStmt::line(format!(
                        "__iommu_group_set_domain_nofail(group, {domain});"
                    )));
                }
                Ok(out)
            }
            Action::UseDefaultDomain => {
                self.uses.needs.insert(Need::LockedDefaultDomainUse);
                Ok(vec![self.fallible_call(
                    "__iommu_device_use_default_domain(group)",
                    propagate,
                )])
            }
            Action::UnuseDefaultDomain => {
                self.uses.needs.insert(Need::LockedDefaultDomainUse);
                Ok(vec![CStmt::line(
                    "__iommu_device_unuse_default_domain(group);",
                )])
            }
            // Below the driver, in the MSI layer: see Need::MsiRetarget.
            Action::MaskMsis | Action::RetargetMsis => {
                let Some(Expr::Var { name, .. }) = args.first() else {
                    return Err(unsupported("the device must be a variable"));
                };
                let dev = self.device(name)?;
                self.uses.needs.insert(Need::MsiRetarget);
                let f = if action == Action::MaskMsis {
                    "msi_device_mask_vectors"
                } else {
                    "msi_device_retarget_vectors"
                };
                Ok(vec![CStmt::line(format!("{f}({dev});"))])
            }
            Action::SetDefaultType => {
                let ty = args.get(1).ok_or_else(|| unsupported("no domain type"))?;
                if self.first_attach {
                    return Err(first_attach_default_type());
                }
                let ty = self.domain_type(ty)?;
                self.uses.needs.insert(Need::ReplaceDefaultDomain);
                // The group stays where it is, so its DMA ops must follow the default
                // domain rather than the attached one.
                self.uses.needs.insert(Need::DmaOpsFromDefaultDomain);
                Ok(vec![self.fallible_call(
                    &format!("iommu_group_replace_default_domain(group, {ty})"),
                    propagate,
                )])
            }
            Action::Ats => Err(unsupported(
                "ATS is enabled by the IOMMU driver (SMMUv3 per domain at attach, VT-d at \
                 probe, AMD at every attach, on 6.12 and 7.3 alike); the core has no call that \
                 turns it on or off for a device",
            )),
        }
    }

    /// The message of `fail(E, "...")`, printed on the failing path before the error is
    /// returned, rate-limited (a user can retry a refused claim in a loop): for the device
    /// the message is about, or, in a hook given only a group, for the group by its id
    /// (iommu.c's `pr_fmt` adds `iommu: `). The text has no `%`, `"` or `\` (checked), so
    /// it is the format string as it is.
    fn message(&mut self, m: &Message) -> Result<CStmt, Unsupported> {
        let text = &m.text;
        match &m.about {
            Expr::Var {
                name,
                kind: Kind::Device,
            } => {
                let dev = self.device(name)?;
                Ok(CStmt::line(format!(
                    "dev_warn_ratelimited({dev}, \"{text}\\n\");"
                )))
            }
            Expr::Var {
                kind: Kind::Group, ..
            } => Ok(CStmt::line(format!(
                "pr_warn_ratelimited(\"group %d: {text}\\n\", {GROUP}->id);"
            ))),
            other => Err(Unsupported {
                construct: other.to_string(),
                reason: "a message is printed for a device or a group".into(),
            }),
        }
    }

    /// `ret = CALL; if (ret) return ret;` or, where the hook cannot fail, a warning that
    /// stops it.
    fn fallible_call(&mut self, call: &str, propagate: bool) -> CStmt {
        if self.fallible {
            self.uses.ret = true;
            self.check_ret(format!("ret = {call};"), propagate)
        } else if propagate {
            CStmt::new(vec![
                format!("if (WARN_ON({call}))"),
                "\treturn;".to_string(),
            ])
        } else {
            CStmt::line(format!("WARN_ON({call});"))
        }
    }

    fn check_ret(&mut self, assign: String, propagate: bool) -> CStmt {
        let mut lines: Vec<String> = assign.lines().map(str::to_string).collect();
        if propagate {
            self.uses.fails = true;
            lines.push("if (ret)".into());
            lines.push("\treturn ret;".into());
        }
        CStmt::new(lines)
    }

    fn device_c(&self, name: &str) -> Option<String> {
        self.devices
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, c)| c.clone())
    }

    fn bool_c(&self, name: &str) -> Option<String> {
        self.bools
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, c)| c.clone())
    }

    fn device(&mut self, name: &str) -> Result<String, Unsupported> {
        let c = self.device_c(name).ok_or_else(|| Unsupported {
            construct: name.to_string(),
            reason: "not a device of this hook".into(),
        })?;
        if c == "dev" {
            self.uses.params.insert("dev".into());
        }
        Ok(c)
    }

    /// Whether the C device expression `dev` is the hook's device and the site guarantees
    /// that it has a driver (`dev->driver` need not be tested).
    fn known_bound(&self, dev: &str) -> bool {
        self.hook_dev.as_deref() == Some(dev) && self.facts.dev_bound == Some(true)
    }

    /// Evaluates a condition from the site's facts, when they decide it.
    fn fold(&self, e: &Expr) -> Option<bool> {
        match e {
            Expr::Lit { lit: Lit::Bool(b) } => Some(*b),
            Expr::Not { expr } => self.fold(expr).map(|b| !b),
            Expr::And { lhs, rhs } => match (self.fold(lhs), self.fold(rhs)) {
                (Some(false), _) | (_, Some(false)) => Some(false),
                (Some(true), Some(true)) => Some(true),
                _ => None,
            },
            Expr::Or { lhs, rhs } => match (self.fold(lhs), self.fold(rhs)) {
                (Some(true), _) | (_, Some(true)) => Some(true),
                (Some(false), Some(false)) => Some(false),
                _ => None,
            },
            Expr::Attr { base, attr } => match attr {
                Attr::Owned => self.facts.owned,
                Attr::Bound => match base.as_ref() {
                    Expr::Var { name, .. }
                        if self.device_c(name).as_deref() == self.hook_dev.as_deref() =>
                    {
                        self.facts.dev_bound
                    }
                    _ => None,
                },
                // A device without a driver has no driver flags.
                Attr::IrqOnly => match base.as_ref() {
                    Expr::Var { name, .. }
                        if self.device_c(name).as_deref() == self.hook_dev.as_deref()
                            && self.facts.dev_bound == Some(false) =>
                    {
                        Some(false)
                    }
                    _ => None,
                },
                _ => None,
            },
            Expr::Cmp { op, lhs, rhs } => {
                if let Some((attr, op, lit)) = attr_vs_lit(*op, lhs, rhs) {
                    match (attr, lit) {
                        (Attr::OwnerCnt, Lit::Int(n)) => {
                            let v = self.facts.owner_cnt?;
                            Some(op.holds(v, n))
                        }
                        (Attr::Domain, Lit::Domain(DomainLit::None)) => {
                            let none = self.facts.domain_none?;
                            match op {
                                CmpOp::Eq => Some(none),
                                CmpOp::Ne => Some(!none),
                                _ => None,
                            }
                        }
                        (Attr::Domain, Lit::Domain(_)) if self.facts.domain_none == Some(true) => {
                            match op {
                                CmpOp::Eq => Some(false),
                                CmpOp::Ne => Some(true),
                                _ => None,
                            }
                        }
                        _ => None,
                    }
                } else {
                    None
                }
            }
            _ => None,
        }
    }

    /// Renders an expression; the number is its C precedence (higher binds tighter).
    pub(crate) fn expr(&mut self, e: &Expr) -> Result<(String, u8), Unsupported> {
        const OR: u8 = 1;
        const AND: u8 = 2;
        const EQ: u8 = 3;
        const REL: u8 = 4;
        const UNARY: u8 = 5;
        const ATOM: u8 = 6;
        let unsupported = |reason: &str| Unsupported {
            construct: e.to_string(),
            reason: reason.to_string(),
        };
        if let Some(b) = self.fold(e) {
            return Ok((if b { "true" } else { "false" }.into(), ATOM));
        }
        Ok(match e {
            Expr::Lit { lit } => match lit {
                Lit::Bool(b) => (b.to_string(), ATOM),
                Lit::Int(i) => (i.to_string(), ATOM),
                _ => return Err(unsupported("only as the right-hand side of a comparison")),
            },
            Expr::Var { name, kind } => match kind {
                Kind::Bool => {
                    let c = self
                        .bool_c(name)
                        .ok_or_else(|| unsupported("not a parameter of this hook"))?;
                    self.uses.params.insert(c.clone());
                    (c, ATOM)
                }
                Kind::Device => (self.device(name)?, ATOM),
                Kind::DomainType => {
                    return Err(unsupported(
                        "the requested type is passed on to set_default_type() only: sysfs \
                         also accepts DMA-FQ and 0 (the probe-time choice), which no DSL type \
                         names",
                    ))
                }
                _ => return Err(unsupported("a group is not a value in C conditions")),
            },
            Expr::Cfg { option } => match option {
                CfgOption::IRQ_MSI_IOMMU => ("IS_ENABLED(CONFIG_IRQ_MSI_IOMMU)".into(), ATOM),
            },
            Expr::GroupOf { .. } => return Err(unsupported("a group is not a truth value")),
            Expr::Not { expr } => {
                // Push the negation into comparisons and logic, as C is written by hand.
                match expr.as_ref() {
                    Expr::Cmp { op, lhs, rhs } => {
                        let op = match op {
                            CmpOp::Eq => CmpOp::Ne,
                            CmpOp::Ne => CmpOp::Eq,
                            CmpOp::Lt => CmpOp::Ge,
                            CmpOp::Le => CmpOp::Gt,
                            CmpOp::Gt => CmpOp::Le,
                            CmpOp::Ge => CmpOp::Lt,
                        };
                        return self.expr(&Expr::Cmp {
                            op,
                            lhs: lhs.clone(),
                            rhs: rhs.clone(),
                        });
                    }
                    Expr::Not { expr } => return self.expr(expr),
                    _ => {}
                }
                let (s, p) = self.expr(expr)?;
                (format!("!{}", paren(s, p, UNARY)), UNARY)
            }
            Expr::And { .. } => {
                let mut parts = Vec::new();
                flatten(e, true, &mut parts);
                // A conjunct saying the group has a domain goes first: it guards the others.
                parts.sort_by_key(|p| !is_domain_cmp(p, CmpOp::Ne, DomainLit::None));
                let mut out = Vec::new();
                for p in parts {
                    if self.fold(p) == Some(true) {
                        continue;
                    }
                    out.push(self.expr(p)?);
                }
                if out.is_empty() {
                    ("true".into(), ATOM)
                } else if out.len() == 1 {
                    out.pop().expect("one")
                } else {
                    // `&&` is associative: a conjunct that is itself a conjunction needs no
                    // parentheses.
                    let parts: Vec<String> =
                        out.into_iter().map(|(s, p)| paren(s, p, AND)).collect();
                    (parts.join(" && "), AND)
                }
            }
            Expr::Or { .. } => {
                let mut parts = Vec::new();
                flatten(e, false, &mut parts);
                parts.sort_by_key(|p| !is_domain_cmp(p, CmpOp::Eq, DomainLit::None));
                let mut out = Vec::new();
                for p in parts {
                    if self.fold(p) == Some(false) {
                        continue;
                    }
                    out.push(self.expr(p)?);
                }
                if out.len() == 1 {
                    out.pop().expect("one")
                } else {
                    // A conjunction inside `||` is parenthesised, as gcc's -Wparentheses
                    // and kernel style want.
                    let parts: Vec<String> =
                        out.into_iter().map(|(s, p)| paren(s, p, AND + 1)).collect();
                    (parts.join(" || "), OR)
                }
            }
            Expr::Attr { base, attr } => self.attr(base, *attr)?,
            Expr::Cmp { op, lhs, rhs } => {
                if let Some((attr, op, lit)) = attr_vs_lit(*op, lhs, rhs) {
                    return self.attr_cmp(attr, op, lit, e);
                }
                let (l, lp) = self.expr(lhs)?;
                let (r, rp) = self.expr(rhs)?;
                let prec = match op {
                    CmpOp::Eq | CmpOp::Ne => EQ,
                    _ => REL,
                };
                (
                    format!(
                        "{} {} {}",
                        paren(l, lp, prec + 1),
                        op.symbol(),
                        paren(r, rp, prec + 1)
                    ),
                    prec,
                )
            }
        })
    }

    fn attr(&mut self, base: &Expr, attr: Attr) -> Result<(String, u8), Unsupported> {
        const AND: u8 = 2;
        const ATOM: u8 = 6;
        let unsupported = |reason: &str| Unsupported {
            construct: format!("{base}.{}", attr.spec().name),
            reason: reason.to_string(),
        };
        let dev = match base {
            Expr::Var {
                name,
                kind: Kind::Device,
            } => Some(self.device(name)?),
            _ => None,
        };
        let d = || dev.clone().unwrap_or_default();
        Ok(match attr {
            Attr::Bound => (format!("{}->driver", d()), ATOM),
            Attr::IrqOnly => {
                self.uses.needs.insert(Need::DriverIrqOnly);
                if self.known_bound(&d()) {
                    (format!("{}->driver->irq_only", d()), ATOM)
                } else {
                    (format!("{0}->driver && {0}->driver->irq_only", d()), AND)
                }
            }
            Attr::MsiLive => {
                self.uses.needs.insert(Need::MsiLiveHelper);
                (format!("iommu_device_msi_live({})", d()), ATOM)
            }
            Attr::MsiIova => {
                self.uses.needs.insert(Need::MsiLiveHelper);
                self.uses.needs.insert(Need::MsiIovaHelper);
                (format!("iommu_device_msi_iova({})", d()), ATOM)
            }
            Attr::Untrusted => (
                format!("dev_is_pci({0}) && to_pci_dev({0})->untrusted", d()),
                AND,
            ),
            Attr::RequireDirect => (format!("{}->iommu->require_direct", d()), ATOM),
            Attr::Bridge => (
                format!("dev_is_pci({0}) && pci_is_bridge(to_pci_dev({0}))", d()),
                AND,
            ),
            Attr::Owned => ("group->owner".into(), ATOM),
            Attr::OwnerCnt => ("group->owner_cnt".into(), ATOM),
            Attr::BoundCount => {
                self.uses.needs.insert(Need::BoundCountHelper);
                ("iommu_group_bound_count(group)".into(), ATOM)
            }
            Attr::GroupRequireDirect => {
                self.uses.needs.insert(Need::RequireDirectHelper);
                ("iommu_group_require_direct(group)".into(), ATOM)
            }
            Attr::GroupAttachDeferred => {
                self.uses.needs.insert(Need::AttachDeferredHelper);
                ("iommu_group_attach_deferred(group)".into(), ATOM)
            }
            Attr::Singleton => ("list_is_singular(&group->devices)".into(), ATOM),
            Attr::ManagedDma => {
                return Err(unsupported(
                    "driver_managed_dma lives in each bus's driver structure; use the \
                     `managed` parameter of dma_configure/dma_cleanup",
                ))
            }
            Attr::AtsRequired => {
                return Err(unsupported(
                    "pci_ats_required() is not in 6.12 (it arrives with the CXL.cache ATS series)",
                ))
            }
            Attr::AtsOn => {
                return Err(unsupported(
                    "pci_dev->ats_enabled exists only with CONFIG_PCI_ATS and the IOMMU driver \
                     owns it",
                ))
            }
            Attr::Domain | Attr::DefaultType | Attr::Devices => {
                return Err(unsupported("only in a comparison or a `for` range"))
            }
        })
    }

    fn attr_cmp(
        &mut self,
        attr: Attr,
        op: CmpOp,
        lit: Lit,
        whole: &Expr,
    ) -> Result<(String, u8), Unsupported> {
        const EQ: u8 = 3;
        const REL: u8 = 4;
        const UNARY: u8 = 5;
        const ATOM: u8 = 6;
        let unsupported = |reason: &str| Unsupported {
            construct: whole.to_string(),
            reason: reason.to_string(),
        };
        let eq = match op {
            CmpOp::Eq => true,
            CmpOp::Ne => false,
            _ if matches!(lit, Lit::Int(_)) => true,
            _ => return Err(unsupported("domains compare with == and != only")),
        };
        Ok(match (attr, lit) {
            (Attr::Domain, Lit::Domain(d)) => {
                let target = match d {
                    DomainLit::None => {
                        return Ok(if eq {
                            ("!group->domain".into(), UNARY)
                        } else {
                            ("group->domain".into(), ATOM)
                        })
                    }
                    DomainLit::Blocked => "group->blocking_domain",
                    DomainLit::Default => "group->default_domain",
                    DomainLit::EmptyDma => {
                        self.uses.needs.insert(Need::ParkingDomain);
                        "group->parking_domain"
                    }
                    DomainLit::Identity => {
                        return Ok(self.type_test("group->domain", "IOMMU_DOMAIN_IDENTITY", eq))
                    }
                    DomainLit::Dma => {
                        return Ok(if eq {
                            ("iommu_is_dma_domain(group->domain)".into(), ATOM)
                        } else {
                            ("!iommu_is_dma_domain(group->domain)".into(), UNARY)
                        })
                    }
                    DomainLit::User => {
                        return Err(unsupported("the user's domain is not the core's to name"))
                    }
                };
                (
                    format!("group->domain {} {target}", if eq { "==" } else { "!=" }),
                    EQ,
                )
            }
            (Attr::DefaultType, Lit::DomainType(t)) => match t {
                DomainType::Dma => {
                    if eq {
                        ("iommu_is_dma_domain(group->default_domain)".into(), ATOM)
                    } else {
                        ("!iommu_is_dma_domain(group->default_domain)".into(), UNARY)
                    }
                }
                DomainType::Identity => {
                    self.type_test("group->default_domain", "IOMMU_DOMAIN_IDENTITY", eq)
                }
            },
            (Attr::OwnerCnt | Attr::BoundCount, Lit::Int(n)) => {
                let (v, _) = self.attr(
                    &Expr::Var {
                        name: String::new(),
                        kind: Kind::Group,
                    },
                    attr,
                )?;
                match (op, n) {
                    (CmpOp::Gt | CmpOp::Ne, 0) => (v, ATOM),
                    (CmpOp::Eq | CmpOp::Le, 0) => (format!("!{v}"), UNARY),
                    _ => (
                        format!("{v} {} {n}", op.symbol()),
                        if matches!(op, CmpOp::Eq | CmpOp::Ne) {
                            EQ
                        } else {
                            REL
                        },
                    ),
                }
            }
            _ => return Err(unsupported("no C rendering for this comparison")),
        })
    }

    fn type_test(&self, domain: &str, ty: &str, eq: bool) -> (String, u8) {
        (
            format!("{domain}->type {} {ty}", if eq { "==" } else { "!=" }),
            3,
        )
    }
}

/// `g.ATTR OP literal` in either order, as `g.ATTR OP' literal`.
fn attr_vs_lit(op: CmpOp, lhs: &Expr, rhs: &Expr) -> Option<(Attr, CmpOp, Lit)> {
    match (lhs, rhs) {
        (Expr::Attr { attr, .. }, Expr::Lit { lit }) => Some((*attr, op, *lit)),
        (Expr::Lit { lit }, Expr::Attr { attr, .. }) => Some((*attr, op.swapped(), *lit)),
        _ => None,
    }
}

fn is_domain_cmp(e: &Expr, want: CmpOp, lit: DomainLit) -> bool {
    matches!(e, Expr::Cmp { op, lhs, rhs }
        if *op == want
            && matches!(attr_vs_lit(*op, lhs, rhs), Some((Attr::Domain, _, Lit::Domain(d))) if d == lit))
}

fn flatten<'e>(e: &'e Expr, and: bool, out: &mut Vec<&'e Expr>) {
    match e {
        Expr::And { lhs, rhs } if and => {
            flatten(lhs, and, out);
            flatten(rhs, and, out);
        }
        Expr::Or { lhs, rhs } if !and => {
            flatten(lhs, and, out);
            flatten(rhs, and, out);
        }
        other => out.push(other),
    }
}

fn paren(s: String, prec: u8, min: u8) -> String {
    if prec < min {
        format!("({s})")
    } else {
        s
    }
}

/// `HEAD {` ... `}` or, when kernel style allows, the body without braces.
fn braced(head: &str, body: &[CStmt], els: Option<&[CStmt]>) -> CStmt {
    let bare = body.len() == 1
        && body[0].simple()
        && els.map_or(true, |e| {
            // An `else if` arm may stay bare only if it is bare itself: all arms of a
            // chain have braces or none has.
            body[0].0.len() == 1
                && e.len() == 1
                && (e[0].0.len() == 1 || (is_if(&e[0]) && !e[0].0[0].ends_with('{')))
        });
    let mut lines = Vec::new();
    if bare {
        lines.push(head.to_string());
        lines.extend(body[0].0.iter().map(|l| format!("\t{l}")));
        if let Some(e) = els {
            push_else(&mut lines, e, false);
        }
        return CStmt::new(lines);
    }
    lines.push(format!("{head} {{"));
    for s in body {
        lines.extend(s.0.iter().map(|l| format!("\t{l}")));
    }
    match els {
        Some(e) => push_else(&mut lines, e, true),
        None => lines.push("}".into()),
    }
    CStmt::new(lines)
}

fn is_if(s: &CStmt) -> bool {
    s.0[0].starts_with("if (")
}

fn push_else(lines: &mut Vec<String>, e: &[CStmt], braces: bool) {
    // `else if` chains stay flat.
    if e.len() == 1 && is_if(&e[0]) {
        let first = &e[0].0[0];
        if braces {
            let inner = &e[0].0;
            let mut rest: Vec<String> = inner.clone();
            if !first.ends_with('{') {
                // Re-brace the nested if so both arms of the chain match.
                rest = rebrace(inner);
            }
            lines.push(format!("}} else {}", rest[0]));
            lines.extend(rest[1..].iter().cloned());
        } else {
            lines.push(format!("else {first}"));
            lines.extend(e[0].0[1..].iter().cloned());
        }
        return;
    }
    if braces {
        lines.push("} else {".into());
        for s in e {
            lines.extend(s.0.iter().map(|l| format!("\t{l}")));
        }
        lines.push("}".into());
    } else {
        lines.push("else".into());
        lines.extend(e[0].0.iter().map(|l| format!("\t{l}")));
    }
}

/// Turns a brace-less `if (c)\n\tstmt[\nelse\n\tstmt]` into its braced form.
fn rebrace(lines: &[String]) -> Vec<String> {
    let mut out = vec![format!("{} {{", lines[0])];
    let mut i = 1;
    while i < lines.len() {
        let l = &lines[i];
        if l == "else" {
            out.push("} else {".into());
        } else if let Some(rest) = l.strip_prefix("else if ") {
            out.push(format!("}} else if {rest} {{"));
        } else {
            out.push(l.clone());
        }
        i += 1;
    }
    out.push("}".into());
    out
}

/// The end of a fallible hook's body, made to return: a last `ret = f(); if (ret) return
/// ret;` is `return f();`, and a last `if`/`else` whose arms then both return is its
/// shorter arm as an early return, followed by the other arm.
fn tail(mut body: Vec<CStmt>) -> Vec<CStmt> {
    let Some(last) = body.pop() else {
        return body;
    };
    if let Some(call) = propagated_call(&last) {
        body.push(CStmt::line(format!("return {call}")));
        return body;
    }
    if let Some(If {
        cond,
        neg: Some(neg),
        then,
        els: Some(els),
    }) = last.1.as_deref()
    {
        let (t, e) = (tail(then.clone()), tail(els.clone()));
        if t.last().is_some_and(CStmt::returns) && e.last().is_some_and(CStmt::returns) {
            let (c, early, rest) = if lines(&e).len() < lines(&t).len() {
                (neg, e, t)
            } else {
                (cond, t, e)
            };
            body.push(CStmt::guard(c.clone(), None, early, None));
            body.extend(rest);
            return body;
        }
    }
    body.push(last);
    body
}

/// Every line of `stmts`.
fn lines(stmts: &[CStmt]) -> Vec<&String> {
    stmts.iter().flat_map(|s| &s.0).collect()
}

/// `!e`, with the negation pushed through `&&` and `||` (De Morgan), as C is written by
/// hand; [`Ctx::expr`] pushes it into comparisons.
fn negate(e: &Expr) -> Expr {
    match e {
        Expr::Not { expr } => (**expr).clone(),
        Expr::And { lhs, rhs } => Expr::Or {
            lhs: Box::new(negate(lhs)),
            rhs: Box::new(negate(rhs)),
        },
        Expr::Or { lhs, rhs } => Expr::And {
            lhs: Box::new(negate(lhs)),
            rhs: Box::new(negate(rhs)),
        },
        other => Expr::Not {
            expr: Box::new(other.clone()),
        },
    }
}

/// The call of `ret = CALL; if (ret) return ret;` (the call may span lines).
fn propagated_call(stmt: &CStmt) -> Option<String> {
    let l = &stmt.0;
    let n = l.len();
    if n >= 3 && l[n - 2] == "if (ret)" && l[n - 1] == "\treturn ret;" && l[0].starts_with("ret = ")
    {
        let call = l[..n - 2].join(" ");
        Some(call.trim_start_matches("ret = ").to_string())
    } else {
        None
    }
}

/// Indents rendered statements by `tabs` tabs, one line each, with a blank line after
/// each control statement that has more statements after it.
pub(crate) fn indent(stmts: &[CStmt], tabs: usize) -> String {
    let pad = "\t".repeat(tabs);
    let mut out = String::new();
    for (i, s) in stmts.iter().enumerate() {
        let control = s.0[0].starts_with("if (") || s.0[0].starts_with("for_each");
        if i > 0 && control && !out.ends_with("\n\n") {
            out.push('\n');
        }
        for l in &s.0 {
            out.push_str(&pad);
            out.push_str(l);
            out.push('\n');
        }
        if control && i + 1 < stmts.len() {
            out.push('\n');
        }
    }
    out
}

/// The display width of a line, with tabs every 8 columns.
fn width(s: &str) -> usize {
    s.chars()
        .fold(0, |w, c| if c == '\t' { (w / 8 + 1) * 8 } else { w + 1 })
}

/// Breaks lines longer than 80 columns the way kernel code is written: after a `, `
/// or an `&&`/`||`, continuing under the character after the innermost open parenthesis.
pub(crate) fn fit(text: &str) -> String {
    let mut out = String::new();
    for line in text.split_inclusive('\n') {
        let (body, nl) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (line, ""),
        };
        let mut rest = body.to_string();
        let mut open: Vec<usize> = Vec::new();
        while width(&rest) > 80 {
            let Some((at, col, still_open)) = break_point(&rest, &open) else {
                break;
            };
            let (head, tail) = rest.split_at(at);
            out.push_str(head.trim_end());
            out.push('\n');
            let pad = format!("{}{}", "\t".repeat(col / 8), " ".repeat(col % 8));
            rest = format!("{pad}{}", tail.trim_start());
            open = still_open;
        }
        out.push_str(&rest);
        out.push_str(nl);
    }
    out
}

/// The last place to break `line` within 80 columns, the column to continue at, and the
/// parentheses still open there. `open` holds the columns of parentheses opened on
/// earlier lines of the same statement.
fn break_point(line: &str, open: &[usize]) -> Option<(usize, usize, Vec<usize>)> {
    let mut parens: Vec<usize> = open.to_vec();
    let mut col = 0;
    let mut best = None;
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    let mut in_str = false;
    for (k, &(i, c)) in chars.iter().enumerate() {
        match c {
            '"' => in_str = !in_str,
            '(' if !in_str => parens.push(col + 1),
            ')' if !in_str => {
                parens.pop();
            }
            _ => {}
        }
        col = if c == '\t' {
            (col / 8 + 1) * 8
        } else {
            col + 1
        };
        if in_str || parens.is_empty() {
            continue;
        }
        let next = chars.get(k + 1).map(|x| x.1);
        let prev = k.checked_sub(1).and_then(|p| chars.get(p)).map(|x| x.1);
        let breakable = (c == ',' && next == Some(' '))
            || ((c == '&' || c == '|') && prev == Some(c) && next == Some(' '));
        if breakable && col < 80 {
            let cont = *parens.last().expect("inside parentheses");
            best = Some((i + c.len_utf8(), cont, parens.clone()));
        } else if breakable && best.is_none() && prev == Some('"') {
            // A quoted string is never split (checkpatch: it must stay greppable), so
            // with no break before it the line runs to the comma that ends it.
            let cont = *parens.last().expect("inside parentheses");
            return Some((i + c.len_utf8(), cont, parens.clone()));
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sites;
    use switchyard_dsl::vocab::{Hook, NotifyAction};
    use switchyard_dsl::Base;

    fn render(policy: &str, hook: Hook) -> (Result<String, Unsupported>, Uses) {
        let p = switchyard_dsl::load_policy(policy).expect("a built-in loads");
        let site = sites::site(hook, Base::Linux612).expect("the hook has a site");
        let imp = p.hook(hook);
        let mut ctx = Ctx::new(imp, site.fallible, site.first_attach, site.facts);
        let body = ctx.body(imp).map(|b| indent(&b, 1));
        (body, ctx.uses)
    }

    #[test]
    fn a_new_default_type_attached_at_once_is_iommu_setup_default_domain() {
        let (body, uses) = render("status-quo", Hook::DefaultType);
        assert_eq!(
            body.unwrap(),
            "\tif (group->owner_cnt)\n\t\treturn -EPERM;\n\n\
             \treturn iommu_setup_default_domain(group, type);\n"
        );
        assert!(uses.needs.is_empty(), "{:?}", uses.needs);
    }

    #[test]
    fn a_new_default_type_alone_replaces_the_default_domain_without_attaching_it() {
        let (body, uses) = render("identity-at-bind", Hook::DefaultType);
        let body = body.unwrap();
        assert!(
            body.contains("return iommu_group_replace_default_domain(group, type);"),
            "{body}"
        );
        assert!(
            body.contains("iommu_setup_default_domain(group, type)"),
            "{body}"
        );
        assert!(uses.needs.contains(&Need::ReplaceDefaultDomain));
        assert!(uses.needs.contains(&Need::DmaOpsFromDefaultDomain));
    }

    #[test]
    fn parking_at_probe_needs_dma_ops_from_the_default_domain() {
        let (body, uses) = render("park-empty-dma", Hook::Probe);
        assert!(body.unwrap().contains("group->parking_domain"));
        assert!(uses.needs.contains(&Need::ParkingDomain));
        assert!(uses.needs.contains(&Need::DmaOpsFromDefaultDomain));
        let (_, uses) = render("status-quo", Hook::Probe);
        assert!(!uses.needs.contains(&Need::DmaOpsFromDefaultDomain));
    }

    /// Every parking policy keeps a group whose attach is deferred, or whose bus does not
    /// prepare the group at bind, in its default domain, before anything else its first
    /// attach does; status-quo has nothing to keep.
    #[test]
    fn parking_at_probe_keeps_deferred_attaches_and_other_buses_in_the_default_domain() {
        for policy in ["park-blocked", "park-empty-dma", "notifier-switch"] {
            let (body, uses) = render(policy, Hook::Probe);
            let body = body.unwrap();
            assert!(
                body.starts_with(
                    "\tif (iommu_group_attach_deferred(group) || \
                     !iommu_group_bus_prepares(group) ||"
                ),
                "{policy}:\n{body}"
            );
            assert!(uses.needs.contains(&Need::AttachDeferredHelper), "{policy}");
            assert!(uses.needs.contains(&Need::BusPreparesHelper), "{policy}");
        }
        let (body, uses) = render("status-quo", Hook::Probe);
        assert!(!body.unwrap().contains("attach_deferred"));
        assert!(!uses.needs.contains(&Need::AttachDeferredHelper));
    }

    /// The first attach of a parking policy is one condition for the default domain and
    /// one attach of the parking domain, as a maintainer writes it: the policy's `if`/`else`
    /// and the groups kept in the default domain are joined, not two attaches of the
    /// default domain. A parking domain that cannot be allocated is one more reason for
    /// the default domain: the group is not parked, and its devices' IOMMU probe, which
    /// iommu_setup_default_domain() WARNs about and fails when the first attach fails, goes
    /// on. No error is returned at all.
    #[test]
    fn the_first_attach_is_one_condition_and_falls_back_to_the_default_domain() {
        for (policy, park) in [
            ("park-blocked", "blocking"),
            ("park-empty-dma", "parking"),
            ("notifier-switch", "blocking"),
        ] {
            let (body, uses) = render(policy, Hook::Probe);
            let body = body.unwrap();
            assert_eq!(
                body,
                format!(
                    "\tif (iommu_group_attach_deferred(group) || \
                     !iommu_group_bus_prepares(group) || iommu_group_require_direct(group) || \
                     __iommu_group_alloc_{park}_domain(group))\n\
                     \t\treturn {FIRST_DEFAULT};\n\n\
                     \treturn __iommu_group_set_domain_internal(group, group->{park}_domain, \
                     IOMMU_SET_DOMAIN_MUST_SUCCEED);\n"
                ),
                "{policy}"
            );
            assert!(!uses.ret, "{policy}: ret is not needed");
        }
    }

    /// A hook's own `if` and the inherited one with the same body are one `if` when they
    /// test the hook's parameter one way and the other (irq-only-driver-flag's unpark
    /// for an irq-only driver, and park-blocked's for a DMA API one).
    #[test]
    fn ifs_with_one_body_that_a_parameter_tells_apart_are_one() {
        let (body, _) = render("irq-only-driver-flag", Hook::DmaConfigure);
        let body = body.unwrap();
        assert_eq!(
            body.matches("__iommu_group_set_domain(group, group->default_domain)")
                .count(),
            1,
            "{body}"
        );
        assert!(
            body.starts_with(
                "\tif ((!managed || dev->driver->irq_only) && \
                 group->domain == group->blocking_domain && !group->owner_cnt) {\n"
            ),
            "{body}"
        );
    }

    /// `if (a) B; if (b) B;` is one `if` only where that cannot run `B` twice or skip it:
    /// `B` returns, or `a` and `b` test a parameter one way and the other. Conditions
    /// that share their last conjuncts keep them once.
    #[test]
    fn conditions_join_only_where_the_body_runs_as_before() {
        let atom = |t: &str| Atom::read(t, if t.starts_with('!') { 5 } else { 6 });
        let conj = |ts: &[&str]| Cond(vec![ts.iter().map(|t| atom(t)).collect()]);
        let guard = |c: Cond, body: &str| CStmt::guard(c, None, vec![CStmt::line(body)], None);
        let hook = switchyard_dsl::load_policy("park-blocked").expect("a built-in loads");
        let site = sites::site(Hook::DmaConfigure, Base::Linux612).expect("a site");
        let imp = hook.hook(Hook::DmaConfigure);
        let ctx = Ctx::new(imp, site.fallible, site.first_attach, site.facts);
        // Not exclusive, and the body does not return: B could run twice.
        let both = ctx.merge(vec![
            guard(conj(&["a", "c"]), "f();"),
            guard(conj(&["b", "c"]), "f();"),
        ]);
        assert_eq!(both.len(), 2);
        // The parameter tells them apart.
        let one = ctx.merge(vec![
            guard(conj(&["managed", "x", "c"]), "f();"),
            guard(conj(&["!managed", "c"]), "f();"),
        ]);
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].0[0], "if ((!managed || x) && c)");
        // A body that returns joins anything, in order, an allocation included.
        let mut alloc = conj(&["alloc(group)"]);
        alloc.0[0][0].pure = false;
        let ret = ctx.merge(vec![
            guard(conj(&["a", "c"]), "return g();"),
            guard(alloc, "return g();"),
        ]);
        assert_eq!(ret.len(), 1);
        assert_eq!(ret[0].0[0], "if ((a && c) || alloc(group))");
        // Different bodies stay apart.
        let apart = ctx.merge(vec![
            guard(conj(&["managed"]), "return f();"),
            guard(conj(&["!managed"]), "return g();"),
        ]);
        assert_eq!(apart.len(), 2);
    }

    /// notifier-switch's re-park at UNBOUND_DRIVER tests the deferred attach with the same
    /// helper as the first attach, so a group kept in its default domain for a kdump
    /// kernel stays there when a driver that mapped nothing unbinds.
    #[test]
    fn the_re_park_at_unbound_driver_skips_a_deferred_attach() {
        let (body, uses) = render(
            "notifier-switch",
            Hook::BusNotify(NotifyAction::UnboundDriver),
        );
        let body = body.unwrap();
        assert!(
            body.contains(
                "!iommu_group_require_direct(group) && !iommu_group_attach_deferred(group))"
            ),
            "{body}"
        );
        assert!(uses.needs.contains(&Need::AttachDeferredHelper));
        // Only the first attach inserts the default domain ahead of the body.
        assert!(!body.contains("iommu_group_bus_prepares"), "{body}");
    }

    /// A comparison folds from the site's facts the same way whichever side the literal is
    /// on: at probe no owner exists, so `1 > owner_cnt` holds and its branch is the body.
    #[test]
    fn a_literal_on_the_left_folds_like_one_on_the_right() {
        for cond in ["group(dev).owner_cnt < 1", "1 > group(dev).owner_cnt"] {
            let text = format!(
                "policy! {{\n    /// Parks every group.\n    name = \"fold-test\";\n    \
                 extends = \"status-quo\";\n    on probe(dev) {{\n        \
                 if {cond} {{\n            set_domain(group(dev), Blocked)?;\n        \
                 }} else {{\n            inherit()?;\n        }}\n    }}\n}}\n"
            );
            let switchyard_dsl::Loaded::Policy(p) =
                switchyard_dsl::load_str("fold-test", &text).expect("the policy loads")
            else {
                panic!("not a policy");
            };
            let site = sites::site(Hook::Probe, Base::Linux612).expect("probe has a site");
            let imp = p.hook(Hook::Probe);
            let mut ctx = Ctx::new(imp, site.fallible, site.first_attach, site.facts);
            let body = indent(&ctx.body(imp).expect("renders"), 1);
            // After the deferred attach's default domain, the folded branch alone.
            let (_, parked) = body
                .split_once("IOMMU_SET_DOMAIN_MUST_SUCCEED);\n\n")
                .expect("the deferred attach comes first");
            assert!(parked.contains("group->blocking_domain"), "{cond}:\n{body}");
            assert!(!parked.contains("group->default_domain"), "{cond}:\n{body}");
        }
    }

    /// Holding and re-targeting vectors is the MSI layer's, called for each member.
    #[test]
    fn vectors_are_held_and_retargeted_for_each_member_in_the_msi_layer() {
        let (body, uses) = render("msi-reroute", Hook::Claim);
        let body = body.expect("renders");
        assert!(
            body.contains("for_each_group_device(group, gdev)"),
            "{body}"
        );
        assert!(
            body.contains("msi_device_mask_vectors(gdev->dev);"),
            "{body}"
        );
        assert!(uses.needs.contains(&Need::MsiRetarget));
        let (body, _) = render("msi-reroute", Hook::Release);
        let body = body.expect("renders");
        assert!(
            body.contains("msi_device_retarget_vectors(gdev->dev);"),
            "{body}"
        );
    }

    /// A message is printed, rate-limited, on the failing path before the error: for the
    /// device it is about, or for the group by its id in a hook given only a group. A
    /// string is never split; the line breaks around it instead.
    #[test]
    fn a_message_is_printed_before_the_error_for_its_device_or_its_group() {
        let text = "policy! {\n    /// Says why.\n    name = \"say-why\";\n    \
                    on claim(g) {\n        for d in g.devices {\n            \
                    if d.msi_iova {\n                fail(EBUSY, \"busy\");\n            }\n        }\n        \
                    if g.singleton {\n                fail(EPERM, \"a message long enough to run past the eightieth column\");\n        }\n        \
                    inherit()?;\n    }\n}\n";
        let switchyard_dsl::Loaded::Policy(p) =
            switchyard_dsl::load_str("say-why", text).expect("the policy loads")
        else {
            panic!("not a policy");
        };
        let site = sites::site(Hook::Claim, Base::Linux612).expect("claim has a site");
        let imp = p.hook(Hook::Claim);
        let mut ctx = Ctx::new(imp, site.fallible, site.first_attach, site.facts);
        let body = fit(&indent(&ctx.body(imp).expect("renders"), 1));
        assert!(
            body.contains(
                "\t\tif (iommu_device_msi_iova(gdev->dev)) {\n\
                 \t\t\tdev_warn_ratelimited(gdev->dev, \"busy\\n\");\n\
                 \t\t\treturn -EBUSY;\n\t\t}\n"
            ),
            "{body}"
        );
        assert!(
            body.contains(
                "\tif (list_is_singular(&group->devices)) {\n\
                 \t\tpr_warn_ratelimited(\"group %d: a message long enough to run past the eightieth column\\n\",\n\
                 \t\t\t\t    group->id);\n\
                 \t\treturn -EPERM;\n\t}\n"
            ),
            "{body}"
        );
    }
}
