//! `switchyard policy list`, `scenario list` and `lint`: the sources there are, and
//! whether files load.

use crate::cli::Format;
use crate::error::CliError;
use crate::show;
use std::io::Write;
use std::path::PathBuf;
use switchyard::dsl::{self, LoadError, Loaded, Policy, Scenario, SourceKind};

/// Runs `policy list`.
pub(crate) fn policy_list(format: Format, out: &mut dyn Write) -> Result<(), CliError> {
    let policies: Vec<Policy> = dsl::builtins(SourceKind::Policy)
        .map(|b| dsl::load_policy(b.name))
        .collect::<Result<_, _>>()?;
    #[derive(serde::Serialize)]
    struct Row<'a> {
        name: &'a str,
        extends: Option<&'a str>,
        summary: String,
        changed_hooks: Vec<String>,
    }
    let rows: Vec<Row> = policies
        .iter()
        .map(|p| Row {
            name: &p.name,
            extends: p.parent.as_deref(),
            summary: p.summary(),
            changed_hooks: p.changed_hooks().iter().map(|h| h.id()).collect(),
        })
        .collect();
    format.emit(out, &rows, |o| {
        let table: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                vec![
                    r.name.to_string(),
                    r.extends.unwrap_or("-").to_string(),
                    r.summary.clone(),
                ]
            })
            .collect();
        show::table(
            o,
            &["POLICY".into(), "EXTENDS".into(), "SUMMARY".into()],
            &table,
        )
    })
}

/// Runs `scenario list`.
pub(crate) fn scenario_list(format: Format, out: &mut dyn Write) -> Result<(), CliError> {
    let scenarios: Vec<Scenario> = dsl::builtins(SourceKind::Scenario)
        .map(|b| dsl::load_scenario(b.name))
        .collect::<Result<_, _>>()?;
    #[derive(serde::Serialize)]
    struct Row<'a> {
        name: &'a str,
        platform: dsl::scenario::Platform,
        msi_translated: bool,
        devices: usize,
        script_steps: usize,
        summary: String,
    }
    let rows: Vec<Row> = scenarios
        .iter()
        .map(|s| Row {
            name: &s.name,
            platform: s.platform,
            msi_translated: s.msi_translated,
            devices: s.devices.len(),
            script_steps: s.script.len(),
            summary: s.summary(),
        })
        .collect();
    format.emit(out, &rows, |o| {
        let table: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                let msi = if r.msi_translated {
                    "translated"
                } else {
                    "direct"
                };
                vec![
                    r.name.to_string(),
                    r.platform.to_string(),
                    msi.to_string(),
                    r.summary.clone(),
                ]
            })
            .collect();
        show::table(
            o,
            &[
                "SCENARIO".into(),
                "PLATFORM".into(),
                "MSI".into(),
                "SUMMARY".into(),
            ],
            &table,
        )
    })
}

/// Runs `lint`; returns whether every file loads.
pub(crate) fn lint(
    format: Format,
    out: &mut dyn Write,
    paths: &[PathBuf],
) -> Result<bool, CliError> {
    #[derive(serde::Serialize)]
    struct FileResult {
        file: String,
        ok: bool,
        kind: Option<SourceKind>,
        name: Option<String>,
        errors: Vec<dsl::diag::DslErrorJson>,
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    }
    let mut results = Vec::new();
    let mut failed = 0;
    for path in paths {
        let file = path.display().to_string();
        let r = match dsl::load_file(path) {
            Ok(Loaded::Policy(p)) => FileResult {
                file,
                ok: true,
                kind: Some(SourceKind::Policy),
                name: Some(p.name.clone()),
                errors: vec![],
                error: None,
            },
            Ok(Loaded::Scenario(s)) => FileResult {
                file,
                ok: true,
                kind: Some(SourceKind::Scenario),
                name: Some(s.name.clone()),
                errors: vec![],
                error: None,
            },
            Err(e) => {
                failed += 1;
                let message = e.to_string();
                let errors = match e {
                    LoadError::Invalid { errors, .. } => errors,
                    other => {
                        if format == Format::Text {
                            crate::report(&CliError::Load(other));
                        }
                        vec![]
                    }
                };
                if format == Format::Text {
                    errors.iter().for_each(|d| crate::render(d));
                }
                FileResult {
                    error: errors.is_empty().then_some(message),
                    errors: errors.iter().map(|d| d.to_json()).collect(),
                    file,
                    ok: false,
                    kind: None,
                    name: None,
                }
            }
        };
        results.push(r);
    }
    format.emit(out, &results, |o| {
        for r in results.iter().filter(|r| r.ok) {
            let kind = r.kind.map_or("", SourceKind::name);
            writeln!(
                o,
                "ok  {}  ({kind} {})",
                r.file,
                r.name.as_deref().unwrap_or("")
            )?;
        }
        writeln!(
            o,
            "{} file{} checked, {failed} with problems",
            results.len(),
            if results.len() == 1 { "" } else { "s" }
        )
    })?;
    Ok(failed == 0)
}
