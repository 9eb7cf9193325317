//! Compute microversion negotiation, as `nova.api.openstack.wsgi` and
//! `microversion_parse` do it.

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::fault::Fault;

pub const MIN_MINOR: u32 = 1;
pub const MAX_MINOR: u32 = 104;
pub const MAX_VERSION: &str = "2.104";
pub const MIN_VERSION: &str = "2.1";

/// The negotiated compute microversion (always major 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mv(pub u32);

impl Mv {
    pub fn at_least(self, minor: u32) -> bool {
        self.0 >= minor
    }
    pub fn between(self, lo: u32, hi: u32) -> bool {
        self.0 >= lo && self.0 <= hi
    }
}

impl std::fmt::Display for Mv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "2.{}", self.0)
    }
}

/// The raw requested version: the last `compute X` in OpenStack-API-Version,
/// else the legacy X-OpenStack-Nova-API-Version header.
pub fn requested(headers: &HeaderMap) -> Option<String> {
    let mut found = None;
    for v in headers.get_all("openstack-api-version") {
        let Ok(s) = v.to_str() else { continue };
        for part in s.split(',') {
            let mut words = part.split_whitespace();
            if let (Some(service), Some(version)) = (words.next(), words.next()) {
                if service.eq_ignore_ascii_case("compute") {
                    found = Some(version.to_string());
                }
            }
        }
    }
    if found.is_some() {
        return found;
    }
    headers
        .get_all("x-openstack-nova-api-version")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .next_back()
        .map(|s| s.trim().to_string())
}

pub fn negotiate(raw: Option<&str>) -> Result<Mv, Fault> {
    let Some(raw) = raw else {
        return Ok(Mv(MIN_MINOR));
    };
    if raw.eq_ignore_ascii_case("latest") {
        return Ok(Mv(MAX_MINOR));
    }
    let parsed = raw
        .split_once('.')
        .and_then(|(a, b)| Some((a.parse::<u32>().ok()?, b.parse::<u32>().ok()?)))
        .filter(|_| raw.chars().all(|c| c.is_ascii_digit() || c == '.'));
    let Some((major, minor)) = parsed else {
        return Err(Fault::bad_request(format!(
            "API Version String {raw} is of invalid format. Must be of format MajorNum.MinorNum."
        )));
    };
    if major != 2 || !(MIN_MINOR..=MAX_MINOR).contains(&minor) {
        return Err(Fault::new(
            StatusCode::NOT_ACCEPTABLE,
            format!(
                "Version {major}.{minor} is not supported by the API. Minimum is {MIN_VERSION} and maximum is {MAX_VERSION}."
            ),
        ));
    }
    Ok(Mv(minor))
}

/// Middleware: negotiate, attach `Mv`, echo the version headers.
pub async fn layer(mut req: Request, next: Next) -> Response {
    let raw = requested(req.headers());
    let mv = match negotiate(raw.as_deref()) {
        Ok(mv) => mv,
        Err(fault) => return fault.into_response(),
    };
    req.extensions_mut().insert(mv);
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&format!("compute {mv}")) {
        h.insert("openstack-api-version", v);
    }
    if let Ok(v) = HeaderValue::from_str(&mv.to_string()) {
        h.insert("x-openstack-nova-api-version", v);
    }
    h.insert(
        "vary",
        HeaderValue::from_static("OpenStack-API-Version, X-OpenStack-Nova-API-Version"),
    );
    resp
}
