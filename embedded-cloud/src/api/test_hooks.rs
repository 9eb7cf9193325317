//! Admin-only hooks under `/_cloud` for Ferry's own tests.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::common::App;
use super::faults::FaultInjection;
use crate::context::resolve;
use crate::fault::keystone_error;

fn admin(app: &App, headers: &HeaderMap) -> Result<(), Box<Response>> {
    let ctx = headers
        .get("x-auth-token")
        .and_then(|v| v.to_str().ok())
        .and_then(|t| resolve(&app.cloud, t.trim()));
    match ctx {
        Some(c) if c.is_admin() => Ok(()),
        Some(_) => Err(Box::new(keystone_error(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "Admin role required.",
        ))),
        None => Err(Box::new(keystone_error(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "The request you have made requires authentication.",
        ))),
    }
}

/// Every `POST /servers/{id}/action` and `PUT /os-services/{id}` received, oldest first.
pub async fn requests(State(app): State<App>, headers: HeaderMap) -> Response {
    if let Err(r) = admin(&app, &headers) {
        return *r;
    }
    let list = app.cloud.lock().requests.clone();
    Json(json!({ "requests": list })).into_response()
}

pub async fn get_faults(State(app): State<App>, headers: HeaderMap) -> Response {
    if let Err(r) = admin(&app, &headers) {
        return *r;
    }
    Json(app.cloud.faults()).into_response()
}

pub async fn put_faults(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(r) = admin(&app, &headers) {
        return *r;
    }
    match serde_json::from_slice::<FaultInjection>(&body) {
        Ok(f) => {
            app.cloud.set_faults(f.clone());
            Json(f).into_response()
        }
        Err(e) => keystone_error(StatusCode::BAD_REQUEST, "Bad Request", &e.to_string()),
    }
}

/// `PUT /_cloud/speed {"speed": N}`: how much faster than realistic the cloud runs from now on.
pub async fn put_speed(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(r) = admin(&app, &headers) {
        return *r;
    }
    let speed = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v.get("speed").and_then(|s| s.as_f64()))
        .filter(|s| s.is_finite() && *s > 0.0);
    match speed {
        Some(s) => {
            app.cloud.set_speed(s);
            Json(json!({ "speed": app.cloud.speed() })).into_response()
        }
        None => keystone_error(
            StatusCode::BAD_REQUEST,
            "Bad Request",
            "Expected {\"speed\": a positive number}.",
        ),
    }
}

/// Ten years: far enough to age anything, near enough that dates stay valid.
const MAX_ADVANCE_SECONDS: u64 = 10 * 366 * 24 * 3600;

fn clock_json(app: &App) -> serde_json::Value {
    json!({"now": crate::clock::iso_keystone(&app.cloud.now())})
}

/// `GET /_cloud/clock`: Keystone's current time.
pub async fn get_clock(State(app): State<App>, headers: HeaderMap) -> Response {
    if let Err(r) = admin(&app, &headers) {
        return *r;
    }
    Json(clock_json(&app)).into_response()
}

/// `PUT /_cloud/clock {"advance_seconds": N}`: move Keystone's clock forward
/// (token and application-credential expiry follow it). Answers the new time.
pub async fn put_clock(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(r) = admin(&app, &headers) {
        return *r;
    }
    let seconds = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v.get("advance_seconds").and_then(|s| s.as_u64()))
        .filter(|s| *s <= MAX_ADVANCE_SECONDS);
    match seconds {
        Some(s) => {
            app.cloud.advance_clock(std::time::Duration::from_secs(s));
            Json(clock_json(&app)).into_response()
        }
        None => keystone_error(
            StatusCode::BAD_REQUEST,
            "Bad Request",
            "Expected {\"advance_seconds\": a whole number of seconds, at most ten years}.",
        ),
    }
}

/// `GET /_cloud/stats`: requests received per service since the cloud started.
pub async fn stats(State(app): State<App>, headers: HeaderMap) -> Response {
    if let Err(r) = admin(&app, &headers) {
        return *r;
    }
    Json(app.cloud.inner.counts.snapshot()).into_response()
}

/// `PUT /_cloud/servers/{id}/state {"task_state": "migrating" | null}`: the instance's task
/// changes at once, as if a compute host had reported it (for measuring how soon Ferry shows it).
pub async fn put_server_state(
    State(app): State<App>,
    axum::extract::Path(id): axum::extract::Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(r) = admin(&app, &headers) {
        return *r;
    }
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(&body) else {
        return keystone_error(StatusCode::BAD_REQUEST, "Bad Request", "Expected JSON.");
    };
    let task: Option<&'static str> = match value.get("task_state") {
        Some(serde_json::Value::Null) | None => None,
        Some(v) => match v.as_str().and_then(known_task) {
            Some(t) => Some(t),
            None => {
                return keystone_error(
                    StatusCode::BAD_REQUEST,
                    "Bad Request",
                    "task_state: one of migrating, resize_migrating, resize_finish, null.",
                )
            }
        },
    };
    let mut st = app.cloud.lock();
    match st.instance_mut(&id) {
        Some(i) => {
            i.task_state = task;
            i.updated = crate::clock::now();
            Json(json!({"id": id, "task_state": task})).into_response()
        }
        None => keystone_error(StatusCode::NOT_FOUND, "Not Found", "No such instance."),
    }
}

fn known_task(t: &str) -> Option<&'static str> {
    ["migrating", "resize_migrating", "resize_finish"]
        .into_iter()
        .find(|k| *k == t)
}

/// `PUT /_cloud/hosts/{host} {"max_concurrent_live_migrations": N}`: that
/// nova-compute's limit on simultaneous live migrations from it (0 =
/// unlimited, Nova's default 1). Answers the host's settings.
pub async fn put_host(
    State(app): State<App>,
    axum::extract::Path(host): axum::extract::Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(r) = admin(&app, &headers) {
        return *r;
    }
    let limit = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| {
            v.get("max_concurrent_live_migrations")
                .and_then(|n| n.as_u64())
        })
        .and_then(|n| u32::try_from(n).ok());
    let Some(limit) = limit else {
        return keystone_error(
            StatusCode::BAD_REQUEST,
            "Bad Request",
            "Expected {\"max_concurrent_live_migrations\": a whole number, 0 = unlimited}.",
        );
    };
    if app.cloud.set_max_concurrent_live_migrations(&host, limit) {
        Json(json!({"host": host, "max_concurrent_live_migrations": limit})).into_response()
    } else {
        keystone_error(StatusCode::NOT_FOUND, "Not Found", "No such compute host.")
    }
}

/// `PUT /_cloud/servers/{id}/migration-behaviour {"converge": bool, "stall": bool}`:
/// how this instance's live migrations behave from now on, a running one
/// included (see `MigrationBehaviour`). Omitted fields keep their value.
/// Answers the whole behaviour.
pub async fn put_migration_behaviour(
    State(app): State<App>,
    axum::extract::Path(id): axum::extract::Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(r) = admin(&app, &headers) {
        return *r;
    }
    let bad = || {
        keystone_error(
            StatusCode::BAD_REQUEST,
            "Bad Request",
            "Expected {\"converge\": true|false, \"stall\": true|false}, either or both.",
        )
    };
    let Ok(serde_json::Value::Object(obj)) = serde_json::from_slice::<serde_json::Value>(&body)
    else {
        return bad();
    };
    let mut b = app.cloud.lock().behaviour(&id);
    for (k, v) in &obj {
        match (k.as_str(), v.as_bool()) {
            ("converge", Some(x)) => b.converge = x,
            ("stall", Some(x)) => b.stall = x,
            _ => return bad(),
        }
    }
    if app.cloud.set_migration_behaviour(&id, b) {
        Json(json!({"id": id, "converge": b.converge, "stall": b.stall})).into_response()
    } else {
        keystone_error(StatusCode::NOT_FOUND, "Not Found", "No such instance.")
    }
}
