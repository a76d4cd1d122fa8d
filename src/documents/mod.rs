//! Policy and lifecycle documents, PURE: parsing, normalizing and comparing IAM and ECR
//! policies and lifecycle policies by meaning, compiling lifecycle short forms, and
//! previewing what lifecycle rules would expire. Every kind that holds a document uses
//! these; none of them knows a kind.

pub mod lifecycle;
pub mod lifecycle_preview;
pub mod policy;
