//! Drives drains: every Ferry server runs one `Runner`, which claims the drains that need a
//! driver (the store's lease decides that exactly one server has each), and on every tick looks
//! at Nova for the moves in flight, starts the next ones through the sliding window, and ends
//! the drain only when Nova lists no instance on the host.
//!
//! Restart-safe by construction: everything it knows between two ticks is in the store (the
//! items' states, attempts and request ids) or in Nova. A move is recorded as asked *before* its
//! request is sent, so a server that dies in between leaves a trace; the next driver then looks
//! in the instance's actions before sending anything again.

mod access;
mod drive;
mod moves;
mod observe;
mod secret_box;

use std::{collections::HashMap, sync::Arc, time::Duration};

use openstack_client::Transport;
use serde::{Deserialize, Serialize};
use tokio::sync::{Mutex, Notify};
use uuid::Uuid;

use crate::plan::DrainOptions;
use crate::store::Store;

pub use access::TOKEN_CREDENTIAL;
pub use observe::{observe, Kind, Verdict, RECORD_GRACE_SECS};
pub use secret_box::SecretBox;

/// What a drain's `options` column holds: the operator's options and where Nova is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobOptions {
    #[serde(flatten)]
    pub drain: DrainOptions,
    /// The compute endpoint of the starter's catalog (region and interface already chosen).
    pub compute_url: String,
}

/// How a runner reaches Keystone, and its pace.
pub struct RunnerConfig {
    /// This server's name in leases and timelines (host, process, a random part).
    pub owner: String,
    pub auth_url: String,
    pub transport: Transport,
    pub secrets: Arc<SecretBox>,
    /// How often it looks at Nova.
    pub tick: Duration,
    /// How long a claim holds when this server stops renewing it (dies).
    pub lease: Duration,
}

/// Item states as the store keeps them.
pub mod item_state {
    pub const WAITING: &str = "waiting";
    pub const QUEUED: &str = "queued";
    pub const MOVING: &str = "moving";
    pub const MOVED: &str = "moved";
    pub const FAILED: &str = "failed";
    pub const SKIPPED: &str = "skipped";
    pub const CANCELLED: &str = "cancelled";

    pub fn in_flight(s: &str) -> bool {
        s == QUEUED || s == MOVING
    }
}

/// Planned moves as the store keeps them: out of the drained host, or back to it.
pub mod planned_move {
    pub const LIVE: &str = "live";
    pub const COLD: &str = "cold";
    pub const SKIP: &str = "skip";
    pub const BACK_LIVE: &str = "back-live";
    pub const BACK_COLD: &str = "back-cold";

    pub fn is_back(m: &str) -> bool {
        m == BACK_LIVE || m == BACK_COLD
    }
}

/// A planned instance as the drain's record keeps it: waiting, or skipped with the plan's reason.
pub fn new_item(host: &str, i: &crate::plan::PlannedInstance) -> crate::store::NewItem {
    use crate::plan::Move;
    let (planned, state, detail) = match &i.move_ {
        Move::Live => (planned_move::LIVE, item_state::WAITING, None),
        Move::ColdThenConfirm => (planned_move::COLD, item_state::WAITING, None),
        Move::Skip(why) => (planned_move::SKIP, item_state::SKIPPED, Some(why.clone())),
    };
    crate::store::NewItem {
        instance_id: i.id.clone(),
        name: i.name.clone(),
        origin_host: host.to_string(),
        planned_move: planned.into(),
        state: state.into(),
        detail,
    }
}

pub struct Runner {
    store: Store,
    config: RunnerConfig,
    wake: Notify,
    /// Per drain, the Nova client its credential last gave (and until when it is good).
    clients: Mutex<HashMap<Uuid, access::Client>>,
    /// The drains this server held after its last claim, to give back on shutdown.
    held: Mutex<Vec<Uuid>>,
}

impl Runner {
    pub fn new(store: Store, config: RunnerConfig) -> Arc<Runner> {
        Arc::new(Runner {
            store,
            config,
            wake: Notify::new(),
            clients: Mutex::new(HashMap::new()),
            held: Mutex::new(Vec::new()),
        })
    }

    pub fn owner(&self) -> &str {
        &self.config.owner
    }

    /// Looks now rather than at the next tick (a drain was started or changed here).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Ticks until `stop` resolves, then gives up its leases so another server need not wait.
    pub async fn run(self: Arc<Self>, stop: impl std::future::Future<Output = ()>) {
        tokio::pin!(stop);
        loop {
            self.tick().await;
            tokio::select! {
                _ = &mut stop => break,
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(self.config.tick) => {}
            }
        }
        self.release_all().await;
    }

    /// One pass: claim (or renew) every drain that needs a driver, and drive each once.
    pub async fn tick(&self) {
        let drains = match self
            .store
            .claim(&self.config.owner, self.config.lease)
            .await
        {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!(error = %e, "drain runner: the database refused the claim");
                return;
            }
        };
        let held: Vec<Uuid> = drains.iter().map(|d| d.id).collect();
        self.clients.lock().await.retain(|id, _| held.contains(id));
        *self.held.lock().await = held;
        for d in drains {
            let id = d.id;
            if let Err(e) = self.drive(d).await {
                tracing::warn!(drain = %id, error = %e, "drain runner: this pass stopped early");
            }
        }
    }

    async fn release_all(&self) {
        let ids = std::mem::take(&mut *self.held.lock().await);
        for id in ids {
            let _ = self.store.release(id, &self.config.owner).await;
        }
    }
}

/// Why a pass over a drain stopped early; the next tick tries again.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("database: {0}")]
    Store(#[from] crate::store::StoreError),
    #[error("{0}")]
    Record(String),
    #[error("another server took this drain over")]
    LostLease,
    /// Nova refused the drain's token (expired early, revoked, roles removed).
    #[error("Nova refused the drain's token")]
    Unauthorized,
}

impl From<openstack_client::Error> for RunError {
    fn from(e: openstack_client::Error) -> Self {
        if e.is_unauthorized() {
            RunError::Unauthorized
        } else {
            RunError::Record(e.to_string())
        }
    }
}
