//! Slows down password guessing through Ferry, per user name and client, without slowing anyone
//! else: the client is the connection's address (a forwarded-for header counts only when a
//! configured proxy sent it), an attempt counts as a possible failure from the moment it starts
//! (so parallel guesses cannot share one wait), and a refused attempt is answered at once
//! instead of being held open. Keystone's own lockout rules still apply behind it.

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use ipnet::IpNet;

/// Failures older than this are forgotten.
const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Typing mistakes are free: the first failures in a row cost no wait. As many attempts may be
/// under way at once (a few tabs, or a script logging in a handful of sessions).
const FREE_FAILURES: u32 = 3;
const FIRST_WAIT: Duration = Duration::from_secs(1);
const MAX_WAIT: Duration = Duration::from_secs(30);

#[derive(Default)]
struct Entry {
    failures: u32,
    last_failure: Option<Instant>,
    in_flight: u32,
}

#[derive(Default, Clone)]
pub struct LoginLimiter {
    entries: Arc<Mutex<HashMap<String, Entry>>>,
}

/// Why an attempt may not start now.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Other attempts for this user from this client are being checked; together with the
    /// recent failures they use up the free ones.
    InFlight,
    /// Too many recent failures: try again after this long.
    Wait(Duration),
}

/// One login attempt under way; it ends as a failure, a success, or neither (Keystone did not
/// answer), when dropped.
pub struct Attempt {
    limiter: LoginLimiter,
    key: String,
}

fn wait_after(failures: u32) -> Duration {
    if failures <= FREE_FAILURES {
        return Duration::ZERO;
    }
    let doublings = (failures - FREE_FAILURES - 1).min(10);
    (FIRST_WAIT * (1u32 << doublings)).min(MAX_WAIT)
}

impl LoginLimiter {
    /// Starts an attempt for `key` (user and client), or says why not.
    pub fn begin(&self, key: &str) -> Result<Attempt, Refusal> {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .retain(|_, e| e.in_flight > 0 || e.last_failure.is_some_and(|t| t.elapsed() < WINDOW));
        let entry = entries.entry(key.to_string()).or_default();
        if entry.failures + entry.in_flight >= FREE_FAILURES {
            if entry.in_flight > 0 {
                return Err(Refusal::InFlight);
            }
            if let Some(at) = entry.last_failure {
                let wait = wait_after(entry.failures + 1).saturating_sub(at.elapsed());
                if !wait.is_zero() {
                    return Err(Refusal::Wait(wait));
                }
            }
        }
        entry.in_flight += 1;
        Ok(Attempt {
            limiter: self.clone(),
            key: key.to_string(),
        })
    }

    fn finish(&self, key: &str, outcome: Option<bool>) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        match outcome {
            Some(true) => {
                entries.remove(key);
            }
            Some(false) => {
                let entry = entries.entry(key.to_string()).or_default();
                entry.in_flight = entry.in_flight.saturating_sub(1);
                entry.failures = entry.failures.saturating_add(1);
                entry.last_failure = Some(Instant::now());
            }
            None => {
                if let Some(entry) = entries.get_mut(key) {
                    entry.in_flight = entry.in_flight.saturating_sub(1);
                }
            }
        }
    }
}

impl Attempt {
    pub fn failed(self) {
        self.limiter.finish(&self.key, Some(false));
        std::mem::forget(self);
    }

    pub fn succeeded(self) {
        self.limiter.finish(&self.key, Some(true));
        std::mem::forget(self);
    }
}

impl Drop for Attempt {
    fn drop(&mut self) {
        self.limiter.finish(&self.key, None);
    }
}

/// The client's address: the connection's peer, unless that peer is a configured proxy, in
/// which case the nearest `X-Forwarded-For` entry that is not itself a trusted proxy. Anything
/// else in the header is whatever the client chose to write there.
pub fn client_address(
    peer: Option<IpAddr>,
    forwarded_for: Option<&str>,
    trusted: &[IpNet],
) -> Option<IpAddr> {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    let peer = peer?;
    if !is_trusted(&peer) {
        return Some(peer);
    }
    let hops: Vec<IpAddr> = forwarded_for
        .unwrap_or_default()
        .split(',')
        .filter_map(|h| h.trim().parse().ok())
        .collect();
    hops.into_iter()
        .rev()
        .find(|ip| !is_trusted(ip))
        .or(Some(peer))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fail(l: &LoginLimiter, key: &str) {
        l.begin(key).expect("attempt allowed").failed();
    }

    #[test]
    fn the_first_mistakes_are_free_then_the_wait_doubles_and_success_resets() {
        let l = LoginLimiter::default();
        for _ in 0..FREE_FAILURES {
            fail(&l, "u");
        }
        // Past the free ones, each further try waits.
        assert!(matches!(l.begin("u"), Err(Refusal::Wait(w)) if w <= FIRST_WAIT && !w.is_zero()));
        assert_eq!(wait_after(FREE_FAILURES + 2), FIRST_WAIT * 2);
        assert_eq!(wait_after(40), MAX_WAIT);
        // Another user, or the same user from another client, is not slowed at all.
        assert!(l.begin("other").is_ok());
        std::thread::sleep(FIRST_WAIT);
        l.begin("u").unwrap().succeeded();
        assert!(l.begin("u").is_ok());
    }

    #[test]
    fn parallel_guesses_do_not_share_a_wait() {
        let l = LoginLimiter::default();
        let under_way: Vec<Attempt> = (0..FREE_FAILURES).map(|_| l.begin("u").unwrap()).collect();
        assert_eq!(l.begin("u").err(), Some(Refusal::InFlight));
        assert!(l.begin("v").is_ok(), "another user is not slowed");
        // Attempts that ended with no answer count as neither.
        drop(under_way);
        let a = l.begin("u").unwrap();
        let b = l.begin("u").unwrap();
        a.failed();
        b.succeeded();
        assert!(l.begin("u").is_ok());
    }

    #[test]
    fn forwarded_for_counts_only_from_a_trusted_proxy() {
        let proxy: IpNet = "10.0.0.0/24".parse().unwrap();
        let peer = |s: &str| Some(s.parse::<IpAddr>().unwrap());
        // No proxy configured: the header is the client's own words.
        assert_eq!(
            client_address(peer("192.0.2.7"), Some("203.0.113.9"), &[]),
            peer("192.0.2.7")
        );
        // From the proxy: the nearest hop that is not a proxy.
        assert_eq!(
            client_address(
                peer("10.0.0.5"),
                Some("1.2.3.4, 203.0.113.9, 10.0.0.6"),
                &[proxy]
            ),
            peer("203.0.113.9")
        );
        // A client that is not the proxy cannot claim another address.
        assert_eq!(
            client_address(peer("192.0.2.7"), Some("203.0.113.9"), &[proxy]),
            peer("192.0.2.7")
        );
        assert_eq!(client_address(None, Some("203.0.113.9"), &[proxy]), None);
    }
}
