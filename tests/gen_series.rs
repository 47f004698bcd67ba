//! `switchyard gen series` as a user runs it.
//!
//! Against a tree that is not what the templates expect (a commit on a scratch branch
//! renames a function every series anchors on): for every built-in policy whose series
//! generates on the real base, the command exits 2 with the anchor error naming the file
//! and the anchor, does not create its output directory, and leaves an existing one
//! exactly as it was.
//!
//! Writers racing on one output directory take turns through its lock and leave one
//! whole series.
//!
//! How the mails are addressed: `--to` and `--cc` replace what the tree's
//! get_maintainer.pl names, and without them a tree with no get_maintainer.pl, or a
//! machine with no perl, is an error (exit 2) that writes nothing. `--check` prints
//! checkpatch's verdict on every patch and exits 1 when it finds an error or a warning.
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
    gen_series_with(policy, tree, base, out, &[], None)
}

/// `gen series` with more arguments, and with `PATH` replaced when `path` is given.
fn gen_series_with(
    policy: &str,
    tree: &Path,
    base: &str,
    out: &Path,
    more: &[&str],
    path: Option<&Path>,
) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_switchyard"));
    c.args(["gen", "series", policy, "--from", FROM, "--base", base])
        .arg("--tree")
        .arg(tree)
        .arg("-o")
        .arg(out)
        .args(more);
    if let Some(p) = path {
        c.env("PATH", p);
    }
    c.output().expect("the binary runs")
}

/// The `To:` and `Cc:` headers of a mail, as written.
fn address_headers(mail: &str) -> String {
    let (head, _) = mail.split_once("\n\n").expect("a header block");
    let mut out = String::new();
    let mut open = false;
    for l in head.lines() {
        if l.starts_with("To: ") || l.starts_with("Cc: ") {
            open = true;
        } else if !l.starts_with(' ') {
            open = false;
        }
        if open {
            out.push_str(l);
            out.push('\n');
        }
    }
    out
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

/// The `.patch` files under `dir` with their bytes.
fn patches(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut all = contents(dir);
    all.retain(|name, _| name.ends_with(".patch"));
    all
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
            series::generate(
                &policy,
                series::Base::Linux612,
                &switchyard::rfc::GitBase(&kernel),
                &b.base,
                &opts,
            )
            .is_ok()
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
    // Only the series: `git send-email DIR` sends every file in it.
    assert!(
        expected.keys().all(|f| f.ends_with(".patch")),
        "{:?}",
        expected.keys()
    );
    assert!(switchyard::rfc::series_lock(&shared).is_file());
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
    let lock = switchyard::rfc::series_lock(&out);
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
            .filter(|l| l.ends_with(".patch"))
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

#[test]
fn to_and_cc_replace_get_maintainer_and_without_it_nothing_is_written() {
    let b = support::base();
    let root = support::cache().join("cli-address");
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    let given = [
        "--to",
        "Ada Lovelace <ada@example.org>",
        "--to",
        "list@example.org",
        "--cc",
        "\"Q. Reviewer\" <q@example.org>",
    ];
    let headers = "To: Ada Lovelace <ada@example.org>,\n    list@example.org\n\
                   Cc: \"Q. Reviewer\" <q@example.org>\n";

    // On the import: every mail, the cover letter too, carries exactly what was given.
    let out = root.join("given");
    let o = gen_series_with("vfio-hard-fail", &b.import, &b.base, &out, &given, None);
    assert!(o.status.success(), "{}", flat(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("addressed as --to and --cc say:"));
    let mails = patches(&out);
    assert_eq!(mails.len(), 9);
    for (name, text) in &mails {
        assert_eq!(
            address_headers(&String::from_utf8_lossy(text)),
            headers,
            "{name}"
        );
    }

    // A tree whose work tree is not checked out has no scripts/get_maintainer.pl: without
    // --to/--cc that is an error and nothing is written; with them, the series is.
    let unchecked = support::shared_clone("unchecked", false);
    assert!(!unchecked.join("scripts/get_maintainer.pl").exists());
    let out = root.join("unchecked");
    let o = gen_series("vfio-hard-fail", &unchecked, &b.base, &out);
    let report = flat(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{report}");
    assert!(
        report.contains("switchyard::series::script_missing")
            && report.contains("has no scripts/get_maintainer.pl")
            && report.contains("--to and --cc"),
        "{report}"
    );
    assert!(!out.exists(), "{} was created", out.display());
    let o = gen_series_with("vfio-hard-fail", &unchecked, &b.base, &out, &given, None);
    assert!(o.status.success(), "{}", flat(&o.stderr));
    assert_eq!(patches(&out).len(), 9);

    // No perl: the same, named.
    let no_perl = root.join("empty-path");
    std::fs::create_dir_all(&no_perl).unwrap();
    let out = root.join("no-perl");
    let o = gen_series_with(
        "vfio-hard-fail",
        &b.import,
        &b.base,
        &out,
        &[],
        Some(&no_perl),
    );
    let report = flat(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{report}");
    assert!(
        report.contains("switchyard::series::perl") && report.contains("cannot run perl"),
        "{report}"
    );
    assert!(!out.exists());

    // Something that is no address is refused before anything else.
    let o = gen_series_with(
        "vfio-hard-fail",
        &b.import,
        &b.base,
        &out,
        &["--to", "nobody"],
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(flat(&o.stderr).contains("`nobody` is not a mail address"));
    assert!(!out.exists());
}

/// The `name: E errors, W warnings, C checks` lines `--check` prints, by patch.
fn verdicts(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter(|l| l.starts_with("  ") && l.contains(".patch: "))
        .map(|l| l.trim().to_string())
        .collect()
}

#[test]
fn check_prints_checkpatch_and_fails_on_what_it_finds() {
    let b = support::base();
    let root = support::cache().join("cli-check");
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    let args = ["--signoff", "--check", "--to", "a@example.org"];

    // A built-in: checkpatch --strict finds nothing in any patch, and says so per patch.
    let out = root.join("vfio-hard-fail");
    let o = gen_series_with("vfio-hard-fail", &b.import, &b.base, &out, &args, None);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{stdout}{}", flat(&o.stderr));
    let v = verdicts(&stdout);
    assert_eq!(v.len(), 8, "{stdout}");
    assert!(
        v.iter()
            .all(|l| l.ends_with(": 0 errors, 0 warnings, 0 checks")),
        "{stdout}"
    );
    assert!(stdout.contains("checkpatch.pl: 0 errors, 0 warnings, 0 checks in 8 patches\n"));

    // A policy whose log misspells a word: checkpatch warns about that patch, the command
    // prints the warning under it and exits 1; the series is written all the same.
    let dir = root.join("policies");
    std::fs::create_dir_all(&dir).unwrap();
    let policy = dir.join("misspelt.policy.rs");
    std::fs::write(
        &policy,
        "policy! {\n\
         \x20   /// vfio-hard-fail, with a misspelt commit log.\n\
         \x20   ///\n\
         \x20   /// A device that keeps its interrupts would no longer recieve them once\n\
         \x20   /// VFIO owns its group.\n\
         \x20   name = \"misspelt\";\n\
         \x20   extends = \"vfio-hard-fail\";\n\
         \x20   subject = \"iommu: Refuse DMA ownership while MSIs use the group's domain\";\n\
         }\n",
    )
    .unwrap();
    let out = root.join("misspelt");
    let o = gen_series_with(
        policy.to_str().unwrap(),
        &b.import,
        &b.base,
        &out,
        &args,
        None,
    );
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{stdout}{}", flat(&o.stderr));
    let v = verdicts(&stdout);
    assert_eq!(v.len(), 8, "{stdout}");
    let policy_patch = v
        .iter()
        .find(|l| l.starts_with("0007-iommu-Refuse-DMA-ownership-while-MSIs-use-the-gro"))
        .unwrap_or_else(|| panic!("the policy's patch is the seventh: {stdout}"));
    assert!(
        policy_patch.ends_with(": 0 errors, 1 warning, 0 checks"),
        "{stdout}"
    );
    assert!(
        stdout.contains("    WARNING: 'recieve' may be misspelled - perhaps 'receive'?\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("checkpatch.pl: 0 errors, 1 warning, 0 checks in 8 patches; 1 with errors or warnings\n"),
        "{stdout}"
    );
    assert_eq!(patches(&out).len(), 9);
    assert!(!stdout.contains("hint:"), "signed off: {stdout}");

    // Without --signoff checkpatch finds the missing Signed-off-by: in every patch, and the
    // command says where that comes from.
    let out = root.join("unsigned");
    let args = ["--check", "--to", "a@example.org"];
    let o = gen_series_with("vfio-hard-fail", &b.import, &b.base, &out, &args, None);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{stdout}{}", flat(&o.stderr));
    let v = verdicts(&stdout);
    assert_eq!(v.len(), 8, "{stdout}");
    assert!(
        v.iter()
            .all(|l| l.ends_with(": 1 error, 0 warnings, 0 checks")),
        "{stdout}"
    );
    assert!(
        stdout.contains("    ERROR: Missing Signed-off-by: line(s)\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("hint: written without --signoff"),
        "{stdout}"
    );
}
