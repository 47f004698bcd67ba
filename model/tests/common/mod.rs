//! Policies the verdict tests on both bases share.

use switchyard_dsl::{load_str, Loaded, Policy};

/// `policy` with a `join` hook that does nothing, as 6.12 and 7.3 do: the parking
/// policies before they unparked a group for a device that requires direct mappings.
pub fn without_join(policy: &str) -> Policy {
    let Loaded::Policy(p) = load_str(
        "without-join.policy.rs",
        &format!(
            r#"policy! {{
                /// {policy}, with nothing done when a device joins a parked group.
                name = "{policy}-without-join";
                extends = "{policy}";
                subject = "iommu: Park a group whatever joins it";
                on join(dev) {{}}
            }}"#
        ),
    )
    .expect("the policy text is valid") else {
        panic!("a policy")
    };
    *p
}
