//! A tiny keyed cache with a time to live, for lookups (project names, host lists) that would
//! otherwise cost an extra OpenStack call on every page.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

pub struct TtlCache<V> {
    ttl: Duration,
    entries: Mutex<HashMap<String, (Instant, V)>>,
}

impl<V: Clone> TtlCache<V> {
    pub fn new(ttl: Duration) -> Self {
        TtlCache {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    pub fn get(&self, key: &str) -> Option<V> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(key)
            .filter(|(at, _)| at.elapsed() < self.ttl)
            .map(|(_, v)| v.clone())
    }

    pub fn put(&self, key: &str, value: V) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.insert(key.to_string(), (Instant::now(), value));
    }

    /// Puts `key` unless it is already there (and fresh), in one step, so of two requests
    /// racing with one key exactly one gets `true`. Drops expired entries on the way, for
    /// caches whose keys never repeat (one-time form tokens).
    pub fn insert_new(&self, key: &str, value: V) -> bool {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.retain(|_, (at, _)| at.elapsed() < self.ttl);
        if entries.contains_key(key) {
            return false;
        }
        entries.insert(key.to_string(), (Instant::now(), value));
        true
    }

    pub fn remove(&self, key: &str) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire() {
        let cache = TtlCache::new(Duration::from_millis(30));
        cache.put("a", 1);
        assert_eq!(cache.get("a"), Some(1));
        assert_eq!(cache.get("b"), None);
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(cache.get("a"), None);
    }

    #[test]
    fn a_key_is_new_once_until_it_expires_or_is_removed() {
        let cache = TtlCache::new(Duration::from_millis(30));
        assert!(cache.insert_new("t", ()));
        assert!(!cache.insert_new("t", ()));
        cache.remove("t");
        assert!(cache.insert_new("t", ()));
        std::thread::sleep(Duration::from_millis(40));
        assert!(cache.insert_new("t", ()), "expired");
    }
}
