//! Nova's fault body: `{"<name>": {"code": N, "message": "..."}}`, with the
//! name chosen by status exactly as `nova.api.openstack.wsgi.Fault` does.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

#[derive(Debug, Clone)]
pub struct Fault {
    pub status: StatusCode,
    pub message: String,
}

pub type ApiResult<T> = Result<T, Fault>;

impl Fault {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Fault {
            status,
            message: message.into(),
        }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }
    pub fn policy(rule: &str) -> Self {
        Self::forbidden(format!("Policy doesn't allow {rule} to be performed."))
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, message)
    }
    pub fn malformed_body() -> Self {
        Self::bad_request("Malformed request body")
    }
    pub fn instance_not_found(id: &str) -> Self {
        Self::not_found(format!("Instance {id} could not be found."))
    }
    /// `common.raise_http_conflict_for_instance_invalid_state`. A task_state
    /// of None is Python's None there, which the `state is not None` test
    /// turns into the generic text (recorded from Nova 34: abort or
    /// force-complete of an instance that is not migrating).
    pub fn invalid_state(action: &str, id: &str, attr: &str, state: &str) -> Self {
        if state == "None" {
            return Self::conflict(format!(
                "Instance {id} is in an invalid state for '{action}'"
            ));
        }
        Self::conflict(format!(
            "Cannot '{action}' instance {id} while it is in {attr} {state}"
        ))
    }
    pub fn locked(id: &str) -> Self {
        Self::conflict(format!("Instance {id} is locked"))
    }

    pub fn name(&self) -> &'static str {
        match self.status.as_u16() {
            400 => "badRequest",
            401 => "unauthorized",
            403 => "forbidden",
            404 => "itemNotFound",
            405 => "badMethod",
            409 => "conflictingRequest",
            413 | 429 => "overLimit",
            415 => "badMediaType",
            501 => "notImplemented",
            503 => "serviceUnavailable",
            _ => "computeFault",
        }
    }

    pub fn body(&self) -> serde_json::Value {
        json!({ self.name(): { "code": self.status.as_u16(), "message": self.message } })
    }
}

impl IntoResponse for Fault {
    fn into_response(self) -> Response {
        (self.status, Json(self.body())).into_response()
    }
}

/// Keystone and Placement use their own error shapes.
pub fn keystone_error(status: StatusCode, title: &str, message: &str) -> Response {
    (
        status,
        Json(json!({"error": {"code": status.as_u16(), "title": title, "message": message}})),
    )
        .into_response()
}

pub fn placement_error(status: StatusCode, title: &str, detail: &str) -> Response {
    (
        status,
        Json(json!({"errors": [{
            "status": status.as_u16(),
            "title": title,
            "detail": detail,
            "request_id": crate::ids::request_id(),
        }]})),
    )
        .into_response()
}
