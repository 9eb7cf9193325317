//! Helpers every API resource shares: request state, query and body parsing
//! that never panic, links and paging.

use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use crate::clock;
use crate::fault::{ApiResult, Fault};
use crate::model::Time;
use crate::Cloud;

/// Router state: the cloud plus the public base URL for links.
#[derive(Clone)]
pub struct App {
    pub cloud: Cloud,
    pub base: String,
}

impl App {
    pub fn compute(&self, path: &str) -> String {
        format!("{}/compute/v2.1/{}", self.base, path)
    }
    pub fn bookmark(&self, path: &str) -> String {
        format!("{}/compute/{}", self.base, path)
    }
    pub fn links(&self, path: &str) -> Value {
        json!([
            {"href": self.compute(path), "rel": "self"},
            {"href": self.bookmark(path), "rel": "bookmark"},
        ])
    }
}

/// Query parameters in order, repeated keys kept (sort_key may repeat).
pub struct Query(pub Vec<(String, String)>);

impl Query {
    pub fn parse(raw: Option<&str>) -> Query {
        Query(
            url::form_urlencoded::parse(raw.unwrap_or("").as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }
    pub fn get(&self, key: &str) -> Option<&str> {
        // Nova's schema keeps the last value of a repeated single-valued key.
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
    pub fn all(&self, key: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }
    pub fn has(&self, key: &str) -> bool {
        self.0.iter().any(|(k, _)| k == key)
    }
}

pub fn invalid_query(param: &str, value: &str, why: &str) -> Fault {
    Fault::bad_request(format!(
        "Invalid input for query parameters {param}. Value: {value}. {why}"
    ))
}

/// Nova's `limit`: a non-negative integer, capped at `max_limit` (1000).
pub fn parse_limit(q: &Query) -> ApiResult<Option<usize>> {
    match q.get("limit") {
        None => Ok(None),
        Some(v) => match v.parse::<u64>() {
            Ok(n) => Ok(Some(n.min(1000) as usize)),
            Err(_) => Err(invalid_query(
                "limit",
                v,
                &format!("'{v}' does not match '^[0-9]*$'"),
            )),
        },
    }
}

pub fn parse_time_param(q: &Query, key: &str) -> ApiResult<Option<Time>> {
    match q.get(key) {
        None => Ok(None),
        Some(v) => clock::parse_iso(v)
            .map(Some)
            .ok_or_else(|| invalid_query(key, v, &format!("'{v}' is not a 'date-time'"))),
    }
}

/// changes-since / changes-before together, with Nova's ordering check.
pub fn parse_changes(q: &Query) -> ApiResult<(Option<Time>, Option<Time>)> {
    let since = parse_time_param(q, "changes-since")?;
    let before = parse_time_param(q, "changes-before")?;
    if let (Some(s), Some(b)) = (since, before) {
        if s > b {
            return Err(Fault::bad_request(
                "The value of changes-since must be less than or equal to changes-before.",
            ));
        }
    }
    Ok((since, before))
}

/// `strutils.bool_from_string(strict=True)`.
pub fn parse_bool(param: &str, v: &str) -> ApiResult<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "1" | "t" | "true" | "on" | "y" | "yes" => Ok(true),
        "0" | "f" | "false" | "off" | "n" | "no" => Ok(false),
        _ => Err(invalid_query(
            param,
            v,
            &format!("'{v}' is not a valid boolean value"),
        )),
    }
}

/// Parse a JSON request body; anything unparsable is Nova's 400.
pub fn parse_body(body: &Bytes) -> ApiResult<Value> {
    serde_json::from_slice::<Value>(body).map_err(|_| Fault::malformed_body())
}

/// jsonschema's message shape for a body that fails validation.
/// Nova's ValidationError text: the value as Python's str() shows it, the
/// reason as jsonschema words it (with Python reprs, see `py_repr`).
pub fn invalid_body(field: &str, value: &Value, why: &str) -> Fault {
    let value = match value {
        Value::String(s) => s.clone(),
        other => py_repr(other),
    };
    Fault::bad_request(format!(
        "Invalid input for field/attribute {field}. Value: {value}. {why}"
    ))
}

/// Python's repr() of a JSON value, as Nova's messages print request data:
/// `{'host': None, 'force': True}`. serde_json sorts object keys, so a dict
/// prints in key order where Python keeps the request's order.
pub fn py_repr(v: &Value) -> String {
    match v {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => {
            if s.contains('\'') && !s.contains('"') {
                format!("\"{s}\"")
            } else {
                format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
            }
        }
        Value::Array(a) => format!("[{}]", a.iter().map(py_repr).collect::<Vec<_>>().join(", ")),
        Value::Object(o) => format!(
            "{{{}}}",
            o.iter()
                .map(|(k, v)| format!("{}: {}", py_repr(&Value::String(k.clone())), py_repr(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

pub fn ok(body: Value) -> Response {
    (StatusCode::OK, Json(body)).into_response()
}

pub fn accepted() -> Response {
    StatusCode::ACCEPTED.into_response()
}

/// A 202 naming the request as Nova does, with the id its instance action carries.
pub fn accepted_as(request_id: &str) -> Response {
    named(StatusCode::ACCEPTED, request_id)
}

/// The same for a 204 (confirmResize).
pub fn no_content_as(request_id: &str) -> Response {
    named(StatusCode::NO_CONTENT, request_id)
}

fn named(status: StatusCode, request_id: &str) -> Response {
    let mut r = status.into_response();
    if let Ok(v) = axum::http::HeaderValue::from_str(request_id) {
        r.headers_mut().insert("x-openstack-request-id", v.clone());
        r.headers_mut().insert("x-compute-request-id", v);
    }
    r
}

/// Slice `items` after `marker` (by `key`), up to `limit`; report whether a
/// next link is due (a full page, like Nova's `_get_collection_links`).
pub fn paginate<T>(
    items: Vec<T>,
    marker: Option<&str>,
    limit: Option<usize>,
    key: impl Fn(&T) -> String,
) -> ApiResult<(Vec<T>, bool)> {
    let start = match marker {
        None => 0,
        Some(m) => match items.iter().position(|i| key(i) == m) {
            Some(p) => p + 1,
            None => return Err(Fault::bad_request(format!("marker [{m}] not found"))),
        },
    };
    let mut page: Vec<T> = items.into_iter().skip(start).collect();
    let full = match limit {
        Some(l) => {
            let full = page.len() >= l;
            page.truncate(l);
            full
        }
        None => false,
    };
    Ok((page, full))
}

/// `{"href": ".../collection?limit=N&marker=M[&other params]", "rel": "next"}`.
pub fn next_link(app: &App, collection: &str, q: &Query, limit: usize, marker: &str) -> Value {
    let mut ser = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in &q.0 {
        if k != "marker" && k != "limit" {
            ser.append_pair(k, v);
        }
    }
    ser.append_pair("limit", &limit.to_string());
    ser.append_pair("marker", marker);
    json!([{ "href": format!("{}?{}", app.compute(collection), ser.finish()), "rel": "next" }])
}
