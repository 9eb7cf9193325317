//! Slows down repeated failed logins for one user name from one client, so that guessing
//! passwords through Ferry is slow; Keystone's own lockout rules still apply behind it.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

/// Failures older than this are forgotten.
const WINDOW: Duration = Duration::from_secs(15 * 60);
const STEP: Duration = Duration::from_millis(500);
const MAX_DELAY: Duration = Duration::from_secs(8);

#[derive(Default)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl LoginLimiter {
    /// How long to wait before trying this login: doubles with each recent failure.
    pub fn delay(&self, key: &str) -> Duration {
        let failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        match failures.get(key) {
            Some((n, at)) if at.elapsed() < WINDOW && *n > 0 => {
                let factor = 1u32 << (*n - 1).min(5);
                (STEP * factor).min(MAX_DELAY)
            }
            _ => Duration::ZERO,
        }
    }

    pub fn failed(&self, key: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        failures.retain(|_, (_, at)| at.elapsed() < WINDOW);
        let entry = failures
            .entry(key.to_string())
            .or_insert((0, Instant::now()));
        entry.0 = entry.0.saturating_add(1);
        entry.1 = Instant::now();
    }

    pub fn succeeded(&self, key: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        failures.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delay_grows_with_failures_and_resets_on_success() {
        let l = LoginLimiter::default();
        assert_eq!(l.delay("u"), Duration::ZERO);
        l.failed("u");
        assert_eq!(l.delay("u"), STEP);
        l.failed("u");
        l.failed("u");
        assert_eq!(l.delay("u"), STEP * 4);
        for _ in 0..20 {
            l.failed("u");
        }
        assert_eq!(l.delay("u"), MAX_DELAY);
        assert_eq!(l.delay("other"), Duration::ZERO);
        l.succeeded("u");
        assert_eq!(l.delay("u"), Duration::ZERO);
    }
}
