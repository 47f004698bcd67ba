//! In-process fuzzing of the switchyard language and model, on the stable toolchain.
//!
//! - [`rng`]: the seeded PRNG every choice comes from;
//! - [`gen`]: grammatical policies and scenarios, generated from the language's tables;
//! - [`mutate`]: text and token mutators over the built-ins, the corpus and generated inputs;
//! - [`target`]: the three targets — policy lint, scenario lint, policy -> model -> check;
//! - [`runner`]: the timed, multi-threaded loop with panic capture, the hang watchdog and
//!   the corpus.

pub mod gen;
pub mod mutate;
pub mod rng;
pub mod runner;
pub mod target;

pub use runner::{quietly, run, run_one, Config, Summary};
pub use target::Target;
