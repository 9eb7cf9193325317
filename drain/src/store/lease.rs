//! Exactly one Ferry server drives a drain at a time: the one whose name is in `owner` while
//! `lease_until` (the database's clock) is ahead. Every change of hands is one conditional
//! UPDATE, so the database, not the servers, decides who wins.

use super::clock::lease_millis;
use super::error::is_retryable;
use super::records::{Drain, DrainState};
use super::rows::{self, state_list, DRAIN_COLUMNS};
use super::{Result, Store};
use sqlx::Row;
use std::time::Duration;
use uuid::Uuid;

/// PostgreSQL may abort one of two claims that lock the same rows in different orders.
const CLAIM_TRIES: usize = 3;

impl Store {
    /// Takes, for `lease`, every drain that needs a driver and has none: no owner, an expired
    /// lease, or already `owner`'s (then this renews it). Returns the drains `owner` now holds.
    /// A drain that changed hands gets a line in its timeline.
    pub async fn claim(&self, owner: &str, lease: Duration) -> Result<Vec<Drain>> {
        let millis = lease_millis(lease)?;
        let now = self.dialect.now();
        // previous_owner = owner reads the value before this UPDATE, in both databases.
        let sql = format!(
            "UPDATE drains SET previous_owner = owner, owner = $1, lease_until = {until} \
             WHERE state IN ({claimable}) \
               AND (owner IS NULL OR owner = $1 OR lease_until IS NULL OR lease_until < {now}) \
             RETURNING {DRAIN_COLUMNS}, previous_owner",
            until = self.dialect.now_plus_millis(2),
            claimable = state_list(DrainState::is_claimable),
        );
        let mut tries = 0;
        let claimed = loop {
            tries += 1;
            match sqlx::query(&sql)
                .bind(owner)
                .bind(millis)
                .fetch_all(&self.pool)
                .await
            {
                Ok(found) => break found,
                Err(err) if is_retryable(&err) && tries < CLAIM_TRIES => continue,
                Err(err) => return Err(err.into()),
            }
        };
        let mut drains = Vec::with_capacity(claimed.len());
        for row in &claimed {
            let drain = rows::drain(row)?;
            let previous: Option<String> = row.try_get("previous_owner")?;
            if previous.as_deref() != Some(owner) {
                let message = match previous {
                    Some(previous) => {
                        format!("{owner} took over from {previous}, whose lease had run out")
                    }
                    None => format!("{owner} drives this drain"),
                };
                self.add_event(drain.id, "driver", &message).await?;
            }
            drains.push(drain);
        }
        Ok(drains)
    }

    /// Extends `owner`'s lease. False when the drain is no longer `owner`'s (another server
    /// took it) or needs no driver any more: the caller must then stop driving it.
    pub async fn renew(&self, id: Uuid, owner: &str, lease: Duration) -> Result<bool> {
        let millis = lease_millis(lease)?;
        let sql = format!(
            "UPDATE drains SET lease_until = {until} \
             WHERE id = $1 AND owner = $3 AND state IN ({claimable})",
            until = self.dialect.now_plus_millis(2),
            claimable = state_list(DrainState::is_claimable),
        );
        let done = sqlx::query(&sql)
            .bind(id.to_string())
            .bind(millis)
            .bind(owner)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Gives the drain up (on shutdown, or when it finished) so another server need not wait
    /// for the lease to run out. False if it was not `owner`'s.
    pub async fn release(&self, id: Uuid, owner: &str) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE drains SET owner = NULL, lease_until = NULL WHERE id = $1 AND owner = $2",
        )
        .bind(id.to_string())
        .bind(owner)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
