//! The Promela back-end's text: a translation of the IR and the model, reviewed as a
//! snapshot on one policy and scenario; its refusals are typed. (SPIN's verdicts and state
//! counts against the checker's are the switchyard package's tests/promela.rs.)

use switchyard_dsl::{load_policy, load_scenario, load_str, Loaded};
use switchyard_model::promela::{promela, prop_number, PromelaError, ALL_PROPERTIES};
use switchyard_model::Property;

#[test]
fn the_promela_of_vfio_hard_fail_on_arm_port_vfio() {
    let policy = load_policy("vfio-hard-fail").unwrap();
    let scenario = load_scenario("arm-port-vfio").unwrap();
    let m = promela(&policy, &scenario, switchyard_dsl::Base::default()).unwrap();
    let t = &m.text;
    // inherit() is the parent's inline in place; `?` skips the rest once err is set.
    assert!(
        t.contains("inline hook_claim__vfio_hard_fail(p_g) {"),
        "{t}"
    );
    assert!(
        t.contains("    :: err == 0 ->\n        hook_claim__status_quo(p_g);"),
        "{t}"
    );
    assert!(t.contains("            :: msi_iova(hook_claim__vfio_hard_fail_d0) ->\n                err = EBUSY;"), "{t}");
    assert!(
        t.contains("inline run_claim(a0) {\n    err = 0;\n    hook_claim__vfio_hard_fail(a0)\n}"),
        "{t}"
    );
    assert!(
        t.contains("inline run_prepare_msi(a0) {\n    err = 0;\n    hook_prepare_msi__vfio_hard_fail(a0)\n}"),
        "{t}"
    );
    // Every action once, as an inline; every attribute once, as a macro.
    for spec in switchyard_dsl::vocab::ACTIONS {
        let n = t.matches(&format!("inline {}(", spec.name)).count();
        let expected = usize::from(!matches!(spec.name, "fail" | "inherit"));
        assert_eq!(n, expected, "{}", spec.name);
    }
    // One STEP (d_step) per transition: bind, claim, attach, cookie, detach, release, AER.
    assert_eq!(t.matches("    :: STEP { /* ").count(), 7, "{t}");
    assert!(t.contains(
        "    :: STEP { /* vfio_claim(g0) */\n        used[1] < 1 && grp_vfio[0] == V_CLOSED && !grp_owned[0] && ANY_MEMBER(0, bound_vfio) ->"
    ));
    assert!(
        t.contains("    :: STEP { /* vfio_msi_cookie(g0) */\n        grp_vfio[0] == V_ATTACHED ->")
    );
    // The properties that apply, with their PROP numbers; the others have no assertion.
    let checked: Vec<(Property, u32)> = m.checked.iter().map(|c| (c.property, c.prop)).collect();
    assert_eq!(
        checked,
        [
            (Property::MsiDelivered, 1),
            (Property::NoSilentLoss, 2),
            (Property::UnboundIsolated, 3),
            (Property::UserIsolated, 7),
            (Property::VfioUsable, 8),
            (Property::NoWarn, 9),
        ]
    );
    assert_eq!(m.property_of("never_open_g0"), Some(Property::VfioUsable));
    assert_eq!(m.property_of("ok_no_warn"), Some(Property::NoWarn));
    assert!(!t.contains("ok_dma_api_works"));
    assert!(t.contains("/* dma-api-works: not applicable to this scenario. */"));
    assert_eq!(prop_number(Property::NoWarn), 9);
    assert_eq!(ALL_PROPERTIES, 10);
    insta::with_settings!({
        snapshot_path => "../../snapshots/model",
        prepend_module_to_snapshot => false,
        description => "switchyard gen promela vfio-hard-fail -s arm-port-vfio",
        omit_expression => true,
    }, {
        insta::assert_snapshot!("promela-vfio-hard-fail-arm-port-vfio", t);
    });
}

#[test]
fn a_count_beyond_promela_s_int_is_refused_by_name() {
    let Loaded::Policy(p) = load_str(
        "big.policy.rs",
        "policy! {
            /// Refuses a claim once a count no int holds is passed.
            name = \"big\";
            /// Claims.
            on claim(g) {
                if g.owner_cnt > 4294967295 {
                    fail(EBUSY);
                }
                inherit()?;
            }
        }",
    )
    .unwrap() else {
        panic!("a policy")
    };
    let s = load_scenario("arm-port-vfio").unwrap();
    let e = promela(&p, &s, switchyard_dsl::Base::default()).unwrap_err();
    assert!(
        matches!(&e, PromelaError::Unsupported { construct, .. } if construct == "the count 4294967295"),
        "{e:?}"
    );
    assert!(e.to_string().contains("32-bit"), "{e}");
}

#[test]
fn a_scenario_beyond_byte_indices_is_refused() {
    let p = load_policy("status-quo").unwrap();
    let mut s = load_scenario("arm-port-vfio").unwrap();
    let nic = s.devices[1].clone();
    s.devices.extend(std::iter::repeat(nic).take(300));
    assert_eq!(
        promela(&p, &s, switchyard_dsl::Base::default()).unwrap_err(),
        PromelaError::TooLarge {
            what: "devices",
            count: 302,
            max: 255
        }
    );
}
