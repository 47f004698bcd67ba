//! Model verdicts: each test names the property, the scenario, and the trace (or outcome)
//! it expects. The expectations come from the thread's reasoning, checked against 6.12.

mod common;

use common::{with_empty_hook, PARKING};
use switchyard_dsl::vocab::Errno;
use switchyard_dsl::Base;
use switchyard_dsl::{builtin, builtins, load_policy, load_scenario, load_str, Loaded, SourceKind};
use switchyard_model::moves::Outcome;
use switchyard_model::{
    check, replay_script, run_script, Interpreter, Options, Property, Report, Status,
};

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
fn status_quo_loses_the_ports_aer_when_it_comes_between_the_claim_and_the_attach() {
    // pcieport is bound from boot; VFIO's claim moves the group to its blocking domain,
    // and an AER raised before VFIO_SET_IOMMU faults on the old DMA domain's doorbell IOVA.
    let r = report("status-quo", "arm-port-vfio");
    assert_eq!(
        trace(&r, Property::MsiDelivered),
        ["bind(nic, vfio_pci)", "vfio_claim(g0)", "raise_aer(port)"]
    );
    let last = r.verdict(Property::MsiDelivered).trace.last().unwrap();
    let outcome = last.outcome.as_ref().unwrap().to_string();
    assert!(
        outcome.contains("lost")
            && outcome.contains("default (DMA)")
            && outcome.contains("blocked"),
        "{outcome}"
    );
    // The claim itself already broke the vector, without an error.
    assert_eq!(
        trace(&r, Property::NoSilentLoss),
        ["bind(nic, vfio_pci)", "vfio_claim(g0)"]
    );
}

#[test]
fn a_vfio_open_is_the_claim_the_attach_and_the_msi_cookie_each_a_step() {
    // type1: VFIO_GROUP_SET_CONTAINER, then VFIO_SET_IOMMU's attach, then its
    // iommu_get_msi_cookie(); vfio-usable needs the whole open.
    let r = report("status-quo", "arm-port-vfio");
    assert_eq!(r.verdict(Property::VfioUsable).status, Status::Holds);
    let labels: Vec<String> = r
        .verdict(Property::UserIsolated)
        .trace
        .iter()
        .map(|s| s.mv.clone())
        .collect();
    assert!(labels.is_empty(), "user-isolated holds: {labels:?}");
    let p = load_policy("status-quo").unwrap();
    let Loaded::Scenario(s) = load_str(
        "window.scenario.rs",
        r#"scenario! {
            /// arm-port-vfio with an AER raised inside the open, between its two ioctls.
            name = "window";
            platform = Arm64Smmuv3;
            driver pcieport { managed_dma, msi, irq_only }
            driver vfio_pci { name = "vfio-pci", managed_dma, vfio }
            device port { root_port, no_acs, aer, driver = pcieport }
            device nic { parent = port }
            moves {
                bind(nic, vfio_pci);
                vfio_open(g0);
                raise_aer(port);
            }
            script {
                bind(nic, vfio_pci);
                vfio_claim(g0);
                raise_aer(port);
                vfio_attach(g0);
            }
        }"#,
    )
    .unwrap() else {
        panic!("a scenario")
    };
    let steps: Vec<String> = run_script(&Interpreter { policy: &p }, &s, Base::default())
        .iter()
        .map(|s| s.observed())
        .collect();
    assert!(steps[1].starts_with("ok [g0: blocked]"), "{steps:?}");
    assert!(steps[2].starts_with("AER lost"), "{steps:?}");
    assert!(steps[3].starts_with("ok [g0: user #1]"), "{steps:?}");
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
    let steps: Vec<String> = run_script(&Interpreter { policy: &p }, &s, Base::default())
        .iter()
        .map(|s| s.observed())
        .collect();
    assert!(steps[0].starts_with("AER delivered"), "{steps:?}");
    assert!(steps[2].starts_with("ok [g0: user #1]"), "{steps:?}");
    assert!(steps[3].starts_with("AER lost"), "{steps:?}");
    assert!(steps[4].starts_with("ok [g0: default (DMA)]"), "{steps:?}");
    assert!(steps[5].starts_with("AER not signalled"), "{steps:?}");
}

#[test]
fn park_blocked_loses_msi_for_the_port_alone() {
    // pcieport binds at boot to a port parked in the blocking domain: its vectors get the
    // physical doorbell, which the blocking domain does not reach. Boot itself is the
    // silent loss.
    let r = report("park-blocked", "singleton-managed-irq");
    assert_eq!(trace(&r, Property::MsiDelivered), ["raise_aer(port)"]);
    let v = r.verdict(Property::NoSilentLoss);
    assert_eq!(v.status, Status::Violated);
    assert_eq!(v.trace.len(), 1, "boot alone: {:?}", v.trace);
    assert!(v.reason.as_deref().unwrap_or("").contains("boot"), "{v:?}");
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
    // pcieport is bound from boot, so no claim succeeds: the regression the hard failure
    // brings to hardware without ACS, shown as vfio-usable violated.
    assert_eq!(
        trace(&r, Property::VfioUsable),
        ["bind(nic, vfio_pci)", "vfio_claim(g0)"]
    );
    assert!(r
        .verdict(Property::VfioUsable)
        .reason
        .as_deref()
        .unwrap_or("")
        .contains("vfio_claim(g0) fails with EBUSY"));
    let p = load_policy("vfio-hard-fail").unwrap();
    let s = load_scenario("arm-port-vfio").unwrap();
    let steps: Vec<String> = run_script(&Interpreter { policy: &p }, &s, Base::default())
        .iter()
        .map(|s| s.observed())
        .collect();
    assert!(steps[2].starts_with("fails: EBUSY"), "{steps:?}");
    assert!(
        steps
            .iter()
            .filter(|s| s.starts_with("AER"))
            .all(|s| s.starts_with("AER delivered")),
        "{steps:?}"
    );
}

/// The refused claim's step carries what the kernel prints with the error: vfio-hard-fail's
/// message, about the member whose vectors block the claim.
#[test]
fn vfio_hard_fails_refused_claim_carries_its_message_in_the_trace() {
    let r = report("vfio-hard-fail", "arm-port-vfio");
    let v = r.verdict(Property::VfioUsable);
    assert_eq!(v.status, Status::Violated);
    let claim = v.trace.last().expect("a trace");
    assert_eq!(claim.mv, "vfio_claim(g0)");
    let line = "port: MSIs use the IOMMU group's domain, refusing DMA ownership";
    assert_eq!(
        claim.outcome,
        Some(Outcome::Failed {
            errno: Errno::EBUSY,
            message: Some(line.into()),
        })
    );
    assert_eq!(
        claim.outcome.as_ref().unwrap().to_string(),
        format!("fails: EBUSY ({line})")
    );
    assert!(
        claim.events.iter().any(|e| *e == format!("kernel: {line}")),
        "{:?}",
        claim.events
    );
    // The steps before it failed nothing and printed nothing.
    for s in &v.trace[..v.trace.len() - 1] {
        assert!(
            !s.events.iter().any(|e| e.starts_with("kernel: ")),
            "{}: {:?}",
            s.mv,
            s.events
        );
    }
}

/// A hook given only a group prints its message for the group; a message changes no
/// verdict: vfio-hard-fail without its messages has the same verdicts everywhere.
#[test]
fn a_message_names_the_group_where_no_device_is_in_scope_and_changes_no_verdict() {
    let Loaded::Policy(p) = load_str(
        "group-message.policy.rs",
        r#"policy! {
            /// Refuses every claim, saying so.
            name = "group-message";
            on claim(g) {
                fail(EPERM, "claims are refused here");
            }
        }"#,
    )
    .unwrap() else {
        panic!("a policy")
    };
    let s = load_scenario("arm-port-vfio").unwrap();
    let r = check(&Interpreter { policy: &p }, &s, Options::default());
    let claim = r
        .verdict(Property::VfioUsable)
        .trace
        .last()
        .unwrap()
        .clone();
    assert_eq!(
        claim.outcome,
        Some(Outcome::Failed {
            errno: Errno::EPERM,
            message: Some("group g0: claims are refused here".into()),
        })
    );

    let text = builtin(SourceKind::Policy, "vfio-hard-fail").unwrap().text;
    let mut silent = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("fail(EBUSY, \"") {
        silent.push_str(&rest[..at]);
        silent.push_str("fail(EBUSY)");
        let end = rest[at..].find("\")").expect("the message ends") + at + 2;
        rest = &rest[end..];
    }
    silent.push_str(rest);
    assert_ne!(silent, text, "vfio-hard-fail has messages");
    let Loaded::Policy(quiet) = load_str("quiet.policy.rs", &silent).unwrap() else {
        panic!("a policy")
    };
    let loud = load_policy("vfio-hard-fail").unwrap();
    let scenarios: Vec<_> = builtins(SourceKind::Scenario).collect();
    assert!(scenarios.len() >= 12);
    for b in scenarios {
        let s = load_scenario(b.name).unwrap();
        let a = check(&Interpreter { policy: &loud }, &s, Options::default());
        let q = check(&Interpreter { policy: &quiet }, &s, Options::default());
        let statuses = |r: &Report| r.verdicts.iter().map(|v| v.status).collect::<Vec<_>>();
        assert_eq!(statuses(&a), statuses(&q), "{}", b.name);
    }
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
    let steps: Vec<String> = run_script(&Interpreter { policy: &p }, &s, Base::default())
        .iter()
        .map(|s| s.observed())
        .collect();
    let expected = [
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
    // pcieport is built in, so it binds after a claim only when an administrator has
    // unbound it and binds it again.
    let Loaded::Scenario(s) = load_str(
        "rebind.scenario.rs",
        r#"scenario! {
            /// arm-port-vfio, where pcieport can be unbound and bound again.
            name = "rebind";
            platform = Arm64Smmuv3;
            driver pcieport { managed_dma, msi, irq_only }
            driver vfio_pci { name = "vfio-pci", managed_dma, vfio }
            device port { root_port, no_acs, aer, driver = pcieport }
            device nic { parent = port }
            moves {
                unbind(port);
                bind(port, pcieport);
                bind(nic, vfio_pci);
                vfio_open(g0);
                vfio_close(g0);
                raise_aer(port);
            }
        }"#,
    )
    .unwrap() else {
        panic!("a scenario")
    };
    let r = check(&Interpreter { policy: &p }, &s, Options::default());
    let t = trace(&r, Property::MsiDelivered);
    let claim = t
        .iter()
        .position(|m| m == "vfio_claim(g0)")
        .expect("a claim");
    let vectors = t
        .iter()
        .position(|m| m == "alloc_irq_vectors(port)")
        .expect("the probe's vectors");
    assert!(
        claim < vectors,
        "pcieport's probe allocates its vectors after the claim: {t:?}"
    );
    assert_eq!(
        t.last().map(String::as_str),
        Some("raise_aer(port)"),
        "{t:?}"
    );
}

#[test]
fn msi_reroute_keeps_every_property_through_an_interleaved_vfio_open_and_close() {
    // Masking the port's vectors at the claim and re-targeting them once the user's domain
    // has its MSI cookie (and again when the group goes back) keeps AER through every
    // interleaving of the open's and the close's steps with the port's errors.
    let r = report("msi-reroute", "arm-port-vfio");
    for p in [
        Property::MsiDelivered,
        Property::NoSilentLoss,
        Property::UnboundIsolated,
        Property::UserIsolated,
        Property::VfioUsable,
        Property::NoWarn,
    ] {
        assert_eq!(r.verdict(p).status, Status::Holds, "{p}");
    }
}

#[test]
fn msi_reroute_keeps_aer_through_an_iommufd_open_as_through_type1() {
    // iommufd installs the cookie before the attach, so the open is claim and attach, and
    // the cookie hook runs right after the attach (iommufd_hwpt_attach_device()).
    let text = builtin(SourceKind::Scenario, "arm-port-vfio")
        .unwrap()
        .text
        .replace("\"arm-port-vfio\"", "\"arm-port-iommufd\"")
        .replace("vfio_backend = Type1;", "vfio_backend = Iommufd;");
    let s = scenario(&text);
    for (policy, holds) in [("status-quo", false), ("msi-reroute", true)] {
        let p = load_policy(policy).unwrap();
        let r = check(&Interpreter { policy: &p }, &s, Options::default());
        for prop in [Property::MsiDelivered, Property::NoSilentLoss] {
            assert_eq!(
                r.verdict(prop).status == Status::Holds,
                holds,
                "{policy}: {prop}"
            );
        }
        assert_eq!(
            r.verdict(Property::VfioUsable).status,
            Status::Holds,
            "{policy}"
        );
    }
}

#[test]
fn msi_reroute_holds_an_aer_raised_inside_the_open_and_services_it_at_the_cookie() {
    // arm-port-window raises between the claim and VFIO_SET_IOMMU: status-quo loses it
    // and the sticky status keeps the port silent; msi-reroute holds it in the masked
    // vector, and the re-target at the cookie services it, so the next error signals.
    let s = load_scenario("arm-port-window").unwrap();
    let quo = script(&load_policy("status-quo").unwrap(), &s);
    assert!(quo[2].starts_with("AER lost"), "{quo:?}");
    assert!(quo[4].starts_with("AER not signalled"), "{quo:?}");
    let fix = script(&load_policy("msi-reroute").unwrap(), &s);
    assert_eq!(
        fix[2],
        "AER held: vectors masked, message pending [g0: blocked]"
    );
    assert_eq!(fix[3], "ok [g0: user #1]");
    assert_eq!(fix[4], "AER delivered [g0: user #1]");
    assert_eq!(fix[6], "AER delivered [g0: default (DMA)]");
}

#[test]
fn msi_reroute_loses_aer_when_it_re_targets_before_the_cookie() {
    // Type1 attaches the user's domain first and installs the MSI cookie after: vectors
    // re-targeted at attach time get the physical doorbell, which the paging domain does
    // not map.
    let Loaded::Policy(p) = load_str(
        "early.policy.rs",
        r#"policy! {
            /// msi-reroute, re-targeting at attach time.
            name = "early-reroute";
            extends = "msi-reroute";
            on attach_user(g) {
                inherit()?;
                for d in g.devices {
                    retarget_msis(d);
                }
            }
            on msi_cookie(g) {}
        }"#,
    )
    .unwrap() else {
        panic!("a policy")
    };
    // The fixed script opens in one go (both ioctls), then raises.
    let s = load_scenario("arm-port-vfio").unwrap();
    let steps: Vec<String> = run_script(&Interpreter { policy: &p }, &s, Base::default())
        .iter()
        .map(|s| s.observed())
        .collect();
    assert!(steps[2].starts_with("ok [g0: user #1]"), "{steps:?}");
    assert!(
        steps[3].starts_with("AER lost") && steps[3].contains("physical doorbell"),
        "{steps:?}"
    );
}

#[test]
fn msi_reroute_loses_aer_of_a_port_driver_bound_while_the_group_is_switching() {
    // The window msi-reroute leaves open: pcieport rebinding after the claim allocates
    // its vectors in the blocking domain (the physical doorbell), unmasked, before the
    // user's domain exists. No predicate tells the BOUND_DRIVER notifier that the group
    // is mid-switch on arm64 and not at rest on x86, so the policy does not mask there.
    let text = builtin(SourceKind::Scenario, "arm-port-vfio")
        .unwrap()
        .text
        .replace("\"arm-port-vfio\"", "\"arm-port-rebind\"")
        .replace(
            "raise_aer(port) <= 3;",
            "raise_aer(port) <= 3;\n        unbind(port);\n        bind(port, pcieport);",
        );
    let s = scenario(&text);
    let p = load_policy("msi-reroute").unwrap();
    let r = check(&Interpreter { policy: &p }, &s, Options::default());
    assert_eq!(
        trace(&r, Property::MsiDelivered),
        [
            "bind(nic, vfio_pci)",
            "vfio_claim(g0)",
            "unbind(port)",
            "bind(port, pcieport)",
            "alloc_irq_vectors(port)",
            "raise_aer(port)"
        ]
    );
}

#[test]
fn identity_at_bind_keeps_an_unbound_device_out_of_identity() {
    // 6.12's iommu_group_store_type() attaches the identity domain at once; the policy
    // records it and leaves the group parked until the bind (the scenario's script:
    // write identity, then bind).
    let s = load_scenario("singleton-identity").unwrap();
    let quo = script(&load_policy("status-quo").unwrap(), &s);
    assert_eq!(quo[0], "ok [g0: default #1 (identity)]");
    let deferred = script(&load_policy("identity-at-bind").unwrap(), &s);
    assert_eq!(deferred[0], "ok [g0: parking (empty DMA, forbid_ats)]");
    assert_eq!(deferred[1], "ok [g0: default #1 (identity)]");
    // The parking domain's forbid_ats is honoured by arm-smmu-v3 only: VT-d enables ATS
    // in every paging domain it attaches, so on this x86 scenario the parked device has
    // ATS from boot, under park-empty-dma as under identity-at-bind.
    for p in ["park-empty-dma", "identity-at-bind"] {
        let r = report(p, "singleton-identity");
        assert_eq!(trace(&r, Property::UnboundIsolated), [] as [&str; 0], "{p}");
        assert_eq!(
            r.verdict(Property::UnboundIsolated).reason.as_deref(),
            Some("nic has no driver but ATS is on"),
            "{p}"
        );
    }
}

#[test]
fn identity_at_bind_rebinds_into_the_identity_domain_its_dma_ops_were_set_up_for() {
    // Unbind, write identity, bind: the deferred identity domain is the default domain,
    // so iommu_setup_dma_ops() picks dma-direct; the bind must attach it, not leave the
    // group in the DMA domain that was its default before the write. A policy that
    // unparks only from the parking domain leaves it there.
    let unpark_only = policy(
        r#"policy! {
            /// The deferral, with park-empty-dma's bind.
            name = "defer-unpark-only";
            extends = "park-empty-dma";
            subject = "iommu: Defer identity, unparking only from the parking domain";
            on default_type(g, ty) {
                if g.singleton && g.bound_count == 0 && g.owner_cnt == 0 {
                    set_default_type(g, ty)?;
                } else {
                    inherit()?;
                }
            }
        }"#,
    );
    let s = load_scenario("singleton-identity").unwrap();
    let r = check(
        &Interpreter {
            policy: &unpark_only,
        },
        &s,
        Options::default(),
    );
    assert_eq!(
        trace(&r, Property::DmaApiWorks),
        [
            "bind(nic, e1000e)",
            "unbind(nic)",
            "write_type(g0, Identity)",
            "bind(nic, e1000e)"
        ]
    );
    assert_eq!(
        status(
            "identity-at-bind",
            "singleton-identity",
            Property::DmaApiWorks
        ),
        Status::Holds
    );
}

#[test]
fn a_parked_group_goes_back_to_its_default_domain_when_its_last_device_is_hot_removed() {
    // __iommu_group_free_device() WARNs when a group's last device leaves and the group
    // is not in its default domain. 6.12 leaves an unbound group there; a policy that
    // parks a new group puts it back in `remove_last`, while the device is still its
    // member, so a device added and removed again without a driver (or, with
    // notifier-switch, after its driver left) does not hit the WARN.
    assert_eq!(
        status("status-quo", "hot-unplug", Property::NoWarn),
        Status::Holds
    );
    for p in PARKING {
        assert_eq!(
            status(p, "hot-unplug", Property::NoWarn),
            Status::Holds,
            "{p}"
        );
    }
}

#[test]
fn a_parked_group_warns_when_its_last_device_is_hot_removed_without_remove_last() {
    // The same parking policies with 6.12's `remove_last`, which does nothing: the group
    // is still parked when its last device goes, and the WARN fires.
    let s = load_scenario("hot-unplug").unwrap();
    for extends in PARKING {
        let p = with_empty_hook(extends, "remove_last(g)");
        let r = check(&Interpreter { policy: &p }, &s, Options::default());
        assert_eq!(
            trace(&r, Property::NoWarn),
            ["add(nic)", "remove(nic)"],
            "{extends}"
        );
        let why = r.verdict(Property::NoWarn).reason.clone().unwrap();
        assert!(
            why.starts_with("g1: WARN in __iommu_group_free_device(): last device gone"),
            "{extends}: {why}"
        );
    }
}

#[test]
fn a_deferred_identity_group_goes_to_its_default_domain_when_its_last_device_is_removed() {
    // identity-at-bind gives a singleton group a new identity default domain without
    // attaching it; after an unbind the group is still in the DMA domain that was its
    // default. Removing the device then finds the group in neither its default nor its
    // parking domain, so returning only from the parking domain (park-empty-dma's
    // `remove_last`) WARNs; identity-at-bind returns from wherever the group is.
    let s = scenario(
        r#"scenario! {
            /// A hot-added endpoint bound, unbound, its type written, then removed.
            name = "identity-unplug";
            platform = X86Vtd;
            driver pcieport { managed_dma, msi, irq_only }
            driver e1000e { dma_api, msi }
            device port { root_port, driver = pcieport }
            device nic { parent = port, hotplug }
            moves { add(nic); write_type(g1, Identity); bind(nic, e1000e); unbind(nic); remove(nic); }
        }"#,
    );
    let parking_only = policy(
        r#"policy! {
            /// identity-at-bind, returning to the default domain only from the parking one.
            name = "identity-parking-only";
            extends = "identity-at-bind";
            subject = "iommu: Defer identity, unparking an empty group only when parked";
            on remove_last(g) {
                if g.domain == EmptyDma {
                    set_domain(g, Default)?;
                }
            }
        }"#,
    );
    let r = check(
        &Interpreter {
            policy: &parking_only,
        },
        &s,
        Options::default(),
    );
    assert_eq!(
        trace(&r, Property::NoWarn),
        [
            "add(nic)",
            "bind(nic, e1000e)",
            "unbind(nic)",
            "write_type(g1, Identity)",
            "remove(nic)"
        ]
    );
    let why = r.verdict(Property::NoWarn).reason.clone().unwrap();
    assert!(why.contains("in default (DMA), owner_cnt 0"), "{why}");
    let fixed = load_policy("identity-at-bind").unwrap();
    let r = check(&Interpreter { policy: &fixed }, &s, Options::default());
    assert_eq!(r.verdict(Property::NoWarn).status, Status::Holds);
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

/// `policy` with its `probe` hook testing require_direct on the group's first device only,
/// as iommu_group_first_dev() gives it at the probe site.
fn first_device_probe(policy: &str, domain: &str) -> switchyard_dsl::Policy {
    self::policy(&format!(
        r#"policy! {{
            /// {policy}, looking at the first device only.
            name = "{policy}-first-device";
            extends = "{policy}";
            subject = "iommu: Park a group unless its first device requires direct mappings";
            on probe(dev) {{
                if group(dev).domain == None && !dev.require_direct {{
                    set_domain(group(dev), {domain})?;
                }} else {{
                    inherit()?;
                }}
            }}
        }}"#
    ))
}

#[test]
fn a_group_whose_second_member_requires_direct_mappings_is_never_parked() {
    // rmr-two-device (x86, where every PCI device is probed at boot):
    // bus_iommu_probe() puts the root port and the RMRR endpoint in their
    // group before the group's first domain is set up. Looking at the first device (the
    // port) parks the group: the blocking domain is refused for the endpoint, and
    // iommu_setup_default_domain() WARNs at boot, leaving the group without a domain.
    let s = load_scenario("rmr-two-device").unwrap();
    let first = first_device_probe("park-blocked", "Blocked");
    let r = check(&Interpreter { policy: &first }, &s, Options::default());
    assert_eq!(trace(&r, Property::NoWarn), Vec::<String>::new());
    let why = r.verdict(Property::NoWarn).reason.clone().unwrap();
    assert!(
        why.contains("rp: probe failed with EINVAL")
            && why.contains("iommu_setup_default_domain()"),
        "{why}"
    );
    let boot = &r.verdict(Property::NoWarn).trace[0].events;
    assert!(
        boot.iter()
            .any(|e| e.contains("refused the blocking domain: nic requires direct mappings")),
        "{boot:?}"
    );
    // The group-wide test sees the endpoint: the parking policies keep the group in its
    // default domain, and notifier-switch does not park it when the endpoint unbinds.
    for p in ["park-blocked", "park-empty-dma", "notifier-switch"] {
        let r = report(p, "rmr-two-device");
        for prop in [Property::NoWarn, Property::RequireDirectKept] {
            assert_eq!(r.verdict(prop).status, Status::Holds, "{p}: {prop}");
        }
    }
}

#[test]
fn a_first_device_test_parks_an_rmr_group_when_the_rmr_device_is_hot_added_later() {
    // Hot-added one at a time, the port's group is set up before the endpoint arrives, so
    // neither test can see it: without a join hook __iommu_device_set_domain() refuses the
    // blocking domain to the endpoint and its probe fails, leaving it outside the group, where 6.12's VT-d
    // release domain blocks it. Boot is what the group-wide test fixes; this pins down
    // that the model's hotplug stays one at a time.
    let s = scenario(
        r#"scenario! {
            /// A root port without ACS, and an RMR endpoint hot-added below it.
            name = "rmr-hot-added";
            platform = X86Vtd;
            device rp { root_port, no_acs }
            device nic { parent = rp, require_direct, hotplug }
            moves { add(nic); }
        }"#,
    );
    let p = with_empty_hook("park-blocked", "join(dev)");
    let r = check(&Interpreter { policy: &p }, &s, Options::default());
    assert_eq!(trace(&r, Property::RequireDirectKept), ["add(nic)"]);
    let why = r
        .verdict(Property::RequireDirectKept)
        .reason
        .clone()
        .unwrap();
    assert!(
        why.contains("nic requires direct mappings but g0 refused it: its DMA blocked"),
        "{why}"
    );
    // park-blocked's join hook moves the group to its default domain before the
    // endpoint joins it.
    let p = load_policy("park-blocked").unwrap();
    let r = check(&Interpreter { policy: &p }, &s, Options::default());
    assert_eq!(r.verdict(Property::RequireDirectKept).status, Status::Holds);
}

#[test]
fn an_rmr_endpoint_bound_after_a_port_driver_is_refused_by_the_parked_group() {
    // rmr-join-parked on 6.12's arm64: binding pcieport probes the root port into its
    // group; park-blocked parks the group, and pcieport (driver_managed_dma) leaves it
    // parked. Without the join hook, the endpoint's first bind probes it, and
    // __iommu_device_set_domain() refuses it the blocking domain: the probe fails,
    // pci_dma_configure() goes on without the IOMMU, and e1000e binds with dma-direct to a
    // device outside any group, its stream bypassed by arm_smmu_release_device().
    let s = load_scenario("rmr-join-parked").unwrap();
    let old = with_empty_hook("park-blocked", "join(dev)");
    let r = check(&Interpreter { policy: &old }, &s, Options::default());
    assert_eq!(
        trace(&r, Property::RequireDirectKept),
        ["bind(rp, pcieport)", "add(nic)", "bind(nic, e1000e)"]
    );
    let v = r.verdict(Property::RequireDirectKept);
    let why = v.reason.clone().unwrap();
    assert!(
        why.contains("nic requires direct mappings but g0 refused it: untranslated"),
        "{why}"
    );
    let bind = &v.trace.last().unwrap().events;
    assert!(
        bind.iter()
            .any(|e| e.contains("Firmware has requested this device have a 1:1 IOMMU mapping")),
        "{bind:?}"
    );
    assert!(
        bind.iter()
            .any(|e| e.contains("nic: in no IOMMU group: the driver gets dma-direct")),
        "{bind:?}"
    );
    // park-blocked's join hook moves the group to its default domain first. The
    // policies that extend it move the group there already when pcieport binds (at
    // BIND_DRIVER, in dma_configure, for an IRQ-only driver), and 6.12 as it is attaches
    // the default domain at the port's probe.
    let r = report("park-blocked", "rmr-join-parked");
    assert_eq!(r.verdict(Property::RequireDirectKept).status, Status::Holds);
    let script = script(&load_policy("park-blocked").unwrap(), &s);
    assert!(script[2].starts_with("ok [g0: default"), "{script:?}");
    for p in [
        "notifier-switch",
        "prepare-default-domain",
        "irq-only-driver-flag",
        "status-quo",
    ] {
        assert_eq!(
            status(p, "rmr-join-parked", Property::RequireDirectKept),
            Status::Holds,
            "{p}"
        );
    }
}

#[test]
fn a_parking_dma_domain_unparks_within_the_rmr_endpoints_first_bind_on_arm64() {
    // On 6.12's arm64 the endpoint joins the parked group at its first bind, and the same
    // dma_configure() moves the group to its default domain, where
    // iommu_create_device_direct_mappings() put the RMR: no state between the two is
    // visible (7.3, which probes it at its add, is in linux73.rs).
    for p in ["park-empty-dma", "identity-at-bind"] {
        assert_eq!(
            status(p, "rmr-join-parked", Property::RequireDirectKept),
            Status::Holds,
            "{p}"
        );
    }
}

#[test]
fn notifier_switch_does_not_park_an_rmr_group_again_when_its_driver_unbinds() {
    // The re-park at UNBOUND_DRIVER asked for the blocking domain, which
    // __iommu_device_set_domain() refuses for a require_direct device: the notifier hook
    // failed with EINVAL and the kernel WARNed.
    let old = policy(
        r#"policy! {
            /// notifier-switch, parking again whatever the group's members require.
            name = "notifier-switch-always-repark";
            extends = "notifier-switch";
            subject = "iommu: Park a group again when its last driver unbinds";
            on bus_notify(UnboundDriver, dev) {
                if group(dev).domain == Default && !group(dev).owned && group(dev).bound_count == 0 {
                    set_domain(group(dev), Blocked)?;
                }
            }
        }"#,
    );
    let s = load_scenario("rmr-require-direct").unwrap();
    let r = check(&Interpreter { policy: &old }, &s, Options::default());
    assert_eq!(
        trace(&r, Property::NoWarn),
        ["bind(nic, e1000e)", "unbind(nic)"]
    );
    let why = r.verdict(Property::NoWarn).reason.clone().unwrap();
    assert!(why.contains("stopped with EINVAL"), "{why}");
    assert_eq!(
        status("notifier-switch", "rmr-require-direct", Property::NoWarn),
        Status::Holds
    );
}

/// A kdump kernel on VT-d: the IOMMU driver defers the endpoint's attach, so the
/// crashed kernel's translation stays while the default domain is attached.
const KDUMP: &str = r#"scenario! {
    /// An endpoint whose attach the IOMMU driver deferred (a kdump kernel).
    name = "kdump-deferred";
    platform = X86Vtd;
    driver e1000e { dma_api, msi }
    driver vfio_pci { name = "vfio-pci", managed_dma, vfio }
    device nic { attach_deferred }
    moves { bind(nic, vfio_pci); bind(nic, e1000e); unbind(nic) <= 2; }
    script { bind(nic, vfio_pci); unbind(nic); bind(nic, e1000e); unbind(nic); }
}"#;

#[test]
fn notifier_switch_does_not_park_a_group_whose_attach_is_deferred_when_its_driver_unbinds() {
    // Boot keeps a group with a deferred attach in its default domain
    // (iommu_group_attach_deferred() before the first attach). vfio-pci maps nothing, so
    // the attach is still deferred when it unbinds; parking the group then would end the
    // deferral (__iommu_device_set_domain() attaches any domain but the default one) and
    // block the crashed kernel's DMA. After e1000e's probe has mapped DMA the deferral
    // is over and the group is parked as any other.
    let old = policy(
        r#"policy! {
            /// notifier-switch, parking again whatever the members' attach.
            name = "notifier-switch-repark-deferred";
            extends = "notifier-switch";
            subject = "iommu: Park a group again when its last driver unbinds";
            on bus_notify(UnboundDriver, dev) {
                if group(dev).domain == Default && !group(dev).owned
                    && group(dev).bound_count == 0 && !group(dev).require_direct {
                    set_domain(group(dev), Blocked)?;
                }
            }
        }"#,
    );
    let s = scenario(KDUMP);
    let before = script(&old, &s);
    assert!(before[1].starts_with("ok [g0: blocked]"), "{before:?}");
    let after = script(&load_policy("notifier-switch").unwrap(), &s);
    assert!(after[0].starts_with("ok [g0: default (DMA)]"), "{after:?}");
    assert!(after[1].starts_with("ok [g0: default (DMA)]"), "{after:?}");
    assert!(after[3].starts_with("ok [g0: blocked]"), "{after:?}");
}

#[test]
fn parking_at_boot_keeps_a_group_whose_attach_is_deferred_in_its_default_domain() {
    // The series attaches such a group to its default domain before the policy's first
    // attach; the model's boot does the same, on either base.
    let s = scenario(KDUMP);
    for base in [Base::Linux612, Base::Linux73] {
        for name in ["park-blocked", "park-empty-dma", "notifier-switch"] {
            let p = load_policy(name).unwrap();
            let steps: Vec<String> = run_script(&Interpreter { policy: &p }, &s, base)
                .iter()
                .map(|s| s.observed())
                .collect();
            assert!(
                steps[0].starts_with("ok [g0: default (DMA)]"),
                "{name} on {base}: {steps:?}"
            );
        }
    }
}

#[test]
fn ats_required_kept_does_not_count_the_blocking_domain_of_a_claim() {
    // Between VFIO_GROUP_SET_CONTAINER and VFIO_SET_IOMMU the CXL device sits in the
    // blocking domain with vfio-pci bound and ATS off: by design (I2), not a loss of I6.
    for p in ["status-quo", "park-blocked", "notifier-switch"] {
        assert_eq!(
            status(p, "cxl-ats-required", Property::AtsRequiredKept),
            Status::Holds,
            "{p}"
        );
    }
}

#[test]
fn a_state_budget_ends_in_inconclusive_not_in_a_verdict() {
    let p = load_policy("msi-reroute").unwrap();
    let s = load_scenario("arm-port-vfio").unwrap();
    let r = check(
        &Interpreter { policy: &p },
        &s,
        Options {
            max_states: 5,
            ..Options::default()
        },
    );
    assert!(!r.stats.complete);
    assert_eq!(r.stats.states, 5);
    assert_eq!(
        r.verdict(Property::MsiDelivered).status,
        Status::Inconclusive
    );
    // A violation found within the budget is still definite.
    let p = load_policy("status-quo").unwrap();
    let r = check(
        &Interpreter { policy: &p },
        &s,
        Options {
            max_states: 12,
            ..Options::default()
        },
    );
    assert!(!r.stats.complete);
    assert_eq!(r.verdict(Property::NoSilentLoss).status, Status::Violated);
}

fn scenario(text: &str) -> switchyard_dsl::Scenario {
    match load_str("test.scenario.rs", text).unwrap() {
        Loaded::Scenario(s) => *s,
        Loaded::Policy(_) => panic!("a scenario"),
    }
}

fn policy(text: &str) -> switchyard_dsl::Policy {
    match load_str("test.policy.rs", text).unwrap() {
        Loaded::Policy(p) => *p,
        Loaded::Scenario(_) => panic!("a policy"),
    }
}

fn script(policy: &switchyard_dsl::Policy, s: &switchyard_dsl::Scenario) -> Vec<String> {
    run_script(&Interpreter { policy }, s, Base::default())
        .iter()
        .map(|s| s.observed())
        .collect()
}

#[test]
fn identity_on_an_untrusted_group_fails_einval_for_every_policy() {
    // iommu_get_default_domain_type() forces DMA for an untrusted member; the write fails
    // after the owner_cnt check, which a bound DMA-API driver trips first (EPERM). On x86,
    // where the device is in its group before any driver binds.
    let s = scenario(
        r#"scenario! {
            /// An untrusted endpoint alone in its group.
            name = "untrusted-identity";
            platform = X86Vtd;
            driver e1000e { dma_api, msi }
            device ext { untrusted, ats }
            moves { write_type(g0, Identity) <= 2; bind(ext, e1000e); }
            script { write_type(g0, Identity); bind(ext, e1000e); write_type(g0, Identity); }
        }"#,
    );
    for p in ["status-quo", "identity-at-bind"] {
        let steps = script(&load_policy(p).unwrap(), &s);
        assert!(steps[0].starts_with("fails: EINVAL"), "{p}: {steps:?}");
        assert!(steps[2].starts_with("fails: EPERM"), "{p}: {steps:?}");
        let r = check(
            &Interpreter {
                policy: &load_policy(p).unwrap(),
            },
            &s,
            Options::default(),
        );
        assert_eq!(
            r.verdict(Property::UnboundIsolated).status,
            Status::Holds,
            "{p}"
        );
    }
}

#[test]
fn smmuv3_identity_has_no_ats_and_vtd_identity_has() {
    // identity_domain_attach_dev() in scalable mode: ATS for identity too (from the
    // blocking domain, which has none).
    let r = report("park-blocked", "singleton-identity");
    assert_eq!(
        trace(&r, Property::UnboundIsolated),
        ["write_type(g0, Identity)"]
    );
    let v = r.verdict(Property::UnboundIsolated);
    assert_eq!(v.reason.as_deref(), Some("nic has no driver but ATS is on"));
    assert!(
        v.trace[1].changes.iter().any(|c| c == "nic.ats: off -> on"),
        "{:?}",
        v.trace[1].changes
    );

    // arm_smmu_attach_prepare(): ATS only for paging domains. With identity as the boot
    // default (iommu.passthrough=1), the first bind probes the device into an identity
    // domain and ATS stays off.
    let s = scenario(
        r#"scenario! {
            /// An ATS endpoint alone in its group, on arm64, identity by default.
            name = "smmuv3-identity";
            platform = Arm64Smmuv3;
            default_domain = Identity;
            driver e1000e { dma_api, msi }
            device nic { ats }
            moves { bind(nic, e1000e); unbind(nic); }
        }"#,
    );
    let p = load_policy("status-quo").unwrap();
    let r = check(&Interpreter { policy: &p }, &s, Options::default());
    assert_eq!(
        trace(&r, Property::UnboundIsolated),
        ["bind(nic, e1000e)", "unbind(nic)"]
    );
    let v = r.verdict(Property::UnboundIsolated);
    assert_eq!(
        v.reason.as_deref(),
        Some("nic has no driver but its group is in an identity domain")
    );
    assert!(
        !v.trace[1].changes.iter().any(|c| c.starts_with("nic.ats")),
        "{:?}",
        v.trace[1].changes
    );
}

const BRIDGE_FOR_VFIO: &str = r#"scenario! {
    /// A root port offered to vfio-pci.
    name = "bridge-vfio";
    platform = Arm64Smmuv3;
    driver vfio_pci { name = "vfio-pci", managed_dma, vfio }
    device port { root_port }
    moves { bind(port, vfio_pci); vfio_open(g0); }
    script { bind(port, vfio_pci); vfio_open(g0); }
}"#;

#[test]
fn vfio_pci_on_a_bridge_fails_einval_after_dma_configure_and_not_bound() {
    // vfio_pci_core_register_device(): not PCI_HEADER_TYPE_NORMAL -> EINVAL; really_probe()
    // notifies DRIVER_NOT_BOUND and the device stays unbound, so there is no group to open.
    let s = scenario(BRIDGE_FOR_VFIO);
    let steps = script(&load_policy("status-quo").unwrap(), &s);
    assert_eq!(
        steps,
        [
            "fails: EINVAL [g0: default (DMA)]",
            "not possible in this state [g0: default (DMA)]"
        ]
    );
    // The BIND_DRIVER and DRIVER_NOT_BOUND hooks both run, in that order.
    let p = policy(
        r#"policy! {
            /// Parks at BIND_DRIVER, unparks at DRIVER_NOT_BOUND.
            name = "not-bound-probe";
            on bus_notify(BindDriver, dev) { set_domain(group(dev), Blocked)?; }
            on bus_notify(DriverNotBound, dev) { set_domain(group(dev), Identity)?; }
        }"#,
    );
    let steps = script(&p, &s);
    assert_eq!(steps[0], "fails: EINVAL [g0: identity]");
    let r = check(&Interpreter { policy: &p }, &s, Options::default());
    assert_eq!(r.verdict(Property::VfioUsable).status, Status::Violated);
}

#[test]
fn a_re_added_device_gets_the_boot_default_type() {
    // __iommu_group_remove_device() frees the emptied group; iommu_group_alloc() gives the
    // re-added device a fresh one with iommu_def_domain_type. On x86, where a device is
    // probed into its group as it is added, so its group's `type` can be written before
    // a driver binds.
    let s = scenario(
        r#"scenario! {
            /// A hotplug endpoint alone in its group.
            name = "readd";
            platform = X86Vtd;
            driver e1000e { dma_api, msi }
            device nic { hotplug }
            moves { add(nic) <= 2; write_type(g0, Identity); remove(nic); bind(nic, e1000e); }
            script { add(nic); write_type(g0, Identity); remove(nic); add(nic); bind(nic, e1000e); }
        }"#,
    );
    let steps = script(&load_policy("status-quo").unwrap(), &s);
    assert_eq!(
        steps,
        [
            "ok [g0: default (DMA)]",
            "ok [g0: default #1 (identity)]",
            "ok [g0: none]",
            "ok [g0: default (DMA)]",
            "ok [g0: default (DMA)]"
        ]
    );
}

#[test]
fn set_container_fails_eperm_while_a_dma_api_driver_is_bound() {
    // iommu_group_claim_dma_owner(): owner_cnt != 0 -> EPERM; 6.12 has no viability check.
    let s = scenario(
        r#"scenario! {
            /// A NIC on the DMA API and a device for vfio-pci in one group.
            name = "shared-eperm";
            platform = Arm64Smmuv3;
            driver e1000e { dma_api, msi }
            driver vfio_pci { name = "vfio-pci", managed_dma, vfio }
            device rp { root_port, no_acs }
            device usp { upstream_port, parent = rp }
            device dsp1 { downstream_port, parent = usp }
            device dsp2 { downstream_port, parent = usp }
            device nic { parent = dsp1 }
            device acc { parent = dsp2 }
            moves { bind(nic, e1000e); bind(acc, vfio_pci); vfio_open(g0); }
            script { bind(nic, e1000e); bind(acc, vfio_pci); vfio_open(g0); }
        }"#,
    );
    let steps = script(&load_policy("status-quo").unwrap(), &s);
    assert_eq!(steps[2], "fails: EPERM [g0: default (DMA)]");
}

#[test]
fn unbinding_vfio_pci_while_owned_returns_the_group_to_its_default_domain() {
    // vfio_unregister_group_dev() waits only for device fds; the last VFIO device's
    // vfio_device_remove_group() detaches the type1 container at once.
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../scenarios/arm-port-vfio.scenario.rs"
    ))
    .unwrap()
    .replacen(
        "vfio_close(g0);\n        raise_aer",
        "vfio_close(g0);\n        unbind(nic);\n        raise_aer",
        1,
    )
    .replace(
        "vfio_open(g0);\n        raise_aer(port);\n        vfio_close(g0);",
        "vfio_open(g0);\n        unbind(nic);\n        vfio_close(g0);",
    );
    let s = scenario(&text);
    let steps = script(&load_policy("status-quo").unwrap(), &s);
    assert_eq!(
        &steps[2..],
        [
            "ok [g0: user #1]",
            "ok [g0: default (DMA)]",
            "not possible in this state [g0: default (DMA)]",
            "AER delivered [g0: default (DMA)]"
        ]
    );
    // Unbinding is now a way out of the user's domain: status-quo still loses the AER
    // raised while the user holds the group (first in the claim's window), and nothing
    // else.
    let r = check(
        &Interpreter {
            policy: &load_policy("status-quo").unwrap(),
        },
        &s,
        Options::default(),
    );
    assert_eq!(
        trace(&r, Property::MsiDelivered),
        ["bind(nic, vfio_pci)", "vfio_claim(g0)", "raise_aer(port)"]
    );
    assert_eq!(r.verdict(Property::UserIsolated).status, Status::Holds);
}

/// msi-delivered on arm-port-vfio under status-quo: the checker's trace (bind vfio-pci,
/// the claim, the raise in the claim window) becomes the script a user performs, the
/// claim alone as `VFIO_GROUP_SET_CONTAINER`; replayed in the model it loses AER at the
/// same step.
#[test]
fn the_msi_delivered_counterexample_is_a_script_with_the_claim_alone() {
    let p = load_policy("status-quo").unwrap();
    let s = load_scenario("arm-port-vfio").unwrap();
    let r = check(&Interpreter { policy: &p }, &s, Options::default());
    let script = replay_script(&s, r.verdict(Property::MsiDelivered)).unwrap();
    let shown: Vec<String> = script.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        ["bind(nic, vfio_pci)", "vfio_claim(g0)", "raise_aer(port)"]
    );
    let mut traced = s.clone();
    traced.script = script;
    let steps = run_script(&Interpreter { policy: &p }, &traced, Base::default());
    assert!(
        steps[2].observed().starts_with("AER lost"),
        "{:?}",
        steps[2].observed()
    );
}

/// A property that holds has no counterexample to replay.
#[test]
fn a_property_that_holds_has_no_script_to_replay() {
    let p = load_policy("status-quo").unwrap();
    let s = load_scenario("x86-port-vfio").unwrap();
    let r = check(&Interpreter { policy: &p }, &s, Options::default());
    let e = replay_script(&s, r.verdict(Property::MsiDelivered)).unwrap_err();
    assert!(e.to_string().contains("no counterexample"), "{e}");
}

/// A trace with an interrupt between type1's attach and its MSI cookie cannot be
/// performed from userspace: both are one `VFIO_SET_IOMMU`.
#[test]
fn a_step_inside_vfio_set_iommu_is_not_replayable() {
    let s = load_scenario("arm-port-vfio").unwrap();
    let step = |n: usize, mv: &str| switchyard_model::explore::Step {
        n,
        mv: mv.to_string(),
        outcome: None,
        events: vec![],
        changes: vec![],
    };
    let v = switchyard_model::Verdict {
        property: Property::MsiDelivered,
        status: Status::Violated,
        reason: None,
        trace: vec![
            step(0, "boot"),
            step(1, "bind(nic, vfio_pci)"),
            step(2, "vfio_claim(g0)"),
            step(3, "vfio_attach(g0)"),
            step(4, "raise_aer(port)"),
            step(5, "vfio_msi_cookie(g0)"),
        ],
    };
    let e = replay_script(&s, &v).unwrap_err().to_string();
    assert!(
        e.contains("step 4, raise_aer(port), happens inside VFIO_SET_IOMMU"),
        "{e}"
    );
    // Adjacent, the two are one `vfio_attach`; the close's two steps one `vfio_close`.
    let mut v = v;
    v.trace.swap(4, 5);
    v.trace.push(step(6, "vfio_detach(g0)"));
    v.trace.push(step(7, "vfio_release(g0)"));
    let shown: Vec<String> = replay_script(&s, &v)
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        shown,
        [
            "bind(nic, vfio_pci)",
            "vfio_claim(g0)",
            "vfio_attach(g0)",
            "raise_aer(port)",
            "vfio_close(g0)"
        ]
    );
}

/// vfio-hard-fail as it was, refusing every driver_managed_dma bind in an owned group at
/// dma_configure instead of refusing the vectors of a probing driver.
const HARD_FAIL_AT_DMA_CONFIGURE: &str = r#"policy! {
    /// The claim check and a dma_configure refusal.
    name = "hard-fail-at-dma-configure";
    extends = "status-quo";
    on claim(g) {
        for d in g.devices {
            if d.msi_iova {
                fail(EBUSY);
            }
        }
        inherit()?;
    }
    on dma_configure(dev, managed) {
        if cfg(IRQ_MSI_IOMMU) && managed && group(dev).owned {
            fail(EBUSY);
        }
        inherit()?;
    }
}"#;

/// arm-port-vfio where an administrator binds pcieport again while a user takes the group.
const PORT_REBIND_RACE: &str = r#"scenario! {
    /// pcieport unbound, then bound again while VFIO takes the group.
    name = "port-rebind-race";
    platform = Arm64Smmuv3;
    driver pcieport { managed_dma, msi, irq_only }
    driver vfio_pci { name = "vfio-pci", managed_dma, vfio }
    device port { root_port, no_acs, aer, driver = pcieport }
    device nic { parent = port }
    moves {
        unbind(port);
        bind(nic, vfio_pci);
        bind(port, pcieport);
        vfio_open(g0);
        vfio_close(g0);
        raise_aer(port);
    }
}"#;

#[test]
fn a_pcieport_probe_racing_a_claim_loses_its_msi_unless_the_vectors_are_refused() {
    let s = scenario(PORT_REBIND_RACE);
    // The bind passes dma_configure while the group is unowned, the claim finds no vector
    // and takes the group, and the probe then allocates its vectors in the blocking domain.
    let old = policy(HARD_FAIL_AT_DMA_CONFIGURE);
    let r = check(&Interpreter { policy: &old }, &s, Options::default());
    let t = trace(&r, Property::NoSilentLoss);
    let at = |m: &str| t.iter().position(|x| x == m).unwrap_or(usize::MAX);
    assert!(
        at("bind(port, pcieport)") < at("vfio_claim(g0)")
            && at("vfio_claim(g0)") < at("alloc_irq_vectors(port)")
            && at("alloc_irq_vectors(port)") != usize::MAX,
        "{t:?}"
    );
    // The trace cannot be replayed from userspace: the claim lands inside the bind.
    let err = replay_script(&s, r.verdict(Property::NoSilentLoss)).unwrap_err();
    assert!(err.to_string().contains("inside the bind"), "{err}");
    // Refusing the probe's vectors while the group is owned leaves the port on INTx.
    let p = load_policy("vfio-hard-fail").unwrap();
    let r = check(&Interpreter { policy: &p }, &s, Options::default());
    for prop in [
        Property::MsiDelivered,
        Property::NoSilentLoss,
        Property::NoWarn,
    ] {
        assert_eq!(r.verdict(prop).status, Status::Holds, "{prop}");
    }
}

#[test]
fn vfio_pci_binds_a_second_member_of_an_owned_group() {
    let s = scenario(
        r#"scenario! {
            /// Two endpoints in one group below a switch without ACS; the port driver
            /// is not loaded.
            name = "two-endpoints";
            platform = Arm64Smmuv3;
            driver vfio_pci { name = "vfio-pci", managed_dma, vfio }
            device rp { root_port, no_acs }
            device usp { upstream_port, parent = rp }
            device dsp1 { downstream_port, parent = usp }
            device dsp2 { downstream_port, parent = usp }
            device nic1 { parent = dsp1 }
            device nic2 { parent = dsp2 }
            moves {
                bind(nic1, vfio_pci);
                vfio_open(g0);
                bind(nic2, vfio_pci);
            }
            script {
                bind(nic1, vfio_pci);
                vfio_open(g0);
                bind(nic2, vfio_pci);
            }
        }"#,
    );
    let observed = |p: &switchyard_dsl::Policy| -> Vec<String> {
        run_script(&Interpreter { policy: p }, &s, Base::Linux612)
            .iter()
            .map(|s| s.observed())
            .collect()
    };
    let old = observed(&policy(HARD_FAIL_AT_DMA_CONFIGURE));
    assert!(old[2].starts_with("fails: EBUSY"), "{old:?}");
    let new = observed(&load_policy("vfio-hard-fail").unwrap());
    assert!(new.iter().all(|o| o.starts_with("ok")), "{new:?}");
}

/// A root port no driver binds at boot, and vfio-pci, whose probe refuses a bridge.
const VFIO_ON_A_BRIDGE: &str = r#"scenario! {
    /// vfio-pci bound to a root port: its probe fails with EINVAL.
    name = "vfio-on-a-bridge";
    platform = Arm64Smmuv3;
    vfio_backend = Type1;
    driver vfio_pci { name = "vfio-pci", managed_dma, vfio }
    device port { root_port }
    moves { bind(port, vfio_pci); }
    script { bind(port, vfio_pci); }
}"#;

#[test]
fn notifier_switch_parks_a_group_again_when_the_only_driver_fails_to_probe() {
    // BUS_NOTIFY_BIND_DRIVER unparks the group before the driver's probe; a probe that
    // fails sends DRIVER_NOT_BOUND (with dev->driver still set), not UNBOUND_DRIVER, so a
    // policy that re-parks only at UNBOUND_DRIVER leaves the group in its default domain
    // with no driver bound.
    let old = policy(
        r#"policy! {
            /// notifier-switch, parking again only at UNBOUND_DRIVER.
            name = "notifier-switch-unbound-only";
            extends = "park-blocked";
            subject = "iommu: Unpark a device's group when a driver binds";
            on bus_notify(BindDriver, dev) {
                if group(dev).domain == Blocked && !group(dev).owned {
                    set_domain(group(dev), Default)?;
                }
            }
            on bus_notify(UnboundDriver, dev) {
                if group(dev).domain == Default && !group(dev).owned
                    && group(dev).bound_count == 0 && !group(dev).require_direct
                    && !group(dev).attach_deferred {
                    set_domain(group(dev), Blocked)?;
                }
            }
        }"#,
    );
    let s = scenario(VFIO_ON_A_BRIDGE);
    let before = script(&old, &s);
    assert!(
        before[0].starts_with("fails: EINVAL [g0: default (DMA)]"),
        "{before:?}"
    );
    let after = script(&load_policy("notifier-switch").unwrap(), &s);
    assert!(
        after[0].starts_with("fails: EINVAL [g0: blocked]"),
        "{after:?}"
    );
}
