//! The tree the series reads its files from. Which release it is ([`Base`]) is the
//! caller's to say: `switchyard::rfc` reads it from the tree's Makefile.

use crate::error::SeriesError;
use crate::options::Identity;

pub use switchyard_dsl::Base;

/// The kernel tree at the base revision, as the series sees it: its files, and commits
/// made in memory for the ids of the patches. The harness's git tree implements it.
pub trait BaseTree {
    /// The file at the base revision.
    fn read(&self, path: &str) -> Result<String, SeriesError>;
    /// Commits each patch's files on top of `base` without touching the tree (objects in
    /// memory only) and returns the commit ids, as `From <id>` lines need them.
    fn commit_chain(
        &self,
        base: &str,
        files: &[Vec<(String, String)>],
        messages: &[String],
        who: &Identity,
        time: i64,
    ) -> Result<Vec<String>, SeriesError>;
}
