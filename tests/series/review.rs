//! The series-level review gate beyond checkpatch and the W=1 build, as a maintainer's
//! tools see the C a series adds:
//!
//! - no unused parameter: the touched objects build with `-Wunused-parameter` (which W=1
//!   leaves off, as the kernel's own stubs and callbacks have many), and a warning counts
//!   when it points at a line the series added;
//! - sparse (`make C=1`, the checker run on every object that compiles) reports nothing
//!   on a line the series added;
//! - every `EXPORT_SYMBOL*()` the series adds names a symbol that code which can be a
//!   module uses in the patched tree: a `.c` file other than the exporting one mentions it
//!   outside a comment, and that file's object is built by its directory's Makefile under
//!   a tristate Kconfig symbol (`obj-$(CONFIG_X) += user.o`, or a composite object that
//!   is) or as `obj-m`. An object under `obj-y` or a bool symbol is built in whenever it
//!   is built, and needs no export.
//!
//! The functions here read make's output and the tree at a revision (through `git`); the
//! series test runs them after each patch and at the end of each series.

use crate::support::{git, git_ok};
use regex::Regex;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The lines each file has that the base does not, from `git diff -U0`: file -> line
/// numbers on the new side.
pub type Added = BTreeMap<String, BTreeSet<u32>>;

/// The new-side line numbers of a zero-context diff's hunks, by file.
pub fn added_lines(diff: &str) -> Added {
    let hunk = Regex::new(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@").unwrap();
    let mut added = Added::new();
    let mut file: Option<String> = None;
    for line in diff.lines() {
        if let Some(path) = line.strip_prefix("+++ ") {
            file = path.strip_prefix("b/").map(str::to_string);
        } else if let Some(c) = hunk.captures(line) {
            let (Some(f), Ok(start)) = (&file, c[1].parse::<u32>()) else {
                continue;
            };
            let count = c
                .get(2)
                .map_or(Ok(1), |n| n.as_str().parse::<u32>())
                .unwrap_or(0);
            added
                .entry(f.clone())
                .or_default()
                .extend(start..start + count);
        }
    }
    added.retain(|_, lines| !lines.is_empty());
    added
}

/// What the series added between `base` and `HEAD` of `work`.
pub fn added_since(work: &Path, base: &str) -> Added {
    added_lines(&git_ok(
        work,
        &["diff", "-U0", "--no-color", &format!("{base}..HEAD")],
    ))
}

/// One `path:line[:col]: warning|error: message` line of a tool's output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    pub line: u32,
    pub text: String,
}

/// The diagnostics in `output` (gcc's, sparse's, kernel-doc's), each with its file as the
/// tool printed it.
pub fn diagnostics(output: &str) -> Vec<Diagnostic> {
    let re = Regex::new(r"^(\S+?):(\d+):(?:\d+:)? (?:warning|error): ").unwrap();
    output
        .lines()
        .filter_map(|l| {
            let c = re.captures(l)?;
            Some(Diagnostic {
                file: c[1].to_string(),
                line: c[2].parse().ok()?,
                text: l.to_string(),
            })
        })
        .collect()
}

/// Whether a path as a tool printed it (absolute, or relative to the build directory)
/// is the tree's file `file`.
pub fn same_file(printed: &str, file: &str) -> bool {
    printed == file || printed.ends_with(&format!("/{file}"))
}

/// The diagnostics that point at a line the series added.
pub fn on_added_lines<'d>(found: &'d [Diagnostic], added: &Added) -> Vec<&'d Diagnostic> {
    found
        .iter()
        .filter(|d| {
            added
                .iter()
                .any(|(f, lines)| same_file(&d.file, f) && lines.contains(&d.line))
        })
        .collect()
}

/// gcc's `-Wunused-parameter` warnings on lines the series added.
pub fn unused_parameters(output: &str, added: &Added) -> Vec<String> {
    let found: Vec<Diagnostic> = diagnostics(output)
        .into_iter()
        .filter(|d| d.text.ends_with("[-Wunused-parameter]"))
        .collect();
    on_added_lines(&found, added)
        .into_iter()
        .map(|d| d.text.clone())
        .collect()
}

/// What the checker wrapper ([`SPARSE_WRAPPER`]) puts before each line sparse prints.
pub const SPARSE_TAG: &str = "sparse: ";

/// `CHECK=` for make: sparse, each of its lines tagged so that they stand apart from the
/// compiler's in one make's output, and its exit status kept. `sed -u` writes each line
/// on its own, so that the lines of two checkers running at once (`-j2`) do not split
/// each other.
pub const SPARSE_WRAPPER: &str = "#!/bin/bash\n\
    # sparse as kbuild's checker (make C=1 CHECK=this), each line of its output tagged.\n\
    set -o pipefail\n\
    sparse \"$@\" 2>&1 | sed -u 's/^/sparse: /' >&2\n";

/// sparse's diagnostics (tagged by [`SPARSE_WRAPPER`]) on lines the series added.
pub fn sparse_findings(output: &str, added: &Added) -> Vec<String> {
    let tagged: String = output
        .lines()
        .filter_map(|l| l.strip_prefix(SPARSE_TAG))
        .map(|l| format!("{l}\n"))
        .collect();
    let found = diagnostics(&tagged);
    on_added_lines(&found, added)
        .into_iter()
        .map(|d| format!("sparse: {}", d.text))
        .collect()
}

/// Warnings in `output` from neither sparse nor `-Wunused-parameter` (the compiler's and
/// kernel-doc's under W=1).
pub fn build_warnings(output: &str) -> String {
    output
        .lines()
        .filter(|l| !l.starts_with(SPARSE_TAG) && !l.ends_with("[-Wunused-parameter]"))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// The symbols of the `EXPORT_SYMBOL*()` lines a diff adds.
pub fn exports_added(diff: &str) -> Vec<String> {
    let re = Regex::new(r"^\+EXPORT_SYMBOL(?:_GPL|_NS|_NS_GPL)?\((\w+)").unwrap();
    diff.lines()
        .filter_map(|l| re.captures(l).map(|c| c[1].to_string()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// How a `.c` file's object is built, from its directory's Makefile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Build {
    /// Under a tristate Kconfig symbol, or `obj-m`: it can be a module.
    Module(String),
    /// Built in whenever it is built, with the reason (`obj-y`, a bool symbol).
    BuiltIn(String),
    /// No Makefile line of its directory names it.
    Unknown(String),
}

/// A file of the tree at `rev`, if it has one.
fn show(repo: &Path, rev: &str, path: &str) -> Option<String> {
    let o = git(repo, &["show", &format!("{rev}:{path}")]);
    o.status
        .success()
        .then(|| String::from_utf8_lossy(&o.stdout).into_owned())
}

/// A Makefile's assignments with continuation lines joined: (left side, right side).
pub fn assignments(makefile: &str) -> Vec<(String, String)> {
    let joined = makefile.replace("\\\n", " ");
    let re = Regex::new(r"^\s*([\w$()-]+)\s*[:+?]?=\s*(.*)$").unwrap();
    joined
        .lines()
        .filter_map(|l| re.captures(l))
        .map(|c| {
            let words: Vec<&str> = c[2].split_whitespace().collect();
            (c[1].to_string(), words.join(" "))
        })
        .collect()
}

/// The Kconfig type of `symbol` in the tree at `rev` (`tristate`, `bool`, ...), from its
/// `config` or `menuconfig` entry.
pub fn kconfig_type(repo: &Path, rev: &str, symbol: &str) -> Option<String> {
    let pattern = format!("^(menu)?config {symbol}$");
    let o = git(
        repo,
        &["grep", "-l", "-E", &pattern, rev, "--", "*Kconfig*"],
    );
    let files = String::from_utf8_lossy(&o.stdout).into_owned();
    let entry = Regex::new(&pattern).unwrap();
    let kind = Regex::new(r"^\s+(tristate|bool|def_tristate|def_bool|int|hex|string)\b").unwrap();
    let mut types = BTreeSet::new();
    for f in files.lines() {
        let path = f.strip_prefix(&format!("{rev}:")).unwrap_or(f);
        let Some(text) = show(repo, rev, path) else {
            continue;
        };
        let mut lines = text.lines();
        while let Some(l) = lines.next() {
            if !entry.is_match(l) {
                continue;
            }
            for l in lines.by_ref() {
                if let Some(c) = kind.captures(l) {
                    types.insert(c[1].trim_start_matches("def_").to_string());
                    break;
                }
                if !l.starts_with(char::is_whitespace) && !l.trim().is_empty() {
                    break;
                }
            }
        }
    }
    // A symbol declared in several places is tristate if any says so.
    if types.contains("tristate") {
        Some("tristate".into())
    } else {
        types.into_iter().next()
    }
}

/// How the object of `file` (a `.c` file of the tree at `rev`) is built.
pub fn build_of(repo: &Path, rev: &str, file: &str) -> Build {
    let (dir, name) = file.rsplit_once('/').unwrap_or(("", file));
    let Some(stem) = name.strip_suffix(".c") else {
        return Build::Unknown(format!("{file} is not a C file"));
    };
    let makefile = ["Makefile", "Kbuild"]
        .iter()
        .find_map(|m| show(repo, rev, &format!("{dir}/{m}")));
    let Some(makefile) = makefile else {
        return Build::Unknown(format!("{dir} has no Makefile"));
    };
    let assigned = assignments(&makefile);
    let var = Regex::new(r"^(\w[\w-]*?)-(y|m|objs|\$\(CONFIG_(\w+)\))$").unwrap();
    // The object, then the composite objects it is part of, outwards.
    let mut object = format!("{stem}.o");
    for _ in 0..4 {
        let mut composite = None;
        for (lhs, rhs) in &assigned {
            if !rhs.split_whitespace().any(|w| w == object) {
                continue;
            }
            let Some(c) = var.captures(lhs) else {
                continue;
            };
            match (&c[1], &c[2], c.get(3)) {
                ("obj", "m", _) => return Build::Module(format!("obj-m += {object}")),
                ("obj", "y", _) => {
                    return Build::BuiltIn(format!("obj-y += {object} in {dir}/Makefile"))
                }
                ("obj", _, Some(sym)) => {
                    let sym = sym.as_str();
                    return match kconfig_type(repo, rev, sym).as_deref() {
                        Some("tristate") => Build::Module(format!("CONFIG_{sym} is tristate")),
                        Some(other) => Build::BuiltIn(format!("CONFIG_{sym} is {other}")),
                        None => Build::Unknown(format!("no Kconfig entry for CONFIG_{sym}")),
                    };
                }
                (name, _, _) => composite = Some(format!("{name}.o")),
            }
        }
        match composite {
            Some(c) => object = c,
            None => break,
        }
    }
    Build::Unknown(format!("no line of {dir}/Makefile builds {object}"))
}

/// The `.c` files of the tree at `rev` that use `symbol` (outside comments), but the
/// ones that export it, and userspace's (`tools/`).
pub fn users(repo: &Path, rev: &str, symbol: &str) -> Vec<String> {
    let o = git(
        repo,
        &["grep", "-n", "-w", symbol, rev, "--", "*.c", ":!tools/"],
    );
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    let mut users = BTreeSet::new();
    let mut exporters = BTreeSet::new();
    for l in text.lines() {
        let l = l.strip_prefix(&format!("{rev}:")).unwrap_or(l);
        let mut parts = l.splitn(3, ':');
        let (Some(path), Some(_), Some(code)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        let code = code.trim_start();
        if code.starts_with("EXPORT_SYMBOL") {
            exporters.insert(path.to_string());
        } else if !(code.starts_with('*') || code.starts_with("/*") || code.starts_with("//")) {
            users.insert(path.to_string());
        }
    }
    users.difference(&exporters).cloned().collect()
}

/// Every symbol of `exported` that no code which can be a module uses in the tree at
/// `rev`, with its users and how each is built.
pub fn unneeded_exports(repo: &Path, rev: &str, exported: &[String]) -> Vec<String> {
    let mut found = Vec::new();
    for symbol in exported {
        let mut why = Vec::new();
        let mut modular = false;
        for user in users(repo, rev, symbol) {
            match build_of(repo, rev, &user) {
                Build::Module(_) => modular = true,
                Build::BuiltIn(how) | Build::Unknown(how) => why.push(format!("{user} ({how})")),
            }
        }
        if !modular {
            found.push(if why.is_empty() {
                format!("{symbol} is exported, and no other file uses it")
            } else {
                format!(
                    "{symbol} is exported, but no code that can be a module uses it: {}",
                    why.join(", ")
                )
            });
        }
    }
    found
}

#[test]
fn added_lines_are_the_new_side_of_each_hunk() {
    let diff = "diff --git a/drivers/iommu/iommu.c b/drivers/iommu/iommu.c\n\
                --- a/drivers/iommu/iommu.c\n+++ b/drivers/iommu/iommu.c\n\
                @@ -10,0 +11,3 @@ static int f(void)\n+a\n+b\n+c\n\
                @@ -20 +23 @@ static int g(void)\n-x\n+y\n\
                @@ -30,2 +33,0 @@ static int h(void)\n-p\n-q\n\
                diff --git a/include/linux/iommu.h b/include/linux/iommu.h\n\
                --- a/include/linux/iommu.h\n+++ b/include/linux/iommu.h\n\
                @@ -5,0 +6 @@\n+int f(void);\n";
    let added = added_lines(diff);
    assert_eq!(
        added["drivers/iommu/iommu.c"],
        BTreeSet::from([11, 12, 13, 23])
    );
    assert_eq!(added["include/linux/iommu.h"], BTreeSet::from([6]));
    assert_eq!(added.len(), 2);
}

#[test]
fn only_what_points_at_added_lines_is_found() {
    let added = Added::from([(
        "drivers/iommu/iommu.c".to_string(),
        BTreeSet::from([3210, 3211]),
    )]);
    let gcc = "/t/work/drivers/iommu/iommu.c:3211:48: warning: unused parameter 'dev' [-Wunused-parameter]\n\
               /t/work/drivers/iommu/iommu.c:120:40: warning: unused parameter 'data' [-Wunused-parameter]\n\
               /t/work/include/linux/mm.h:3211:1: warning: unused parameter 'vma' [-Wunused-parameter]\n\
               /t/work/drivers/iommu/iommu.c:3210:13: warning: unused variable 'ret' [-Wunused-variable]\n";
    assert_eq!(
        unused_parameters(gcc, &added),
        ["/t/work/drivers/iommu/iommu.c:3211:48: warning: unused parameter 'dev' [-Wunused-parameter]"]
    );
    let sparse = "sparse: ../drivers/iommu/iommu.c:3210:20: warning: Using plain integer as NULL pointer\n\
                  sparse: ../drivers/iommu/iommu.c:100:5: warning: symbol 'x' was not declared. Should it be static?\n\
                  ../drivers/iommu/iommu.c:3211:5: warning: not sparse's\n";
    assert_eq!(
        sparse_findings(sparse, &added),
        ["sparse: ../drivers/iommu/iommu.c:3210:20: warning: Using plain integer as NULL pointer"]
    );
    assert_eq!(
        build_warnings(&format!("{gcc}{sparse}")),
        "/t/work/drivers/iommu/iommu.c:3210:13: warning: unused variable 'ret' [-Wunused-variable]\n\
         ../drivers/iommu/iommu.c:3211:5: warning: not sparse's\n"
    );
}

#[test]
fn added_exports_and_makefile_lines_are_read() {
    let diff = "+}\n+EXPORT_SYMBOL_GPL(iommu_prepare_default_domain);\n EXPORT_SYMBOL(old);\n\
                -EXPORT_SYMBOL(gone);\n+EXPORT_SYMBOL_NS_GPL(ns_sym, IOMMUFD);\n";
    assert_eq!(
        exports_added(diff),
        ["iommu_prepare_default_domain", "ns_sym"]
    );
    let makefile = "obj-$(CONFIG_PCI)\t\t+= access.o bus.o \\\n\t\t\t   pci-driver.o\n\
                    vfio-y += vfio_main.o \\\n\t  group.o\nccflags-y := -I$(src)\n";
    assert_eq!(
        assignments(makefile),
        [
            (
                "obj-$(CONFIG_PCI)".to_string(),
                "access.o bus.o pci-driver.o".to_string()
            ),
            ("vfio-y".to_string(), "vfio_main.o group.o".to_string()),
            ("ccflags-y".to_string(), "-I$(src)".to_string()),
        ]
    );
}
