//! Linux 7.3's model: where its verdicts and fixed scripts differ from 6.12's, and where
//! they do not. Each test names the property or step, the scenario, and what it expects,
//! from the 7.3 source (drivers/iommu/iommu.c, drivers/pci/pci-driver.c,
//! drivers/pci/pcie/portdrv.c, drivers/irqchip/Kconfig).

mod common;

use common::{with_empty_hook, PARKING};
use switchyard_dsl::{load_policy, load_scenario, load_str, Base, Loaded, Policy};
use switchyard_model::{check, run_script, Interpreter, Options, Property, Report, Status};

fn report(policy: &str, scenario: &str, base: Base) -> Report {
    let p = load_policy(policy).unwrap();
    let s = load_scenario(scenario).unwrap();
    check(
        &Interpreter { policy: &p },
        &s,
        Options {
            base,
            ..Options::default()
        },
    )
}

/// The moves of a violation's trace, without boot.
fn trace(r: &Report, prop: Property) -> Vec<String> {
    let v = r.verdict(prop);
    assert_eq!(v.status, Status::Violated, "{}: {prop}", r.scenario);
    v.trace.iter().skip(1).map(|s| s.mv.clone()).collect()
}

fn script(policy: &Policy, scenario: &str, base: Base) -> Vec<String> {
    let s = load_scenario(scenario).unwrap();
    run_script(&Interpreter { policy }, &s, base)
        .iter()
        .map(|s| s.observed())
        .collect()
}

#[test]
fn status_quo_on_7_3_still_loses_the_ports_aer_after_a_vfio_open() {
    // type1 still attaches the user's domain (iommu_attach_group()) before
    // iommu_get_msi_cookie(), and pcieport's vector still holds the doorbell IOVA of the
    // default domain it was allocated in: the same shortest trace as on 6.12.
    for base in Base::ALL {
        let r = report("status-quo", "arm-port-vfio", base);
        assert_eq!(
            trace(&r, Property::MsiDelivered),
            ["bind(nic, vfio_pci)", "vfio_claim(g0)", "raise_aer(port)"],
            "{base}"
        );
        assert_eq!(
            trace(&r, Property::NoSilentLoss),
            ["bind(nic, vfio_pci)", "vfio_claim(g0)"],
            "{base}"
        );
        let r = report("status-quo", "arm-switch-vfio", base);
        assert_eq!(r.verdict(Property::MsiDelivered).status, Status::Violated);
    }
    let p = load_policy("status-quo").unwrap();
    let steps = script(&p, "arm-port-vfio", Base::Linux73);
    assert!(steps[0].starts_with("AER delivered"), "{steps:?}");
    assert!(steps[3].starts_with("AER lost"), "{steps:?}");
    assert!(steps[5].starts_with("AER not signalled"), "{steps:?}");
    // Every built-in scenario gives status-quo the same verdicts on both bases but one:
    // in rmr-join-parked the root port has no built-in driver, so 6.12's arm64 probes it
    // only at its bind, while 7.3 probes it at boot into the default domain, which the
    // endpoint's e1000e then maps into with no driver on the port (unbound-isolated).
    for s in switchyard_dsl::builtins(switchyard_dsl::SourceKind::Scenario) {
        let (old, new) = (
            report("status-quo", s.name, Base::Linux612),
            report("status-quo", s.name, Base::Linux73),
        );
        let statuses = |r: &Report| {
            r.verdicts
                .iter()
                .filter(|v| s.name != "rmr-join-parked" || v.property != Property::UnboundIsolated)
                .map(|v| v.status)
                .collect::<Vec<_>>()
        };
        assert_eq!(statuses(&old), statuses(&new), "{}", s.name);
    }
    assert_eq!(
        trace(
            &report("status-quo", "rmr-join-parked", Base::Linux73),
            Property::UnboundIsolated
        ),
        ["add(nic)", "bind(nic, e1000e)"]
    );
}

#[test]
fn on_7_3_an_arm64_device_joins_its_group_when_it_is_added() {
    // 6.12: the root port has no fwspec until pci_dma_configure() at its first bind, so
    // the hot-added endpoint's add leaves both groups without a domain. 7.3:
    // iommu_init_device() calls the bus's dma_configure() itself, so both are probed at
    // boot and at the add, each group in its default domain.
    let p = load_policy("status-quo").unwrap();
    let old = script(&p, "untrusted-external", Base::Linux612);
    let new = script(&p, "untrusted-external", Base::Linux73);
    assert!(old[0].starts_with("ok [g0: none, g1: none]"), "{old:?}");
    assert!(
        new[0].starts_with("ok [g0: default (DMA), g1: default (DMA)]"),
        "{new:?}"
    );
    // x86 probes at the add on both.
    assert_eq!(
        script(&p, "hot-unplug", Base::Linux612),
        script(&p, "hot-unplug", Base::Linux73)
    );
}

#[test]
fn on_7_3_a_port_parked_in_the_blocking_domain_falls_back_to_intx() {
    // park-blocked keeps the group blocked while pcieport (driver_managed_dma) binds.
    // 6.12's iommu_dma_prepare_msi() finds no cookie and leaves the physical doorbell,
    // which the blocking domain faults: msi-delivered is violated at the first AER.
    // 7.3's refuses with -EOPNOTSUPP, the MSI allocation fails, and
    // pcie_init_service_irqs() falls back to INTx, which the IOMMU does not translate.
    let old = report("park-blocked", "singleton-managed-irq", Base::Linux612);
    assert_eq!(trace(&old, Property::MsiDelivered), ["raise_aer(port)"]);
    let new = report("park-blocked", "singleton-managed-irq", Base::Linux73);
    assert_eq!(new.verdict(Property::MsiDelivered).status, Status::Holds);
    assert_eq!(new.verdict(Property::NoSilentLoss).status, Status::Holds);
    let p = load_policy("park-blocked").unwrap();
    let steps = script(&p, "singleton-managed-irq", Base::Linux73);
    assert!(
        steps[0].starts_with("AER delivered [g0: blocked]"),
        "{steps:?}"
    );
    let old = script(&p, "singleton-managed-irq", Base::Linux612);
    assert!(old[0].starts_with("AER lost"), "{old:?}");
}

#[test]
fn irq_msi_iommu_is_no_longer_y_on_x86_in_7_3() {
    // 6.12: IOMMU_DMA selects it on arm64 and x86. 7.3: only the irqchips that call
    // iommu_dma_prepare_msi() do (GICv2m, GICv3, its ITS, ls-scfg-msi).
    let Loaded::Policy(p) = load_str(
        "cfg-gate.policy.rs",
        r#"policy! {
            /// Refuses every bind where the kernel is built with IRQ_MSI_IOMMU.
            name = "cfg-gate";
            on dma_configure(dev, managed) {
                if cfg(IRQ_MSI_IOMMU) {
                    fail(EBUSY);
                }
                inherit()?;
            }
        }"#,
    )
    .unwrap() else {
        panic!("a policy")
    };
    let bind = |scenario: &str, base: Base| script(&p, scenario, base)[1].clone();
    assert!(bind("x86-port-vfio", Base::Linux612).starts_with("fails: EBUSY"));
    assert!(bind("x86-port-vfio", Base::Linux73).starts_with("ok"));
    assert!(bind("arm-port-vfio", Base::Linux612).starts_with("fails: EBUSY"));
    assert!(bind("arm-port-vfio", Base::Linux73).starts_with("fails: EBUSY"));
}

#[test]
fn on_7_3_an_rmr_endpoint_hot_added_to_a_parked_group_loses_its_direct_mappings() {
    // rmr-join-parked: 7.3 probes the root port at boot and the endpoint when it is
    // added, while no driver has unparked the port's group. Without the join hook, in the
    // blocking domain __iommu_device_set_domain() refuses the endpoint: the probe fails
    // and iommu_deinit_device() releases it into the identity domain, as it requires
    // direct mappings, outside any group (a bind probes it again, from
    // of_iommu_configure(), and is refused again). park-blocked's descendants park the
    // same way.
    let s = load_scenario("rmr-join-parked").unwrap();
    let opts = Options {
        base: Base::Linux73,
        ..Options::default()
    };
    for p in PARKING {
        let old = with_empty_hook(p, "join(dev)");
        let r = check(&Interpreter { policy: &old }, &s, opts);
        assert_eq!(trace(&r, Property::RequireDirectKept), ["add(nic)"], "{p}");
        let why = r
            .verdict(Property::RequireDirectKept)
            .reason
            .clone()
            .unwrap();
        // In the parking DMA domain the attach succeeds, but the RMR was mapped only in
        // the group's default domain: its DMA faults until a driver binds.
        let expected = if p.starts_with("park-empty") || p == "identity-at-bind" {
            "nic requires direct mappings but is in the parking"
        } else {
            "nic requires direct mappings but g0 refused it: untranslated"
        };
        assert!(why.contains(expected), "{p}: {why}");
        // With the join hook the group goes to its default domain, with the RMR mapped,
        // before the endpoint joins it.
        assert_eq!(
            report(p, "rmr-join-parked", Base::Linux73)
                .verdict(Property::RequireDirectKept)
                .status,
            Status::Holds,
            "{p}"
        );
    }
    assert_eq!(
        report("status-quo", "rmr-join-parked", Base::Linux73)
            .verdict(Property::RequireDirectKept)
            .status,
        Status::Holds
    );
}
