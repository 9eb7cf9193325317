//! Compute API microversions: the type, the version each call asks for,
//! and discovery of the cloud's maximum (once per endpoint URL, process-wide).

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::{Mutex, OnceLock};

use reqwest::Method;
use serde_json::Value;

use super::SERVICE;
use crate::error::{Error, ErrorKind};
use crate::transport::{Request, Transport};

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

/// Declares one `pub const` per entry and [`TABLE`] listing them all, so a
/// check over the whole table cannot miss a constant added later.
macro_rules! microversions {
    ($($(#[$doc:meta])* $name:ident = ($major:literal, $minor:literal);)*) => {
        $($(#[$doc])* pub const $name: Microversion = Microversion::new($major, $minor);)*

        /// Every constant of this module, by name.
        pub const TABLE: &[(&str, Microversion)] = &[$((stringify!($name), $name)),*];
    };
}

// What each call sends, and why. Each is capped by the cloud's maximum
// (`Compute::version_for`). The rule: the lowest microversion that carries
// every field or behaviour Ferry uses, because a newer one can cost time
// (2.96 adds a request-spec lookup per server) and buys nothing unused.
// `*_MIN` and feature constants are where something starts to exist; below
// them the client refuses locally instead of sending a request Nova rejects.
// Ranges as in Nova's `nova/api/openstack/api_version_request.py`.
microversions! {
    /// The base version: what a request without a header gets.
    BASE = (2, 1);
    /// The newest microversion this client was checked against (Nova 34.0.0).
    NEWEST_KNOWN = (2, 104);

    /// `GET /servers/detail`, the instance list and its `changes-since`
    /// refresh. Its columns need: `OS-EXT-SRV-ATTR:host` (2.1, admin),
    /// `locked` (2.9) and the flavor's name, embedded as `original_name` from
    /// 2.47 (before, only its id). Nothing shown needs more, and newer costs:
    /// on Nova 34, 247 ms at 2.1, 258 at 2.47, 321 at 2.73, 456 at 2.96
    /// (pinned_availability_zone looks up each server's request spec).
    /// Given up: from 2.69 servers of a down cell come back as partial
    /// records; at 2.47 Nova leaves them out (by default).
    SERVERS_LIST = (2, 47);
    /// `GET /servers/{id}`, the detail page and the migrate dialog: adds
    /// `server_groups` (2.71) and `locked_reason` (2.73) to the list's fields.
    /// Nothing shown needs more; 2.96's pinned AZ costs a request-spec lookup.
    SERVER_SHOW = (2, 73);

    /// `os-migrateLive`. 2.25 brings `block_migration: "auto"` (and drops
    /// `disk_over_commit`); from 2.34 Nova answers 202 and runs the
    /// destination checks afterwards, which is what the failure report
    /// (app `server/failures.rs`) is built for and keeps the request from
    /// waiting on the scheduler. Later versions only add `force` (2.30) and
    /// remove it again (2.68); Ferry never sends it, so nothing newer is needed.
    LIVE_MIGRATE = (2, 34);
    /// Where the `os-migrateLive` body switches to the 2.25 shape.
    LIVE_MIGRATE_AUTO = (2, 25);
    /// `migrate` (cold): a target `host` is accepted from 2.56, the last
    /// change to this action.
    MIGRATE = (2, 56);
    /// Where `migrate` accepts a target `host`.
    MIGRATE_HOST = (2, 56);
    /// `confirmResize`, `revertResize`, `os-start`, `os-stop`, `pause`,
    /// `unpause`, `lock`, `unlock`, all sent with a `null` body: unchanged
    /// since 2.1 (`lock` takes a `locked_reason` from 2.73, which Ferry does
    /// not send).
    ACTIONS = (2, 1);

    /// `GET /servers/{id}/migrations[/{mid}]`: exists from 2.23; `uuid` from
    /// 2.59, `user_id`/`project_id` from 2.80, which [`super::ServerMigration`]
    /// carries. The last change.
    SERVER_MIGRATIONS = (2, 80);
    /// Where a server's migrations can be listed.
    SERVER_MIGRATIONS_MIN = (2, 23);
    /// `DELETE /servers/{id}/migrations/{mid}` is sent at 2.65 where the cloud
    /// has it: from 2.65 a `queued` or `preparing` live migration can be
    /// aborted too, not only a `running` one. The last change.
    ABORT = (2, 65);
    /// Where aborting a live migration exists.
    ABORT_MIN = (2, 24);
    /// `force_complete`: exists from 2.22 and has not changed since; both the
    /// minimum and the version sent.
    FORCE_COMPLETE = (2, 22);

    /// `GET /os-migrations`: the failure report filters by `project_id` for
    /// non-admins, and records carry `uuid`, `user_id` and `project_id`, all
    /// from 2.80, the last change.
    MIGRATIONS = (2, 80);
    /// `limit`, `marker` and `changes-since` on `/os-migrations`.
    MIGRATIONS_PAGING = (2, 59);
    /// `changes-before` on `/os-migrations`.
    MIGRATIONS_CHANGES_BEFORE = (2, 66);
    /// `user_id` and `project_id` filters on `/os-migrations`.
    MIGRATIONS_USER_PROJECT = (2, 80);

    /// `GET /os-hypervisors/detail`: ids are uuids (2.53), which are the
    /// Placement resource-provider uuids the host table's usage is read
    /// from. At 2.88 Nova drops the usage fields (`vcpus_used`,
    /// `memory_mb_used`, `running_vms`…); the host table takes usage from
    /// Placement then, whose capacity counts allocation ratios and reserved
    /// amounts that those fields ignored, and instance counts from
    /// `with_servers`. 2.88 is the last change to this API.
    HYPERVISORS = (2, 88);
    /// Where `with_servers=true` exists (instance counts after 2.88).
    HYPERVISORS_WITH_SERVERS = (2, 53);
    /// `GET /os-services` and `PUT /os-services/{id}`: uuid ids and update by
    /// id (2.53); from 2.69 a service in a down cell is listed as a partial
    /// record instead of silently missing from the host table. The last
    /// change.
    SERVICES = (2, 69);
    /// Where a service can be updated by its uuid.
    SERVICE_UPDATE_MIN = (2, 53);
    /// `GET /servers/{id}/os-instance-actions[/{rid}]`: events' `details`
    /// (2.84) give the failure report its reason for a failed migration
    /// (before, only an admin's traceback). The last change.
    INSTANCE_ACTIONS = (2, 84);
    /// `GET /flavors/detail`: `description` (2.55), `extra_specs` in the list
    /// (2.61), and `swap` as `0` instead of `""` (2.75), the last change.
    FLAVORS = (2, 75);
    /// `GET /os-server-groups`: `policy` and `rules` (2.64) give the
    /// anti-affinity `max_server_per_host`; before, only `policies`. The last
    /// change.
    SERVER_GROUPS = (2, 64);
}

fn version_cache() -> &'static Mutex<HashMap<String, Microversion>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Microversion>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Drops a cached discovery result (e.g. after a cloud upgrade).
pub fn forget_cached_microversion(endpoint: &str) {
    if let Ok(mut c) = version_cache().lock() {
        c.remove(&super::normalise_endpoint(endpoint));
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
            Some(BASE)
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

/// The cloud's maximum microversion for `endpoint` (already normalised): from
/// the process-wide cache, or discovered once and cached.
pub(super) async fn cloud_max(
    t: &Transport,
    endpoint: &str,
    token: &str,
) -> Result<Microversion, Error> {
    let cached = version_cache()
        .lock()
        .ok()
        .and_then(|c| c.get(endpoint).copied());
    if let Some(v) = cached {
        return Ok(v);
    }
    let v = discover(t, endpoint, token).await?;
    if let Ok(mut c) = version_cache().lock() {
        c.insert(endpoint.to_string(), v);
    }
    Ok(v)
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
    fn list_and_show_versions() {
        assert_eq!(SERVERS_LIST, Microversion::new(2, 47));
        assert_eq!(SERVER_SHOW, Microversion::new(2, 73));
    }

    #[test]
    fn table_within_known_range() {
        assert!(TABLE.len() >= 25, "{}", TABLE.len());
        for (name, v) in TABLE {
            assert!(*v >= BASE && *v <= NEWEST_KNOWN, "{name} = {v}");
        }
    }

    /// A call sent at its constant must carry the features it checks for.
    #[test]
    fn each_call_covers_its_features() {
        for (sent, feature) in [
            (SERVER_SHOW, SERVERS_LIST),
            (LIVE_MIGRATE, LIVE_MIGRATE_AUTO),
            (MIGRATE, MIGRATE_HOST),
            (SERVER_MIGRATIONS, SERVER_MIGRATIONS_MIN),
            (ABORT, ABORT_MIN),
            (MIGRATIONS, MIGRATIONS_PAGING),
            (MIGRATIONS, MIGRATIONS_CHANGES_BEFORE),
            (MIGRATIONS, MIGRATIONS_USER_PROJECT),
            (HYPERVISORS, HYPERVISORS_WITH_SERVERS),
            (SERVICES, SERVICE_UPDATE_MIN),
        ] {
            assert!(sent >= feature, "{sent} < {feature}");
        }
    }

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
