use super::clock::parse_stamp;
use super::records::Event;
use super::rows::{self, EVENT_COLUMNS};
use super::{Result, Store, StoreError};
use sqlx::{AnyConnection, Row};
use uuid::Uuid;

impl Store {
    /// Adds a line to the drain's timeline, stamped by the database's clock.
    pub async fn add_event(&self, id: Uuid, kind: &str, message: &str) -> Result<Event> {
        let mut tx = self.pool.begin().await?;
        let event = self.append_event(&mut tx, id, kind, message).await?;
        tx.commit().await?;
        Ok(event)
    }

    /// The timeline after `since_seq` (0 for all of it), in order: a page polling for news
    /// passes the last `seq` it has. A sequence, not a time, so that two events in one
    /// millisecond are neither lost nor shown twice.
    pub async fn events(&self, id: Uuid, since_seq: i64) -> Result<Vec<Event>> {
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM drain_events WHERE drain_id = $1 AND seq > $2 ORDER BY seq"
        );
        let found = sqlx::query(&sql)
            .bind(id.to_string())
            .bind(since_seq)
            .fetch_all(&self.pool)
            .await?;
        found.iter().map(rows::event).collect()
    }

    /// Within the caller's transaction. Bumping the drain's counter first takes its row lock
    /// (and, in SQLite, the write lock before any read), so concurrent writers queue instead of
    /// taking the same number or deadlocking.
    pub(super) async fn append_event(
        &self,
        conn: &mut AnyConnection,
        id: Uuid,
        kind: &str,
        message: &str,
    ) -> Result<Event> {
        let sql = format!(
            "UPDATE drains SET event_seq = event_seq + 1, updated_at = {} WHERE id = $1 \
             RETURNING event_seq, updated_at",
            self.dialect.now()
        );
        let row = sqlx::query(&sql)
            .bind(id.to_string())
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(StoreError::DrainNotFound(id))?;
        let seq: i64 = row.try_get("event_seq")?;
        let at: String = row.try_get("updated_at")?;
        sqlx::query(
            "INSERT INTO drain_events (drain_id, seq, at, kind, message) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id.to_string())
        .bind(seq)
        .bind(&at)
        .bind(kind)
        .bind(message)
        .execute(&mut *conn)
        .await?;
        Ok(Event {
            seq,
            at: parse_stamp(&at)?,
            kind: kind.to_string(),
            message: message.to_string(),
        })
    }
}
