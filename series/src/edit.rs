//! The edits a patch makes, and applying them to the base's files in memory, each patch
//! to the files as the previous patches left them.

use crate::anchor::{self, Anchor, NotFound};
use crate::base::{Base, BaseTree};
use crate::error::SeriesError;
use crate::plan::Planned;
use std::collections::btree_map::{BTreeMap, Entry};

/// One edit, applied to the current text of a file.
#[derive(Debug)]
pub(crate) enum Edit {
    /// Replace the whole function (with its EXPORT line, and with the comment above it
    /// when `comment` is set: the new text then brings its own).
    ReplaceFunction {
        file: String,
        name: String,
        text: String,
        comment: bool,
    },
    /// Replace a statement inside a function.
    ReplaceStatement {
        file: String,
        function: String,
        old: String,
        new: String,
    },
    /// Insert after the last of `after` that exists (the first must exist); a blank line
    /// separates functions.
    InsertAfter {
        file: String,
        after: Vec<Anchor>,
        text: String,
        blank: bool,
    },
    /// Insert before the comment that precedes a function.
    InsertBefore {
        file: String,
        function: String,
        text: String,
    },
}

impl Edit {
    /// The file the edit changes.
    pub(crate) fn file(&self) -> &str {
        match self {
            Edit::ReplaceFunction { file, .. }
            | Edit::ReplaceStatement { file, .. }
            | Edit::InsertAfter { file, .. }
            | Edit::InsertBefore { file, .. } => file,
        }
    }
}

/// A patch with its files before and after.
pub(crate) struct Applied {
    pub(crate) planned: Planned,
    /// (path, before, after), in path order.
    pub(crate) files: Vec<(String, String, String)>,
}

fn anchor_err(base: Base, file: &str, e: NotFound) -> SeriesError {
    SeriesError::Anchor {
        base,
        file: file.to_string(),
        anchor: e.anchor.to_string(),
        found: e.found,
    }
}

/// Applies each patch's edits to the files as the previous patches left them.
pub(crate) fn apply(
    tree: &dyn BaseTree,
    base: Base,
    plan: Vec<Planned>,
) -> Result<Vec<Applied>, SeriesError> {
    let mut current: BTreeMap<String, String> = BTreeMap::new();
    let mut out = Vec::new();
    for p in plan {
        let mut before: BTreeMap<String, String> = BTreeMap::new();
        for e in &p.edits {
            let file = e.file().to_string();
            let text = match current.entry(file.clone()) {
                Entry::Occupied(o) => o.into_mut(),
                Entry::Vacant(v) => v.insert(tree.read(&file)?),
            };
            before.entry(file.clone()).or_insert_with(|| text.clone());
            apply_edit(text, e).map_err(|nf| anchor_err(base, &file, nf))?;
        }
        let files = before
            .into_iter()
            .filter(|(f, b)| current[f] != *b)
            .map(|(f, b)| {
                let a = current[&f].clone();
                (f, b, a)
            })
            .collect::<Vec<_>>();
        if !files.is_empty() {
            out.push(Applied { planned: p, files });
        }
    }
    Ok(out)
}

fn apply_edit(text: &mut String, e: &Edit) -> Result<(), NotFound> {
    match e {
        Edit::ReplaceFunction {
            name,
            text: new,
            comment,
            ..
        } => {
            let mut r = anchor::find(text, &Anchor::Function(name.clone()))?;
            if *comment {
                r.start = anchor::leading_comment_start(text, r.start);
            }
            text.replace_range(r, new);
        }
        Edit::ReplaceStatement {
            function, old, new, ..
        } => {
            let r = anchor::find(
                text,
                &Anchor::Statement {
                    function: function.clone(),
                    text: old.clone(),
                },
            )?;
            text.replace_range(r, new);
        }
        Edit::InsertAfter {
            after,
            text: new,
            blank,
            ..
        } => {
            let first = anchor::find(text, &after[0])?;
            let mut at = first.end;
            for a in &after[1..] {
                if let Ok(r) = anchor::find(text, a) {
                    at = r.end;
                }
            }
            let ins = if *blank {
                format!("\n{new}")
            } else {
                new.clone()
            };
            text.insert_str(at, &ins);
        }
        Edit::InsertBefore {
            function,
            text: new,
            ..
        } => {
            let r = anchor::find(text, &Anchor::Function(function.clone()))?;
            let at = anchor::leading_comment_start(text, r.start);
            text.insert_str(at, new);
        }
    }
    Ok(())
}
