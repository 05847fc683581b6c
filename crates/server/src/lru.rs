//! A small least-recently-used map bounded by entry count and bytes, for the per-process
//! caches (signed passes, prepared images, previews, list positions).

use std::collections::HashMap;
use std::hash::Hash;

/// A small least-recently-used map bounded by entry count and bytes.
pub struct Lru<K, V> {
    map: HashMap<K, (V, u64, usize)>,
    tick: u64,
    bytes: usize,
    max_entries: usize,
    max_bytes: usize,
}

impl<K: Eq + Hash + Clone, V: Clone> Lru<K, V> {
    pub fn new(max_entries: usize, max_bytes: usize) -> Self {
        Lru {
            map: HashMap::new(),
            tick: 0,
            bytes: 0,
            max_entries,
            max_bytes,
        }
    }

    pub fn get(&mut self, k: &K) -> Option<V> {
        self.tick += 1;
        let tick = self.tick;
        self.map.get_mut(k).map(|e| {
            e.1 = tick;
            e.0.clone()
        })
    }

    pub fn put(&mut self, k: K, v: V, size: usize) {
        if size > self.max_bytes {
            return;
        }
        self.tick += 1;
        if let Some(old) = self.map.insert(k, (v, self.tick, size)) {
            self.bytes -= old.2;
        }
        self.bytes += size;
        while self.map.len() > self.max_entries || self.bytes > self.max_bytes {
            let Some(oldest) = self
                .map
                .iter()
                .min_by_key(|(_, e)| e.1)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            if let Some(e) = self.map.remove(&oldest) {
                self.bytes -= e.2;
            }
        }
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lru_evicts_the_least_recently_used() {
        let mut l: Lru<String, u32> = Lru::new(2, 100);
        l.put("a".into(), 1, 10);
        l.put("b".into(), 2, 10);
        assert_eq!(l.get(&"a".into()), Some(1));
        l.put("c".into(), 3, 10);
        assert_eq!(l.get(&"b".into()), None);
        assert_eq!(l.get(&"a".into()), Some(1));
        l.put("d".into(), 4, 95);
        assert_eq!(l.len(), 1);
        assert_eq!(l.bytes, 95);
    }
}
