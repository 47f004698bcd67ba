//! Text renderings of policies and scenarios for `show` and `list`.

use std::io::{self, Write};
use switchyard::dsl::ir::{HookImpl, Origin, Policy};
use switchyard::dsl::scenario::Scenario;
use switchyard::dsl::{builtin, SourceKind};

/// A left-aligned table; the last column is not padded.
pub(crate) fn table(out: &mut dyn Write, head: &[String], rows: &[Vec<String>]) -> io::Result<()> {
    let n = head.len();
    let mut widths = vec![0usize; n];
    for row in std::iter::once(head).chain(rows.iter().map(Vec::as_slice)) {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    for row in std::iter::once(head).chain(rows.iter().map(Vec::as_slice)) {
        let mut s = String::new();
        for (i, c) in row.iter().enumerate() {
            if i + 1 == n {
                s.push_str(c);
            } else {
                s.push_str(&format!("{c:<w$}  ", w = widths[i]));
            }
        }
        writeln!(out, "{}", s.trim_end())?;
    }
    Ok(())
}

fn origin(o: &Origin, kind: SourceKind, name: &str) -> String {
    match o {
        Origin::Builtin => format!("built-in, {}", builtin(kind, name).map_or("?", |b| b.path)),
        Origin::File(p) => p.clone(),
        Origin::Macro => "policy! macro".into(),
    }
}

fn indent(text: &str, pad: &str) -> String {
    text.lines()
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!("{pad}{l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub(crate) fn policy(out: &mut dyn Write, p: &Policy, changed_only: bool) -> io::Result<()> {
    writeln!(
        out,
        "policy {}  ({})",
        p.name,
        origin(&p.origin, SourceKind::Policy, &p.name)
    )?;
    writeln!(out, "chain: {}", p.chain.join(" -> "))?;
    if p.bases != switchyard::dsl::Base::ALL {
        let names: Vec<&str> = p.bases.iter().map(|b| b.name()).collect();
        writeln!(out, "bases: {}", names.join(", "))?;
    }
    if let Some(s) = &p.meta.subject {
        writeln!(out, "subject: {s}")?;
    }
    for s in &p.meta.suggested_by {
        writeln!(out, "suggested-by: {s}")?;
    }
    for l in &p.meta.links {
        writeln!(out, "link: {l}")?;
    }
    for c in &p.meta.cc {
        writeln!(out, "cc: {c}")?;
    }
    writeln!(out)?;
    writeln!(out, "{}", indent(&p.doc, "  "))?;
    writeln!(out)?;
    let hooks: Vec<&HookImpl> = p
        .hooks
        .values()
        .filter(|h| !changed_only || h.defined_in != "status-quo")
        .collect();
    writeln!(
        out,
        "{} (resolved through extends):",
        if changed_only {
            "hooks that differ from status-quo"
        } else {
            "hooks"
        }
    )?;
    for h in hooks {
        writeln!(out)?;
        hook(out, h, 2)?;
    }
    Ok(())
}

fn hook(out: &mut dyn Write, h: &HookImpl, pad: usize) -> io::Result<()> {
    let sp = " ".repeat(pad);
    let body = h.body.render(pad + 4);
    if body.is_empty() {
        writeln!(out, "{sp}{} {{}}  [{}]", h.signature(), h.defined_in)?;
    } else {
        writeln!(out, "{sp}{} {{  [{}]", h.signature(), h.defined_in)?;
        write!(out, "{body}")?;
        writeln!(out, "{sp}}}")?;
    }
    if let Some(parent) = &h.parent {
        writeln!(out, "{sp}  where inherit() runs:")?;
        hook(out, parent, pad + 4)?;
    }
    Ok(())
}

pub(crate) fn scenario(out: &mut dyn Write, s: &Scenario) -> io::Result<()> {
    writeln!(
        out,
        "scenario {}  ({})",
        s.name,
        origin(&s.origin, SourceKind::Scenario, &s.name)
    )?;
    writeln!(
        out,
        "platform: {} ({}); vfio backend: {:?}; boot default domain: {}",
        s.platform,
        s.platform.describe(),
        s.vfio_backend,
        s.default_domain
    )?;
    writeln!(out)?;
    writeln!(out, "{}", indent(&s.doc, "  "))?;
    writeln!(out)?;
    writeln!(out, "drivers:")?;
    for d in &s.drivers {
        let mut flags = Vec::new();
        for (set, name) in [
            (d.managed_dma, "managed_dma"),
            (d.dma_api, "dma_api"),
            (d.msi, "msi"),
            (d.irq_only, "irq_only"),
            (d.vfio, "vfio"),
        ] {
            if set {
                flags.push(name);
            }
        }
        let kname = if d.kernel_name != d.name {
            format!(" ({})", d.kernel_name)
        } else {
            String::new()
        };
        writeln!(out, "  {}{kname}: {}", d.name, flags.join(", "))?;
    }
    writeln!(out, "topology (addresses as Linux numbers the buses):")?;
    // Depth first, each device below its parent.
    let mut order: Vec<(usize, &switchyard_dsl::scenario::Device)> = Vec::new();
    let mut stack: Vec<(usize, &switchyard_dsl::scenario::Device)> = s
        .devices
        .iter()
        .filter(|d| d.parent.is_none())
        .rev()
        .map(|d| (0, d))
        .collect();
    while let Some((depth, d)) = stack.pop() {
        order.push((depth, d));
        stack.extend(
            s.devices
                .iter()
                .filter(|c| c.parent.as_deref() == Some(d.name.as_str()))
                .rev()
                .map(|c| (depth + 1, c)),
        );
    }
    for (depth, d) in order {
        let mut flags = Vec::new();
        if d.bridge() && !d.acs {
            flags.push("no_acs".to_string());
        }
        for (set, f) in [
            (d.aer, "aer"),
            (d.untrusted, "untrusted"),
            (d.require_direct, "require_direct"),
            (d.attach_deferred, "attach_deferred"),
            (d.ats && !d.ats_required, "ats"),
            (d.ats_required, "ats_required"),
            (d.hotplug, "hotplug"),
        ] {
            if set {
                flags.push(f.to_string());
            }
        }
        if let Some(drv) = &d.driver {
            flags.push(format!("driver = {drv}"));
        }
        writeln!(
            out,
            "  {:indent$}{} {} {}{}  [{}]",
            "",
            d.name,
            d.pci,
            d.kind.describe(),
            if flags.is_empty() {
                String::new()
            } else {
                format!(": {}", flags.join(", "))
            },
            d.group,
            indent = depth * 2
        )?;
    }
    writeln!(out, "groups (as pci_device_group() makes them):")?;
    for g in &s.groups {
        writeln!(out, "  {}: {}", g.name, g.devices.join(", "))?;
    }
    writeln!(out, "moves:")?;
    for m in &s.moves {
        writeln!(out, "  {} <= {}", m.mv, m.bound)?;
    }
    if !s.script.is_empty() {
        writeln!(out, "script:")?;
        for (i, step) in s.script.iter().enumerate() {
            writeln!(out, "  {:>2}. {step}", i + 1)?;
        }
    }
    Ok(())
}
