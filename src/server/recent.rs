//! What the server keeps of what it read lately — a run's parsed findings, a collection's tile index —
//! bounded by the memory the entries take, not by their count: the least lately used go first once the
//! sizes add up past the bound, and the newest always stays.

use std::sync::{Arc, Mutex, MutexGuard};

pub(super) struct Recent<K, V> {
    bound: usize,
    /// (key, value, its size), the most recently used last.
    entries: Mutex<Vec<(K, Arc<V>, usize)>>,
}

impl<K: PartialEq, V> Recent<K, V> {
    pub(super) fn new(bound: usize) -> Recent<K, V> {
        Recent {
            bound,
            entries: Mutex::new(Vec::new()),
        }
    }

    /// The entries: each change leaves them whole, so one that a panic poisoned is as good as any.
    fn entries(&self) -> MutexGuard<'_, Vec<(K, Arc<V>, usize)>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The value kept for `key`, now the most recently used; `None` when there is none, or when `fresh`
    /// says it is out of date (then it is let go).
    pub(super) fn get(&self, key: &K, fresh: impl Fn(&V) -> bool) -> Option<Arc<V>> {
        let mut entries = self.entries();
        let pos = entries.iter().position(|(k, _, _)| k == key)?;
        let entry = entries.remove(pos);
        if !fresh(&entry.1) {
            return None;
        }
        let found = Arc::clone(&entry.1);
        entries.push(entry);
        Some(found)
    }

    /// Keeps `value` (of `bytes`) for `key`, in place of any earlier one, and lets the least lately used go
    /// while the sizes add up past the bound.
    pub(super) fn put(&self, key: K, value: Arc<V>, bytes: usize) {
        let mut entries = self.entries();
        entries.retain(|(k, _, _)| *k != key);
        entries.push((key, value, bytes));
        while entries.len() > 1 && entries.iter().map(|(_, _, b)| b).sum::<usize>() > self.bound {
            entries.remove(0);
        }
    }

    /// The keys kept, the least lately used first, and what they take.
    #[cfg(test)]
    pub(super) fn kept(&self) -> (Vec<K>, usize)
    where
        K: Clone,
    {
        let entries = self.entries();
        (
            entries.iter().map(|(k, _, _)| k.clone()).collect(),
            entries.iter().map(|(_, _, b)| b).sum(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Past the bound the least lately used goes; using an entry makes it the newest; a value too large
    /// for the bound is still kept alone; a stale one is let go.
    #[test]
    fn the_least_lately_used_go_first_past_the_bound() {
        let recent = Recent::new(100);
        recent.put("a", Arc::new(1), 40);
        recent.put("b", Arc::new(2), 40);
        assert_eq!(recent.get(&"a", |_| true).as_deref(), Some(&1));
        recent.put("c", Arc::new(3), 40);
        assert_eq!(recent.kept(), (vec!["a", "c"], 80), "b, the least lately used, went");
        recent.put("d", Arc::new(4), 500);
        assert_eq!(recent.kept(), (vec!["d"], 500), "the newest stays, however large");
        assert!(recent.get(&"d", |v| *v != 4).is_none());
        assert_eq!(recent.kept().0, Vec::<&str>::new());
    }
}
