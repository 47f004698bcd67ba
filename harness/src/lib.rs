//! switchyard's kernel-tree harness.
//!
//! * [`tree`]: import a kernel source tarball into a new git repository
//!   ([`tree::init`]) or open an existing kernel git tree ([`tree::open`]) and
//!   read files at a revision.
//! * [`apply`]: apply a `git format-patch` series as a new branch, atomically,
//!   in memory; [`mbox`] reads the patch mails as `git am` does.
//! * [`fetch`]: a base's kernel tarball, from its Debian package (fetched once when the
//!   machine's sources do not carry it).
//! * [`target`]: the machines (arm64 `virt` with SMMUv3, x86-64 `q35` with VT-d): QEMU,
//!   the kernel's architecture and fragment, the agent's compiler, by platform.
//! * [`kbuild`]: build the harness kernel out of tree from a config fragment.
//! * [`guest`]: a scenario as a QEMU machine and a guest script; the guest agent.
//! * [`initramfs`]: the agent and its script as a gzip'd cpio.
//! * [`qemu`]: boot, drive the script, inject AER over QMP, observe each step.
//! * [`worktree`]: write a commit's files into a build directory, incrementally.
//! * [`lock`]: flock(2) locks that let several processes share a cache or a tree, and
//!   the stage a holder was in when it was cut short.
//! * [`interrupt`]: SIGINT and SIGTERM noticed by the main thread and passed on to the
//!   process group of every child (make and its compilers, QEMU).
//! * [`seed`]: start a branch's source and build directories as copies of the base's,
//!   so its first build is incremental.
//!
//! The crate re-exports [`git2`], so that callers name object ids with the
//! same version of it.

#![warn(missing_docs)]

pub use git2;

pub mod apply;
pub mod fetch;
pub mod guest;
mod import;
pub mod initramfs;
pub mod interrupt;
pub mod kbuild;
pub mod lock;
pub mod mbox;
mod pack;
pub mod qemu;
pub mod seed;
pub mod target;
pub mod tree;
pub mod worktree;
