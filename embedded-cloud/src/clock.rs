//! Time: timestamp formats of each service, and the speed-scaled clock that
//! drives the state machine.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use std::time::Duration;

use crate::model::Time;

pub fn now() -> Time {
    Utc::now()
}

/// Nova's server fields (`created`, `updated`): seconds and a Z.
pub fn iso_z(t: &Time) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Nova's DB-row timestamps (migrations, services, actions): microseconds, no zone.
pub fn iso_micro(t: &Time) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
}

/// Keystone's token times.
pub fn iso_keystone(t: &Time) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// Parse a `changes-since`/`changes-before` value the way Nova's schema
/// accepts it: ISO 8601 with or without a zone (naive means UTC).
pub fn parse_iso(value: &str) -> Option<Time> {
    if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        return Some(t.with_timezone(&Utc));
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S%.f",
    ] {
        if let Ok(n) = NaiveDateTime::parse_from_str(value, fmt) {
            return Some(n.and_utc());
        }
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%dT%H:%M:%S%z"] {
        if let Ok(t) = DateTime::parse_from_str(value, fmt) {
            return Some(t.with_timezone(&Utc));
        }
    }
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|n| n.and_utc())
}

/// Realistic durations divided by the configured speed.
#[derive(Clone, Copy, Debug)]
pub struct Pace {
    speed: f64,
}

impl Pace {
    pub fn new(speed: f64) -> Self {
        // A zero, negative or NaN speed would stall or panic Duration math.
        let speed = if speed.is_finite() && speed > 0.0 {
            speed.clamp(1e-3, 1e6)
        } else {
            1.0
        };
        Pace { speed }
    }

    /// The speed factor after clamping.
    pub fn factor(&self) -> f64 {
        self.speed
    }

    pub fn scale(&self, realistic: Duration) -> Duration {
        realistic.div_f64(self.speed)
    }

    pub async fn sleep(&self, realistic: Duration) {
        tokio::time::sleep(self.scale(realistic)).await;
    }
}

pub fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}
