//! Every time the store writes comes from the database's clock, not the Ferry server's: with
//! several servers on one PostgreSQL, a lease taken by one and checked by another must be
//! measured on one clock, and the timeline of one drain must not jump when the writer changes.
//! Both dialects write the same text shape, `YYYY-MM-DDTHH:MM:SS.sssZ` in UTC, which compares
//! correctly as text.

use chrono::{DateTime, SecondsFormat, Utc};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Dialect {
    Sqlite,
    Postgres,
}

const PG_FORMAT: &str = r#"'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'"#;

impl Dialect {
    /// SQL for the database's "now" as a stamp. Stable within one statement in both.
    pub(super) fn now(self) -> String {
        match self {
            Dialect::Sqlite => "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')".to_string(),
            Dialect::Postgres => format!("to_char(now() AT TIME ZONE 'UTC', {PG_FORMAT})"),
        }
    }

    /// SQL for "now plus the milliseconds bound at placeholder `$n`" as a stamp.
    pub(super) fn now_plus_millis(self, n: usize) -> String {
        match self {
            Dialect::Sqlite => {
                format!("strftime('%Y-%m-%dT%H:%M:%fZ', 'now', (${n} / 1000.0) || ' seconds')")
            }
            Dialect::Postgres => format!(
                "to_char((now() + ${n}::bigint * interval '1 millisecond') AT TIME ZONE 'UTC', {PG_FORMAT})"
            ),
        }
    }
}

/// A time that came from outside (Keystone's expiry of a credential), in the stored shape.
pub(super) fn stamp(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub(super) fn parse_stamp(text: &str) -> Result<DateTime<Utc>, super::StoreError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| super::StoreError::Corrupt(format!("time {text:?}: {e}")))
}

/// A lease as the milliseconds the SQL adds to the database's now.
pub(super) fn lease_millis(lease: std::time::Duration) -> Result<i64, super::StoreError> {
    match i64::try_from(lease.as_millis()) {
        Ok(ms) if ms > 0 => Ok(ms),
        _ => Err(super::StoreError::Invalid(format!(
            "a lease of {lease:?} (must be at least a millisecond)"
        ))),
    }
}
