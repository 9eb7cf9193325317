use super::records::{Item, ItemUpdate};
use super::rows::{self, ITEM_COLUMNS};
use super::{Result, Store, StoreError};
use uuid::Uuid;

impl Store {
    /// The drain's instances in the plan's order.
    pub async fn items(&self, id: Uuid) -> Result<Vec<Item>> {
        let sql =
            format!("SELECT {ITEM_COLUMNS} FROM drain_items WHERE drain_id = $1 ORDER BY position");
        let found = sqlx::query(&sql)
            .bind(id.to_string())
            .fetch_all(&self.pool)
            .await?;
        found.iter().map(rows::item).collect()
    }

    /// Changes only the fields `update` gives, and returns the item as it now is.
    pub async fn update_item(
        &self,
        id: Uuid,
        instance_id: &str,
        update: ItemUpdate,
    ) -> Result<Item> {
        let not_found = || StoreError::ItemNotFound {
            drain_id: id,
            instance_id: instance_id.to_string(),
        };
        let now = self.dialect.now();
        // $1 and $2 are the key; the given fields take $3 onwards, in this order.
        let mut sets = Vec::new();
        let mut next = 3;
        let mut set = |column: &str, given: bool| {
            if given {
                sets.push(format!("{column} = ${next}"));
                next += 1;
            }
        };
        set("state", update.state.is_some());
        set("planned_move", update.planned_move.is_some());
        set("destination", update.destination.is_some());
        set("migration_id", update.migration_id.is_some());
        set("migration_uuid", update.migration_uuid.is_some());
        set("request_id", update.request_id.is_some());
        set("attempts", update.attempts.is_some());
        set("detail", update.detail.is_some());
        if update.started {
            sets.push(format!("started_at = {now}"));
        }
        if update.finished {
            sets.push(format!("finished_at = {now}"));
        }
        let sql = if sets.is_empty() {
            format!(
                "SELECT {ITEM_COLUMNS} FROM drain_items WHERE drain_id = $1 AND instance_id = $2"
            )
        } else {
            format!(
                "UPDATE drain_items SET {} WHERE drain_id = $1 AND instance_id = $2 \
                 RETURNING {ITEM_COLUMNS}",
                sets.join(", ")
            )
        };
        let mut query = sqlx::query(&sql).bind(id.to_string()).bind(instance_id);
        if let Some(v) = update.state {
            query = query.bind(v);
        }
        if let Some(v) = update.planned_move {
            query = query.bind(v);
        }
        if let Some(v) = update.destination {
            query = query.bind(v);
        }
        if let Some(v) = update.migration_id {
            query = query.bind(v);
        }
        if let Some(v) = update.migration_uuid {
            query = query.bind(v);
        }
        if let Some(v) = update.request_id {
            query = query.bind(v);
        }
        if let Some(v) = update.attempts {
            query = query.bind(v);
        }
        if let Some(v) = update.detail {
            query = query.bind(v);
        }
        let row = query
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(not_found)?;
        rows::item(&row)
    }
}
