//! Text renderings of check reports, traces and diffs.

use crate::diff::PolicyDiff;
use crate::show::table;
use std::io::{self, Write};
use switchyard_model::explore::Step;
use switchyard_model::{Property, Report, ScriptStep, Status};

/// Whether wall times are printed (snapshots leave them out).
#[derive(Clone, Copy)]
pub(crate) struct Timing(pub(crate) bool);

pub(crate) fn check(
    out: &mut dyn Write,
    policy: &str,
    base: switchyard::dsl::Base,
    reports: &[Report],
    timing: Timing,
) -> io::Result<()> {
    writeln!(out, "policy {policy} on {base}")?;
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
        match &s.reduction {
            None => write!(
                out,
                "{}: {} states, {} transitions, depth {}{done}",
                r.scenario, s.states, s.transitions, s.depth
            )?,
            Some(red) => write!(
                out,
                "{}: {:.0} states, {:.0} transitions, depth {} ({} components, {} explored: \
                 {} states, {} transitions){done}",
                r.scenario,
                red.full_states,
                red.full_transitions,
                red.full_depth,
                red.components,
                red.explored,
                s.states,
                s.transitions
            )?,
        }
        if let Some(p) = s.omission_probability {
            write!(out, ", hash compaction: P(a state missed) <= {p:.1e}")?;
        }
        if timing.0 {
            write!(out, ", {:.1} ms", s.micros as f64 / 1000.0)?;
        }
        writeln!(out)?;
    }
    Ok(())
}

pub(crate) fn trace(out: &mut dyn Write, steps: &[Step], pad: &str) -> io::Result<()> {
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

/// Renders a policy diff: the verdicts that differ with their counterexamples, then each
/// fixed script side by side.
pub(crate) fn diff(out: &mut dyn Write, d: &PolicyDiff) -> io::Result<()> {
    // Across bases each side is named with its base, POLICY@BASE.
    let (la, lb) = if d.base_a == d.base_b {
        writeln!(out, "{} -> {}, on {}", d.a, d.b, d.base_a)?;
        (d.a.clone(), d.b.clone())
    } else {
        let (la, lb) = (
            format!("{}@{}", d.a, d.base_a),
            format!("{}@{}", d.b, d.base_b),
        );
        writeln!(out, "{la} -> {lb}")?;
        (la, lb)
    };
    let (a, b) = (la.as_str(), lb.as_str());
    writeln!(out)?;
    let changed: Vec<_> = d
        .scenarios
        .iter()
        .flat_map(|s| s.verdicts.iter().map(move |v| (s, v)))
        .collect();
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
            .map(|(s, v)| {
                vec![
                    s.scenario.clone(),
                    v.property.to_string(),
                    v.a.label().into(),
                    v.b.label().into(),
                ]
            })
            .collect();
        table(out, &head, &rows_t)?;
        for (s, v) in &changed {
            let Some(c) = &v.counterexample else {
                continue;
            };
            let (word, who) = if c.disappears {
                ("disappears", a)
            } else {
                ("appears", b)
            };
            writeln!(out)?;
            writeln!(
                out,
                "{}: {} counterexample {word} (under {who}):",
                s.scenario, v.property
            )?;
            if let Some(why) = &c.reason {
                writeln!(out, "  {why}")?;
            }
            trace(out, &c.trace, "  ")?;
        }
    }
    for s in d.scenarios.iter().filter(|s| !s.script.is_empty()) {
        writeln!(out)?;
        writeln!(out, "{}: fixed script", s.scenario)?;
        let rows_t: Vec<Vec<String>> = s
            .script
            .iter()
            .map(|st| {
                let mark = if Some(st.n) == s.first_divergence {
                    "<- first divergence"
                } else if st.a != st.b {
                    "*"
                } else {
                    ""
                };
                vec![
                    st.n.to_string(),
                    st.mv.clone(),
                    st.a.clone(),
                    st.b.clone(),
                    mark.to_string(),
                ]
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
        if s.first_divergence.is_none() {
            writeln!(out, "  the same at every step")?;
        }
    }
    Ok(())
}

pub(crate) fn script(out: &mut dyn Write, steps: &[ScriptStep]) -> io::Result<()> {
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
