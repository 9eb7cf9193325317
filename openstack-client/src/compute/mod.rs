//! Nova (compute v2.1) with per-call microversions, capped by the cloud's
//! advertised maximum (discovered once per endpoint URL, process-wide).

mod types;

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, Mutex, OnceLock};

use chrono::{DateTime, SecondsFormat, Utc};
use reqwest::Method;
use serde_json::{json, Value};

pub use types::*;

use crate::de::next_marker;
use crate::error::{Error, ErrorKind};
use crate::transport::{Reply, Request, Transport};

const SERVICE: &str = "compute";

/// A compute API microversion, e.g. `2.79`. Ordered numerically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Microversion {
    pub major: u32,
    pub minor: u32,
}

impl Microversion {
    pub const fn new(major: u32, minor: u32) -> Self {
        Microversion { major, minor }
    }
}

impl fmt::Display for Microversion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

impl FromStr for Microversion {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (a, b) = s
            .split_once('.')
            .ok_or_else(|| format!("not a microversion: {s:?}"))?;
        let major = a
            .parse()
            .map_err(|_| format!("not a microversion: {s:?}"))?;
        let minor = b
            .parse()
            .map_err(|_| format!("not a microversion: {s:?}"))?;
        Ok(Microversion { major, minor })
    }
}

/// The microversions this client asks for (each capped by the cloud's max).
pub mod versions {
    use super::Microversion;

    /// The base version: what you get without a header.
    pub const BASE: Microversion = Microversion::new(2, 1);
    /// The newest microversion this client was checked against (Nova 34.0.0).
    pub const NEWEST_KNOWN: Microversion = Microversion::new(2, 104);
    /// Servers list/show: embedded flavor (2.47), server_groups (2.71),
    /// locked_reason (2.73), hostname to all (2.90), pinned AZ (2.96).
    pub const SERVERS: Microversion = Microversion::new(2, 100);
    pub const LIVE_MIGRATE: Microversion = NEWEST_KNOWN;
    /// `block_migration: "auto"`, `disk_over_commit` removed.
    pub const LIVE_MIGRATE_AUTO: Microversion = Microversion::new(2, 25);
    pub const MIGRATE: Microversion = NEWEST_KNOWN;
    /// Cold migrate with a target host.
    pub const MIGRATE_HOST: Microversion = Microversion::new(2, 56);
    pub const ACTIONS: Microversion = NEWEST_KNOWN;
    pub const SERVER_MIGRATIONS: Microversion = Microversion::new(2, 80);
    pub const SERVER_MIGRATIONS_MIN: Microversion = Microversion::new(2, 23);
    pub const FORCE_COMPLETE_MIN: Microversion = Microversion::new(2, 22);
    pub const ABORT_MIN: Microversion = Microversion::new(2, 24);
    pub const MIGRATIONS: Microversion = Microversion::new(2, 80);
    pub const MIGRATIONS_PAGING: Microversion = Microversion::new(2, 59);
    pub const MIGRATIONS_CHANGES_BEFORE: Microversion = Microversion::new(2, 66);
    pub const MIGRATIONS_USER_PROJECT: Microversion = Microversion::new(2, 80);
    /// Hypervisors: uuids (2.53), usage removed (2.88; use Placement).
    pub const HYPERVISORS: Microversion = Microversion::new(2, 88);
    pub const SERVICES: Microversion = Microversion::new(2, 69);
    pub const SERVICE_UPDATE_MIN: Microversion = Microversion::new(2, 53);
    pub const INSTANCE_ACTIONS: Microversion = Microversion::new(2, 84);
    pub const FLAVORS: Microversion = Microversion::new(2, 75);
    pub const SERVER_GROUPS: Microversion = Microversion::new(2, 64);
}

fn version_cache() -> &'static Mutex<HashMap<String, Microversion>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Microversion>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

fn normalise_endpoint(endpoint: &str) -> String {
    endpoint.trim().trim_end_matches('/').to_string()
}

/// Drops a cached discovery result (e.g. after a cloud upgrade).
pub fn forget_cached_microversion(endpoint: &str) {
    if let Ok(mut c) = version_cache().lock() {
        c.remove(&normalise_endpoint(endpoint));
    }
}

/// Reads the maximum microversion from a version document: either
/// `{"version": {"version": "2.104", ..}}` (GET on the versioned endpoint) or
/// `{"versions": [..]}` (GET on the root; the `v2.1` entry is used).
/// An empty `version` (legacy v2.0) counts as 2.1.
pub fn parse_version_document(body: &Value) -> Option<Microversion> {
    fn from_entry(e: &Value) -> Option<Microversion> {
        let v = e.get("version")?.as_str()?;
        if v.is_empty() {
            Some(versions::BASE)
        } else {
            v.parse().ok()
        }
    }
    if let Some(v) = body.get("version") {
        return from_entry(v);
    }
    let list = body.get("versions")?.as_array()?;
    list.iter()
        .find(|e| e.get("id").and_then(Value::as_str) == Some("v2.1"))
        .or_else(|| {
            list.iter()
                .find(|e| e.get("status").and_then(Value::as_str) == Some("CURRENT"))
        })
        .and_then(from_entry)
}

/// The URLs to try for version discovery, most specific first.
fn discovery_candidates(endpoint: &str) -> Vec<String> {
    let mut out = vec![endpoint.to_string()];
    if let Ok(url) = url::Url::parse(endpoint) {
        let segments: Vec<&str> = url
            .path_segments()
            .map(|s| s.filter(|x| !x.is_empty()).collect())
            .unwrap_or_default();
        let is_version = |s: &str| {
            s.len() > 1
                && s.starts_with('v')
                && s[1..].chars().all(|c| c.is_ascii_digit() || c == '.')
        };
        if let Some(pos) = segments.iter().rposition(|s| is_version(s)) {
            let mut versioned = url.clone();
            versioned.set_query(None);
            versioned.set_path(&format!("{}/", segments[..=pos].join("/")));
            let v = versioned.to_string();
            if v.trim_end_matches('/') != endpoint {
                out.push(v);
            }
            let mut root = url.clone();
            root.set_query(None);
            root.set_path(&format!("{}/", segments[..pos].join("/")));
            out.push(root.to_string());
        }
    }
    out
}

struct Inner {
    transport: Transport,
    endpoint: String,
    token: String,
    max: Microversion,
}

/// A Nova client bound to one endpoint and token. Cheap to clone.
#[derive(Clone)]
pub struct Compute {
    inner: Arc<Inner>,
}

impl fmt::Debug for Compute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Compute")
            .field("endpoint", &self.inner.endpoint)
            .field("token", &"***")
            .field("max_microversion", &self.inner.max.to_string())
            .finish()
    }
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn ts(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
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

/// The `PUT /os-services/{id}` body; validated like Nova does.
pub fn service_update_body(u: &ServiceUpdate) -> Result<Value, String> {
    let mut body = serde_json::Map::new();
    match u.enabled {
        Some(true) => {
            if u.disabled_reason.is_some() {
                return Err("a disabled_reason is only allowed when disabling".into());
            }
            body.insert("status".into(), json!("enabled"));
        }
        Some(false) => {
            body.insert("status".into(), json!("disabled"));
            if let Some(r) = &u.disabled_reason {
                if r.chars().count() > 255 {
                    return Err("disabled_reason is longer than 255 characters".into());
                }
                body.insert("disabled_reason".into(), json!(r));
            }
        }
        None => {
            if u.disabled_reason.is_some() {
                return Err("a disabled_reason is only allowed when disabling".into());
            }
        }
    }
    if let Some(f) = u.forced_down {
        body.insert("forced_down".into(), json!(f));
    }
    if body.is_empty() {
        return Err("nothing to update".into());
    }
    Ok(Value::Object(body))
}

/// The `GET /servers/detail` query string (without `?`).
pub fn server_query_string(q: &ServerQuery) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    if q.all_tenants {
        s.append_pair("all_tenants", "True");
    }
    if let Some(v) = &q.name {
        s.append_pair("name", v);
    }
    if let Some(v) = &q.host {
        s.append_pair("host", v);
    }
    if let Some(v) = &q.project_id {
        s.append_pair("project_id", v);
    }
    for st in &q.status {
        s.append_pair("status", st);
    }
    if let Some(v) = q.limit {
        s.append_pair("limit", &v.to_string());
    }
    if let Some(v) = &q.marker {
        s.append_pair("marker", v);
    }
    if let Some(v) = &q.sort_key {
        s.append_pair("sort_key", v);
    }
    if let Some(v) = &q.sort_dir {
        s.append_pair("sort_dir", v);
    }
    if let Some(v) = &q.changes_since {
        s.append_pair("changes-since", &ts(v));
    }
    s.finish()
}

/// The `GET /os-migrations` query string for microversion `mv`; errors if a
/// filter needs a newer microversion than `mv`.
pub fn migration_query_string(mv: Microversion, q: &MigrationQuery) -> Result<String, String> {
    let need = |min: Microversion, what: &str| -> Result<(), String> {
        if mv < min {
            Err(format!(
                "filtering migrations by {what} needs compute API microversion {min} but this cloud supports at most {mv}"
            ))
        } else {
            Ok(())
        }
    };
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in [
        ("instance_uuid", &q.instance_uuid),
        ("host", &q.host),
        ("source_compute", &q.source_compute),
        ("status", &q.status),
        ("migration_type", &q.migration_type),
    ] {
        if let Some(v) = v {
            s.append_pair(k, v);
        }
    }
    if let Some(v) = q.limit {
        need(versions::MIGRATIONS_PAGING, "limit")?;
        s.append_pair("limit", &v.to_string());
    }
    if let Some(v) = &q.marker {
        need(versions::MIGRATIONS_PAGING, "marker")?;
        s.append_pair("marker", v);
    }
    if let Some(v) = &q.changes_since {
        need(versions::MIGRATIONS_PAGING, "changes-since")?;
        s.append_pair("changes-since", &ts(v));
    }
    if let Some(v) = &q.changes_before {
        need(versions::MIGRATIONS_CHANGES_BEFORE, "changes-before")?;
        s.append_pair("changes-before", &ts(v));
    }
    if let Some(v) = &q.user_id {
        need(versions::MIGRATIONS_USER_PROJECT, "user_id")?;
        s.append_pair("user_id", v);
    }
    if let Some(v) = &q.project_id {
        need(versions::MIGRATIONS_USER_PROJECT, "project_id")?;
        s.append_pair("project_id", v);
    }
    Ok(s.finish())
}

impl Compute {
    /// Binds to `endpoint` (from the catalog, e.g. `…/v2.1` or
    /// `…/v2.1/<project_id>`), discovering the cloud's maximum microversion
    /// with a GET on the endpoint's version document the first time this
    /// endpoint URL is seen in this process.
    pub async fn connect(t: &Transport, endpoint: &str, token: &str) -> Result<Compute, Error> {
        let endpoint = normalise_endpoint(endpoint);
        let cached = version_cache()
            .lock()
            .ok()
            .and_then(|c| c.get(&endpoint).copied());
        let max = match cached {
            Some(v) => v,
            None => {
                let v = discover(t, &endpoint, token).await?;
                if let Ok(mut c) = version_cache().lock() {
                    c.insert(endpoint.clone(), v);
                }
                v
            }
        };
        Ok(Compute::with_max_microversion(t, &endpoint, token, max))
    }

    /// Binds without discovery, trusting `max` (tests, or a known cloud).
    pub fn with_max_microversion(
        t: &Transport,
        endpoint: &str,
        token: &str,
        max: Microversion,
    ) -> Compute {
        Compute {
            inner: Arc::new(Inner {
                transport: t.clone(),
                endpoint: normalise_endpoint(endpoint),
                token: token.to_string(),
                max,
            }),
        }
    }

    /// The same endpoint and microversion with another token.
    pub fn with_token(&self, token: &str) -> Compute {
        Compute::with_max_microversion(
            &self.inner.transport,
            &self.inner.endpoint,
            token,
            self.inner.max,
        )
    }

    pub fn max_microversion(&self) -> Microversion {
        self.inner.max
    }

    pub fn endpoint(&self) -> &str {
        &self.inner.endpoint
    }

    /// `min(cloud max, preferred)`.
    pub fn version_for(&self, preferred: Microversion) -> Microversion {
        self.inner.max.min(preferred)
    }

    fn require(&self, min: Microversion, op: &str, what: &str) -> Result<(), Error> {
        if self.inner.max < min {
            Err(Error::new(
                ErrorKind::Unsupported,
                SERVICE,
                op,
                format!(
                    "{what} needs compute API microversion {min} but this cloud supports at most {}",
                    self.inner.max
                ),
            ))
        } else {
            Ok(())
        }
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        mv: Microversion,
        body: Option<Value>,
        op: String,
    ) -> Result<Reply, Error> {
        let url = format!("{}{}", self.inner.endpoint, path);
        let mut req = Request::new(SERVICE, op, method, url);
        req.token = Some(&self.inner.token);
        req.headers
            .push(("OpenStack-API-Version", format!("compute {mv}"), false));
        req.headers
            .push(("X-OpenStack-Nova-API-Version", mv.to_string(), false));
        req.body = body;
        self.inner.transport.execute(req).await
    }

    async fn action(
        &self,
        id: &str,
        mv: Microversion,
        body: Value,
        op: String,
    ) -> Result<Accepted, Error> {
        let reply = self
            .call(
                Method::POST,
                &format!("/servers/{}/action", enc(id)),
                mv,
                Some(body),
                op,
            )
            .await?;
        Ok(Accepted {
            request_id: reply.request_id,
            status: reply.status,
        })
    }

    // ------------------------------------------------------------ servers

    /// `GET /servers/detail` (one page).
    pub async fn list_servers(&self, q: &ServerQuery) -> Result<ServerPage, Error> {
        let qs = server_query_string(q);
        let path = if qs.is_empty() {
            "/servers/detail".to_string()
        } else {
            format!("/servers/detail?{qs}")
        };
        let reply = self
            .call(
                Method::GET,
                &path,
                self.version_for(versions::SERVERS),
                None,
                "list servers".into(),
            )
            .await?;
        let list: ServerList = reply.json()?;
        Ok(ServerPage {
            next_marker: next_marker(&list.servers_links),
            servers: list.servers,
        })
    }

    /// `GET /servers/detail`, following `next` links (at most `max_pages`).
    pub async fn list_all_servers(
        &self,
        q: &ServerQuery,
        max_pages: usize,
    ) -> Result<Vec<Server>, Error> {
        let mut q = q.clone();
        let mut out = Vec::new();
        for _ in 0..max_pages.max(1) {
            let page = self.list_servers(&q).await?;
            out.extend(page.servers);
            match page.next_marker {
                Some(m) if Some(&m) != q.marker.as_ref() => q.marker = Some(m),
                _ => break,
            }
        }
        Ok(out)
    }

    pub async fn get_server(&self, id: &str) -> Result<Server, Error> {
        #[derive(serde::Deserialize)]
        struct One {
            server: Server,
        }
        let reply = self
            .call(
                Method::GET,
                &format!("/servers/{}", enc(id)),
                self.version_for(versions::SERVERS),
                None,
                format!("show server {id}"),
            )
            .await?;
        Ok(reply.json::<One>()?.server)
    }

    /// `os-migrateLive` at `min(max, 2.104)`; see [`live_migrate_body`].
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

    // ------------------------------------------------------------ migrations

    /// In-progress live migrations of a server (2.23+).
    pub async fn list_server_migrations(&self, id: &str) -> Result<Vec<ServerMigration>, Error> {
        let op = format!("list migrations of server {id}");
        self.require(
            versions::SERVER_MIGRATIONS_MIN,
            &op,
            "listing a server's migrations",
        )?;
        let reply = self
            .call(
                Method::GET,
                &format!("/servers/{}/migrations", enc(id)),
                self.version_for(versions::SERVER_MIGRATIONS),
                None,
                op,
            )
            .await?;
        Ok(reply.json::<ServerMigrationList>()?.migrations)
    }

    /// `GET /servers/{id}/migrations/{mid}` (2.23+, admin).
    pub async fn get_server_migration(
        &self,
        id: &str,
        migration_id: u64,
    ) -> Result<ServerMigration, Error> {
        #[derive(serde::Deserialize)]
        struct One {
            migration: ServerMigration,
        }
        let op = format!("show migration {migration_id} of server {id}");
        self.require(
            versions::SERVER_MIGRATIONS_MIN,
            &op,
            "showing a server migration",
        )?;
        let reply = self
            .call(
                Method::GET,
                &format!("/servers/{}/migrations/{migration_id}", enc(id)),
                self.version_for(versions::SERVER_MIGRATIONS),
                None,
                op,
            )
            .await?;
        Ok(reply.json::<One>()?.migration)
    }

    /// `DELETE /servers/{id}/migrations/{mid}` (2.24+; queued/preparing
    /// also abortable from 2.65).
    pub async fn abort_migration(&self, id: &str, migration_id: u64) -> Result<Accepted, Error> {
        let op = format!("abort migration {migration_id} of server {id}");
        self.require(versions::ABORT_MIN, &op, "aborting a live migration")?;
        let reply = self
            .call(
                Method::DELETE,
                &format!("/servers/{}/migrations/{migration_id}", enc(id)),
                self.version_for(versions::SERVER_MIGRATIONS),
                None,
                op,
            )
            .await?;
        Ok(Accepted {
            request_id: reply.request_id,
            status: reply.status,
        })
    }

    /// `POST /servers/{id}/migrations/{mid}/action {"force_complete": null}` (2.22+).
    pub async fn force_complete_migration(
        &self,
        id: &str,
        migration_id: u64,
    ) -> Result<Accepted, Error> {
        let op = format!("force-complete migration {migration_id} of server {id}");
        self.require(
            versions::FORCE_COMPLETE_MIN,
            &op,
            "force-completing a live migration",
        )?;
        let reply = self
            .call(
                Method::POST,
                &format!("/servers/{}/migrations/{migration_id}/action", enc(id)),
                self.version_for(versions::SERVER_MIGRATIONS),
                Some(json!({ "force_complete": null })),
                op,
            )
            .await?;
        Ok(Accepted {
            request_id: reply.request_id,
            status: reply.status,
        })
    }

    /// `GET /os-migrations` (one page; paging needs 2.59).
    pub async fn list_migrations(&self, q: &MigrationQuery) -> Result<MigrationPage, Error> {
        let op = "list migrations".to_string();
        let mv = self.version_for(versions::MIGRATIONS);
        let qs = migration_query_string(mv, q)
            .map_err(|m| Error::new(ErrorKind::Unsupported, SERVICE, op.clone(), m))?;
        let path = if qs.is_empty() {
            "/os-migrations".to_string()
        } else {
            format!("/os-migrations?{qs}")
        };
        let reply = self.call(Method::GET, &path, mv, None, op).await?;
        let list: MigrationList = reply.json()?;
        Ok(MigrationPage {
            next_marker: next_marker(&list.migrations_links),
            migrations: list.migrations,
        })
    }

    // ------------------------------------------------------------ hosts

    /// `GET /os-hypervisors/detail` at `min(max, 2.88)`, following `next`
    /// links. From 2.88 usage fields are `None` (use Placement).
    pub async fn list_hypervisors(&self) -> Result<Vec<Hypervisor>, Error> {
        self.hypervisors(false).await
    }

    /// Like [`Compute::list_hypervisors`], with each hypervisor's servers (`with_servers`,
    /// ≥ 2.53), which is how instance counts are known once 2.88 removed `running_vms`.
    pub async fn list_hypervisors_with_servers(&self) -> Result<Vec<Hypervisor>, Error> {
        let with = self.version_for(versions::HYPERVISORS) >= Microversion::new(2, 53);
        self.hypervisors(with).await
    }

    async fn hypervisors(&self, with_servers: bool) -> Result<Vec<Hypervisor>, Error> {
        let mv = self.version_for(versions::HYPERVISORS);
        let mut out: Vec<Hypervisor> = Vec::new();
        let mut marker: Option<String> = None;
        for _ in 0..1000 {
            let mut query = Vec::new();
            if with_servers {
                query.push("with_servers=true".to_string());
            }
            if let Some(m) = &marker {
                query.push(format!("marker={}", enc(m)));
            }
            let path = if query.is_empty() {
                "/os-hypervisors/detail".to_string()
            } else {
                format!("/os-hypervisors/detail?{}", query.join("&"))
            };
            let reply = self
                .call(Method::GET, &path, mv, None, "list hypervisors".into())
                .await?;
            let list: HypervisorList = reply.json()?;
            let empty = list.hypervisors.is_empty();
            out.extend(list.hypervisors);
            match next_marker(&list.hypervisors_links) {
                Some(m) if !empty && Some(&m) != marker.as_ref() => marker = Some(m),
                _ => break,
            }
        }
        Ok(out)
    }

    /// `GET /os-services[?binary=..]`.
    pub async fn list_services(&self, binary: Option<&str>) -> Result<Vec<Service>, Error> {
        let path = match binary {
            Some(b) => format!("/os-services?binary={}", enc(b)),
            None => "/os-services".to_string(),
        };
        let reply = self
            .call(
                Method::GET,
                &path,
                self.version_for(versions::SERVICES),
                None,
                "list services".into(),
            )
            .await?;
        Ok(reply.json::<ServiceList>()?.services)
    }

    /// `PUT /os-services/{uuid}` (2.53+).
    pub async fn set_service(&self, id: &str, update: &ServiceUpdate) -> Result<Service, Error> {
        let op = format!("update compute service {id}");
        self.require(
            versions::SERVICE_UPDATE_MIN,
            &op,
            "updating a service by id",
        )?;
        let body = service_update_body(update)
            .map_err(|m| Error::new(ErrorKind::Unsupported, SERVICE, op.clone(), m))?;
        let reply = self
            .call(
                Method::PUT,
                &format!("/os-services/{}", enc(id)),
                self.version_for(versions::SERVICES),
                Some(body),
                op,
            )
            .await?;
        Ok(reply.json::<ServiceOne>()?.service)
    }

    // ------------------------------------------------------------ history

    pub async fn list_instance_actions(&self, id: &str) -> Result<Vec<InstanceAction>, Error> {
        let reply = self
            .call(
                Method::GET,
                &format!("/servers/{}/os-instance-actions", enc(id)),
                self.version_for(versions::INSTANCE_ACTIONS),
                None,
                format!("list actions of server {id}"),
            )
            .await?;
        Ok(reply.json::<InstanceActionList>()?.instance_actions)
    }

    pub async fn get_instance_action(
        &self,
        id: &str,
        request_id: &str,
    ) -> Result<InstanceActionDetail, Error> {
        let reply = self
            .call(
                Method::GET,
                &format!(
                    "/servers/{}/os-instance-actions/{}",
                    enc(id),
                    enc(request_id)
                ),
                self.version_for(versions::INSTANCE_ACTIONS),
                None,
                format!("show action {request_id} of server {id}"),
            )
            .await?;
        Ok(reply.json::<InstanceActionOne>()?.instance_action)
    }

    // ------------------------------------------------------------ misc

    /// `GET /flavors/detail?is_public=None` (all flavors for admins).
    pub async fn list_flavors(&self) -> Result<Vec<Flavor>, Error> {
        let reply = self
            .call(
                Method::GET,
                "/flavors/detail?is_public=None",
                self.version_for(versions::FLAVORS),
                None,
                "list flavors".into(),
            )
            .await?;
        Ok(reply.json::<FlavorList>()?.flavors)
    }

    /// `GET /os-server-groups[?all_projects=True]`.
    pub async fn list_server_groups(&self, all_projects: bool) -> Result<Vec<ServerGroup>, Error> {
        let path = if all_projects {
            "/os-server-groups?all_projects=True"
        } else {
            "/os-server-groups"
        };
        let reply = self
            .call(
                Method::GET,
                path,
                self.version_for(versions::SERVER_GROUPS),
                None,
                "list server groups".into(),
            )
            .await?;
        Ok(reply.json::<ServerGroupList>()?.server_groups)
    }
}

async fn discover(t: &Transport, endpoint: &str, token: &str) -> Result<Microversion, Error> {
    let op = "discover compute microversions";
    let mut first_err: Option<Error> = None;
    for url in discovery_candidates(endpoint) {
        let mut req = Request::new(SERVICE, op.into(), Method::GET, url.clone());
        req.token = Some(token);
        match t.execute(req).await {
            Ok(reply) => {
                let parsed = serde_json::from_slice::<Value>(&reply.body)
                    .ok()
                    .as_ref()
                    .and_then(parse_version_document);
                match parsed {
                    Some(v) => {
                        tracing::debug!(endpoint, %url, max = %v, "compute microversion discovered");
                        return Ok(v);
                    }
                    None => {
                        first_err.get_or_insert_with(|| {
                            Error::new(
                                ErrorKind::Decode,
                                SERVICE,
                                op,
                                format!("{url} did not return a version document"),
                            )
                            .with_request_id(reply.request_id.clone())
                        });
                    }
                }
            }
            // Authentication, timeouts and connection failures will not get
            // better with another URL on the same host.
            Err(e)
                if matches!(
                    e.kind,
                    ErrorKind::Http(401)
                        | ErrorKind::Timeout
                        | ErrorKind::Connect
                        | ErrorKind::Interrupted
                ) =>
            {
                return Err(e)
            }
            Err(e) => {
                first_err.get_or_insert(e);
            }
        }
    }
    Err(first_err
        .unwrap_or_else(|| Error::new(ErrorKind::Decode, SERVICE, op, "no version document found")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn microversion_parse_order_display() {
        let a: Microversion = "2.79".parse().unwrap();
        assert_eq!(a, Microversion::new(2, 79));
        assert_eq!(a.to_string(), "2.79");
        assert!(Microversion::new(2, 9) < Microversion::new(2, 10));
        assert!(Microversion::new(2, 104) > Microversion::new(2, 99));
        assert!("2".parse::<Microversion>().is_err());
        assert!("latest".parse::<Microversion>().is_err());
    }

    #[test]
    fn discovery_urls() {
        assert_eq!(
            discovery_candidates("http://h:8774/v2.1/abc123"),
            vec![
                "http://h:8774/v2.1/abc123",
                "http://h:8774/v2.1/",
                "http://h:8774/"
            ]
        );
        assert_eq!(
            discovery_candidates("http://h/compute/v2.1"),
            vec!["http://h/compute/v2.1", "http://h/compute/"]
        );
    }
}
