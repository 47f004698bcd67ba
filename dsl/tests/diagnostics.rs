//! Every bad-input example under tests/bad triggers the diagnostic its first line names
//! (`// expect: CODE`), located and explained; the rendered report is a reviewed snapshot.

use std::path::{Path, PathBuf};
use switchyard_dsl::{load_file, LoadError};

fn bad_examples() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir("tests/bad")
        .expect("tests/bad exists")
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

#[test]
fn each_bad_example_reports_its_diagnostic_with_location_and_hint() {
    let files = bad_examples();
    assert!(files.len() >= 20, "the bad-input examples are missing");
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let expected = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("// expect: "))
            .unwrap_or_else(|| panic!("{} lacks its `// expect:` line", path.display()))
            .trim()
            .to_string();
        let errors = match load_file(&path) {
            Err(LoadError::Invalid { errors, .. }) => errors,
            Err(other) => panic!("{}: expected located errors, got {other}", path.display()),
            Ok(_) => panic!("{} was accepted", path.display()),
        };
        assert_eq!(errors[0].code.as_str(), expected, "{}", path.display());
        for e in &errors {
            assert!(
                e.line > 0 && e.column > 0,
                "{}: no location",
                path.display()
            );
            assert!(
                e.help.is_some(),
                "{}: no hint for {}",
                path.display(),
                e.message
            );
            assert!(!e.labels.is_empty(), "{}: no label", path.display());
        }
        let rendered: String = errors
            .iter()
            .map(|e| e.render_plain())
            .collect::<Vec<_>>()
            .join("\n");
        let name = path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .replace(".rs", "");
        insta::with_settings!({
            snapshot_path => "../../snapshots/diagnostics",
            prepend_module_to_snapshot => false,
            description => format!("switchyard lint {}", path.display()),
            omit_expression => true,
        }, {
            insta::assert_snapshot!(name, rendered);
        });
    }
}

/// A tiny deterministic generator, so the mutations are the same on every run.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as usize
    }
}

const PIECES: &[&str] = &[
    "{",
    "}",
    "(",
    ")",
    "?",
    ";",
    ",",
    "!",
    "&&",
    "==",
    "fail(EBUSY);",
    "inherit()?;",
    "on claim(g) {}",
    "for d in g.devices {",
    "\"",
    "/*",
    "'",
    "name = \"x\";",
    "r#\"",
    "0x",
    "99999999999999999999",
    "é",
    "\u{0}",
    "#[x]",
    "///",
    "extends = \"status-quo\";",
    "else",
];

#[test]
fn no_input_makes_the_checker_panic() {
    let mut rng = Lcg(0x5eed);
    let mut sources: Vec<String> = switchyard_dsl::BUILTINS
        .iter()
        .map(|b| b.text.to_string())
        .collect();
    for p in bad_examples() {
        sources.push(std::fs::read_to_string(p).unwrap());
    }
    let mut tried = 0;
    for src in &sources {
        let boundaries: Vec<usize> = src
            .char_indices()
            .map(|(i, _)| i)
            .chain([src.len()])
            .collect();
        // Every truncation.
        for &cut in boundaries.iter().step_by(3) {
            let _ = switchyard_dsl::load_str("mutant", &src[..cut]);
            tried += 1;
        }
        // Deletions and insertions of meaningful pieces.
        for _ in 0..150 {
            let a = boundaries[rng.next() % boundaries.len()];
            let b = boundaries[rng.next() % boundaries.len()];
            let (lo, hi) = (a.min(b), a.max(b).min(a.min(b) + 40));
            let hi = boundaries
                .iter()
                .copied()
                .find(|&x| x >= hi)
                .unwrap_or(src.len());
            let piece = PIECES[rng.next() % PIECES.len()];
            let mutant = format!("{}{}{}", &src[..lo], piece, &src[hi..]);
            let _ = switchyard_dsl::load_str("mutant", &mutant);
            tried += 1;
        }
    }
    assert!(tried > 5000);
}

#[test]
fn a_missing_file_is_an_io_error_not_a_panic() {
    let e = load_file(Path::new("tests/bad/does-not-exist.policy.rs")).unwrap_err();
    assert!(matches!(e, LoadError::Io { .. }), "{e}");
}
