//! Where the rows of a list sit, so a deep page starts from a known row instead of
//! skipping every index entry before it (issue 17: page 1,000 of a million-pass campaign
//! used to walk 25,000 index entries per request).
//!
//! A campaign's pass list in its default order (`created_at, id` ascending, no filter)
//! changes in two ways only: a new pass goes to the end (its `created_at` is the moment
//! it was created), and a deleted pass leaves. So the key of the row at position
//! `k · STRIDE` stays that position's key as long as
//! 1. no row of the list was deleted: the caller reads a number that grows with every
//!    deletion (the campaign's `deleted_count`), the list's *epoch*, and anchors learned
//!    under another epoch are dropped;
//! 2. no row can still arrive with an earlier key: only rows whose order value is older
//!    than [`SETTLE`] become anchors, and no transaction that creates rows lasts that long
//!    (the pools' acquire timeout and SQLite's busy timeout end them within a minute).
//!
//! A process learns anchors from the database when a deep page needs them (one query per
//! anchor, each skipping [`STRIDE`] index entries from the anchor before) and keeps them
//! in a bounded LRU, so after the first request a page skips fewer than [`STRIDE`] entries
//! wherever it is, and reading a whole list page by page costs each page the same.
//! Processes share nothing: each learns its own; a deletion makes every process drop the
//! list's anchors at its next deep page.

use crate::lru::Lru;
use std::sync::{Arc, Mutex};

/// Rows between two anchors: a deep page skips fewer index entries than this.
pub const STRIDE: i64 = 1_000;

/// Only rows at least this old become anchors (see the module documentation).
pub const SETTLE: chrono::Duration = chrono::Duration::minutes(5);

/// Lists whose anchors are kept, and the bytes they may take.
const LISTS: usize = 1_024;
const BYTES: usize = 32 * 1024 * 1024;

/// A row's place in the order: its order value and its unique id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    pub order: String,
    pub unique: String,
}

/// The anchors of one list under one epoch: `keys[i]` is the key of the row at position
/// `(i + 1) · STRIDE` (positions count from 0).
#[derive(Debug, Clone, Default)]
struct Anchors {
    epoch: i64,
    keys: Arc<Vec<Key>>,
}

/// Where a page starts: at `key` (inclusive), skipping `skip` rows from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Start {
    pub key: Key,
    pub skip: i64,
}

/// The anchors of every list this process has paged deeply, per list.
pub struct Positions {
    lists: Mutex<Lru<String, Anchors>>,
}

impl Default for Positions {
    fn default() -> Self {
        Positions {
            lists: Mutex::new(Lru::new(LISTS, BYTES)),
        }
    }
}

impl std::fmt::Debug for Positions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Positions").finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Positions {
    /// The anchors known for `list` under `epoch` (none when they were learned under
    /// another epoch).
    pub fn known(&self, list: &str, epoch: i64) -> Arc<Vec<Key>> {
        match lock(&self.lists).get(&list.to_string()) {
            Some(a) if a.epoch == epoch => a.keys,
            _ => Arc::default(),
        }
    }

    /// Records anchors learned after the first `after` known ones under `epoch`. A
    /// concurrent request may have learned them first (its are kept) or the epoch may have
    /// moved on (the older epoch's are not kept).
    pub fn learned(&self, list: &str, epoch: i64, after: usize, more: &[Key]) {
        if more.is_empty() {
            return;
        }
        let mut lists = lock(&self.lists);
        let current = lists.get(&list.to_string()).unwrap_or_default();
        let mut keys = if current.epoch == epoch {
            current.keys.as_ref().clone()
        } else if (after == 0 && current.epoch < epoch) || current.keys.is_empty() {
            Vec::new()
        } else {
            return;
        };
        if keys.len() != after {
            return;
        }
        keys.extend_from_slice(more);
        let bytes = keys
            .iter()
            .map(|k| k.order.len() + k.unique.len() + 48)
            .sum::<usize>()
            + list.len();
        lists.put(
            list.to_string(),
            Anchors {
                epoch,
                keys: Arc::new(keys),
            },
            bytes,
        );
    }
}

/// How many anchors a page starting at row `start` wants: the one at or before it.
pub fn wanted(start: i64) -> usize {
    (start.max(0) / STRIDE) as usize
}

/// Where a page starting at row `start` begins, given the anchors `keys` (the nearest one
/// at or before `start`); `None` when no anchor precedes it.
pub fn start_at(keys: &[Key], start: i64) -> Option<Start> {
    let n = wanted(start).min(keys.len());
    let key = keys.get(n.checked_sub(1)?)?.clone();
    Some(Start {
        key,
        skip: start - n as i64 * STRIDE,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(i: i64) -> Key {
        Key {
            order: format!("t{i:08}"),
            unique: format!("id{i}"),
        }
    }

    #[test]
    fn a_page_starts_at_the_nearest_anchor_before_it() {
        let keys: Vec<Key> = (1..=3).map(|k| key(k * STRIDE)).collect();
        assert_eq!(start_at(&keys, 999), None);
        assert_eq!(
            start_at(&keys, 1_000),
            Some(Start {
                key: key(1_000),
                skip: 0
            })
        );
        assert_eq!(
            start_at(&keys, 24_975),
            Some(Start {
                key: key(3_000),
                skip: 21_975
            }),
            "beyond the known anchors the last one is used"
        );
        assert_eq!(start_at(&[], 24_975), None);
        assert_eq!(wanted(24_975), 24);
        assert_eq!(wanted(999), 0);
    }

    #[test]
    fn anchors_of_another_epoch_are_dropped() {
        let p = Positions::default();
        p.learned("c", 0, 0, &[key(1_000), key(2_000)]);
        assert_eq!(p.known("c", 0).len(), 2);
        p.learned("c", 0, 2, &[key(3_000)]);
        assert_eq!(p.known("c", 0).len(), 3);
        // A request that learned from a shorter list adds nothing twice.
        p.learned("c", 0, 1, &[key(2_000)]);
        assert_eq!(p.known("c", 0).len(), 3);
        // A deletion: the old anchors no longer say where rows are.
        assert!(p.known("c", 1).is_empty());
        p.learned("c", 1, 0, &[key(1_001)]);
        assert_eq!(p.known("c", 1).as_ref(), &[key(1_001)]);
        // A slow request of the older epoch does not bring its anchors back.
        p.learned("c", 0, 0, &[key(1_000)]);
        assert_eq!(p.known("c", 1).as_ref(), &[key(1_001)]);
        assert!(p.known("c", 0).is_empty());
    }
}
