//! The drain's own way into Nova. A drain outlives its starter's token (an hour by default), and
//! Ferry never keeps a password, so the drain acts with a Keystone application credential made
//! for it at the start (restricted, expiring, named after the drain). Its secret is in the
//! store, sealed. Where Keystone refused to make one, the starter's token is kept instead
//! (sealed the same way) and the drain waits for someone to log in once that token expires.

use chrono::{Duration, Utc};
use openstack_client::{
    compute::Compute,
    identity::{authenticate_application_credential, Secret},
};
use uuid::Uuid;

use super::{JobOptions, Runner};
use crate::store::Drain;

/// The credential id that marks a stored Keystone token rather than an application credential.
pub const TOKEN_CREDENTIAL: &str = "keystone-token";

/// A token is not used in its last minute: a move asked with it could be refused half-way.
const TOKEN_MARGIN_SECS: i64 = 60;

pub struct Client {
    pub compute: Compute,
    pub expires_at: chrono::DateTime<Utc>,
}

pub enum Refused {
    /// The drain cannot act until someone logs in again; the words say who and why.
    NeedsLogin(String),
    /// Keystone or Nova did not answer; try at the next tick.
    Unavailable(String),
}

impl Runner {
    /// A Nova client acting as the drain, from the cache while its token is good.
    pub(super) async fn compute_for(
        &self,
        drain: &Drain,
        options: &JobOptions,
    ) -> Result<Compute, Refused> {
        let fresh = Utc::now() + Duration::seconds(TOKEN_MARGIN_SECS);
        if let Some(c) = self.clients.lock().await.get(&drain.id) {
            if c.expires_at > fresh {
                return Ok(c.compute.clone());
            }
        }
        let who = &drain.started_by.user_name;
        let stored = self
            .store
            .credential(drain.id)
            .await
            .map_err(|e| Refused::Unavailable(e.to_string()))?;
        let Some(stored) = stored else {
            return Err(Refused::NeedsLogin(format!(
                "The drain has no credential to act with; {who} (or another admin) must log in and resume it."
            )));
        };
        if stored.expires_at <= fresh {
            return Err(Refused::NeedsLogin(format!(
                "The drain's credential expired at {}; {who} (or another admin) must log in and resume it.",
                stored.expires_at.format("%Y-%m-%d %H:%M UTC")
            )));
        }
        let id = drain.id.to_string();
        let Some(secret) = self.config.secrets.open(&id, &stored.secret_ciphertext) else {
            return Err(Refused::NeedsLogin(format!(
                "The drain's stored credential cannot be opened with this server's key (was FERRY_SESSION_KEY changed?); {who} must log in and resume it."
            )));
        };
        let (token, expires_at) = if stored.id == TOKEN_CREDENTIAL {
            (secret, stored.expires_at)
        } else {
            let t = &self.config.transport;
            match authenticate_application_credential(
                t,
                &self.config.auth_url,
                &stored.id,
                &Secret::new(secret),
            )
            .await
            {
                Ok(token) => (token.value, token.expires_at),
                Err(e) if e.is_unauthorized() => {
                    return Err(Refused::NeedsLogin(format!(
                        "Keystone no longer accepts the drain's application credential (deleted or expired); {who} (or another admin) must log in and resume it."
                    )))
                }
                Err(e) => return Err(Refused::Unavailable(e.to_string())),
            }
        };
        let compute = Compute::connect(&self.config.transport, &options.compute_url, &token)
            .await
            .map_err(|e| {
                if e.is_unauthorized() {
                    Refused::NeedsLogin(format!(
                        "Nova refused the drain's token; {who} (or another admin) must log in and resume it."
                    ))
                } else {
                    Refused::Unavailable(e.to_string())
                }
            })?;
        self.clients.lock().await.insert(
            drain.id,
            Client {
                compute: compute.clone(),
                expires_at,
            },
        );
        Ok(compute)
    }

    /// Forgets the cached client (its token was refused mid-pass).
    pub(super) async fn forget_client(&self, id: Uuid) {
        self.clients.lock().await.remove(&id);
    }
}
