//! How to write a series, and who writes it.

use std::path::PathBuf;

/// How to write the series.
#[derive(Debug, Clone)]
pub struct Options {
    /// `-v N`: the series' version (none: `[PATCH RFC k/n]`).
    pub version: Option<u32>,
    /// Add `Signed-off-by:` with the author's identity.
    pub signoff: bool,
    /// The author.
    pub from: Identity,
    /// The author date, seconds since the epoch; default: now.
    pub date: Option<i64>,
    /// The previous version's directory, for the cover letter's changes and change-id.
    pub range_diff: Option<PathBuf>,
    /// The model's verdict table, for the cover letter.
    pub verdicts: Option<String>,
}

/// An author: `Name <email>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub name: String,
    pub email: String,
}

impl Identity {
    /// Parses `Name <email>`.
    pub fn parse(s: &str) -> Option<Identity> {
        let (name, rest) = s.split_once('<')?;
        let email = rest.strip_suffix('>')?.trim();
        let name = name.trim();
        (!name.is_empty() && email.contains('@')).then(|| Identity {
            name: name.to_string(),
            email: email.to_string(),
        })
    }
}

impl std::fmt::Display for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} <{}>", self.name, self.email)
    }
}
