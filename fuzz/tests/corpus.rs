//! The regression corpus: every entry under `fuzz/corpus/` goes through all three targets
//! without a panic and within the time limit (CPU time); a short fuzz run finds no panic;
//! the command's arguments and exit codes.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;
use switchyard_fuzz::runner::{corpus_files, thread_cpu_time};
use switchyard_fuzz::{quietly, run, run_one, Config, Target};

/// The per-input limit: the fuzzer's default, with room for an unoptimised test build.
fn limit() -> Duration {
    if cfg!(debug_assertions) {
        Duration::from_secs(10)
    } else {
        Duration::from_secs(1)
    }
}

const MAX_STATES: usize = 2000;

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus")
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("switchyard-fuzz-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[test]
fn every_corpus_entry_passes_every_target_within_the_limit() {
    let files = corpus_files(&corpus_dir());
    assert!(
        files.len() >= 50,
        "the corpus is missing: {} entries",
        files.len()
    );
    switchyard_fuzz::target::warm_up();
    let mut failures = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        for t in Target::ALL {
            let start = thread_cpu_time();
            let r = quietly(|| run_one(t, &text, MAX_STATES));
            let took = thread_cpu_time().saturating_sub(start);
            match r {
                Err(msg) => {
                    failures.push(format!("{} ({}): panic: {msg}", path.display(), t.name()))
                }
                Ok(_) if took > limit() => failures.push(format!(
                    "{} ({}): {} ms",
                    path.display(),
                    t.name(),
                    took.as_millis()
                )),
                Ok(features) => assert!(!features.is_empty(), "{}: no features", path.display()),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_two_second_run_exercises_every_target_and_finds_no_panic() {
    let corpus = scratch("corpus");
    let crashes = scratch("crashes");
    let s = run(Config {
        duration: Duration::from_secs(2),
        max_inputs: None,
        threads: 2,
        seed: 7,
        limit: limit(),
        targets: Target::ALL.to_vec(),
        corpus: corpus.clone(),
        crashes: crashes.clone(),
        max_states: MAX_STATES,
        progress: None,
    });
    for t in Target::ALL {
        assert!(s.per_target[t.index()] > 0, "target {} never ran", t.name());
    }
    assert_eq!(s.inputs, s.per_target.iter().sum::<u64>());
    assert_eq!(s.panics, 0, "findings: {:?}", s.findings);
    assert_eq!(s.hangs, 0, "findings: {:?}", s.findings);
    // Starting from an empty corpus, the run keeps what reached new features, on disk.
    assert!(s.corpus_new > 0);
    assert_eq!(corpus_files(&corpus).len(), s.corpus_new);
    assert!(!crashes.exists());
    let _ = std::fs::remove_dir_all(&corpus);
}

#[test]
fn the_command_rejects_bad_arguments_and_replays_files() {
    let bin = env!("CARGO_BIN_EXE_switchyard-fuzz");
    for args in [
        &["--threads", "0"][..],
        &["--target", "parser"],
        &["--seconds", "-1"],
        &["--limit-ms", "0"],
        &["--no-such-flag"],
    ] {
        let out = Command::new(bin).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
    let entry = &corpus_files(&corpus_dir())[0];
    let out = Command::new(bin)
        .args(["--limit-ms", "10000"])
        .arg(entry)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    for t in Target::ALL {
        assert!(stdout.contains(t.name()), "{stdout}");
    }
}
