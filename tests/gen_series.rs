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

/// Threads writing one series to one directory at once, through the lock every writer
/// takes: each write succeeds and the directory ends as one write leaves it. (Without
/// the lock, one writer removes the `.patch` files another is listing or writing.)
#[test]
fn writers_racing_on_one_directory_take_turns() {
    let b = support::base();
    let kernel = switchyard::rfc::open_tree(&b.import, &b.base).expect("the import opens");
    let policy = switchyard_dsl::load_policy("vfio-hard-fail").unwrap();
    let how = switchyard::rfc::Revision {
        date: Some(1_767_225_600),
        ..Default::default()
    };
    let from = Identity::parse(FROM).unwrap();
    let s = switchyard::rfc::policy_series(&policy, &kernel, from, how).unwrap();
    let root = support::cache().join("race-threads");
    let _ = std::fs::remove_dir_all(&root);
    let (shared, alone) = (root.join("shared"), root.join("alone"));
    switchyard::rfc::write_series(&s, &alone, &mut |w| panic!("{w}")).unwrap();
    let expected = contents(&alone);
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                for _ in 0..10 {
                    switchyard::rfc::write_series(&s, &shared, &mut |_| {})
                        .unwrap_or_else(|e| panic!("a racing write failed: {e}"));
                }
            });
        }
    });
    assert_eq!(contents(&shared), expected);
    assert!(expected.contains_key(switchyard::rfc::SERIES_LOCK));
}

/// Two `gen series` to one directory while another process holds its lock: both say
/// whom they wait for, both write once it is free, and what they leave is one whole
/// series, which applies.
#[test]
fn two_gen_series_to_one_directory_wait_and_leave_one_series() {
    use std::io::{BufRead, Write};
    let b = support::base();
    let root = support::cache().join("race-cli");
    let _ = std::fs::remove_dir_all(&root);
    let out = root.join("vfio-hard-fail");
    std::fs::create_dir_all(&out).unwrap();
    let lock = out.join(switchyard::rfc::SERIES_LOCK);
    let mut holder = Command::new("flock")
        .args(["-F", "-x"])
        .arg(&lock)
        .args(["sh", "-c", "echo locked; read x"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("flock(1) from util-linux");
    let mut line = String::new();
    std::io::BufReader::new(holder.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line, "locked\n");
    let spawn = || {
        Command::new(env!("CARGO_BIN_EXE_switchyard"))
            .args(["gen", "series", "vfio-hard-fail", "--from", FROM])
            .arg("--tree")
            .arg(&b.import)
            .arg("-o")
            .arg(&out)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (mut first, mut second) = (spawn(), spawn());
    // Both get as far as the lock: each says so on its stderr, first thing.
    let waiting = format!(
        "waiting for another switchyard (pid {}) holding the lock on {}",
        holder.id(),
        out.display()
    );
    let mut readers = Vec::new();
    for child in [&mut first, &mut second] {
        let mut err = std::io::BufReader::new(child.stderr.take().unwrap());
        let mut l = String::new();
        err.read_line(&mut l).unwrap();
        assert_eq!(l.trim_end(), waiting);
        readers.push(std::thread::spawn(move || {
            let mut rest = String::new();
            let _ = std::io::Read::read_to_string(&mut err, &mut rest);
            rest
        }));
    }
    holder.stdin.take().unwrap().write_all(b"\n").unwrap();
    holder.wait().unwrap();
    let mut listed = Vec::new();
    for (child, reader) in [first, second].into_iter().zip(readers) {
        let o = child.wait_with_output().unwrap();
        let rest = reader.join().unwrap();
        assert!(o.status.success(), "{rest}");
        let mut files: Vec<String> = String::from_utf8_lossy(&o.stdout)
            .lines()
            .skip(1)
            .map(|l| l.trim().rsplit('/').next().unwrap().to_string())
            .collect();
        files.sort();
        listed.push(files);
    }
    assert_eq!(listed[0], listed[1]);
    let mut present: Vec<String> = contents(&out)
        .into_keys()
        .filter(|n| n.ends_with(".patch"))
        .collect();
    present.sort();
    assert_eq!(present, listed[0]);
    let clone = support::shared_clone("race-apply.git", true);
    let _ = support::git(&clone, &["branch", "-D", "race"]);
    let o = Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .arg("apply")
        .arg(&out)
        .arg("--tree")
        .arg(&clone)
        .args(["--branch", "race"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", flat(&o.stderr));
}
