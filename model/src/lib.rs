//! The userspace model of Linux 6.12's IOMMU group state and the exhaustive checker.
//!
//! - [`machine`]: the state, and the one model meaning of every action and predicate;
//! - `meaning`: the one table from each action and attribute to its `machine` method,
//!   which the interpreter and the code generator both read;
//! - `interp`: the [`PolicyHooks`] interface and the IR [`Interpreter`];
//! - [`moves`]: the environment — each scenario move as 6.12's sequence of hooks;
//! - `props`: the properties ([`Property`]), one documented function each;
//! - [`explore`]: breadth-first exploration, shortest traces, the fixed script;
//! - [`store`]: the packed states the explorer keeps, exact or hash-compacted;
//! - [`reduce`]: a scenario checked in independent components, identical ones once;
//! - [`codegen`]: the model as a standalone crate, its hooks written from the IR;
//! - [`promela`]: the model as Promela for SPIN, its hooks written from the IR.

pub mod codegen;
pub mod explore;
mod interp;
pub mod machine;
mod meaning;
pub mod moves;
pub mod promela;
mod props;
pub mod reduce;
pub mod store;

pub use explore::{
    boot_groups, check, replay_script, run_script, NotReplayable, Options, Report, ScriptStep,
    Status, Verdict,
};
pub use interp::{Interpreter, PolicyHooks, Value};
pub use props::Property;
