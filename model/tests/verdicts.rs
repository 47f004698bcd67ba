//! Model verdicts: each test names the property, the scenario, and the trace (or outcome)
//! it expects. The expectations come from the thread's reasoning, checked against 6.12.

use switchyard_dsl::{load_policy, load_scenario, load_str, Loaded};
use switchyard_model::{check, run_script, Interpreter, Options, Property, Report, Status};

fn report(policy: &str, scenario: &str) -> Report {
    let p = load_policy(policy).unwrap();
    let s = load_scenario(scenario).unwrap();
    check(&Interpreter { policy: &p }, &s, Options::default())
}

fn status(policy: &str, scenario: &str, prop: Property) -> Status {
    report(policy, scenario).verdict(prop).status
}

/// The moves of a violation's trace, without boot.
fn trace(r: &Report, prop: Property) -> Vec<String> {
    let v = r.verdict(prop);
    assert_eq!(
        v.status,
        Status::Violated,
        "{} on {}: {prop} holds",
        r.policy,
        r.scenario
    );
    v.trace.iter().skip(1).map(|s| s.mv.clone()).collect()
}

#[test]
fn status_quo_loses_the_ports_aer_on_arm_after_vfio_opens() {
    let r = report("status-quo", "arm-port-vfio");
    assert_eq!(
        trace(&r, Property::MsiDelivered),
        [
            "bind(port, pcieport)",
            "bind(nic, vfio_pci)",
            "vfio_open(g0)",
            "raise_aer(port)"
        ]
    );
    let last = r.verdict(Property::MsiDelivered).trace.last().unwrap();
    let outcome = last.outcome.as_ref().unwrap().to_string();
    assert!(
        outcome.contains("lost") && outcome.contains("default (DMA)"),
        "{outcome}"
    );
    // The open itself already broke the vector, without an error.
    assert_eq!(
        trace(&r, Property::NoSilentLoss),
        [
            "bind(port, pcieport)",
            "bind(nic, vfio_pci)",
            "vfio_open(g0)"
        ]
    );
}

#[test]
fn status_quo_keeps_msi_on_x86_where_msi_is_not_translated() {
    assert_eq!(
        status("status-quo", "x86-port-vfio", Property::MsiDelivered),
        Status::Holds
    );
    assert_eq!(
        status("status-quo", "x86-port-vfio", Property::NoSilentLoss),
        Status::Holds
    );
}

#[test]
fn status_quo_script_matches_the_qemu_reproduction() {
    // Delivered before VFIO; lost after the open; still silent after the close, because
    // the port's Root Error Status was never serviced.
    let p = load_policy("status-quo").unwrap();
    let s = load_scenario("arm-port-vfio").unwrap();
    let steps: Vec<String> = run_script(&Interpreter { policy: &p }, &s)
        .iter()
        .map(|s| s.observed())
        .collect();
    assert!(steps[1].starts_with("AER delivered"), "{steps:?}");
    assert!(steps[3].starts_with("ok [g0: user #1]"), "{steps:?}");
    assert!(steps[4].starts_with("AER lost"), "{steps:?}");
    assert!(steps[5].starts_with("ok [g0: default (DMA)]"), "{steps:?}");
    assert!(steps[6].starts_with("AER not signalled"), "{steps:?}");
}

#[test]
fn park_blocked_loses_msi_for_the_port_alone() {
    let r = report("park-blocked", "singleton-managed-irq");
    assert_eq!(
        trace(&r, Property::MsiDelivered),
        ["bind(port, pcieport)", "raise_aer(port)"]
    );
    assert_eq!(trace(&r, Property::NoSilentLoss), ["bind(port, pcieport)"]);
}

#[test]
fn notifier_switch_prepare_default_domain_and_irq_only_fix_the_lone_port() {
    for p in [
        "notifier-switch",
        "prepare-default-domain",
        "irq-only-driver-flag",
    ] {
        assert_eq!(
            status(p, "singleton-managed-irq", Property::MsiDelivered),
            Status::Holds,
            "{p}"
        );
        assert_eq!(
            status(p, "singleton-managed-irq", Property::NoSilentLoss),
            Status::Holds,
            "{p}"
        );
    }
}

#[test]
fn vfio_hard_fail_keeps_the_ports_aer_by_refusing_the_open() {
    let r = report("vfio-hard-fail", "arm-port-vfio");
    assert_eq!(r.verdict(Property::MsiDelivered).status, Status::Holds);
    assert_eq!(r.verdict(Property::NoSilentLoss).status, Status::Holds);
    // A user can still open the group before pcieport binds.
    assert_eq!(r.verdict(Property::VfioUsable).status, Status::Holds);
    let p = load_policy("vfio-hard-fail").unwrap();
    let s = load_scenario("arm-port-vfio").unwrap();
    let steps: Vec<String> = run_script(&Interpreter { policy: &p }, &s)
        .iter()
        .map(|s| s.observed())
        .collect();
    assert!(steps[3].starts_with("fails: EBUSY"), "{steps:?}");
    assert!(
        steps
            .iter()
            .filter(|s| s.starts_with("AER"))
            .all(|s| s.starts_with("AER delivered")),
        "{steps:?}"
    );
}

#[test]
fn vfio_hard_fail_lets_vfio_open_on_x86_where_no_vector_carries_an_iova() {
    // vfio-usable on x86-port-vfio: CONFIG_IRQ_MSI_IOMMU is y there too, but the port's
    // vectors are not prepared through the IOMMU, so the claim succeeds while pcieport
    // holds them, and its AER keeps arriving.
    let r = report("vfio-hard-fail", "x86-port-vfio");
    for p in [
        Property::VfioUsable,
        Property::MsiDelivered,
        Property::NoSilentLoss,
    ] {
        assert_eq!(r.verdict(p).status, Status::Holds, "{p}");
    }
    let p = load_policy("vfio-hard-fail").unwrap();
    let s = load_scenario("x86-port-vfio").unwrap();
    let steps: Vec<String> = run_script(&Interpreter { policy: &p }, &s)
        .iter()
        .map(|s| s.observed())
        .collect();
    let expected = [
        "ok [g0: default (DMA)]",
        "AER delivered",
        "ok [g0: default (DMA)]",
        "ok [g0: user #1]",
        "AER delivered",
        "ok [g0: default (DMA)]",
        "AER delivered",
    ];
    assert_eq!(steps.len(), expected.len(), "{steps:?}");
    for (step, want) in steps.iter().zip(expected) {
        assert!(step.starts_with(want), "{steps:?}");
    }
}

#[test]
fn a_claim_only_hard_fail_misses_a_port_bound_after_the_claim() {
    let Loaded::Policy(p) = load_str(
        "claim-only.policy.rs",
        r#"policy! {
            /// vfio-hard-fail's claim check alone.
            name = "claim-only";
            on claim(g) {
                for d in g.devices {
                    if d.msi_iova {
                        fail(EBUSY);
                    }
                }
                inherit()?;
            }
        }"#,
    )
    .unwrap() else {
        panic!("a policy")
    };
    let s = load_scenario("arm-port-vfio").unwrap();
    let r = check(&Interpreter { policy: &p }, &s, Options::default());
    assert_eq!(
        trace(&r, Property::MsiDelivered),
        [
            "bind(nic, vfio_pci)",
            "vfio_open(g0)",
            "bind(port, pcieport)",
            "vfio_close(g0)",
            "raise_aer(port)"
        ]
    );
}

#[test]
fn msi_reroute_keeps_aer_when_it_re_requests_after_the_cookie() {
    let r = report("msi-reroute", "arm-port-vfio");
    for p in [
        Property::MsiDelivered,
        Property::NoSilentLoss,
        Property::VfioUsable,
    ] {
        assert_eq!(r.verdict(p).status, Status::Holds, "{p}");
    }
}

#[test]
fn msi_reroute_loses_aer_when_it_re_requests_before_the_cookie() {
    // Type1 attaches the user's domain first and installs the MSI cookie after: vectors
    // requested at attach time get the physical doorbell, which the paging domain does
    // not map.
    let Loaded::Policy(p) = load_str(
        "early.policy.rs",
        r#"policy! {
            /// msi-reroute, re-requesting at attach time.
            name = "early-reroute";
            extends = "msi-reroute";
            on attach_user(g) {
                inherit()?;
                for d in g.devices {
                    request_irqs(d)?;
                }
            }
            on msi_cookie(g) {}
        }"#,
    )
    .unwrap() else {
        panic!("a policy")
    };
    let s = load_scenario("arm-port-vfio").unwrap();
    let r = check(&Interpreter { policy: &p }, &s, Options::default());
    assert_eq!(
        trace(&r, Property::MsiDelivered),
        [
            "bind(port, pcieport)",
            "bind(nic, vfio_pci)",
            "vfio_open(g0)",
            "raise_aer(port)"
        ]
    );
    let last = r.verdict(Property::MsiDelivered).trace.last().unwrap();
    assert!(last
        .outcome
        .as_ref()
        .unwrap()
        .to_string()
        .contains("physical doorbell"));
}

#[test]
fn identity_at_bind_keeps_an_unbound_device_out_of_identity() {
    assert_eq!(
        status(
            "identity-at-bind",
            "singleton-identity",
            Property::UnboundIsolated
        ),
        Status::Holds
    );
    let r = report("status-quo", "singleton-identity");
    assert_eq!(
        r.verdict(Property::UnboundIsolated).status,
        Status::Violated
    );
    let r = report("park-empty-dma", "singleton-identity");
    assert_eq!(
        trace(&r, Property::UnboundIsolated),
        ["write_type(g0, Identity)"]
    );
}

#[test]
fn rmr_devices_cannot_be_given_to_vfio_in_6_12() {
    // __iommu_device_set_domain() refuses the blocking domain for require_direct.
    let r = report("status-quo", "rmr-require-direct");
    let v = r.verdict(Property::VfioUsable);
    assert_eq!(v.status, Status::Violated);
    assert_eq!(
        v.trace
            .last()
            .unwrap()
            .outcome
            .as_ref()
            .unwrap()
            .to_string(),
        "fails: EINVAL"
    );
    assert_eq!(r.verdict(Property::RequireDirectKept).status, Status::Holds);
}

#[test]
fn park_blocked_leaves_a_cxl_device_bound_to_vfio_pci_without_ats() {
    let r = report("park-blocked", "cxl-ats-required");
    assert_eq!(
        trace(&r, Property::AtsRequiredKept),
        ["bind(acc, vfio_pci)"]
    );
    assert_eq!(
        status(
            "notifier-switch",
            "cxl-ats-required",
            Property::AtsRequiredKept
        ),
        Status::Holds
    );
}

#[test]
fn a_state_budget_ends_in_inconclusive_not_in_a_verdict() {
    let p = load_policy("msi-reroute").unwrap();
    let s = load_scenario("arm-port-vfio").unwrap();
    let r = check(&Interpreter { policy: &p }, &s, Options { max_states: 5 });
    assert!(!r.stats.complete);
    assert_eq!(r.stats.states, 5);
    assert_eq!(
        r.verdict(Property::MsiDelivered).status,
        Status::Inconclusive
    );
    // A violation found within the budget is still definite.
    let p = load_policy("status-quo").unwrap();
    let r = check(&Interpreter { policy: &p }, &s, Options { max_states: 12 });
    assert!(!r.stats.complete);
    assert_eq!(r.verdict(Property::NoSilentLoss).status, Status::Violated);
}
