//! Dependency order of a plan's changes. Creates, updates and replaces run first, kind by
//! kind in dependency order (what others refer to comes first); deletes run last, in the
//! reverse kind order, so nothing is removed while something still names it.

use super::{Change, ChangeAction};

/// The rank of a kind by address: lower ranks are created first and deleted last (the
/// registry of kinds holds the order).
fn kind_rank(address: &str) -> usize {
    crate::kinds::rank(address)
}

pub fn order(mut changes: Vec<Change>) -> Vec<Change> {
    changes.sort_by(|a, b| {
        let a_delete = a.action == ChangeAction::Delete;
        let b_delete = b.action == ChangeAction::Delete;
        a_delete.cmp(&b_delete).then_with(|| {
            if a_delete {
                kind_rank(&b.address)
                    .cmp(&kind_rank(&a.address))
                    .then_with(|| a.address.cmp(&b.address))
            } else {
                kind_rank(&a.address)
                    .cmp(&kind_rank(&b.address))
                    .then_with(|| a.address.cmp(&b.address))
            }
        })
    });
    changes
}

/// Consecutive changes that may run concurrently: same phase (delete or not), same kind.
pub fn waves(changes: &[Change]) -> Vec<Vec<&Change>> {
    let mut waves: Vec<Vec<&Change>> = Vec::new();
    let key = |c: &Change| (c.action == ChangeAction::Delete, kind_rank(&c.address));
    for change in changes {
        match waves.last_mut() {
            Some(wave) if key(wave[0]) == key(change) => wave.push(change),
            _ => waves.push(vec![change]),
        }
    }
    waves
}
