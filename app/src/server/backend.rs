//! The process-wide handle every server function reaches for: where Keystone is, the shared HTTP
//! transport, the cookie key. It holds no OpenStack state, only caches that can be dropped.

use std::sync::Arc;

use cookie::Key;
use leptos::prelude::use_context;
use openstack_client::Transport;

use super::{cache::TtlCache, limiter::LoginLimiter};
use crate::error::AppError;

/// How to reach the cloud, as read from clouds.yaml / `OS_*` or the embedded cloud.
#[derive(Clone, Debug)]
pub struct BackendConfig {
    pub auth_url: String,
    pub region: Option<String>,
    pub interface: String,
    pub default_domain: String,
    /// Shown on the login page so the operator knows which cloud this is.
    pub cloud_name: String,
    /// Set the `Secure` attribute on the session cookie (behind https).
    pub secure_cookies: bool,
    /// Proxies whose `X-Forwarded-For` names the real client (`FERRY_TRUSTED_PROXIES`); from
    /// anyone else the header is ignored.
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

#[derive(Clone)]
pub struct Backend(Arc<Inner>);

pub struct Inner {
    pub config: BackendConfig,
    pub transport: Transport,
    pub cookie_key: Key,
    pub limiter: LoginLimiter,
    /// Project id → name, per identity endpoint; names rarely change, a minute is fresh enough.
    pub project_names: TtlCache<Vec<(String, String)>>,
    /// User id → name, per identity endpoint, for "who" columns.
    pub user_names: TtlCache<Vec<(String, String)>>,
    /// Compute hosts (and which are bare metal), per compute endpoint.
    pub compute_hosts: TtlCache<super::mapping::HostIndex>,
    /// What was seen of each live migration under way (lowest remaining, rate).
    pub live_watch: super::live_watch::LiveWatch,
    /// The one-time tokens of Disable / Enable forms posted, and whether Nova has answered the
    /// first post yet, so a double click on a plain form (which a page without JavaScript
    /// cannot prevent) reaches Nova once (`super::service_changes::claim_form`).
    pub sent_forms: TtlCache<bool>,
    /// The drain database and this server's runner, set once at startup.
    pub drains: std::sync::OnceLock<super::drains::DrainService>,
}

impl std::ops::Deref for Backend {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl Backend {
    pub fn new(config: BackendConfig, transport: Transport, cookie_key: Key) -> Self {
        Backend(Arc::new(Inner {
            config,
            transport,
            cookie_key,
            limiter: LoginLimiter::default(),
            project_names: TtlCache::new(std::time::Duration::from_secs(60)),
            user_names: TtlCache::new(std::time::Duration::from_secs(60)),
            compute_hosts: TtlCache::new(std::time::Duration::from_secs(60)),
            live_watch: super::live_watch::LiveWatch::new(
                super::live_watch::stall_window_from_env(),
            ),
            sent_forms: TtlCache::new(std::time::Duration::from_secs(600)),
            drains: std::sync::OnceLock::new(),
        }))
    }
}

/// The backend from the request's context (provided by the `ferry` server for every request).
pub fn backend() -> Result<Backend, AppError> {
    use_context::<Backend>()
        .ok_or_else(|| AppError::Internal("Ferry's backend is not configured.".into()))
}
