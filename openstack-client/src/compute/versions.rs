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
