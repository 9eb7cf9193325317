//! Server actions (`POST /servers/{id}/action`): live and cold migration,
//! resize confirm/revert and the simple `{"<action>": null}` actions.
//! Nova: `server_actions.py`, `migrate_server.py` and friends.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{versions, Accepted, Compute, Microversion, SERVICE};
use crate::error::{Error, ErrorKind};

/// How to treat block migration in a live migration.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BlockMigration {
    /// Let Nova decide (2.25+); sent as `false` to older clouds.
    #[default]
    Auto,
    Yes,
    No,
}

/// A live-migration request. `force` is never sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LiveMigration {
    /// Target compute host; `None` lets the scheduler choose.
    pub host: Option<String>,
    pub block_migration: BlockMigration,
    /// Only sent below 2.25 (removed there).
    pub disk_over_commit: bool,
}

/// Simple `{"<action>": null}` server actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SimpleAction {
    Start,
    Stop,
    Pause,
    Unpause,
    Lock,
    Unlock,
}

impl SimpleAction {
    /// The action key in the request body.
    pub fn wire_name(&self) -> &'static str {
        match self {
            SimpleAction::Start => "os-start",
            SimpleAction::Stop => "os-stop",
            SimpleAction::Pause => "pause",
            SimpleAction::Unpause => "unpause",
            SimpleAction::Lock => "lock",
            SimpleAction::Unlock => "unlock",
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            SimpleAction::Start => "start",
            SimpleAction::Stop => "stop",
            SimpleAction::Pause => "pause",
            SimpleAction::Unpause => "unpause",
            SimpleAction::Lock => "lock",
            SimpleAction::Unlock => "unlock",
        }
    }
}

/// The `os-migrateLive` body for microversion `mv`. Never contains `force`.
///
/// * below 2.25: `{host|null, block_migration: bool (Auto → false), disk_over_commit}`
/// * 2.25 and later: `{host|null, block_migration: "auto"|true|false}`
pub fn live_migrate_body(mv: Microversion, req: &LiveMigration) -> Value {
    let inner = if mv < versions::LIVE_MIGRATE_AUTO {
        json!({
            "host": req.host,
            "block_migration": matches!(req.block_migration, BlockMigration::Yes),
            "disk_over_commit": req.disk_over_commit,
        })
    } else {
        let bm = match req.block_migration {
            BlockMigration::Auto => json!("auto"),
            BlockMigration::Yes => json!(true),
            BlockMigration::No => json!(false),
        };
        json!({ "host": req.host, "block_migration": bm })
    };
    json!({ "os-migrateLive": inner })
}

/// The `migrate` body for microversion `mv`: `{"migrate": null}`, or from
/// 2.56 with a host `{"migrate": {"host": h}}`. A host below 2.56 is an
/// [`ErrorKind::Unsupported`] error.
pub fn migrate_body(mv: Microversion, host: Option<&str>) -> Result<Value, String> {
    match host {
        None => Ok(json!({ "migrate": null })),
        Some(h) if mv >= versions::MIGRATE_HOST => Ok(json!({ "migrate": { "host": h } })),
        Some(_) => Err(format!(
            "choosing a target host for a cold migration needs compute API microversion {} but this cloud supports at most {}",
            versions::MIGRATE_HOST, mv
        )),
    }
}

impl Compute {
    /// `os-migrateLive` at `min(max, LIVE_MIGRATE)`; see [`live_migrate_body`]
    /// and [`versions::LIVE_MIGRATE`] for why that version.
    pub async fn live_migrate(&self, id: &str, req: &LiveMigration) -> Result<Accepted, Error> {
        let mv = self.version_for(versions::LIVE_MIGRATE);
        let op = match &req.host {
            Some(h) => format!("live-migrate server {id} to {h}"),
            None => format!("live-migrate server {id}"),
        };
        self.action(id, mv, live_migrate_body(mv, req), op).await
    }

    /// Cold migrate; a target `host` needs 2.56 (refused locally otherwise).
    pub async fn migrate(&self, id: &str, host: Option<&str>) -> Result<Accepted, Error> {
        let mv = self.version_for(versions::MIGRATE);
        let op = match host {
            Some(h) => format!("migrate server {id} to {h}"),
            None => format!("migrate server {id}"),
        };
        let body = migrate_body(mv, host)
            .map_err(|m| Error::new(ErrorKind::Unsupported, SERVICE, op.clone(), m))?;
        self.action(id, mv, body, op).await
    }

    /// `{"confirmResize": null}` → 204.
    pub async fn confirm_resize(&self, id: &str) -> Result<Accepted, Error> {
        self.action(
            id,
            self.version_for(versions::ACTIONS),
            json!({ "confirmResize": null }),
            format!("confirm resize of server {id}"),
        )
        .await
    }

    /// `{"revertResize": null}` → 202.
    pub async fn revert_resize(&self, id: &str) -> Result<Accepted, Error> {
        self.action(
            id,
            self.version_for(versions::ACTIONS),
            json!({ "revertResize": null }),
            format!("revert resize of server {id}"),
        )
        .await
    }

    pub async fn server_action(&self, id: &str, action: SimpleAction) -> Result<Accepted, Error> {
        let mut body = serde_json::Map::new();
        body.insert(action.wire_name().to_string(), Value::Null);
        self.action(
            id,
            self.version_for(versions::ACTIONS),
            Value::Object(body),
            format!("{} server {id}", action.label()),
        )
        .await
    }
}
