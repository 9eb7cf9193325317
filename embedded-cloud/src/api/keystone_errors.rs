//! Keystone's exceptions as it renders them (`keystone/exception.py`):
//! security errors keep their generic text, the others fill in their format.

use axum::http::StatusCode;
use axum::response::Response;

use crate::fault::keystone_error;

const CLIENT_IN_ERROR: &str = "The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.";

/// `Unauthorized`, whatever detail Keystone logged.
pub fn unauthorized() -> Response {
    keystone_error(
        StatusCode::UNAUTHORIZED,
        "Unauthorized",
        "The request you have made requires authentication.",
    )
}

/// `ForbiddenAction(action=...)`: a policy rule name or a sentence.
pub fn forbidden_action(action: &str) -> Response {
    keystone_error(
        StatusCode::FORBIDDEN,
        "Forbidden",
        &format!("You are not authorized to perform the requested action: {action}."),
    )
}

/// `ValidationError(attribute=..., target=...)`.
pub fn validation_error(attribute: &str, target: &str) -> Response {
    bad_request(&format!(
        "Expecting to find {attribute} in {target}. {CLIENT_IN_ERROR}"
    ))
}

/// What `json_body_before_request` answers to a body that is not a JSON object.
pub fn invalid_json() -> Response {
    validation_error("valid JSON", "request body")
}

/// `SchemaValidationError(detail=...)`.
pub fn bad_request(detail: &str) -> Response {
    keystone_error(StatusCode::BAD_REQUEST, "Bad Request", detail)
}

pub fn timestamp_format() -> Response {
    bad_request(&format!(
        "Timestamp not in expected format. {CLIENT_IN_ERROR}"
    ))
}

pub fn expires_in_past() -> Response {
    bad_request(&format!(
        "The 'expires_at' must not be before now. {CLIENT_IN_ERROR}"
    ))
}

pub fn not_found(message: &str) -> Response {
    keystone_error(StatusCode::NOT_FOUND, "Not Found", message)
}

pub fn conflict(kind: &str, details: &str) -> Response {
    keystone_error(
        StatusCode::CONFLICT,
        "Conflict",
        &format!("Conflict occurred attempting to store {kind} - {details}."),
    )
}

/// `UnexpectedError`: what Keystone says when something broke on its side.
pub fn unexpected() -> Response {
    keystone_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Internal Server Error",
        "An unexpected error prevented the server from fulfilling your request.",
    )
}
