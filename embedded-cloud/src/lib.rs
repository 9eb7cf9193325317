//! Embedded OpenStack cloud: Keystone v3, Nova v2.1 (Nova 34, microversions
//! 2.1–2.104), Placement and a sliver of Glance, modelled closely enough that
//! the real `openstack` CLI and Ferry drive it like a real cloud.
//!
//! Everything lives on one listener, devstack-style: `{base}/identity`,
//! `{base}/compute`, `{base}/placement`, `{base}/image`, plus admin-only test
//! hooks under `{base}/_cloud`.

use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::Duration;

mod api;
mod clock;
mod context;
mod demo;
mod fault;
mod ids;
mod lifecycle;
mod microversion;
mod model;
mod policy;
mod scheduler;
mod secrets;
mod state;

pub use api::faults::{FaultInjection, NovaFault};

/// How the embedded cloud behaves.
#[derive(Clone, Debug)]
pub struct CloudConfig {
    /// 1.0 = realistic timings (tens of seconds for a live migration); N = N times faster.
    pub speed: f64,
    /// 0 = demo set only; N = demo set plus generated instances until the total reaches N.
    pub instances: usize,
    pub token_ttl: Duration,
    /// Nova's `resize_confirm_window`: confirm VERIFY_RESIZE automatically after this (scaled by speed).
    pub auto_confirm: Option<Duration>,
    /// nova-compute's `max_concurrent_live_migrations`, given to every host
    /// at start (Nova's default 1; 0 = unlimited). Per host: `PUT /_cloud/hosts/{host}`.
    pub max_concurrent_live_migrations: u32,
    /// libvirt's `live_migration_completion_timeout`, seconds per GiB of data
    /// to copy (flavor RAM, at least 2, plus local disks for block migration);
    /// Nova's default 800, 0 = never. Counted in realistic seconds, so it
    /// scales with `speed` like every other duration.
    pub live_migration_completion_timeout: u64,
    /// libvirt's `live_migration_timeout_action` when that timeout passes.
    pub live_migration_timeout_action: TimeoutAction,
}

/// `[libvirt] live_migration_timeout_action`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum TimeoutAction {
    /// Nova's default: the job is aborted and the migration ends `cancelled`.
    #[default]
    Abort,
    /// The guest is paused so the copy can finish (post-copy is not modelled:
    /// `live_migration_permit_post_copy` defaults to False).
    ForceComplete,
}

/// A live migration's behaviour (see [`Cloud::set_migration_behaviour`]).
pub use model::{MigrationBehaviour, RecordedRequest};

impl Default for CloudConfig {
    fn default() -> Self {
        CloudConfig {
            speed: 1.0,
            instances: 0,
            token_ttl: Duration::from_secs(3600),
            auto_confirm: None,
            max_concurrent_live_migrations: 1,
            live_migration_completion_timeout: 800,
            live_migration_timeout_action: TimeoutAction::Abort,
        }
    }
}

/// A demo identity, printed at start so a person can log in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DemoUser {
    pub name: &'static str,
    pub password: &'static str,
    pub project: &'static str,
    /// The most privileged role the user holds (see `roles` for all of them).
    pub role: &'static str,
}

impl DemoUser {
    /// Every role the user holds in its project, as Keystone's implied roles would expand them.
    pub fn roles(&self) -> &'static [&'static str] {
        match self.role {
            "admin" => &["admin", "manager", "member", "reader"],
            "manager" => &["manager", "member", "reader"],
            "member" => &["member", "reader"],
            _ => &["reader"],
        }
    }
}

pub const DEMO_USERS: &[DemoUser] = &[
    DemoUser {
        name: "admin",
        password: "ferry-admin",
        project: "admin",
        role: "admin",
    },
    DemoUser {
        name: "operator",
        password: "ferry-operator",
        project: "web",
        role: "manager",
    },
    DemoUser {
        name: "member",
        password: "ferry-member",
        project: "analytics",
        role: "member",
    },
];

pub(crate) struct Inner {
    pub config: CloudConfig,
    /// The speed factor as f64 bits: tests may change it while the cloud runs.
    pub speed: std::sync::atomic::AtomicU64,
    /// How far Keystone's clock runs ahead of the wall clock, in
    /// milliseconds: tests age tokens and application credentials with it.
    pub clock_offset_ms: std::sync::atomic::AtomicI64,
    pub state: Mutex<state::State>,
    pub faults: RwLock<FaultInjection>,
    /// Requests received per service, for benchmarks that count upstream calls.
    pub counts: api::counts::Counts,
}

/// The cloud's state and behaviour; cheap to clone.
#[derive(Clone)]
pub struct Cloud {
    pub(crate) inner: Arc<Inner>,
}

impl Cloud {
    pub fn new(config: CloudConfig) -> Cloud {
        let mut state = demo::build(config.instances);
        for h in &mut state.hosts {
            h.max_concurrent_live_migrations = config.max_concurrent_live_migrations;
        }
        Cloud {
            inner: Arc::new(Inner {
                speed: std::sync::atomic::AtomicU64::new(config.speed.to_bits()),
                clock_offset_ms: std::sync::atomic::AtomicI64::new(0),
                config,
                state: Mutex::new(state),
                faults: RwLock::new(FaultInjection::default()),
                counts: api::counts::Counts::default(),
            }),
        }
    }

    /// The HTTP API. `base_url` (like `http://127.0.0.1:8774`) is what the
    /// catalog and every link advertise.
    pub fn router(&self, base_url: &str) -> axum::Router {
        api::router(self.clone(), base_url.trim_end_matches('/').to_string())
    }

    pub fn config(&self) -> &CloudConfig {
        &self.inner.config
    }

    /// Replace the fault-injection setting (see [`FaultInjection`]).
    pub fn set_faults(&self, faults: FaultInjection) {
        match self.inner.faults.write() {
            Ok(mut f) => *f = faults,
            Err(poisoned) => *poisoned.into_inner() = faults,
        }
    }

    pub fn faults(&self) -> FaultInjection {
        match self.inner.faults.read() {
            Ok(f) => f.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// A poisoned lock only means some task panicked mid-step; the data is
    /// still the best we have, so keep serving rather than cascade panics.
    pub(crate) fn lock(&self) -> MutexGuard<'_, state::State> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn pace(&self) -> clock::Pace {
        clock::Pace::new(self.speed())
    }

    /// Every server action and service change received, oldest first (as `/_cloud/requests`).
    pub fn requests(&self) -> Vec<model::RecordedRequest> {
        self.lock().requests.clone()
    }

    /// Requests received so far, all services together (as `GET /_cloud/stats` counts them).
    pub fn request_count(&self) -> u64 {
        let snapshot = self.inner.counts.snapshot();
        snapshot
            .as_object()
            .map(|o| o.values().filter_map(|v| v.as_u64()).sum())
            .unwrap_or_default()
    }

    /// The current speed factor (see [`CloudConfig::speed`]).
    pub fn speed(&self) -> f64 {
        f64::from_bits(self.inner.speed.load(std::sync::atomic::Ordering::Relaxed))
    }

    /// Set one host's `max_concurrent_live_migrations` (0 = unlimited). Queued
    /// migrations from it start at once if the new limit leaves room.
    /// Returns false for an unknown host.
    pub fn set_max_concurrent_live_migrations(&self, host: &str, limit: u32) -> bool {
        match self.lock().host_mut(host) {
            Some(h) => {
                h.max_concurrent_live_migrations = limit;
                true
            }
            None => false,
        }
    }

    /// How live migrations of one instance behave from now on, including one
    /// already running. Returns false for an unknown instance.
    pub fn set_migration_behaviour(&self, instance_uuid: &str, b: MigrationBehaviour) -> bool {
        let mut st = self.lock();
        if st.instance(instance_uuid).is_none() {
            return false;
        }
        st.migration_behaviour.insert(instance_uuid.to_string(), b);
        true
    }

    /// Keystone's time: the wall clock plus whatever [`Cloud::advance_clock`]
    /// added. Token and application-credential expiry follow it; Nova's
    /// timestamps stay on the wall clock.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        let offset = self
            .inner
            .clock_offset_ms
            .load(std::sync::atomic::Ordering::Relaxed);
        chrono::Duration::try_milliseconds(offset)
            .and_then(|d| clock::now().checked_add_signed(d))
            .unwrap_or(chrono::DateTime::<chrono::Utc>::MAX_UTC)
    }

    /// Move Keystone's clock forward (it never goes back, so nothing issued
    /// lies in the future), e.g. past an application credential's expiry.
    pub fn advance_clock(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        let _ = self.inner.clock_offset_ms.fetch_update(
            std::sync::atomic::Ordering::Relaxed,
            std::sync::atomic::Ordering::Relaxed,
            |cur| Some(cur.saturating_add(ms)),
        );
    }

    /// Changes how fast everything that starts from now on runs; steps already sleeping keep
    /// their pace. Tests use it to hold an instance in a short-lived state.
    pub fn set_speed(&self, speed: f64) {
        let speed = clock::Pace::new(speed).factor();
        self.inner
            .speed
            .store(speed.to_bits(), std::sync::atomic::Ordering::Relaxed);
    }
}

/// A cloud served on a listener in a background task.
pub struct RunningCloud {
    cloud: Cloud,
    base_url: String,
    task: tokio::task::JoinHandle<()>,
}

impl RunningCloud {
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn auth_url(&self) -> String {
        format!("{}/identity/v3", self.base_url)
    }

    pub fn cloud(&self) -> &Cloud {
        &self.cloud
    }

    /// `export OS_...` lines for one demo user.
    pub fn openrc(&self, user: &DemoUser) -> String {
        [
            format!("export OS_AUTH_URL={}", self.auth_url()),
            "export OS_IDENTITY_API_VERSION=3".to_string(),
            format!("export OS_USERNAME={}", user.name),
            format!("export OS_PASSWORD={}", user.password),
            format!("export OS_PROJECT_NAME={}", user.project),
            "export OS_USER_DOMAIN_NAME=Default".to_string(),
            "export OS_PROJECT_DOMAIN_NAME=Default".to_string(),
            "export OS_REGION_NAME=RegionOne".to_string(),
            "export OS_INTERFACE=public".to_string(),
        ]
        .join("\n")
            + "\n"
    }

    /// A clouds.yaml with one entry per demo user: ferry-admin, ferry-operator, ferry-member.
    pub fn clouds_yaml(&self) -> String {
        let mut out = String::from("clouds:\n");
        for u in DEMO_USERS {
            out.push_str(&format!(
                "  ferry-{name}:\n    auth:\n      auth_url: {auth}\n      username: {name}\n      password: {pw}\n      project_name: {project}\n      user_domain_name: Default\n      project_domain_name: Default\n    region_name: RegionOne\n    interface: public\n    identity_api_version: 3\n",
                name = u.name,
                auth = self.auth_url(),
                pw = u.password,
                project = u.project,
            ));
        }
        out
    }

    /// Stop serving.
    pub fn stop(&self) {
        self.task.abort();
    }
}

impl Drop for RunningCloud {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Build a cloud and serve it on `listener` in a spawned task.
pub async fn start(
    config: CloudConfig,
    listener: tokio::net::TcpListener,
) -> std::io::Result<RunningCloud> {
    let addr = listener.local_addr()?;
    let host = if addr.ip().is_unspecified() {
        "127.0.0.1".to_string()
    } else if addr.is_ipv6() {
        format!("[{}]", addr.ip())
    } else {
        addr.ip().to_string()
    };
    let base_url = format!("http://{}:{}", host, addr.port());
    let cloud = Cloud::new(config);
    let app = cloud.router(&base_url);
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "embedded cloud stopped serving");
        }
    });
    Ok(RunningCloud {
        cloud,
        base_url,
        task,
    })
}
