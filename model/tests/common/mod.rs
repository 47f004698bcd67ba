//! What the verdict tests on both bases share.

use switchyard_dsl::{load_str, Loaded, Policy};

/// The built-ins that park a new group: park-blocked and park-empty-dma, and those that
/// extend them.
pub const PARKING: [&str; 6] = [
    "park-blocked",
    "notifier-switch",
    "prepare-default-domain",
    "irq-only-driver-flag",
    "park-empty-dma",
    "identity-at-bind",
];

/// `policy` with the hook `on` (its name and parameters, `join(dev)`) doing nothing, as
/// it does in 6.12 and 7.3: a policy as it was before it acted there, which a test of
/// the fix must find at fault.
pub fn with_empty_hook(policy: &str, on: &str) -> Policy {
    let hook = on.split('(').next().unwrap_or(on);
    let text = format!(
        r#"policy! {{
            /// {policy}, doing nothing in {hook}.
            name = "{policy}-without-{name}";
            extends = "{policy}";
            subject = "iommu: Do nothing in {hook}";
            on {on} {{}}
        }}"#,
        name = hook.replace('_', "-"),
    );
    let Loaded::Policy(p) =
        load_str("with-empty-hook.policy.rs", &text).expect("the policy text is valid")
    else {
        panic!("a policy")
    };
    *p
}
