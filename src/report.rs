//! Text renderings of check reports, traces and diffs.

use crate::show::table;
use std::io::{self, Write};
use switchyard_model::explore::Step;
use switchyard_model::{Property, Report, ScriptStep, Status};

/// Whether wall times are printed (snapshots leave them out).
#[derive(Clone, Copy)]
pub struct Timing(pub bool);

pub fn check(
    out: &mut dyn Write,
    policy: &str,
    reports: &[Report],
    timing: Timing,
) -> io::Result<()> {
    writeln!(out, "policy {policy}")?;
    writeln!(out)?;
    let mut head = vec!["SCENARIO".to_string()];
    head.extend(Property::ALL.iter().map(|p| p.name().to_string()));
    let rows: Vec<Vec<String>> = reports
        .iter()
        .map(|r| {
            let mut row = vec![r.scenario.clone()];
            row.extend(r.verdicts.iter().map(|v| v.status.label().to_string()));
            row
        })
        .collect();
    table(out, &head, &rows)?;
    for r in reports {
        for v in r.verdicts.iter().filter(|v| v.status == Status::Violated) {
            writeln!(out)?;
            writeln!(out, "{}: {} VIOLATED", r.scenario, v.property)?;
            writeln!(out, "  {}", v.property.doc())?;
            if let Some(why) = &v.reason {
                writeln!(out, "  {why}")?;
            }
            trace(out, &v.trace, "  ")?;
        }
    }
    writeln!(out)?;
    for r in reports {
        let s = &r.stats;
        let done = if s.complete {
            ""
        } else {
            " (budget reached: inconclusive)"
        };
        write!(
            out,
            "{}: {} states, {} transitions, depth {}{done}",
            r.scenario, s.states, s.transitions, s.depth
        )?;
        if timing.0 {
            write!(out, ", {:.1} ms", s.micros as f64 / 1000.0)?;
        }
        writeln!(out)?;
    }
    Ok(())
}

pub fn trace(out: &mut dyn Write, steps: &[Step], pad: &str) -> io::Result<()> {
    for s in steps {
        match &s.outcome {
            None => writeln!(out, "{pad}{:>2}. {}", s.n, s.mv)?,
            Some(o) => writeln!(out, "{pad}{:>2}. {}: {o}", s.n, s.mv)?,
        }
        for c in &s.changes {
            writeln!(out, "{pad}      {c}")?;
        }
    }
    Ok(())
}

/// One scenario's verdicts under both policies, and their scripts.
pub struct DiffRow<'a> {
    pub a: &'a Report,
    pub b: &'a Report,
    pub script_a: Vec<ScriptStep>,
    pub script_b: Vec<ScriptStep>,
}

pub fn diff(out: &mut dyn Write, a: &str, b: &str, rows: &[DiffRow]) -> io::Result<()> {
    writeln!(out, "{a} -> {b}")?;
    writeln!(out)?;
    let mut changed = Vec::new();
    for r in rows {
        for (va, vb) in r.a.verdicts.iter().zip(&r.b.verdicts) {
            if va.status != vb.status {
                changed.push((r, va, vb));
            }
        }
    }
    if changed.is_empty() {
        writeln!(out, "verdicts: the same on every scenario")?;
    } else {
        writeln!(out, "verdicts that differ:")?;
        let head = [
            "SCENARIO".to_string(),
            "PROPERTY".into(),
            a.to_string(),
            b.to_string(),
        ];
        let rows_t: Vec<Vec<String>> = changed
            .iter()
            .map(|(r, va, vb)| {
                vec![
                    r.a.scenario.clone(),
                    va.property.to_string(),
                    va.status.label().into(),
                    vb.status.label().into(),
                ]
            })
            .collect();
        table(out, &head, &rows_t)?;
        for (r, va, vb) in &changed {
            let (word, who, v) = match (va.status, vb.status) {
                (Status::Violated, _) => ("disappears", a, va),
                (_, Status::Violated) => ("appears", b, vb),
                _ => continue,
            };
            writeln!(out)?;
            writeln!(
                out,
                "{}: {} counterexample {word} (under {who}):",
                r.a.scenario, va.property
            )?;
            if let Some(why) = &v.reason {
                writeln!(out, "  {why}")?;
            }
            trace(out, &v.trace, "  ")?;
        }
    }
    for r in rows.iter().filter(|r| !r.script_a.is_empty()) {
        writeln!(out)?;
        writeln!(out, "{}: fixed script", r.a.scenario)?;
        let mut first = None;
        let rows_t: Vec<Vec<String>> = r
            .script_a
            .iter()
            .zip(&r.script_b)
            .map(|(sa, sb)| {
                let (oa, ob) = (sa.observed(), sb.observed());
                let mark = if oa != ob && first.is_none() {
                    first = Some(sa.n);
                    "<- first divergence"
                } else if oa != ob {
                    "*"
                } else {
                    ""
                };
                vec![sa.n.to_string(), sa.mv.clone(), oa, ob, mark.to_string()]
            })
            .collect();
        table(
            out,
            &[
                "#".to_string(),
                "STEP".into(),
                a.to_string(),
                b.to_string(),
                String::new(),
            ],
            &rows_t,
        )?;
        if first.is_none() {
            writeln!(out, "  the same at every step")?;
        }
    }
    Ok(())
}

pub fn script(out: &mut dyn Write, steps: &[ScriptStep]) -> io::Result<()> {
    let rows: Vec<Vec<String>> = steps
        .iter()
        .map(|s| vec![s.n.to_string(), s.mv.clone(), s.observed()])
        .collect();
    table(
        out,
        &["#".to_string(), "STEP".into(), "OBSERVED".into()],
        &rows,
    )
}
