//! Groups and addresses derived from a topology the way 6.12 makes them at boot
//! (`pci_device_group()`, `pci_scan_child_bus_extend()`), and topologies PCIe cannot
//! have refused with a reason.

use switchyard_dsl::scenario::Scenario;
use switchyard_dsl::{load_str, LoadError, Loaded};

fn scenario(devices: &str) -> Scenario {
    let text = format!(
        "scenario! {{\n    /// A topology.\n    name = \"t\";\n    driver d {{ msi }}\n{devices}\n    moves {{ bind(nic1, d); }}\n}}\n"
    );
    match load_str("t.scenario.rs", &text) {
        Ok(Loaded::Scenario(s)) => *s,
        other => panic!("{other:?}\n{text}"),
    }
}

fn errors(devices: &str, moves: &str) -> String {
    let text = format!(
        "scenario! {{\n    /// A topology.\n    name = \"t\";\n    driver d {{ msi }}\n{devices}\n    moves {{ {moves} }}\n}}\n"
    );
    match load_str("t.scenario.rs", &text) {
        Err(e @ LoadError::Invalid { .. }) => format!("{e:?}"),
        other => panic!("accepted or not a located error: {other:?}\n{text}"),
    }
}

fn groups(s: &Scenario) -> Vec<Vec<&str>> {
    s.groups
        .iter()
        .map(|g| g.devices.iter().map(String::as_str).collect())
        .collect()
}

const SWITCH: &str = "
    device rp { root_port RP_ACS }
    device usp { upstream_port, parent = rp }
    device dsp1 { downstream_port, parent = usp DSP1_ACS }
    device dsp2 { downstream_port, parent = usp }
    device nic1 { parent = dsp1 }
    device nic2 { parent = dsp2 }
";

fn switch(rp_acs: bool, dsp1_acs: bool) -> Scenario {
    let t = SWITCH
        .replace("RP_ACS", if rp_acs { "" } else { ", no_acs" })
        .replace("DSP1_ACS", if dsp1_acs { "" } else { ", no_acs" });
    scenario(&t)
}

#[test]
fn with_acs_everywhere_every_function_has_its_own_group() {
    let s = switch(true, true);
    assert_eq!(
        groups(&s),
        [["rp"], ["usp"], ["dsp1"], ["dsp2"], ["nic1"], ["nic2"]]
    );
}

#[test]
fn a_root_port_without_acs_takes_everything_below_it_into_its_group() {
    let s = switch(false, true);
    assert_eq!(
        groups(&s),
        [vec!["rp", "usp", "dsp1", "dsp2", "nic1", "nic2"]]
    );
    assert_eq!(s.device("nic2").unwrap().group, "g0");
}

#[test]
fn a_downstream_port_without_acs_shares_its_group_with_its_endpoint_only() {
    let s = switch(true, false);
    assert_eq!(
        groups(&s),
        [
            vec!["rp"],
            vec!["usp"],
            vec!["dsp1", "nic1"],
            vec!["dsp2"],
            vec!["nic2"]
        ]
    );
}

#[test]
fn addresses_are_numbered_depth_first_like_linux() {
    let s = switch(true, true);
    let at = |n: &str| s.device(n).unwrap().pci.clone();
    assert_eq!(at("rp"), "0000:00:02.0");
    assert_eq!(at("usp"), "0000:01:00.0");
    assert_eq!(at("dsp1"), "0000:02:00.0");
    assert_eq!(at("dsp2"), "0000:02:01.0");
    assert_eq!(at("nic1"), "0000:03:00.0");
    assert_eq!(at("nic2"), "0000:04:00.0");
    // A second root port's bus comes after everything below the first.
    let s = scenario(
        "device rp1 { root_port }\n device usp { upstream_port, parent = rp1 }\n \
         device dsp { downstream_port, parent = usp }\n device nic1 { parent = dsp }\n \
         device rp2 { root_port }\n device nic2 { parent = rp2 }",
    );
    assert_eq!(s.device("rp2").unwrap().pci, "0000:00:03.0");
    assert_eq!(s.device("nic2").unwrap().pci, "0000:04:00.0");
}

#[test]
fn the_root_port_signals_errors_from_below_it() {
    let s = scenario(&SWITCH.replace("RP_ACS", "").replace("DSP1_ACS", ""));
    assert_eq!(s.root_port("nic2").unwrap().name, "rp");
    assert_eq!(s.root_port("rp").unwrap().name, "rp");
    let e = errors("device nic1 { aer }", "raise_aer(nic1);");
    assert!(e.contains("no root port signals `nic1`'s errors"), "{e}");
    let e = errors(
        "device rp { root_port }\n device nic1 { parent = rp, aer }",
        "raise_aer(nic1);",
    );
    assert!(e.contains("mark it `aer`"), "{e}");
}

#[test]
fn topologies_pcie_cannot_have_are_refused_with_a_reason() {
    for (devices, said) in [
        (
            "device rp { root_port }\n device nic1 { parent = rp }\n device nic2 { parent = rp }",
            "already has `nic1` below it",
        ),
        (
            "device rp { root_port }\n device usp { upstream_port, parent = rp }\n device nic1 { parent = usp }",
            "cannot sit below a switch upstream port",
        ),
        ("device nic1 { parent = rp }\n device rp { root_port }", "no port `rp` declared before"),
        ("device dsp { downstream_port }\n device nic1 { parent = dsp }", "has no parent"),
        ("device nic1 { no_acs }", "changes nothing"),
        ("device rp { root_port, hotplug }\n device nic1 { parent = rp }", "cannot be hotplugged"),
        ("device rp { root_port, upstream_port }\n device nic1 { }", "declared both"),
        (
            "device rp { root_port }\n device nic1 { parent = rp, pci = \"0000:05:00.0\" }",
            "the topology puts it at `0000:01:00.0`",
        ),
    ] {
        let e = errors(devices, "bind(nic1, d);");
        assert!(e.contains(said), "{devices}: {e}");
    }
}
