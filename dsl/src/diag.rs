//! Diagnostics.
//!
//! Checks produce [`Issue`]s that hold `proc_macro2::Span`s, so the same checks serve two
//! front-ends: files (spans carry line/column through proc-macro2's `span-locations`, and
//! an issue becomes a [`DslError`], a miette diagnostic with the file's text, labels and a
//! hint) and the `policy!`/`scenario!` macros (an issue becomes a `compile_error!` at the
//! offending token).

use miette::{Diagnostic, LabeledSpan, NamedSource, SourceSpan};
use proc_macro2::Span;
use serde::Serialize;
use std::fmt;
use std::sync::Arc;

/// What went wrong, as a stable identifier (`switchyard::unknown-hook` in reports).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Code {
    Syntax,
    Unsupported,
    NotASource,
    UnknownMetadata,
    DuplicateMetadata,
    MissingMetadata,
    BadValue,
    UnknownBase,
    MissingDoc,
    UnknownHook,
    UnknownNotifyAction,
    HookParams,
    DuplicateHook,
    IncompleteRoot,
    UnknownAction,
    UnknownPredicate,
    UnknownName,
    WrongKind,
    WrongArity,
    MissingTry,
    NeedlessTry,
    FailCannotFail,
    UnreachableAfterFail,
    InheritInRoot,
    UnknownExtends,
    CyclicExtends,
    DuplicateName,
    UnknownAttribute,
    UndeclaredDevice,
    UndeclaredGroup,
    UndeclaredDriver,
    BadMove,
    DuplicateMove,
    ScriptStepNotAllowed,
    ScriptOverBound,
}

impl Code {
    /// Every code, for documentation checks.
    pub const ALL: &'static [Code] = &[
        Code::Syntax,
        Code::Unsupported,
        Code::NotASource,
        Code::UnknownMetadata,
        Code::DuplicateMetadata,
        Code::MissingMetadata,
        Code::BadValue,
        Code::UnknownBase,
        Code::MissingDoc,
        Code::UnknownHook,
        Code::UnknownNotifyAction,
        Code::HookParams,
        Code::DuplicateHook,
        Code::IncompleteRoot,
        Code::UnknownAction,
        Code::UnknownPredicate,
        Code::UnknownName,
        Code::WrongKind,
        Code::WrongArity,
        Code::MissingTry,
        Code::NeedlessTry,
        Code::FailCannotFail,
        Code::UnreachableAfterFail,
        Code::InheritInRoot,
        Code::UnknownExtends,
        Code::CyclicExtends,
        Code::DuplicateName,
        Code::UnknownAttribute,
        Code::UndeclaredDevice,
        Code::UndeclaredGroup,
        Code::UndeclaredDriver,
        Code::BadMove,
        Code::DuplicateMove,
        Code::ScriptStepNotAllowed,
        Code::ScriptOverBound,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Code::Syntax => "syntax",
            Code::Unsupported => "unsupported",
            Code::NotASource => "not-a-source",
            Code::UnknownMetadata => "unknown-metadata",
            Code::DuplicateMetadata => "duplicate-metadata",
            Code::MissingMetadata => "missing-metadata",
            Code::BadValue => "bad-value",
            Code::UnknownBase => "unknown-base",
            Code::MissingDoc => "missing-doc",
            Code::UnknownHook => "unknown-hook",
            Code::UnknownNotifyAction => "unknown-notify-action",
            Code::HookParams => "hook-params",
            Code::DuplicateHook => "duplicate-hook",
            Code::IncompleteRoot => "incomplete-root",
            Code::UnknownAction => "unknown-action",
            Code::UnknownPredicate => "unknown-predicate",
            Code::UnknownName => "unknown-name",
            Code::WrongKind => "wrong-kind",
            Code::WrongArity => "wrong-arity",
            Code::MissingTry => "missing-try",
            Code::NeedlessTry => "needless-try",
            Code::FailCannotFail => "fail-cannot-fail",
            Code::UnreachableAfterFail => "unreachable-after-fail",
            Code::InheritInRoot => "inherit-in-root",
            Code::UnknownExtends => "unknown-extends",
            Code::CyclicExtends => "cyclic-extends",
            Code::DuplicateName => "duplicate-name",
            Code::UnknownAttribute => "unknown-attribute",
            Code::UndeclaredDevice => "undeclared-device",
            Code::UndeclaredGroup => "undeclared-group",
            Code::UndeclaredDriver => "undeclared-driver",
            Code::BadMove => "bad-move",
            Code::DuplicateMove => "duplicate-move",
            Code::ScriptStepNotAllowed => "script-step-not-allowed",
            Code::ScriptOverBound => "script-over-bound",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A problem found in a policy or scenario, located by token spans.
#[derive(Clone, Debug)]
pub struct Issue {
    pub code: Code,
    pub message: String,
    pub span: Span,
    pub label: String,
    pub secondary: Vec<(Span, String)>,
    pub help: Option<String>,
    /// Byte ranges in the file's text that replace the spans, for problems found before
    /// the text could become tokens (an unclosed delimiter): primary, then secondary.
    pub bytes: Option<Vec<(usize, usize)>>,
}

impl Issue {
    pub fn new(code: Code, span: Span, message: impl Into<String>) -> Self {
        Issue {
            code,
            message: message.into(),
            span,
            label: String::new(),
            secondary: Vec::new(),
            help: None,
            bytes: None,
        }
    }
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
    pub fn also(mut self, span: Span, label: impl Into<String>) -> Self {
        self.secondary.push((span, label.into()));
        self
    }

    /// From a syn parse error (one issue per message syn combined).
    pub fn from_syn(err: syn::Error) -> Vec<Issue> {
        err.into_iter()
            .map(|e| {
                Issue::new(Code::Syntax, e.span(), e.to_string())
                    .label("here")
                    .help("policies and scenarios are Rust token trees; see the language reference in README.md")
            })
            .collect()
    }

    /// The issue as a compiler error at its span (for the proc-macros).
    pub fn to_syn(&self) -> syn::Error {
        let mut text = self.message.clone();
        if let Some(h) = &self.help {
            text.push_str("\nhelp: ");
            text.push_str(h);
        }
        let mut err = syn::Error::new(self.span, text);
        for (span, label) in &self.secondary {
            err.combine(syn::Error::new(*span, format!("note: {label}")));
        }
        err
    }
}

/// A source text with a name (a path or `builtin:NAME`).
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub name: String,
    pub text: Arc<String>,
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        let text: String = text.into();
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        SourceFile {
            name: name.into(),
            text: Arc::new(text),
            line_starts,
        }
    }

    /// Byte offset of a proc-macro2 line (1-based) / column (0-based, in characters).
    fn offset(&self, line: usize, column: usize) -> usize {
        if line == 0 || line > self.line_starts.len() {
            return self.text.len();
        }
        let start = self.line_starts[line - 1];
        let rest = &self.text[start..];
        let line_text = rest.split('\n').next().unwrap_or("");
        let col_bytes: usize = line_text.chars().take(column).map(char::len_utf8).sum();
        (start + col_bytes).min(self.text.len())
    }

    /// Byte range of a span parsed from this file's text.
    pub fn range(&self, span: Span) -> (usize, usize) {
        let (s, e) = (span.start(), span.end());
        if s.line == 0 {
            // A span with no location (end of input): point at the end of the text.
            let end = self.text.trim_end().len();
            return (end, end);
        }
        let start = self.offset(s.line, s.column);
        let end = self.offset(e.line, e.column).max(start);
        (start, end)
    }

    /// 1-based line and column of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let line = self.line_starts.partition_point(|&s| s <= offset);
        let start = self.line_starts[line.saturating_sub(1)];
        let col = self.text[start..offset.min(self.text.len())]
            .chars()
            .count()
            + 1;
        (line, col)
    }

    pub fn to_error(&self, issue: &Issue) -> DslError {
        let ranges: Vec<(usize, usize)> = match &issue.bytes {
            Some(b) => b.clone(),
            None => std::iter::once(issue.span)
                .chain(issue.secondary.iter().map(|s| s.0))
                .map(|s| self.range(s))
                .collect(),
        };
        let (start, end) = ranges[0];
        let (line, column) = self.line_col(start);
        let mut labels = vec![LabeledSpan::new_primary_with_span(
            (!issue.label.is_empty()).then(|| issue.label.clone()),
            SourceSpan::new(start.into(), end - start),
        )];
        for ((_, label), (s, e)) in issue.secondary.iter().zip(ranges.iter().skip(1)) {
            let (s, e) = (*s, *e);
            labels.push(LabeledSpan::new_with_span(
                Some(label.clone()),
                SourceSpan::new(s.into(), e - s),
            ));
        }
        DslError {
            code: issue.code,
            message: issue.message.clone(),
            file: self.name.clone(),
            line,
            column,
            help: issue.help.clone(),
            labels,
            src: NamedSource::new(self.name.clone(), self.text.clone()),
        }
    }
}

/// A located error in a policy or scenario file.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct DslError {
    pub code: Code,
    pub message: String,
    pub file: String,
    /// 1-based line of the primary span.
    pub line: usize,
    /// 1-based column (in characters) of the primary span.
    pub column: usize,
    pub help: Option<String>,
    pub labels: Vec<LabeledSpan>,
    pub src: NamedSource<Arc<String>>,
}

impl Diagnostic for DslError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(format!("switchyard::{}", self.code)))
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.src)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
}

/// The machine-readable form of a [`DslError`] (`--format json`).
#[derive(Debug, Serialize)]
pub struct DslErrorJson {
    pub code: Code,
    pub message: String,
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub label: Option<String>,
    pub help: Option<String>,
}

impl DslError {
    pub fn to_json(&self) -> DslErrorJson {
        DslErrorJson {
            code: self.code,
            message: self.message.clone(),
            file: self.file.clone(),
            line: self.line,
            column: self.column,
            label: self
                .labels
                .first()
                .and_then(|l| l.label().map(str::to_string)),
            help: self.help.clone(),
        }
    }

    /// The error rendered as a person reads it, without colour (for logs and snapshots).
    pub fn render_plain(&self) -> String {
        let mut out = String::new();
        let handler =
            miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
                .with_width(100);
        if handler.render_report(&mut out, self).is_err() {
            out = format!(
                "{}:{}:{}: {}",
                self.file, self.line, self.column, self.message
            );
        }
        out
    }
}
