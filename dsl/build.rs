//! Embeds the built-in policies and scenarios (`policies/*.policy.rs`,
//! `scenarios/*.scenario.rs` at the repository root) into the library, so the binary works
//! from any directory and a new built-in is just a new file.

use std::fmt::Write;
use std::path::Path;

fn collect(dir: &Path, suffix: &str, kind: &str, out: &mut String) {
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(suffix))
        .collect();
    files.sort();
    for path in files {
        let file = path.file_name().unwrap().to_string_lossy().to_string();
        let name = file.trim_end_matches(suffix);
        let rel = format!("{}/{}", dir.file_name().unwrap().to_string_lossy(), file);
        let abs = path.canonicalize().unwrap();
        writeln!(
            out,
            "    Builtin {{ kind: SourceKind::{kind}, name: {name:?}, path: {rel:?}, text: include_str!({abs:?}) }},"
        )
        .unwrap();
    }
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut out = String::from("pub static BUILTINS: &[Builtin] = &[\n");
    collect(&root.join("policies"), ".policy.rs", "Policy", &mut out);
    collect(
        &root.join("scenarios"),
        ".scenario.rs",
        "Scenario",
        &mut out,
    );
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("builtins.rs");
    std::fs::write(dest, out).unwrap();
}
