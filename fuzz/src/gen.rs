//! Structure-aware generators: grammatical policies and scenarios built from the language's
//! own tables ([`switchyard_dsl::vocab`] and the scenario tables), so a hook, action,
//! predicate, literal, move or flag added there is generated without a change here.
//!
//! Most generated programs are well-typed; a small share carry one deliberate slip (a
//! missing `?`, a wrong kind, an unknown name) so the checks' error paths are reached with
//! otherwise valid surroundings.

use crate::rng::Rng;
use std::fmt::Write;
use switchyard_dsl::scenario::{ArgKind, Platform, DEVICE_FLAGS, DRIVER_FLAGS, MOVES};
use switchyard_dsl::vocab::{
    AtsState, CfgOption, DomainLit, DomainType, Errno, HookSpec, Kind, NotifyAction, ACTIONS,
    ATTRS, EXAMPLE_MESSAGE, HOOKS,
};
use switchyard_dsl::{builtins, SourceKind};

/// How large a generated program may get.
#[derive(Clone, Copy, Debug)]
pub struct Size {
    /// Hooks in a policy.
    pub hooks: usize,
    /// Statements per block.
    pub stmts: usize,
    /// Nesting of `if`/`for` and of expressions.
    pub depth: usize,
    /// Devices in a scenario.
    pub devices: usize,
    /// Moves in a scenario.
    pub moves: usize,
    /// The largest bound of a move.
    pub bound: usize,
}

impl Size {
    /// For the parser and checks: larger programs.
    pub const PARSE: Size = Size {
        hooks: 6,
        stmts: 4,
        depth: 3,
        devices: 5,
        moves: 8,
        bound: 16,
    };
    /// For the model: scenarios whose state space stays small.
    pub const MODEL: Size = Size {
        hooks: 4,
        stmts: 3,
        depth: 2,
        devices: 3,
        moves: 5,
        bound: 2,
    };
}

struct PolicyGen<'r> {
    rng: &'r mut Rng,
    size: Size,
    /// Names in scope with their kinds.
    scope: Vec<(String, Kind)>,
    fallible: bool,
    has_parent: bool,
    /// Per-mille chance of a deliberate slip at each decision point.
    slip: usize,
    loops: usize,
    hook: &'static str,
}

impl PolicyGen<'_> {
    fn slip(&mut self) -> bool {
        self.rng.chance(self.slip, 1000)
    }

    fn vars(&self, kind: Kind) -> Vec<String> {
        self.scope
            .iter()
            .filter(|(_, k)| *k == kind)
            .map(|(n, _)| n.clone())
            .collect()
    }

    /// An expression of `kind`, or `None` when nothing of that kind can be written here.
    fn expr(&mut self, kind: Kind, depth: usize) -> Option<String> {
        if self.slip() {
            // A value of some other kind, or an unknown name.
            let other = *self.rng.pick(&[
                Kind::Device,
                Kind::Group,
                Kind::Bool,
                Kind::Int,
                Kind::Domain,
                Kind::Errno,
            ]);
            if other != kind && self.rng.chance(1, 2) {
                let saved = std::mem::replace(&mut self.slip, 0);
                let e = self.expr(other, depth);
                self.slip = saved;
                if e.is_some() {
                    return e;
                }
            }
            return Some(
                self.rng
                    .pick(&["x", "dev2", "Blokced", "owned", "g.foo"])
                    .to_string(),
            );
        }
        let mut options: Vec<String> = Vec::new();
        options.extend(self.vars(kind));
        match kind {
            Kind::Group => {
                if depth > 0 {
                    if let Some(d) = self.expr(Kind::Device, depth - 1) {
                        options.push(format!("group({d})"));
                    }
                }
            }
            Kind::Bool => {
                options.push(self.rng.pick(&["true", "false"]).to_string());
                let o = self.rng.pick(CfgOption::ALL).name();
                options.push(format!("cfg({o})"));
                if depth > 0 {
                    let d = depth - 1;
                    if let Some(a) = self.attr(Kind::Bool, d) {
                        options.push(a.clone());
                        options.push(a);
                    }
                    if let Some(e) = self.expr(Kind::Bool, d) {
                        options.push(format!("!{e}"));
                    }
                    if let (Some(a), Some(b)) = (self.expr(Kind::Bool, d), self.expr(Kind::Bool, d))
                    {
                        let op = self.rng.pick(&["&&", "||"]);
                        options.push(if self.rng.chance(1, 3) {
                            format!("({a} {op} {b})")
                        } else {
                            format!("{a} {op} {b}")
                        });
                    }
                    let cmp = *self.rng.pick(&[Kind::Int, Kind::Domain, Kind::DomainType]);
                    if let (Some(a), Some(b)) = (self.attr(cmp, d), self.expr(cmp, d)) {
                        let op = if cmp == Kind::Int {
                            *self.rng.pick(&["==", "!=", "<", "<=", ">", ">="])
                        } else {
                            *self.rng.pick(&["==", "!="])
                        };
                        options.push(format!("{a} {op} {b}"));
                        options.push(format!("{a} {op} {b}"));
                    }
                }
            }
            Kind::Int => {
                options.push(self.rng.range(0, 3).to_string());
                if depth > 0 {
                    if let Some(a) = self.attr(Kind::Int, depth - 1) {
                        options.push(a);
                    }
                }
            }
            Kind::Domain => {
                options.push(self.rng.pick(DomainLit::ALL).name().to_string());
            }
            Kind::DomainType => {
                options.push(self.rng.pick(DomainType::ALL).name().to_string());
                if depth > 0 {
                    if let Some(a) = self.attr(Kind::DomainType, depth - 1) {
                        options.push(a);
                    }
                }
            }
            Kind::Errno => options.push(self.rng.pick(Errno::ALL).name().to_string()),
            Kind::Ats => options.push(self.rng.pick(AtsState::ALL).name().to_string()),
            Kind::Devices => {
                if let Some(a) = self.attr(Kind::Devices, depth) {
                    options.push(a);
                }
            }
            Kind::Device => {}
        }
        if options.is_empty() {
            None
        } else {
            let i = self.rng.below(options.len());
            Some(options.swap_remove(i))
        }
    }

    /// `base.attr` for an attribute of `kind`, on any base kind that can be written here.
    fn attr(&mut self, kind: Kind, depth: usize) -> Option<String> {
        let specs: Vec<_> = ATTRS.iter().filter(|a| a.kind == kind).collect();
        if specs.is_empty() {
            return None;
        }
        for _ in 0..3 {
            let spec = *self.rng.pick(&specs);
            if let Some(base) = self.expr(spec.on, depth) {
                return Some(format!("{base}.{}", spec.name));
            }
        }
        None
    }

    fn block(&mut self, out: &mut String, indent: usize, depth: usize) {
        let n = self.rng.range(
            if depth == self.size.depth { 1 } else { 0 },
            self.size.stmts,
        );
        for _ in 0..n {
            if self.stmt(out, indent, depth) {
                // `fail` ends the block; a slip writes something after it.
                if self.slip() {
                    let _ = writeln!(out, "{:indent$}inherit()?;", "");
                }
                break;
            }
        }
    }

    /// Writes one statement; returns whether it was `fail(...)`.
    fn stmt(&mut self, out: &mut String, indent: usize, depth: usize) -> bool {
        let pad = " ".repeat(indent);
        let choice = self.rng.below(10);
        if depth > 0 && choice < 2 {
            if let Some(c) = self.expr(Kind::Bool, self.size.depth) {
                let _ = writeln!(out, "{pad}if {c} {{");
                self.block(out, indent + 4, depth - 1);
                match self.rng.below(3) {
                    0 => {
                        let _ = writeln!(out, "{pad}}} else {{");
                        self.block(out, indent + 4, depth - 1);
                    }
                    1 if depth > 1 => {
                        let c2 = self.expr(Kind::Bool, 1).unwrap_or_else(|| "true".into());
                        let _ = writeln!(out, "{pad}}} else if {c2} {{");
                        self.block(out, indent + 4, depth - 1);
                    }
                    _ => {}
                }
                let _ = writeln!(out, "{pad}}}");
                return false;
            }
        }
        if depth > 0 && choice < 4 {
            if let Some(range) = self.expr(Kind::Devices, 2) {
                self.loops += 1;
                let var = if self.slip() {
                    self.scope.first().map_or("d".to_string(), |v| v.0.clone())
                } else {
                    format!("d{}", self.loops)
                };
                let _ = writeln!(out, "{pad}for {var} in {range} {{");
                self.scope.push((var, Kind::Device));
                self.block(out, indent + 4, depth - 1);
                self.scope.pop();
                let _ = writeln!(out, "{pad}}}");
                return false;
            }
        }
        for _ in 0..4 {
            let spec = self.rng.pick(ACTIONS);
            if spec.name == "inherit" && !self.has_parent && !self.slip() {
                continue;
            }
            if spec.name == "fail" && !self.fallible && !self.slip() {
                continue;
            }
            let mut args = Vec::new();
            for &k in spec.params {
                match self.expr(k, 2) {
                    Some(a) => args.push(a),
                    None => break,
                }
            }
            if args.len() < spec.params.len() {
                continue;
            }
            // An optional message; a slip writes one the kernel could not print.
            if spec.message && self.rng.chance(1, 3) {
                let text = if self.slip() {
                    self.rng
                        .pick(&["", "100% busy", "two\\nlines", " padded ", "say \\\"no\\\""])
                } else {
                    EXAMPLE_MESSAGE
                };
                args.push(format!("\"{text}\""));
            }
            // `None`, `Dma`, and `User` outside `attach_user` cannot be set (a check the
            // tables do not express); keep them for slips.
            if spec.name == "set_domain" && !self.slip() {
                let fixed = matches!(args[1].as_str(), "None" | "Dma")
                    || (args[1] == "User" && self.hook != "attach_user");
                if fixed {
                    args[1] = self.rng.pick(&["Default", "Blocked"]).to_string();
                }
            }
            if self.slip() {
                if args.is_empty() || self.rng.chance(1, 2) {
                    args.push("dev".into());
                } else {
                    args.pop();
                }
            }
            let q = if spec.fallible != self.slip() {
                "?"
            } else {
                ""
            };
            let _ = writeln!(out, "{pad}{}({}){q};", spec.name, args.join(", "));
            return spec.name == "fail";
        }
        false
    }
}

fn hook_header(rng: &mut Rng, spec: &HookSpec, action: Option<NotifyAction>) -> String {
    let mut params: Vec<String> = Vec::new();
    if let Some(a) = action {
        params.push(a.name().to_string());
    }
    params.extend(spec.params.iter().map(|p| p.0.to_string()));
    if rng.chance(1, 50) {
        params.pop();
    }
    format!("on {}({})", spec.name, params.join(", "))
}

/// A policy, usually well-formed; `slip_per_mille` sets how often it carries a mistake.
pub fn policy(rng: &mut Rng, size: Size, slip_per_mille: usize) -> String {
    let parents: Vec<&str> = builtins(SourceKind::Policy).map(|b| b.name).collect();
    let n = rng.next_u64() % 10_000;
    let mut out = String::with_capacity(1024);
    out.push_str("policy! {\n    /// A generated policy.\n    ///\n    /// Its hooks are drawn from the language's tables.\n");
    let _ = writeln!(out, "    name = \"fuzz-{n}\";");
    let has_parent = !rng.chance(1, 40);
    if has_parent {
        let _ = writeln!(out, "    extends = \"{}\";", rng.pick(&parents));
    }
    if rng.chance(1, 2) {
        out.push_str("    subject = \"iommu: A generated change\";\n");
    }
    if rng.chance(1, 4) {
        out.push_str("    suggested_by = \"A Developer <dev@example.org>\";\n");
    }
    let mut specs: Vec<(&HookSpec, Option<NotifyAction>)> = Vec::new();
    for _ in 0..rng.range(1, size.hooks) {
        let spec = rng.pick(HOOKS);
        let action = (spec.name == "bus_notify").then(|| *rng.pick(NotifyAction::ALL));
        let dup = specs
            .iter()
            .any(|(s, a)| s.name == spec.name && *a == action);
        if !dup || rng.chance(slip_per_mille, 1000) {
            specs.push((spec, action));
        }
    }
    for (spec, action) in specs {
        let mut g = PolicyGen {
            rng,
            size,
            scope: spec
                .params
                .iter()
                .map(|(n, k)| (n.to_string(), *k))
                .collect(),
            fallible: spec.fallible,
            has_parent,
            slip: slip_per_mille,
            loops: 0,
            hook: spec.name,
        };
        let header = hook_header(g.rng, spec, action);
        let _ = writeln!(out, "\n    /// Generated hook.\n    {header} {{");
        g.block(&mut out, 8, size.depth);
        out.push_str("    }\n");
    }
    out.push_str("}\n");
    out
}

/// A scenario, usually well-formed; with [`Size::MODEL`] its state space stays small.
pub fn scenario(rng: &mut Rng, size: Size, slip_per_mille: usize) -> String {
    let slip = |rng: &mut Rng| rng.chance(slip_per_mille, 1000);
    let n = rng.next_u64() % 10_000;
    let mut out = String::with_capacity(1024);
    out.push_str("scenario! {\n    /// A generated scenario.\n");
    let _ = writeln!(out, "    name = \"fuzz-{n}\";");
    if rng.chance(2, 3) {
        let p = rng.pick(&Platform::ALL);
        let _ = writeln!(out, "    platform = {p:?};");
    }
    if rng.chance(1, 3) {
        let b = if rng.chance(1, 2) { "Type1" } else { "Iommufd" };
        let _ = writeln!(out, "    vfio_backend = {b};");
    }
    let ndrivers = rng.range(1, 3);
    let drivers: Vec<String> = (0..ndrivers).map(|i| format!("drv{i}")).collect();
    for d in &drivers {
        let mut flags = Vec::new();
        for (f, _) in DRIVER_FLAGS {
            if rng.chance(1, 3) {
                flags.push(if *f == "name" {
                    format!("name = \"{d}-k\"")
                } else {
                    f.to_string()
                });
            }
        }
        if slip(rng) {
            flags.push("frobnicate".into());
        }
        let _ = writeln!(
            out,
            "\n    /// A driver.\n    driver {d} {{ {} }}",
            flags.join(", ")
        );
    }
    if rng.chance(1, 4) {
        let t = rng.pick(DomainType::ALL).name();
        let _ = writeln!(out, "    default_domain = {t};");
    }
    // A random PCIe tree: each device goes on the root bus or on a free link of a port
    // declared before it, with the type that link allows.
    let ndev = rng.range(1, size.devices);
    let mut devices: Vec<String> = Vec::new();
    // (name, kind, has a child) of each port so far; kind 0 root, 1 upstream, 2 downstream.
    let mut ports: Vec<(String, u8, bool)> = Vec::new();
    // Devices per flag, for moves that need one (`add` a `hotplug` device, `raise_aer` an
    // `aer` one).
    let mut flagged: Vec<(String, &str)> = Vec::new();
    let structural = [
        "pci",
        "root_port",
        "upstream_port",
        "downstream_port",
        "parent",
        "no_acs",
    ];
    for i in 0..ndev {
        let d = format!("d{i}");
        let mut flags: Vec<String> = Vec::new();
        let free: Vec<usize> = (0..ports.len())
            .filter(|&p| ports[p].1 == 1 || !ports[p].2)
            .collect();
        let is_port;
        if !free.is_empty() && rng.chance(2, 3) {
            let p = *rng.pick(&free);
            let (pname, pkind) = (ports[p].0.clone(), ports[p].1);
            ports[p].2 = true;
            flags.push(format!("parent = {pname}"));
            if pkind == 1 {
                flags.push("downstream_port".into());
                is_port = Some(2);
            } else if rng.chance(1, 3) {
                flags.push("upstream_port".into());
                is_port = Some(1);
            } else {
                is_port = None;
            }
        } else if rng.chance(1, 2) {
            flags.push("root_port".into());
            is_port = Some(0);
        } else {
            is_port = None;
        }
        if matches!(is_port, Some(0 | 2)) && rng.chance(1, 2) {
            flags.push("no_acs".into());
        }
        for (f, _) in DEVICE_FLAGS {
            if structural.contains(f) && !slip(rng) {
                continue;
            }
            let p = if *f == "aer" && is_port == Some(0) {
                2
            } else {
                5
            };
            if *f == "hotplug" && is_port.is_some() && !slip(rng) {
                continue;
            }
            if rng.chance(1, p) {
                flagged.push((d.clone(), f));
                flags.push(match *f {
                    "pci" => format!("pci = \"0000:{:02x}:00.0\"", i),
                    "parent" => format!("parent = d{}", rng.range(0, ndev)),
                    // A built-in driver is named, like a move's driver argument.
                    "driver" => format!("driver = {}", rng.pick(&drivers)),
                    _ => f.to_string(),
                });
            }
        }
        if let Some(k) = is_port {
            ports.push((d.clone(), k, false));
        }
        let _ = writeln!(
            out,
            "\n    /// A device.\n    device {d} {{ {} }}",
            flags.join(", ")
        );
        devices.push(d);
    }
    // Groups are derived; g0 always exists, later ones when the topology isolates.
    let groups: Vec<String> = (0..ndev)
        .map(|i| format!("g{}", if rng.chance(2, 3) { 0 } else { i }))
        .collect();
    let mut moves: Vec<(String, usize)> = Vec::new();
    for _ in 0..size.moves * 2 {
        if moves.len() >= size.moves {
            break;
        }
        let (name, kinds, _) = rng.pick(MOVES);
        // The halves of an open are script steps, never moves.
        if matches!(*name, "vfio_claim" | "vfio_attach") && !slip(rng) {
            continue;
        }
        let needs = match *name {
            "add" => Some("hotplug"),
            "raise_aer" => Some("aer"),
            _ => None,
        };
        let candidates: Vec<String> = match needs {
            Some(flag) if !slip(rng) => flagged
                .iter()
                .filter(|(_, f)| *f == flag)
                .map(|(d, _)| d.clone())
                .collect(),
            _ => devices.clone(),
        };
        if candidates.is_empty() {
            continue;
        }
        let args: Vec<String> = kinds
            .iter()
            .map(|k| match k {
                ArgKind::Device => rng.pick(&candidates).clone(),
                ArgKind::Driver => rng.pick(&drivers).clone(),
                ArgKind::Group => rng.pick(&groups).clone(),
                ArgKind::DomainType => rng.pick(DomainType::ALL).name().to_string(),
            })
            .collect();
        let call = format!("{name}({})", args.join(", "));
        if moves.iter().any(|(m, _)| *m == call) && !slip(rng) {
            continue;
        }
        let bound = if rng.chance(1, 3) {
            rng.range(1, size.bound)
        } else {
            1
        };
        moves.push((call, bound));
    }
    out.push_str("\n    moves {\n");
    for (call, bound) in &moves {
        if *bound > 1 || rng.chance(1, 10) {
            let _ = writeln!(out, "        {call} <= {bound};");
        } else {
            let _ = writeln!(out, "        {call};");
        }
    }
    out.push_str("    }\n");
    if !moves.is_empty() && rng.chance(1, 2) {
        out.push_str("\n    script {\n");
        let mut used = vec![0; moves.len()];
        for _ in 0..rng.range(1, 4) {
            let i = rng.below(moves.len());
            if used[i] < moves[i].1 || slip(rng) {
                used[i] += 1;
                let _ = writeln!(out, "        {};", moves[i].0);
            }
        }
        out.push_str("    }\n");
    }
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchyard_dsl::{load_str, Loaded};

    #[test]
    fn without_slips_most_generated_programs_are_accepted() {
        let mut rng = Rng::new(3);
        let (mut policies, mut scenarios) = (0, 0);
        for _ in 0..200 {
            let p = policy(&mut rng, Size::MODEL, 0);
            if matches!(load_str("g.policy.rs", &p), Ok(Loaded::Policy(_))) {
                policies += 1;
            }
            let s = scenario(&mut rng, Size::MODEL, 0);
            if matches!(load_str("g.scenario.rs", &s), Ok(Loaded::Scenario(_))) {
                scenarios += 1;
            }
        }
        assert!(
            policies > 150,
            "only {policies} of 200 policies were accepted"
        );
        assert!(
            scenarios > 150,
            "only {scenarios} of 200 scenarios were accepted"
        );
    }
}
