//! Loading a source: the language's pipeline, parse -> check -> resolve, in
//! [`load_text`]; where text comes from (files, the embedded built-ins, `policy!` and
//! `scenario!` in Rust code); and how `extends` finds a parent.

use crate::diag::{DslError, Issue, SourceFile};
use crate::ir::{Origin, Policy};
use crate::parse::{self, SourceKind};
use crate::scenario::{self, Scenario};
use crate::{diag::Code, policy, vocab};
use std::path::{Path, PathBuf};

/// A policy or scenario shipped with switchyard.
#[derive(Debug)]
pub struct Builtin {
    pub kind: SourceKind,
    pub name: &'static str,
    /// Path relative to the repository root.
    pub path: &'static str,
    pub text: &'static str,
}

include!(concat!(env!("OUT_DIR"), "/builtins.rs"));

/// Every built-in of a kind, sorted by name.
pub fn builtins(kind: SourceKind) -> impl Iterator<Item = &'static Builtin> {
    BUILTINS.iter().filter(move |b| b.kind == kind)
}

pub fn builtin(kind: SourceKind, name: &str) -> Option<&'static Builtin> {
    builtins(kind).find(|b| b.name == name)
}

/// Why a policy or scenario could not be loaded.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum LoadError {
    #[error("cannot read `{path}`: {source}")]
    #[diagnostic(code(switchyard::io), help("check the path and its permissions"))]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("no built-in {} named `{name}`, and no file `{name}`", kind.name())]
    #[diagnostic(code(switchyard::not_found), help("built-in {}s: {known}; or give a path to a file", kind.name()))]
    NotFound {
        kind: SourceKind,
        name: String,
        known: String,
    },
    #[error("`{file}` holds a {}, not a {}", found.name(), wanted.name())]
    #[diagnostic(code(switchyard::wrong_source_kind), help("`switchyard {} ...` takes a {} file", wanted.name(), wanted.name()))]
    WrongKind {
        file: String,
        found: SourceKind,
        wanted: SourceKind,
    },
    #[error("{} problem{} in `{file}`", errors.len(), if errors.len() == 1 { "" } else { "s" })]
    #[diagnostic(code(switchyard::invalid))]
    Invalid {
        file: String,
        #[related]
        errors: Vec<DslError>,
    },
}

impl LoadError {
    fn invalid(src: &SourceFile, issues: &[Issue]) -> LoadError {
        LoadError::Invalid {
            file: src.name.clone(),
            errors: issues.iter().map(|i| src.to_error(i)).collect(),
        }
    }
}

/// A checked source file: a resolved policy or a scenario.
#[derive(Debug)]
pub enum Loaded {
    Policy(Box<Policy>),
    Scenario(Box<Scenario>),
}

/// Where a source's text came from, for `extends` look-ups.
#[derive(Clone)]
enum Place {
    Builtin,
    File(PathBuf),
    Macro,
}

impl Place {
    fn origin(&self) -> Origin {
        match self {
            Place::Builtin => Origin::Builtin,
            Place::File(p) => Origin::File(p.display().to_string()),
            Place::Macro => Origin::Macro,
        }
    }
    fn dir(&self) -> Option<&Path> {
        match self {
            Place::File(p) => p.parent(),
            _ => None,
        }
    }
}

fn read(path: &Path) -> Result<SourceFile, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(SourceFile::new(path.display().to_string(), text))
}

fn builtin_source(b: &Builtin) -> SourceFile {
    SourceFile::new(b.path, b.text)
}

/// Whether a command-line argument names a file rather than a built-in.
fn is_path(spec: &str) -> bool {
    spec.contains('/') || spec.ends_with(".rs") || Path::new(spec).is_file()
}

/// Loads a policy by built-in name or path, resolving its `extends` chain.
pub fn load_policy(spec: &str) -> Result<Policy, LoadError> {
    if is_path(spec) {
        match load_file(Path::new(spec))? {
            Loaded::Policy(p) => Ok(*p),
            Loaded::Scenario(_) => Err(LoadError::WrongKind {
                file: spec.to_string(),
                found: SourceKind::Scenario,
                wanted: SourceKind::Policy,
            }),
        }
    } else {
        let b =
            builtin(SourceKind::Policy, spec).ok_or_else(|| not_found(SourceKind::Policy, spec))?;
        load_text(builtin_source(b), Place::Builtin, &mut Vec::new()).map(|l| match l {
            Loaded::Policy(p) => *p,
            Loaded::Scenario(_) => unreachable!("built-in policies are policies"),
        })
    }
}

/// Loads a scenario by built-in name or path.
pub fn load_scenario(spec: &str) -> Result<Scenario, LoadError> {
    if is_path(spec) {
        match load_file(Path::new(spec))? {
            Loaded::Scenario(s) => Ok(*s),
            Loaded::Policy(_) => Err(LoadError::WrongKind {
                file: spec.to_string(),
                found: SourceKind::Policy,
                wanted: SourceKind::Scenario,
            }),
        }
    } else {
        let b = builtin(SourceKind::Scenario, spec)
            .ok_or_else(|| not_found(SourceKind::Scenario, spec))?;
        match load_text(builtin_source(b), Place::Builtin, &mut Vec::new())? {
            Loaded::Scenario(s) => Ok(*s),
            Loaded::Policy(_) => unreachable!("built-in scenarios are scenarios"),
        }
    }
}

fn not_found(kind: SourceKind, name: &str) -> LoadError {
    let names: Vec<&str> = builtins(kind).map(|b| b.name).collect();
    LoadError::NotFound {
        kind,
        name: name.to_string(),
        known: names.join(", "),
    }
}

/// Loads and checks any switchyard file (what `switchyard lint` does).
pub fn load_file(path: &Path) -> Result<Loaded, LoadError> {
    let src = read(path)?;
    load_text(src, Place::File(path.to_path_buf()), &mut Vec::new())
}

/// Checks a source given as text (for tests and tools); `name` labels diagnostics.
pub fn load_str(name: &str, text: &str) -> Result<Loaded, LoadError> {
    load_text(SourceFile::new(name, text), Place::Macro, &mut Vec::new())
}

/// The pipeline every source goes through: the file's frame and tokens (parse), the
/// semantic checks that turn its AST into a checked unit (check), and for a policy its
/// `extends` chain resolved into the IR (resolve).
fn load_text(src: SourceFile, place: Place, stack: &mut Vec<String>) -> Result<Loaded, LoadError> {
    let (kind, tokens, span) =
        parse::split_file(&src.text).map_err(|i| LoadError::invalid(&src, &i))?;
    match kind {
        SourceKind::Scenario => {
            let ast: scenario::ScenarioAst =
                syn::parse2(tokens).map_err(|e| LoadError::invalid(&src, &Issue::from_syn(e)))?;
            scenario::check(&ast, span, place.origin())
                .map(|s| Loaded::Scenario(Box::new(s)))
                .map_err(|i| LoadError::invalid(&src, &i))
        }
        SourceKind::Policy => {
            let ast: parse::PolicyAst =
                syn::parse2(tokens).map_err(|e| LoadError::invalid(&src, &Issue::from_syn(e)))?;
            let unit = policy::check(&ast, span).map_err(|i| LoadError::invalid(&src, &i))?;
            resolve_unit(&unit, &src, &place, stack).map(|p| Loaded::Policy(Box::new(p)))
        }
    }
}

fn resolve_unit(
    unit: &policy::PolicyUnit,
    src: &SourceFile,
    place: &Place,
    stack: &mut Vec<String>,
) -> Result<Policy, LoadError> {
    let Some((parent_name, span)) = &unit.extends else {
        return Ok(policy::resolve(unit, None, place.origin()));
    };
    stack.push(unit.name.clone());
    if let Some(pos) = stack.iter().position(|n| n == parent_name) {
        let mut cycle: Vec<&str> = stack[pos..].iter().map(String::as_str).collect();
        cycle.push(parent_name);
        let issue = Issue::new(
            Code::CyclicExtends,
            *span,
            format!("cyclic `extends`: {}", cycle.join(" -> ")),
        )
        .label("this closes the cycle")
        .help("every `extends` chain must end in `status-quo`");
        return Err(LoadError::invalid(src, &[issue]));
    }
    // A sibling file first (so a user can build on their own policies), then the built-ins.
    let sibling = place
        .dir()
        .map(|d| d.join(format!("{parent_name}.policy.rs")));
    let parent = match sibling.filter(|p| p.is_file()) {
        Some(path) => {
            let psrc = read(&path)?;
            load_text(psrc, Place::File(path.clone()), stack)?
        }
        None => match builtin(SourceKind::Policy, parent_name) {
            Some(b) => load_text(builtin_source(b), Place::Builtin, stack)?,
            None => {
                let names: Vec<&str> = builtins(SourceKind::Policy).map(|b| b.name).collect();
                let mut help = match vocab::suggest(parent_name, names.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`? "),
                    None => String::new(),
                };
                help.push_str(&format!(
                    "built-in policies: {}; or a file `{parent_name}.policy.rs` beside this one",
                    names.join(", ")
                ));
                let issue = Issue::new(
                    Code::UnknownExtends,
                    *span,
                    format!("no policy named `{parent_name}`"),
                )
                .label("unknown parent policy")
                .help(help);
                return Err(LoadError::invalid(src, &[issue]));
            }
        },
    };
    stack.pop();
    let Loaded::Policy(parent) = parent else {
        let issue = Issue::new(
            Code::UnknownExtends,
            *span,
            format!("`{parent_name}` is a scenario, not a policy"),
        )
        .label("not a policy")
        .help("`extends` names a policy");
        return Err(LoadError::invalid(src, &[issue]));
    };
    if parent.name != *parent_name {
        let issue = Issue::new(
            Code::UnknownExtends,
            *span,
            format!(
                "`{parent_name}.policy.rs` declares the policy `{}`",
                parent.name
            ),
        )
        .label("name and file disagree")
        .help("a policy file is named after its policy: NAME.policy.rs");
        return Err(LoadError::invalid(src, &[issue]));
    }
    Ok(policy::resolve(unit, Some(&parent), place.origin()))
}

/// A source embedded in Rust code by `policy!` or `scenario!`, already checked when the
/// code was compiled.
#[derive(Clone, Copy, Debug)]
pub struct Embedded {
    pub kind: SourceKind,
    pub name: &'static str,
    /// The macro's tokens.
    pub text: &'static str,
}

impl Embedded {
    fn source(&self) -> SourceFile {
        SourceFile::new(
            format!("{}!({})", self.kind.name(), self.name),
            format!("{}! {{ {} }}", self.kind.name(), self.text),
        )
    }

    /// The policy's IR (its `extends` resolved against the built-ins).
    pub fn policy(&self) -> Result<Policy, LoadError> {
        match load_text(self.source(), Place::Macro, &mut Vec::new())? {
            Loaded::Policy(p) => Ok(*p),
            Loaded::Scenario(_) => Err(LoadError::WrongKind {
                file: self.name.to_string(),
                found: SourceKind::Scenario,
                wanted: SourceKind::Policy,
            }),
        }
    }

    pub fn scenario(&self) -> Result<Scenario, LoadError> {
        match load_text(self.source(), Place::Macro, &mut Vec::new())? {
            Loaded::Scenario(s) => Ok(*s),
            Loaded::Policy(_) => Err(LoadError::WrongKind {
                file: self.name.to_string(),
                found: SourceKind::Policy,
                wanted: SourceKind::Scenario,
            }),
        }
    }
}
