//! The kernel bases switchyard knows: the Linux release a model's facts, a series' C and a
//! QEMU run are written for.
//!
//! A policy and a scenario are the same text on every base; what a base changes is what
//! the kernel does around the hooks (the model's environment and its `cfg()` facts), where
//! each hook lives in the C (the series' sites and templates) and how the kernel is
//! configured and fetched (the harness). Each of those reads the base from here, so a
//! base is one row in each back-end, never a second copy of a policy.

use serde::Serialize;
use std::fmt;

/// A kernel release switchyard generates for, models and boots.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Base {
    /// Linux 6.12 (Debian bookworm-backports and trixie's long-term kernel).
    #[default]
    #[serde(rename = "linux-6.12")]
    Linux612,
    /// Linux 7.3 (Debian trixie-backports): the maintainers' tree a series is posted
    /// against today.
    #[serde(rename = "linux-7.3")]
    Linux73,
}

/// Where a base's source comes from: a Debian package holding the release's tarball.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Source {
    /// The binary package (`linux-source-6.12`).
    pub package: &'static str,
    /// The Debian suite it is fetched from when it is not installed; `None` when the
    /// machine's own sources carry it.
    pub suite: Option<&'static str>,
    /// The tarball the package installs.
    pub tarball: &'static str,
}

impl Base {
    /// Every base, oldest first.
    pub const ALL: [Base; 2] = [Base::Linux612, Base::Linux73];

    /// The name every command takes (`--base linux-7.3`) and every cache directory uses.
    pub fn name(self) -> &'static str {
        match self {
            Base::Linux612 => "linux-6.12",
            Base::Linux73 => "linux-7.3",
        }
    }

    /// The release as the tree's Makefile states it: (VERSION, PATCHLEVEL).
    pub fn version(self) -> (u32, u32) {
        match self {
            Base::Linux612 => (6, 12),
            Base::Linux73 => (7, 3),
        }
    }

    /// The Debian package holding the base's source.
    pub fn source(self) -> Source {
        match self {
            Base::Linux612 => Source {
                package: "linux-source-6.12",
                suite: None,
                tarball: "/usr/src/linux-source-6.12.tar.xz",
            },
            Base::Linux73 => Source {
                package: "linux-source-7.3",
                suite: Some("trixie-backports"),
                tarball: "/usr/src/linux-source-7.3.tar.xz",
            },
        }
    }

    pub fn from_name(name: &str) -> Option<Base> {
        Base::ALL.into_iter().find(|b| b.name() == name)
    }

    /// The base whose release a kernel Makefile states (its `VERSION =` and
    /// `PATCHLEVEL =` lines), if switchyard knows it.
    pub fn from_makefile(makefile: &str) -> Option<Base> {
        let field = |key: &str| {
            makefile.lines().find_map(|l| {
                let (k, v) = l.split_once('=')?;
                (k.trim() == key).then(|| v.trim().parse::<u32>().ok())?
            })
        };
        let version = (field("VERSION")?, field("PATCHLEVEL")?);
        Base::ALL.into_iter().find(|b| b.version() == version)
    }
}

impl fmt::Display for Base {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Base {
    type Err = String;

    fn from_str(s: &str) -> Result<Base, String> {
        Base::from_name(s).ok_or_else(|| {
            let known: Vec<&str> = Base::ALL.iter().map(|b| b.name()).collect();
            format!("unknown base `{s}`; known: {}", known.join(", "))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_makefile_names_its_base() {
        let head =
            "# SPDX-License-Identifier: GPL-2.0\nVERSION = 7\nPATCHLEVEL = 3\nSUBLEVEL = 4\n";
        assert_eq!(Base::from_makefile(head), Some(Base::Linux73));
        let old = "VERSION = 6\nPATCHLEVEL = 12\nSUBLEVEL = 117\n";
        assert_eq!(Base::from_makefile(old), Some(Base::Linux612));
        assert_eq!(Base::from_makefile("VERSION = 6\nPATCHLEVEL = 1\n"), None);
        assert_eq!(Base::from_makefile("no version here"), None);
    }

    #[test]
    fn names_round_trip() {
        for b in Base::ALL {
            assert_eq!(b.name().parse::<Base>(), Ok(b));
        }
        assert!("linux-5.10"
            .parse::<Base>()
            .unwrap_err()
            .contains("linux-7.3"));
    }
}
