//! Resource kinds, PURE: one module per kind turns the manifest into desired state,
//! normalizes both sides and diffs them into plan changes. Everything AWS-specific about a
//! kind (its defaults, what forces a replace, its address) lives in its module.

pub mod lifecycle;
pub mod policy;
pub mod repository;

/// The ownership tag on everything wharf creates; its value is the stack name.
pub const OWNERSHIP_TAG: &str = "wharf:stack";
