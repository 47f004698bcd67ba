//! switchyard's back-ends. Each consumes the DSL's IR and nothing upstream of it.
//!
//! - [`model`]: the userspace model of Linux's IOMMU group state, one meaning per DSL
//!   construct, and the exhaustive checker over a scenario's moves.
//! - [`series`]: the C rendering of a policy as an RFC patch series for Linux 6.12.

pub mod model;
pub mod series;
