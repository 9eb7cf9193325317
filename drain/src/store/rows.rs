//! Rows to records. `Any` carries only text, integers and bytes, so this is where ids, states,
//! times and JSON get their types back; a value that does not parse is `Corrupt`, not a panic.

use super::clock::parse_stamp;
use super::records::{Drain, DrainState, Event, Item, StartedBy};
use super::{Result, StoreError};
use sqlx::any::AnyRow;
use sqlx::Row;
use uuid::Uuid;

pub(super) const DRAIN_COLUMNS: &str = "id, host, state, reason, started_by_user_name, \
    started_by_user_id, started_by_project_id, started_by_project_name, options, plan, \
    created_at, updated_at, owner, lease_until, credential_id, credential_expires_at, needs_login";

pub(super) const ITEM_COLUMNS: &str = "drain_id, instance_id, position, name, origin_host, \
    planned_move, state, destination, migration_id, migration_uuid, request_id, attempts, \
    detail, started_at, finished_at";

pub(super) const EVENT_COLUMNS: &str = "seq, at, kind, message";

pub(super) fn drain(row: &AnyRow) -> Result<Drain> {
    let state: String = row.try_get("state")?;
    Ok(Drain {
        id: uuid(&row.try_get::<String, _>("id")?)?,
        host: row.try_get("host")?,
        state: DrainState::parse(&state)
            .ok_or_else(|| StoreError::Corrupt(format!("drain state {state:?}")))?,
        reason: row.try_get("reason")?,
        started_by: StartedBy {
            user_name: row.try_get("started_by_user_name")?,
            user_id: row.try_get("started_by_user_id")?,
            project_id: row.try_get("started_by_project_id")?,
            project_name: row.try_get("started_by_project_name")?,
        },
        options: json(&row.try_get::<String, _>("options")?)?,
        plan: json(&row.try_get::<String, _>("plan")?)?,
        created_at: parse_stamp(&row.try_get::<String, _>("created_at")?)?,
        updated_at: parse_stamp(&row.try_get::<String, _>("updated_at")?)?,
        owner: row.try_get("owner")?,
        lease_until: optional_stamp(row, "lease_until")?,
        credential_id: row.try_get("credential_id")?,
        credential_expires_at: optional_stamp(row, "credential_expires_at")?,
        needs_login: row.try_get("needs_login")?,
    })
}

pub(super) fn item(row: &AnyRow) -> Result<Item> {
    Ok(Item {
        drain_id: uuid(&row.try_get::<String, _>("drain_id")?)?,
        instance_id: row.try_get("instance_id")?,
        position: row.try_get("position")?,
        name: row.try_get("name")?,
        origin_host: row.try_get("origin_host")?,
        planned_move: row.try_get("planned_move")?,
        state: row.try_get("state")?,
        destination: row.try_get("destination")?,
        migration_id: row.try_get("migration_id")?,
        migration_uuid: row.try_get("migration_uuid")?,
        request_id: row.try_get("request_id")?,
        attempts: row.try_get("attempts")?,
        detail: row.try_get("detail")?,
        started_at: optional_stamp(row, "started_at")?,
        finished_at: optional_stamp(row, "finished_at")?,
    })
}

pub(super) fn event(row: &AnyRow) -> Result<Event> {
    Ok(Event {
        seq: row.try_get("seq")?,
        at: parse_stamp(&row.try_get::<String, _>("at")?)?,
        kind: row.try_get("kind")?,
        message: row.try_get("message")?,
    })
}

pub(super) fn uuid(text: &str) -> Result<Uuid> {
    Uuid::parse_str(text).map_err(|e| StoreError::Corrupt(format!("drain id {text:?}: {e}")))
}

fn json(text: &str) -> Result<serde_json::Value> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("JSON: {e}")))
}

fn optional_stamp(row: &AnyRow, column: &str) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
    row.try_get::<Option<String>, _>(column)?
        .map(|text| parse_stamp(&text))
        .transpose()
}

/// `'a', 'b'` for an `IN (…)`: only ever our own constant state names, never user input.
pub(super) fn state_list(keep: impl Fn(DrainState) -> bool) -> String {
    DrainState::ALL
        .into_iter()
        .filter(|s| keep(*s))
        .map(|s| format!("'{}'", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}
