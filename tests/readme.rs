//! README.md stays true: its language reference names every construct the language has,
//! and its two fresh-machine commands exist, with `.ci/run` calling the test command.

use switchyard::dsl::diag::Code;
use switchyard::dsl::scenario::{Platform, DEVICE_FLAGS, DRIVER_FLAGS, MOVES};
use switchyard::dsl::vocab::{
    AtsState, CfgOption, DomainLit, DomainType, Errno, NotifyAction, ACTIONS, ATTRS, HOOKS,
};

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap()
}

#[test]
fn the_language_reference_documents_every_construct() {
    let text = readme();
    let mut names: Vec<String> = Vec::new();
    names.extend(HOOKS.iter().map(|h| h.name.to_string()));
    names.extend(NotifyAction::ALL.iter().map(|a| a.name().to_string()));
    names.extend(ACTIONS.iter().map(|a| a.name.to_string()));
    names.extend(ATTRS.iter().map(|a| a.name.to_string()));
    names.extend(DomainLit::ALL.iter().map(|d| d.name().to_string()));
    names.extend(DomainType::ALL.iter().map(|d| d.name().to_string()));
    names.extend(Errno::ALL.iter().map(|d| d.name().to_string()));
    names.extend(AtsState::ALL.iter().map(|d| d.name().to_string()));
    names.extend(CfgOption::ALL.iter().map(|d| d.name().to_string()));
    names.extend(MOVES.iter().map(|m| m.0.to_string()));
    names.extend(Platform::ALL.iter().map(|p| p.name().to_string()));
    names.extend(DRIVER_FLAGS.iter().map(|f| f.0.to_string()));
    names.extend(DEVICE_FLAGS.iter().map(|f| f.0.to_string()));
    names.extend(Code::ALL.iter().map(|c| c.as_str().to_string()));
    names.extend(
        [
            "extends",
            "subject",
            "suggested_by",
            "link",
            "cc",
            "platform",
            "vfio_backend",
            "default_type",
            "inherit",
            "moves",
            "script",
        ]
        .map(String::from),
    );
    let missing: Vec<&String> = names
        .iter()
        .filter(|n| !text.contains(&format!("`{n}")))
        .collect();
    assert!(
        missing.is_empty(),
        "README.md does not document: {missing:?}"
    );
}

#[test]
fn every_diagnostic_code_has_a_bad_example() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/dsl/tests/bad");
    let mut expected = std::collections::BTreeSet::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
        if let Some(code) = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("// expect: "))
        {
            expected.insert(code.trim().to_string());
        }
    }
    for code in Code::ALL {
        let c = code.as_str();
        assert!(
            expected.contains(c),
            "no example in dsl/tests/bad for `{c}`"
        );
    }
}

#[test]
fn the_fresh_machine_commands_exist_and_ci_runs_the_test_command() {
    let text = readme();
    for cmd in ["sudo .ci/main", "sudo .ci/test"] {
        assert!(text.contains(cmd), "README lacks `{cmd}`");
        let path = format!(
            "{}/{}",
            env!("CARGO_MANIFEST_DIR"),
            cmd.trim_start_matches("sudo ")
        );
        assert!(std::path::Path::new(&path).is_file(), "{path} missing");
    }
    let run = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/run")).unwrap();
    assert!(
        run.lines()
            .any(|l| !l.starts_with('#') && l.contains("/test")),
        ".ci/run must call .ci/test"
    );
}
