//! switchyard: prototype IOMMU domain-transition policies, check them, and turn them into
//! kernel patches.
//!
//! This crate is the command-line tool and the facade for Rust users: `policy!` and
//! `scenario!` write switchyard sources inline, checked when the code compiles.
//!
//! ```
//! let p = switchyard::policy! {
//!     /// Refuse every VFIO claim.
//!     name = "no-vfio";
//!     on claim(g) {
//!         fail(EPERM);
//!     }
//! };
//! let policy = p.policy().unwrap();
//! assert_eq!(policy.chain, ["no-vfio", "status-quo"]);
//! ```

pub use switchyard_dsl as dsl;
pub use switchyard_macros::{policy, scenario};

pub mod rfc;
pub mod spin;
