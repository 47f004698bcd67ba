//! `switchyard gen series` as a user runs it against a tree that is not what the templates
//! expect: a commit on a scratch branch renames a function every series anchors on. For
//! every built-in policy whose series generates on the real base, the command exits 2
//! with the anchor error naming the file and the anchor, does not create its output
//! directory, and leaves an existing one exactly as it was.
//!
//! The tree is the one `tests/series.rs` uses (shared through `#[path]`), cached
//! under `target/tmp/series/`.

#[path = "support/mod.rs"]
mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};
use switchyard_dsl::SourceKind;
use switchyard_series::{self as series, Identity, Options};

const FROM: &str = "Switchyard Test <test@switchyard.invalid>";

fn gen_series(policy: &str, tree: &Path, base: &str, out: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .args(["gen", "series", policy, "--from", FROM, "--base", base])
        .arg("--tree")
        .arg(tree)
        .arg("-o")
        .arg(out)
        .output()
        .expect("the binary runs")
}

/// Every file under `dir` with its bytes.
fn contents(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// The report without the box drawing and line breaks of the terminal renderer.
fn flat(stderr: &[u8]) -> String {
    String::from_utf8_lossy(stderr)
        .replace('│', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn a_missing_anchor_is_reported_and_nothing_is_written() {
    let b = support::base();
    let kernel = switchyard::rfc::open_tree(&b.import, &b.base).expect("the import opens");
    let opts = Options {
        version: None,
        signoff: false,
        from: Identity::parse(FROM).expect("FROM is an identity"),
        date: None,
        range_diff: None,
        verdicts: None,
    };
    let generating: Vec<&str> = switchyard_dsl::builtins(SourceKind::Policy)
        .map(|p| p.name)
        .filter(|name| {
            let policy = switchyard_dsl::load_policy(name).unwrap();
            series::generate(&policy, &switchyard::rfc::GitBase(&kernel), &b.base, &opts).is_ok()
        })
        .collect();
    assert!(generating.contains(&"vfio-hard-fail"), "{generating:?}");

    let renamed = support::renamed_tree();
    let root = support::cache().join("cli-out");
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    let expected = format!(
        "drivers/iommu/iommu.c: cannot find the function {0}() (found no declaration of {0}())",
        support::RENAMED_FROM
    );
    for name in &generating {
        let out = root.join(name);
        let o = gen_series(name, renamed, support::RENAMED_BRANCH, &out);
        let report = flat(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{name}: {report}");
        assert!(
            report.contains("switchyard::series::anchor") && report.contains(&expected),
            "{name}: {report}"
        );
        assert!(!out.exists(), "{name}: {} was created", out.display());
        assert!(
            o.stdout.is_empty(),
            "{name}: {}",
            String::from_utf8_lossy(&o.stdout)
        );
    }

    // A directory holding an earlier series (whose .patch files a successful run would
    // replace) is left exactly as it was.
    let kept = root.join("kept");
    std::fs::create_dir_all(&kept).unwrap();
    std::fs::write(kept.join("0001-iommu-Earlier.patch"), "an earlier series\n").unwrap();
    std::fs::write(kept.join("notes.txt"), "notes\n").unwrap();
    let before = contents(&kept);
    let o = gen_series(generating[0], renamed, support::RENAMED_BRANCH, &kept);
    assert_eq!(o.status.code(), Some(2), "{}", flat(&o.stderr));
    assert_eq!(contents(&kept), before);

    // The same command on the base writes the series: the failure above is the anchor's.
    let o = gen_series(generating[0], &b.import, &b.base, &kept);
    assert!(o.status.success(), "{}", flat(&o.stderr));
    let after = contents(&kept);
    assert!(!after.contains_key("0001-iommu-Earlier.patch"), "{after:?}");
    assert!(after.contains_key("notes.txt") && after.contains_key("0000-cover-letter.patch"));
}
