//! The pipelines the commands and the tests share (cargo's "commands wrap ops"): each
//! command parses its arguments, calls one of these, and prints what comes back.

pub mod plan;
