//! Semantic validation of a decoded manifest (placeholder replaced below).
use super::{Manifest, SpanIndex};
use crate::diagnostics::Diagnostics;

pub fn validate(_manifest: &Manifest, _spans: &SpanIndex, _diagnostics: &mut Diagnostics) {}
