//! `GET /os-services` and service updates (`services.py`): admin only.
//! From 2.53 updates go to `PUT /os-services/{uuid}`; before, to the
//! `disable`/`enable`/`disable-log-reason`/`force-down` actions by host+binary.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Extension;
use serde_json::{json, Value};

use super::common::{invalid_body, ok, parse_body, py_repr, App, Query};
use super::server_actions::record;
use crate::clock;
use crate::context::Ctx;
use crate::fault::{ApiResult, Fault};
use crate::microversion::Mv;
use crate::model::Host;
use crate::policy;
use crate::state::State as CloudState;

/// One row of the services table, whether a compute host or a control service.
struct Row {
    id: Value,
    binary: &'static str,
    host: String,
    zone: String,
    disabled: bool,
    reason: Option<String>,
    up: bool,
    forced_down: bool,
    updated_at: String,
}

fn compute_row(h: &Host, mv: Mv) -> Row {
    Row {
        id: if mv.at_least(53) {
            json!(h.service_uuid)
        } else {
            json!(h.service_id)
        },
        binary: "nova-compute",
        host: h.host.clone(),
        zone: h.zone.clone(),
        disabled: h.disabled,
        reason: h.disabled_reason.clone(),
        up: h.is_up(),
        forced_down: h.forced_down,
        updated_at: clock::iso_micro(&h.service_updated_at),
    }
}

fn rows(st: &CloudState, mv: Mv) -> Vec<Row> {
    let mut out: Vec<Row> = st
        .control_services
        .iter()
        .map(|s| Row {
            id: if mv.at_least(53) {
                json!(s.uuid)
            } else {
                json!(s.id)
            },
            binary: s.binary,
            host: s.host.clone(),
            zone: "internal".into(),
            disabled: false,
            reason: None,
            up: true,
            forced_down: false,
            updated_at: clock::iso_micro(&s.updated_at),
        })
        .collect();
    out.extend(st.hosts.iter().map(|h| compute_row(h, mv)));
    out
}

fn view(r: &Row, mv: Mv) -> Value {
    let mut v = json!({
        "id": r.id,
        "binary": r.binary,
        "host": r.host,
        "zone": r.zone,
        "status": if r.disabled { "disabled" } else { "enabled" },
        "state": if r.up { "up" } else { "down" },
        "updated_at": r.updated_at,
        "disabled_reason": r.reason,
    });
    if mv.at_least(11) {
        if let Some(o) = v.as_object_mut() {
            o.insert("forced_down".into(), json!(r.forced_down));
        }
    }
    v
}

pub async fn index(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
    Extension(mv): Extension<Mv>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    policy::enforce(ctx.is_admin(), "os_compute_api:os-services:list")?;
    let q = Query::parse(raw.as_deref());
    let st = app.cloud.lock();
    let list: Vec<Value> = rows(&st, mv)
        .iter()
        .filter(|r| q.get("binary").is_none_or(|b| b == r.binary))
        .filter(|r| q.get("host").is_none_or(|h| h == r.host))
        .map(|r| view(r, mv))
        .collect();
    Ok(ok(json!({ "services": list })))
}

/// `PUT /os-services/{id}`: by UUID from 2.53, by action name before. Recorded for Ferry's
/// tests (`/_cloud/requests`), refused or not.
pub async fn update(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
    Extension(mv): Extension<Mv>,
    Path(id): Path<String>,
    headers: HeaderMap,
    raw: Bytes,
) -> Response {
    let result = policy::enforce(ctx.is_admin(), "os_compute_api:os-services:update")
        .and_then(|()| parse_body(&raw))
        .and_then(|body| {
            if mv.at_least(53) {
                update_by_uuid(&app, mv, &id, &body)
            } else {
                update_legacy(&app, mv, &id, &body)
            }
        });
    let response = result.unwrap_or_else(IntoResponse::into_response);
    record(
        &app.cloud,
        "PUT",
        format!("/compute/v2.1/os-services/{id}"),
        &headers,
        serde_json::from_slice(&raw).ok(),
        &raw,
        response.status().as_u16(),
    );
    response
}

fn update_by_uuid(app: &App, mv: Mv, id: &str, body: &Value) -> ApiResult<Response> {
    let Some(obj) = body.as_object() else {
        return Err(invalid_body(
            "body",
            body,
            &format!("{} is not of type 'object'", py_repr(body)),
        ));
    };
    for k in obj.keys() {
        if !matches!(k.as_str(), "status" | "disabled_reason" | "forced_down") {
            return Err(invalid_body(
                "body",
                body,
                &format!("Additional properties are not allowed ('{k}' was unexpected)"),
            ));
        }
    }
    let status = match obj.get("status") {
        None => None,
        Some(Value::String(s)) if s == "enabled" || s == "disabled" => Some(s.as_str()),
        Some(v) => {
            return Err(invalid_body(
                "status",
                v,
                &format!("{} is not one of ['enabled', 'disabled']", py_repr(v)),
            ))
        }
    };
    // {'type': 'string', 'minLength': 1, 'maxLength': 255}, in jsonschema's
    // words (recorded from Nova 34 for the too-long case).
    let reason = match obj.get("disabled_reason") {
        None => None,
        Some(Value::String(s)) if s.chars().count() > 255 => {
            return Err(invalid_body(
                "disabled_reason",
                &Value::String(s.clone()),
                &format!("{} is too long", py_repr(&Value::String(s.clone()))),
            ))
        }
        Some(Value::String(s)) if s.is_empty() => {
            return Err(invalid_body(
                "disabled_reason",
                &Value::String(s.clone()),
                "'' should be non-empty",
            ))
        }
        Some(Value::String(s)) => Some(s.clone()),
        Some(v) => {
            return Err(invalid_body(
                "disabled_reason",
                v,
                &format!("{} is not of type 'string'", py_repr(v)),
            ))
        }
    };
    let forced_down = match obj.get("forced_down") {
        None => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(v) => {
            return Err(invalid_body(
                "forced_down",
                v,
                &format!("{} is not of type 'boolean'", py_repr(v)),
            ))
        }
    };
    if status.is_none() && forced_down.is_none() {
        return Err(Fault::bad_request(
            "No updates were requested. Fields 'status' or 'forced_down' should be specified.",
        ));
    }
    if reason.is_some() && status != Some("disabled") {
        return Err(Fault::bad_request(
            "Specifying 'disabled_reason' with status 'enabled' is invalid.",
        ));
    }
    if uuid::Uuid::parse_str(id).is_err() {
        return Err(Fault::bad_request(format!("Invalid uuid {id}")));
    }
    let mut st = app.cloud.lock();
    if let Some(s) = st.control_services.iter().find(|s| s.uuid == id) {
        return Err(Fault::bad_request(format!(
            "Updating a {} service is not supported. Only nova-compute services can be updated.",
            s.binary
        )));
    }
    let Some(h) = st.hosts.iter_mut().find(|h| h.service_uuid == id) else {
        return Err(Fault::not_found(format!(
            "Service {id} could not be found."
        )));
    };
    apply(h, status, reason, forced_down);
    let row = compute_row(h, mv);
    Ok(ok(json!({ "service": view(&row, mv) })))
}

fn apply(h: &mut Host, status: Option<&str>, reason: Option<String>, forced_down: Option<bool>) {
    match status {
        Some("disabled") => {
            h.disabled = true;
            h.disabled_reason = reason;
        }
        Some(_) => {
            h.disabled = false;
            h.disabled_reason = None;
        }
        None => {}
    }
    if let Some(f) = forced_down {
        h.forced_down = f;
    }
    h.service_updated_at = clock::now();
}

fn update_legacy(app: &App, mv: Mv, action: &str, body: &Value) -> ApiResult<Response> {
    let host = body.get("host").and_then(Value::as_str);
    let binary = body.get("binary").and_then(Value::as_str);
    let (Some(host), Some(binary)) = (host, binary) else {
        return Err(invalid_body(
            "body",
            body,
            "'host' and 'binary' are required properties",
        ));
    };
    let (status, reason, forced_down) = match action {
        "enable" => (Some("enabled"), None, None),
        "disable" => (Some("disabled"), None, None),
        "disable-log-reason" => {
            let reason = body
                .get("disabled_reason")
                .and_then(Value::as_str)
                .map(String::from);
            if reason.is_none() {
                return Err(Fault::bad_request("Missing disabled reason field"));
            }
            (Some("disabled"), reason, None)
        }
        "force-down" if mv.at_least(11) => {
            let Some(f) = body.get("forced_down").and_then(Value::as_bool) else {
                return Err(invalid_body(
                    "forced_down",
                    body,
                    "'forced_down' is a required property",
                ));
            };
            (None, None, Some(f))
        }
        other => return Err(Fault::not_found(format!("Unknown action {other}"))),
    };
    if binary != "nova-compute" {
        return Err(Fault::bad_request(format!(
            "Updating a {binary} service is not supported. Only nova-compute services can be updated."
        )));
    }
    let mut st = app.cloud.lock();
    let Some(h) = st.hosts.iter_mut().find(|h| h.host == host) else {
        return Err(Fault::not_found(format!(
            "Service {host} could not be found."
        )));
    };
    apply(h, status, reason.clone(), forced_down);
    let mut out = json!({"host": host, "binary": binary});
    if let Some(o) = out.as_object_mut() {
        if let Some(s) = status {
            o.insert("status".into(), json!(s));
        }
        if reason.is_some() {
            o.insert("disabled_reason".into(), json!(reason));
        }
        if let Some(f) = forced_down {
            o.insert("forced_down".into(), json!(f));
        }
    }
    Ok(ok(json!({ "service": out })))
}
