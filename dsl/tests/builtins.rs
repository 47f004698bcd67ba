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
    "rmr-require-direct",
    "rmr-two-device",
    "singleton-identity",
    "singleton-managed-irq",
    "untrusted-external",
    "x86-identity-vfio",
    "x86-port-vfio",
];

#[test]
fn the_nine_policies_and_twelve_scenarios_are_built_in() {
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
