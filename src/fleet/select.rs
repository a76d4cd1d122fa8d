//! Which targets a run covers: `--target-name` patterns (`*` wildcards), then
//! `--shard I/N`. Sharding is deterministic: the selected targets, in the fleet file's
//! order, are dealt round-robin, so shard I of N holds positions I-1, I-1+N, ... — every
//! target lands in exactly one shard and shard sizes differ by at most one. PURE.

use super::{Fleet, Target};
use crate::diagnostics::{Diagnostic, did_you_mean};

/// The targets whose names match any of `patterns` (all of them when none is given),
/// and a located error for each pattern that matches no target.
pub fn by_name<'a>(fleet: &'a Fleet, patterns: &[String]) -> (Vec<&'a Target>, Vec<Diagnostic>) {
    if patterns.is_empty() {
        return (fleet.targets.iter().collect(), Vec::new());
    }
    let mut problems = Vec::new();
    let mut matchers = Vec::new();
    for pattern in patterns {
        match globset::GlobBuilder::new(pattern)
            .literal_separator(false)
            .build()
        {
            Ok(glob) => matchers.push((pattern, glob.compile_matcher())),
            Err(e) => problems.push(
                Diagnostic::error(
                    fleet.targets_span,
                    format!("--target-name `{pattern}` is not a pattern: {e}"),
                )
                .with_hint("use `*` for any run of characters, e.g. prod-*"),
            ),
        }
    }
    for (pattern, matcher) in &matchers {
        if !fleet.targets.iter().any(|t| matcher.is_match(&t.name)) {
            let names = fleet.targets.iter().map(|t| t.name.as_str());
            let hint = match did_you_mean(pattern, names) {
                Some(close) => format!("did you mean `{close}`?"),
                None => format!(
                    "the targets are: {}",
                    fleet
                        .targets
                        .iter()
                        .map(|t| t.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            problems.push(
                Diagnostic::error(
                    fleet.targets_span,
                    format!("no target of the fleet matches --target-name `{pattern}`"),
                )
                .with_label("the targets")
                .with_hint(hint),
            );
        }
    }
    let selected = fleet
        .targets
        .iter()
        .filter(|t| matchers.iter().any(|(_, m)| m.is_match(&t.name)))
        .collect();
    (selected, problems)
}

/// Shard `index` (1-based) of `count`: the selected targets at positions p with
/// p mod count = index - 1.
pub fn shard<T: Copy>(selected: &[T], index: u32, count: u32) -> Vec<T> {
    selected
        .iter()
        .enumerate()
        .filter(|(p, _)| (*p as u32) % count == index - 1)
        .map(|(_, t)| *t)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Every target lands in exactly one shard, whatever the fleet size and shard count,
        /// and shard sizes differ by at most one.
        #[test]
        fn every_target_lands_in_exactly_one_shard(targets in 0usize..200, count in 1u32..20) {
            let all: Vec<usize> = (0..targets).collect();
            let mut seen = vec![0u32; targets];
            let mut sizes = Vec::new();
            for index in 1..=count {
                let part = shard(&all, index, count);
                sizes.push(part.len());
                for t in part {
                    seen[t] += 1;
                }
            }
            prop_assert!(seen.iter().all(|n| *n == 1));
            let (min, max) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
            prop_assert!(max - min <= 1);
        }
    }

    #[test]
    fn shards_are_dealt_in_file_order() {
        let all = ["a", "b", "c", "d", "e"];
        assert_eq!(shard(&all, 1, 2), ["a", "c", "e"]);
        assert_eq!(shard(&all, 2, 2), ["b", "d"]);
        assert_eq!(shard(&all, 3, 3), ["c"]);
    }
}
