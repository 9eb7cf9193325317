use super::error::is_unique_violation;
use super::records::{Drain, DrainState, NewDrain, NewItem};
use super::rows::{self, state_list, DRAIN_COLUMNS};
use super::{Result, Store, StoreError};
use sqlx::AnyConnection;
use std::collections::HashSet;
use uuid::Uuid;

/// A conflict seen by the index but gone by the time we look (the other drain just ended) is
/// tried again; this bounds how often.
const CREATE_TRIES: usize = 3;

impl Store {
    /// Records a drain and its items in one transaction. A second active drain of the same
    /// host is refused by the database's unique index, whichever server asks.
    pub async fn create_drain(&self, new: NewDrain) -> Result<Drain> {
        validate(&new)?;
        let options = to_json(&new.options)?;
        let plan = to_json(&new.plan)?;
        for _ in 0..CREATE_TRIES {
            let id = Uuid::new_v4();
            let mut tx = self.pool.begin().await?;
            if let Err(err) = self.insert_drain(&mut tx, id, &new, &options, &plan).await {
                tx.rollback().await?;
                if !is_unique_violation(&err) {
                    return Err(err.into());
                }
                match self.active_drain_of(&new.host).await? {
                    Some(other) => return Err(host_taken(other)),
                    None => continue,
                }
            }
            for (position, item) in new.items.iter().enumerate() {
                let position = i64::try_from(position)
                    .map_err(|_| StoreError::Invalid("too many items".into()))?;
                sqlx::query(
                    "INSERT INTO drain_items (drain_id, instance_id, position, name, \
                     origin_host, planned_move, state, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(id.to_string())
                .bind(&item.instance_id)
                .bind(position)
                .bind(&item.name)
                .bind(&item.origin_host)
                .bind(&item.planned_move)
                .bind(&item.state)
                .bind(&item.detail)
                .execute(&mut *tx)
                .await?;
            }
            let message = format!(
                "{} drain of {} by {}: {}",
                new.state, new.host, new.started_by.user_name, new.reason
            );
            self.append_event(&mut tx, id, "created", &message).await?;
            let drain = self.read_drain(&mut tx, id).await?;
            tx.commit().await?;
            return drain.ok_or(StoreError::DrainNotFound(id));
        }
        Err(StoreError::Invalid(format!(
            "{}: the database kept refusing a new drain without showing the active one",
            new.host
        )))
    }

    async fn insert_drain(
        &self,
        conn: &mut AnyConnection,
        id: Uuid,
        new: &NewDrain,
        options: &str,
        plan: &str,
    ) -> Result<(), sqlx::Error> {
        let now = self.dialect.now();
        let sql = format!(
            "INSERT INTO drains (id, host, state, reason, started_by_user_name, \
             started_by_user_id, started_by_project_id, started_by_project_name, options, plan, \
             created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, {now}, {now})"
        );
        sqlx::query(&sql)
            .bind(id.to_string())
            .bind(&new.host)
            .bind(new.state.as_str())
            .bind(&new.reason)
            .bind(&new.started_by.user_name)
            .bind(&new.started_by.user_id)
            .bind(&new.started_by.project_id)
            .bind(&new.started_by.project_name)
            .bind(options)
            .bind(plan)
            .execute(conn)
            .await?;
        Ok(())
    }

    pub async fn drain(&self, id: Uuid) -> Result<Option<Drain>> {
        let mut conn = self.pool.acquire().await?;
        self.read_drain(&mut conn, id).await
    }

    pub(super) async fn read_drain(
        &self,
        conn: &mut AnyConnection,
        id: Uuid,
    ) -> Result<Option<Drain>> {
        let sql = format!("SELECT {DRAIN_COLUMNS} FROM drains WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id.to_string())
            .fetch_optional(conn)
            .await?;
        row.as_ref().map(rows::drain).transpose()
    }

    /// Every drain of a host, newest first.
    pub async fn drains_for_host(&self, host: &str) -> Result<Vec<Drain>> {
        let sql = format!(
            "SELECT {DRAIN_COLUMNS} FROM drains WHERE host = $1 ORDER BY created_at DESC, id"
        );
        let found = sqlx::query(&sql).bind(host).fetch_all(&self.pool).await?;
        found.iter().map(rows::drain).collect()
    }

    /// Every drain that holds its host (see `DrainState::is_active`), oldest first.
    pub async fn active_drains(&self) -> Result<Vec<Drain>> {
        let sql = format!(
            "SELECT {DRAIN_COLUMNS} FROM drains WHERE state IN ({}) ORDER BY created_at, id",
            state_list(DrainState::is_active)
        );
        let found = sqlx::query(&sql).fetch_all(&self.pool).await?;
        found.iter().map(rows::drain).collect()
    }

    /// Each host's latest drain (its last word on the host), whatever its state.
    pub async fn latest_drains(&self) -> Result<Vec<Drain>> {
        let sql = format!(
            "SELECT {DRAIN_COLUMNS} FROM drains d WHERE created_at = \
             (SELECT MAX(created_at) FROM drains d2 WHERE d2.host = d.host) ORDER BY host"
        );
        let found = sqlx::query(&sql).fetch_all(&self.pool).await?;
        found.iter().map(rows::drain).collect()
    }

    async fn active_drain_of(&self, host: &str) -> Result<Option<Drain>> {
        let sql = format!(
            "SELECT {DRAIN_COLUMNS} FROM drains WHERE host = $1 AND state IN ({})",
            state_list(DrainState::is_active)
        );
        let row = sqlx::query(&sql)
            .bind(host)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(rows::drain).transpose()
    }

    /// Moves the drain to `state` and says why in the timeline, in one transaction. Turning a
    /// finished drain active again is refused like a new one if its host is taken meanwhile.
    /// Transitions are the driver's to judge; the store only keeps the host rule.
    pub async fn set_state(&self, id: Uuid, state: DrainState, message: &str) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        // A drain that needs no driver any more has none: whoever restarts it later (Retry,
        // Move back) claims it afresh rather than "taking it over" from its last driver.
        let driver = if state.is_claimable() {
            ""
        } else {
            ", owner = NULL, lease_until = NULL"
        };
        let sql = format!(
            "UPDATE drains SET state = $2{driver}, updated_at = {} WHERE id = $1",
            self.dialect.now()
        );
        let updated = sqlx::query(&sql)
            .bind(id.to_string())
            .bind(state.as_str())
            .execute(&mut *tx)
            .await;
        match updated {
            Ok(done) if done.rows_affected() == 0 => return Err(StoreError::DrainNotFound(id)),
            Ok(_) => {}
            Err(err) if is_unique_violation(&err) => {
                tx.rollback().await?;
                let host = self.drain(id).await?.map(|d| d.host).unwrap_or_default();
                return match self.active_drain_of(&host).await? {
                    Some(other) => Err(host_taken(other)),
                    None => Err(err.into()),
                };
            }
            Err(err) => return Err(err.into()),
        }
        self.append_event(&mut tx, id, "state", &format!("{state}: {message}"))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Replaces the drain's options (the window may change while it runs), with a timeline line.
    pub async fn set_options(
        &self,
        id: Uuid,
        options: &serde_json::Value,
        message: &str,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let sql = format!(
            "UPDATE drains SET options = $2, updated_at = {} WHERE id = $1",
            self.dialect.now()
        );
        let done = sqlx::query(&sql)
            .bind(id.to_string())
            .bind(to_json(options)?)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::DrainNotFound(id));
        }
        self.append_event(&mut tx, id, "options", message).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Adds instances to a drain after its plan (they came to the host while it ran): the plan
    /// as it now is, the items after the others, and a timeline line, in one transaction.
    pub async fn add_items(
        &self,
        id: Uuid,
        plan: &serde_json::Value,
        items: &[NewItem],
        message: &str,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let sql = format!(
            "UPDATE drains SET plan = $2, updated_at = {} WHERE id = $1",
            self.dialect.now()
        );
        let done = sqlx::query(&sql)
            .bind(id.to_string())
            .bind(to_json(plan)?)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::DrainNotFound(id));
        }
        let next: i64 = sqlx::query_scalar(
            "SELECT CAST(COALESCE(MAX(position), -1) + 1 AS BIGINT) FROM drain_items WHERE drain_id = $1",
        )
        .bind(id.to_string())
        .fetch_one(&mut *tx)
        .await?;
        for (n, item) in items.iter().enumerate() {
            let position = next
                + i64::try_from(n).map_err(|_| StoreError::Invalid("too many items".into()))?;
            sqlx::query(
                "INSERT INTO drain_items (drain_id, instance_id, position, name, \
                 origin_host, planned_move, state, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(id.to_string())
            .bind(&item.instance_id)
            .bind(position)
            .bind(&item.name)
            .bind(&item.origin_host)
            .bind(&item.planned_move)
            .bind(&item.state)
            .bind(&item.detail)
            .execute(&mut *tx)
            .await?;
        }
        self.append_event(&mut tx, id, "arrived", message).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Notes why the drain waits for its starter to log in again, or clears the note (`None`).
    pub async fn set_needs_login(&self, id: Uuid, note: Option<&str>) -> Result<()> {
        let sql = format!(
            "UPDATE drains SET needs_login = $2, updated_at = {} WHERE id = $1",
            self.dialect.now()
        );
        let done = sqlx::query(&sql)
            .bind(id.to_string())
            .bind(note)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::DrainNotFound(id));
        }
        Ok(())
    }
}

fn validate(new: &NewDrain) -> Result<()> {
    if new.host.trim().is_empty() {
        return Err(StoreError::Invalid("a drain needs a host".into()));
    }
    if !new.state.is_active() {
        return Err(StoreError::Invalid(format!(
            "a new drain cannot start {}",
            new.state
        )));
    }
    let mut seen = HashSet::new();
    for item in &new.items {
        if !seen.insert(item.instance_id.as_str()) {
            return Err(StoreError::Invalid(format!(
                "instance {} is in the plan twice",
                item.instance_id
            )));
        }
    }
    Ok(())
}

fn to_json(value: &serde_json::Value) -> Result<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Invalid(format!("JSON: {e}")))
}

fn host_taken(other: Drain) -> StoreError {
    StoreError::HostAlreadyDraining {
        drain_id: other.id,
        started_by: other.started_by.user_name,
    }
}
