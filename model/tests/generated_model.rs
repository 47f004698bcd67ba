//! The checkable model as code: for every built-in policy, the crate `switchyard gen model`
//! writes builds, its own test passes, and its verdicts, traces and state counts on every
//! built-in scenario equal the in-process checker's.

use std::path::Path;
use std::process::Command;
use switchyard_dsl::{builtins, load_policy, load_scenario, Base, SourceKind};
use switchyard_model::codegen::{write_crate, Sources};
use switchyard_model::{check, Interpreter, Options};

#[test]
fn generated_models_agree_with_the_interpreter_for_every_builtin_policy() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("generated-models");
    let target = work.join("target");
    let lock = root.join("Cargo.lock");
    let sources = Sources {
        model: &root.join("model"),
        dsl: &root.join("dsl"),
        lockfile: Some(&lock),
    };
    for b in builtins(SourceKind::Policy) {
        let policy = load_policy(b.name).unwrap();
        let dir = work.join(b.name);
        write_crate(
            &policy,
            &[(b.name.to_string(), b.text.to_string())],
            &dir,
            &sources,
        )
        .unwrap();

        let cargo = |args: &[&str]| {
            // The manifest first: what follows a `--` is the program's.
            let o = Command::new(env!("CARGO"))
                .arg(args[0])
                .arg("--manifest-path")
                .arg(dir.join("Cargo.toml"))
                .args(&args[1..])
                .env("CARGO_TARGET_DIR", &target)
                .env_remove("RUSTFLAGS")
                .output()
                .expect("cargo runs");
            assert!(
                o.status.success(),
                "{}: cargo {args:?}\n{}",
                b.name,
                String::from_utf8_lossy(&o.stderr)
            );
            o
        };
        let out = cargo(&["run", "--quiet", "--bin", "check"]);
        let generated: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();

        let hooks = Interpreter { policy: &policy };
        let interpreted: Vec<_> = builtins(SourceKind::Scenario)
            .map(|s| check(&hooks, &load_scenario(s.name).unwrap(), Options::default()))
            .collect();
        assert_eq!(
            generated,
            serde_json::to_value(&interpreted).unwrap(),
            "{}",
            b.name
        );

        // On Linux 7.3 too, where the policy applies there.
        if policy.applies_to(Base::Linux73) {
            let out = cargo(&["run", "--quiet", "--bin", "check", "--", "linux-7.3"]);
            let generated: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            let opts = Options {
                base: Base::Linux73,
                ..Options::default()
            };
            let interpreted: Vec<_> = builtins(SourceKind::Scenario)
                .map(|s| check(&hooks, &load_scenario(s.name).unwrap(), opts))
                .collect();
            assert_eq!(
                generated,
                serde_json::to_value(&interpreted).unwrap(),
                "{} on linux-7.3",
                b.name
            );
        }

        let out = cargo(&["test", "--quiet"]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("1 passed"),
            "{}: the generated crate's own test did not run\n{text}",
            b.name
        );
        // Warning-free: the generated Rust is meant to be read.
        let built = cargo(&["build", "--quiet"]);
        assert!(
            String::from_utf8_lossy(&built.stderr).trim().is_empty(),
            "{}: warnings",
            b.name
        );
        // A checker needs the DSL and the model, not the kernel tree's git, tar or xz.
        let tree = cargo(&["tree", "--offline", "-e", "normal", "--prefix", "none"]);
        let deps = String::from_utf8_lossy(&tree.stdout);
        for heavy in [
            "git2 ",
            "libgit2-sys ",
            "tar ",
            "liblzma ",
            "switchyard-harness ",
        ] {
            assert!(
                !deps.lines().any(|l| l.starts_with(heavy)),
                "{}: the generated crate depends on {heavy}\n{deps}",
                b.name
            );
        }
        assert!(
            deps.lines().any(|l| l.starts_with("switchyard-model ")),
            "{deps}"
        );
    }
}

#[test]
fn the_generated_hooks_are_readable_rust_from_the_ir() {
    let policy = load_policy("vfio-hard-fail").unwrap();
    let lib = switchyard_model::codegen::lib_rs(&policy).unwrap();
    // inherit() calls the parent's function; the chain's bodies are each one function.
    assert!(
        lib.contains("fn hook_claim__vfio_hard_fail(m: &mut Machine, v_g: GroupId)"),
        "{lib}"
    );
    assert!(lib.contains("hook_claim__status_quo(m, v_g)?;"), "{lib}");
    assert!(
        lib.contains("fn hook_prepare_msi__vfio_hard_fail(m: &mut Machine, v_dev: DevId)"),
        "{lib}"
    );
    assert!(lib.contains("for v_d in m.members(v_g) {"), "{lib}");
    assert!(lib.contains("if m.msi_iova(v_d) {"), "{lib}");
    assert!(lib.contains("return Err(Errno::EBUSY);"), "{lib}");
    insta::with_settings!({
        snapshot_path => "../../snapshots/model",
        prepend_module_to_snapshot => false,
        description => "switchyard gen model vfio-hard-fail: src/lib.rs",
        omit_expression => true,
    }, {
        insta::assert_snapshot!("generated-vfio-hard-fail-lib", lib);
    });
}
