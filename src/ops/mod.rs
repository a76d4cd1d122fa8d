//! The pipelines the commands and the tests share (cargo's "commands wrap ops"): each
//! command parses its arguments, calls one of these, and prints what comes back.
//! `plan` reads AWS and plans; `apply` walks a plan's operations through the kinds' I/O;
//! `fleet` runs them across the targets of a fleet file.

pub mod apply;
pub mod fleet;
pub mod in_use;
pub mod plan;
