//! What Ferry has seen of each live migration under way. Nova reports only the current byte
//! counters (about every 5 s), so the lowest "memory remaining" so far, when it was reached and
//! the copy rate are Ferry's own observations. They are a cache, not state: any Ferry process
//! rebuilds them from Nova within one stall window, so a restart or a second server behind a
//! balancer only delays a "not converging" flag, never invents one.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use chrono::{DateTime, Utc};
use openstack_client::compute::ServerMigration;

/// A migration nobody asked about for this long is forgotten.
const FORGET_AFTER: Duration = Duration::from_secs(600);
/// Bound on what is remembered, whatever happens (a cloud-wide drain stays far below).
const MAX_REMEMBERED: usize = 10_000;
/// Bytes per second below which a copy counts as stalled.
const MIN_RATE: f64 = 1024.0 * 1024.0;
/// The longest time left Ferry will estimate (a day).
const MAX_ESTIMATE: u64 = 86_400;

/// `FERRY_NOT_CONVERGING_SECONDS`: no new low in memory remaining (or no update of the record)
/// for this long flags the migration. 60 s by default.
pub fn stall_window_from_env() -> Duration {
    let secs = std::env::var("FERRY_NOT_CONVERGING_SECONDS")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|s| (5..=3600).contains(s))
        .unwrap_or(60);
    Duration::from_secs(secs)
}

pub struct LiveWatch {
    stall_after: Duration,
    seen: Mutex<HashMap<String, Seen>>,
}

struct Seen {
    lowest: u64,
    lowest_at: Instant,
    /// The last sample with a new `updated_at`: (when Nova wrote it, memory processed).
    last: Option<(DateTime<Utc>, u64)>,
    /// Bytes per second, smoothed over Nova's updates.
    rate: Option<f64>,
    touched: Instant,
}

/// One look at a migration, against everything seen of it before.
#[derive(Clone, Debug, PartialEq)]
pub struct Observation {
    /// Memory copied, 0–100, against the lowest remaining seen: it never moves backwards.
    pub percent: Option<u8>,
    /// Remaining went back up: the guest re-dirtied pages that were already copied.
    pub recopying: bool,
    /// Memory copied per second, when two of Nova's updates were seen.
    pub bytes_per_second: Option<f64>,
    /// The time left at that rate, while the copy is making progress.
    pub seconds_left: Option<u64>,
    /// Running, and the remaining memory has made no new low for this long (≥ the window).
    pub no_new_low_for: Option<Duration>,
    /// Nova has not written the record for this long (≥ the window).
    pub not_updated_for: Option<Duration>,
}

impl LiveWatch {
    pub fn new(stall_after: Duration) -> Self {
        LiveWatch {
            stall_after,
            seen: Mutex::new(HashMap::new()),
        }
    }

    pub fn stall_after(&self) -> Duration {
        self.stall_after
    }

    pub fn observe(&self, server_id: &str, m: &ServerMigration) -> Observation {
        self.observe_at(server_id, m, Instant::now(), Utc::now())
    }

    fn observe_at(
        &self,
        server_id: &str,
        m: &ServerMigration,
        now: Instant,
        wall: DateTime<Utc>,
    ) -> Observation {
        let key = format!("{server_id}/{}", m.id);
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.retain(|_, s| now.saturating_duration_since(s.touched) < FORGET_AFTER);
        if seen.len() >= MAX_REMEMBERED && !seen.contains_key(&key) {
            // Full of live migrations: this one is still shown, from Nova's figures alone.
            return plain(m);
        }
        let running = m.status == "running";
        let total = m.memory_total_bytes.filter(|t| *t > 0);
        let remaining = m.memory_remaining_bytes;
        let entry = seen.entry(key).or_insert_with(|| Seen {
            lowest: remaining.unwrap_or(u64::MAX),
            lowest_at: now,
            last: None,
            rate: None,
            touched: now,
        });
        entry.touched = now;
        if let Some(r) = remaining {
            if r < entry.lowest {
                entry.lowest = r;
                entry.lowest_at = now;
            }
        }
        if let (Some(updated), Some(processed), true) =
            (m.updated_at, m.memory_processed_bytes, running)
        {
            match entry.last {
                // At least a second apart: closer samples give no rate worth showing.
                Some((at, before)) if (updated - at).num_milliseconds() >= 1000 => {
                    let dt = (updated - at).num_milliseconds() as f64 / 1000.0;
                    let sample = processed.saturating_sub(before) as f64 / dt;
                    entry.rate = Some(match entry.rate {
                        Some(r) => 0.5 * r + 0.5 * sample,
                        None => sample,
                    });
                    entry.last = Some((updated, processed));
                }
                Some(_) => {}
                None => entry.last = Some((updated, processed)),
            }
        }
        let lowest = (entry.lowest != u64::MAX).then_some(entry.lowest);
        // In u128: a cloud reporting absurd byte counts gets an absurd bar, not a panic.
        let percent = match (lowest, total) {
            (Some(low), Some(t)) => {
                let left = (u128::from(low.min(t)) * 100).div_ceil(u128::from(t));
                Some((100 - left.min(100)) as u8)
            }
            _ => None,
        };
        let recopying = matches!((remaining, lowest), (Some(r), Some(l)) if r > l);
        // Under 1 MiB/s the copy is as good as stalled: no rate and no estimate, rather than
        // "about 9 h left".
        let rate = entry.rate.filter(|r| r.is_finite() && *r >= MIN_RATE);
        let seconds_left = match (rate, lowest, recopying) {
            (Some(r), Some(low), false) if running => {
                Some(((low as f64 / r).ceil() as u64).min(MAX_ESTIMATE))
            }
            _ => None,
        };
        let since_low = now.saturating_duration_since(entry.lowest_at);
        let not_updated = m
            .updated_at
            .and_then(|u| (wall - u).to_std().ok())
            .filter(|d| *d >= self.stall_after);
        Observation {
            percent,
            recopying,
            bytes_per_second: rate,
            seconds_left,
            no_new_low_for: (running && total.is_some() && since_low >= self.stall_after)
                .then_some(since_low),
            // Queued migrations wait by design; only a migration Nova is working on goes stale.
            not_updated_for: not_updated.filter(|_| {
                matches!(
                    m.status.as_str(),
                    "preparing" | "running" | "post-migrating"
                )
            }),
        }
    }
}

fn plain(m: &ServerMigration) -> Observation {
    Observation {
        percent: m.memory_progress_percent().map(|p| p.floor() as u8),
        recopying: false,
        bytes_per_second: None,
        seconds_left: None,
        no_new_low_for: None,
        not_updated_for: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GIB: u64 = 1 << 30;

    fn sample(status: &str, remaining: u64, processed: u64, updated_s: i64) -> ServerMigration {
        ServerMigration {
            id: 7,
            status: status.into(),
            memory_total_bytes: Some(8 * GIB),
            memory_remaining_bytes: Some(remaining),
            memory_processed_bytes: Some(processed),
            updated_at: DateTime::from_timestamp(1_800_000_000 + updated_s, 0),
            ..Default::default()
        }
    }

    fn wall(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + s, 0).unwrap()
    }

    #[test]
    fn the_bar_follows_the_lowest_remaining_and_never_moves_back() {
        let w = LiveWatch::new(Duration::from_secs(60));
        let t0 = Instant::now();
        let at = |s: u64| t0 + Duration::from_secs(s);
        let a = w.observe_at("s", &sample("running", 6 * GIB, 2 * GIB, 0), at(0), wall(0));
        assert_eq!(a.percent, Some(25));
        assert!(!a.recopying);
        assert_eq!(a.bytes_per_second, None, "one update gives no rate");
        let b = w.observe_at("s", &sample("running", 4 * GIB, 4 * GIB, 5), at(5), wall(5));
        assert_eq!(b.percent, Some(50));
        let rate = b.bytes_per_second.unwrap();
        assert!((rate - (2 * GIB) as f64 / 5.0).abs() < 1.0, "{rate}");
        assert_eq!(b.seconds_left, Some(10), "4 GiB at 0.4 GiB/s");
        // Dirty pages: remaining goes back up, processed passes total.
        let c = w.observe_at(
            "s",
            &sample("running", 5 * GIB, 9 * GIB, 10),
            at(10),
            wall(10),
        );
        assert_eq!(c.percent, Some(50), "held at the lowest remaining");
        assert!(c.recopying);
        assert_eq!(c.seconds_left, None, "no estimate while re-copying");
        // Another migration of another server is its own story.
        let other = w.observe_at("t", &sample("running", 7 * GIB, GIB, 10), at(10), wall(10));
        assert_eq!(other.percent, Some(12));
    }

    #[test]
    fn no_new_low_for_the_window_flags_the_migration() {
        let w = LiveWatch::new(Duration::from_secs(60));
        let t0 = Instant::now();
        let at = |s: u64| t0 + Duration::from_secs(s);
        w.observe_at("s", &sample("running", 3 * GIB, 5 * GIB, 0), at(0), wall(0));
        let mut s = 5;
        while s < 60 {
            let o = w.observe_at(
                "s",
                &sample("running", 3 * GIB + GIB / 2, 5 * GIB + s, s as i64),
                at(s),
                wall(s as i64),
            );
            assert_eq!(o.no_new_low_for, None, "at {s} s");
            s += 5;
        }
        let o = w.observe_at(
            "s",
            &sample("running", 3 * GIB + 1, 9 * GIB, 60),
            at(60),
            wall(60),
        );
        assert_eq!(o.no_new_low_for, Some(Duration::from_secs(60)));
        assert_eq!(o.not_updated_for, None, "the record itself is fresh");
        // A new low clears it.
        let o = w.observe_at("s", &sample("running", GIB, 10 * GIB, 65), at(65), wall(65));
        assert_eq!(o.no_new_low_for, None);
        assert_eq!(o.percent, Some(87));
    }

    #[test]
    fn a_record_nova_stopped_writing_is_flagged_but_a_queued_one_is_not() {
        let w = LiveWatch::new(Duration::from_secs(60));
        let now = Instant::now();
        let stale = w.observe_at("s", &sample("running", 3 * GIB, 5 * GIB, 0), now, wall(90));
        assert_eq!(stale.not_updated_for, Some(Duration::from_secs(90)));
        let queued = ServerMigration {
            memory_total_bytes: None,
            memory_remaining_bytes: None,
            memory_processed_bytes: None,
            ..sample("queued", 0, 0, 0)
        };
        let q = w.observe_at("q", &queued, now, wall(600));
        assert_eq!(q.not_updated_for, None);
        assert_eq!(q.no_new_low_for, None);
        assert_eq!(q.percent, None);
    }

    #[test]
    fn forgotten_after_ten_minutes_unasked() {
        let w = LiveWatch::new(Duration::from_secs(60));
        let t0 = Instant::now();
        w.observe_at("s", &sample("running", GIB, 7 * GIB, 0), t0, wall(0));
        // Later, after being forgotten, the lowest starts again from what Nova says now.
        let o = w.observe_at(
            "s",
            &sample("running", 2 * GIB, 9 * GIB, 700),
            t0 + Duration::from_secs(700),
            wall(700),
        );
        assert_eq!(o.percent, Some(75));
        assert!(!o.recopying);
    }
}
