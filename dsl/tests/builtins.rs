//! The built-in policies and scenarios: each loads, is documented, is named after its
//! file, and its chain ends in status-quo; the printer's output parses back to the same IR.

use switchyard_dsl::ir::Policy;
use switchyard_dsl::scenario::{Arch, Iommu, Platform};
use switchyard_dsl::vocab::Hook;
use switchyard_dsl::{builtins, load_policy, load_scenario, load_str, Loaded, SourceKind};

const POLICIES: &[&str] = &[
    "identity-at-bind",
    "irq-only-driver-flag",
    "msi-reroute",
    "notifier-switch",
    "park-blocked",
    "park-empty-dma",
    "prepare-default-domain",
    "status-quo",
    "vfio-hard-fail",
];

const SCENARIOS: &[&str] = &[
    "arm-port-vfio",
    "arm-port-window",
    "arm-switch-vfio",
    "cxl-ats-required",
    "hot-unplug",
    "rmr-join-parked",
    "rmr-require-direct",
    "rmr-two-device",
    "singleton-identity",
    "singleton-managed-irq",
    "untrusted-external",
    "x86-identity-vfio",
    "x86-port-vfio",
];

#[test]
fn the_nine_policies_and_thirteen_scenarios_are_built_in() {
    let p: Vec<&str> = builtins(SourceKind::Policy).map(|b| b.name).collect();
    let s: Vec<&str> = builtins(SourceKind::Scenario).map(|b| b.name).collect();
    assert_eq!(p, POLICIES);
    assert_eq!(s, SCENARIOS);
}

#[test]
fn every_policy_is_documented_named_after_its_file_and_rooted_in_status_quo() {
    for name in POLICIES {
        let p = load_policy(name).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(p.name, *name);
        assert!(p.summary().len() > 20, "{name}: summary too thin");
        assert!(
            p.doc.contains("thread P"),
            "{name}: doc must say where in the thread it comes from"
        );
        assert_eq!(
            p.chain.last().map(String::as_str),
            Some("status-quo"),
            "{name}"
        );
        assert_eq!(
            p.hooks.len(),
            Hook::all().len(),
            "{name}: every hook resolved"
        );
        if *name != "status-quo" {
            assert!(!p.own_hooks.is_empty(), "{name} changes nothing");
            assert!(
                p.meta.subject.is_some() && !p.meta.suggested_by.is_empty(),
                "{name}: commit metadata"
            );
        }
        for h in p.hooks.values() {
            assert_eq!(
                h.parent.is_some(),
                h.body.calls_inherit(),
                "{name}: {}",
                h.hook
            );
        }
    }
}

#[test]
fn extends_resolves_hooks_from_the_nearest_ancestor() {
    let p = load_policy("notifier-switch").unwrap();
    assert_eq!(p.chain, ["notifier-switch", "park-blocked", "status-quo"]);
    assert_eq!(p.hook(Hook::Probe).defined_in, "park-blocked");
    assert_eq!(
        p.hook(Hook::BusNotify(
            switchyard_dsl::vocab::NotifyAction::BindDriver
        ))
        .defined_in,
        "notifier-switch"
    );
    assert_eq!(p.hook(Hook::Release).defined_in, "status-quo");
    // park-blocked's probe inherits status-quo's.
    let probe = p.hook(Hook::Probe);
    assert_eq!(probe.parent.as_ref().unwrap().defined_in, "status-quo");
}

#[test]
fn every_scenario_is_documented_and_arm_port_vfio_has_the_fixed_script() {
    for name in SCENARIOS {
        let s = load_scenario(name).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(s.name, *name);
        assert!(!s.doc.is_empty() && !s.moves.is_empty(), "{name}");
    }
    let s = load_scenario("arm-port-vfio").unwrap();
    let script: Vec<String> = s.script.iter().map(ToString::to_string).collect();
    assert_eq!(
        script,
        [
            "raise_aer(port)",
            "bind(nic, vfio_pci)",
            "vfio_open(g0)",
            "raise_aer(port)",
            "vfio_close(g0)",
            "raise_aer(port)"
        ]
    );
    assert_eq!(s.platform, Platform::Arm64Smmuv3);
    assert!(s.msi_translated);
    assert_eq!(s.iommu(), Iommu::Smmuv3);
    // pcieport is built in: the port has it from boot.
    assert_eq!(
        s.device("port").unwrap().driver.as_deref(),
        Some("pcieport")
    );
    let x86 = load_scenario("x86-port-vfio").unwrap();
    assert!(!x86.msi_translated);
    assert_eq!((x86.iommu(), x86.arch()), (Iommu::Vtd, Arch::X86_64));
}

/// `policy show` prints hook bodies in DSL syntax; that text must mean the same IR.
#[test]
fn printed_hooks_parse_back_to_the_same_ir() {
    for name in POLICIES {
        let p: Policy = load_policy(name).unwrap();
        let mut text = format!(
            "policy! {{\n/// Round trip.\nname = \"round-trip\";\nextends = \"{}\";\n",
            p.parent.as_deref().unwrap_or("status-quo")
        );
        if p.parent.is_none() {
            text = "policy! {\n/// Round trip.\nname = \"status-quo\";\n".to_string();
        }
        for h in &p.own_hooks {
            let imp = p.hook(*h);
            text.push_str(&format!(
                "{} {{\n{}}}\n",
                imp.signature(),
                imp.body.render(4)
            ));
        }
        text.push('}');
        let Loaded::Policy(back) =
            load_str("round-trip", &text).unwrap_or_else(|e| panic!("{name}: {e:?}\n{text}"))
        else {
            panic!("not a policy");
        };
        for h in &p.own_hooks {
            assert_eq!(back.hook(*h).body, p.hook(*h).body, "{name}: {h}");
        }
    }
}

/// `fail(ERRNO, "...")`: the message is kept as written, is about the innermost device in
/// scope or else the hook's group, prints back as written, and text the kernel cannot print
/// as a format string is refused at the literal, with a hint.
#[test]
fn a_fail_message_parses_prints_back_and_bad_text_is_refused_at_its_literal() {
    use switchyard_dsl::diag::Code;
    use switchyard_dsl::ir::{Expr, Message, Stmt};
    use switchyard_dsl::vocab::Kind;
    use switchyard_dsl::LoadError;

    let text = r#"policy! {
    /// Messages.
    name = "messages";

    on claim(g) {
        for d in g.devices {
            if d.msi_iova {
                fail(EBUSY, "MSIs use the IOMMU group's domain, refusing DMA ownership");
            }
        }
        if g.owner_cnt > 0 {
            fail(EPERM, "in use by a DMA API driver");
        }
    }

    on prepare_msi(dev) {
        fail(EBUSY);
    }
}"#;
    let Loaded::Policy(p) = load_str("messages", text).unwrap() else {
        panic!("not a policy");
    };
    fn messages(stmts: &[Stmt], out: &mut Vec<Message>) {
        for s in stmts {
            match s {
                Stmt::If {
                    then, otherwise, ..
                } => {
                    messages(&then.0, out);
                    if let Some(b) = otherwise {
                        messages(&b.0, out);
                    }
                }
                Stmt::For { body, .. } => messages(&body.0, out),
                Stmt::Call { message, .. } => out.extend(message.clone()),
            }
        }
    }
    let claim = p.hook(Hook::Claim);
    let mut found = Vec::new();
    messages(&claim.body.0, &mut found);
    let var = |name: &str, kind| Expr::Var {
        name: name.into(),
        kind,
    };
    assert_eq!(
        found,
        vec![
            Message {
                text: "MSIs use the IOMMU group's domain, refusing DMA ownership".into(),
                about: var("d", Kind::Device),
            },
            Message {
                text: "in use by a DMA API driver".into(),
                about: var("g", Kind::Group),
            },
        ]
    );
    let mut none = Vec::new();
    messages(&p.hook(Hook::PrepareMsi).body.0, &mut none);
    assert!(none.is_empty(), "a fail without a message has none");

    let printed = claim.body.render(4);
    assert!(
        printed.contains(
            "fail(EBUSY, \"MSIs use the IOMMU group's domain, refusing DMA ownership\");"
        ),
        "{printed}"
    );
    let again = format!(
        "policy! {{\n/// Round trip.\nname = \"again\";\n{} {{\n{printed}}}\n}}",
        claim.signature()
    );
    let Loaded::Policy(back) = load_str("again", &again).unwrap() else {
        panic!("not a policy");
    };
    assert_eq!(back.hook(Hook::Claim).body, claim.body);

    let bad = [
        ("\"\"", "empty"),
        ("\"100% busy\"", "printk conversion"),
        ("\"two\\nlines\"", "spans lines"),
        ("\"tab\\there\"", "control character"),
        ("\"caf\u{e9}\"", "not ASCII"),
        ("\"say \\\"no\\\"\"", "escaping"),
        ("\"C:\\\\dir\"", "escaping"),
        ("\"busy \"", "space"),
        ("EBUSY", "not a string literal"),
    ];
    for (lit, label) in bad {
        let src = format!(
            "policy! {{\n    /// Bad.\n    name = \"bad\";\n\n    on claim(g) {{\n        fail(EBUSY, {lit});\n    }}\n}}"
        );
        let errors = match load_str("bad", &src) {
            Err(LoadError::Invalid { errors, .. }) => errors,
            other => panic!("{lit}: expected a located error, got {other:?}"),
        };
        let e = &errors[0];
        assert_eq!(errors.len(), 1, "{lit}");
        let expected_code = if lit == "EBUSY" {
            Code::WrongKind
        } else {
            Code::BadValue
        };
        assert_eq!(e.code, expected_code, "{lit}");
        assert_eq!(
            (e.line, e.column),
            (6, 21),
            "{lit}: the literal is the span"
        );
        let j = e.to_json();
        assert!(
            j.label.as_deref().is_some_and(|l| l.contains(label)),
            "{lit}: {j:?}"
        );
        assert!(j.help.is_some(), "{lit}: no hint");
    }

    // Three arguments are one too many, and say what the second may be.
    let src = "policy! {\n    /// Bad.\n    name = \"bad\";\n\n    on claim(g) {\n        fail(EBUSY, \"a\", \"b\");\n    }\n}";
    let Err(LoadError::Invalid { errors, .. }) = load_str("bad", src) else {
        panic!("three arguments accepted");
    };
    assert_eq!(errors[0].code, Code::WrongArity);
    assert!(errors[0].message.contains("optionally a message"));
}
