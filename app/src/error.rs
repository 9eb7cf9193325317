//! The one error type of Ferry's server functions. It crosses the wire, so it carries only what a
//! person may read: an upstream's own message and request id, never a token or a stack trace.

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// No session cookie, or it could not be read.
    #[error("Please log in.")]
    NotLoggedIn,
    /// Keystone no longer accepts the session's token.
    #[error("Your session has expired. Please log in again.")]
    SessionExpired,
    /// The user's roles do not allow this.
    #[error("{0}")]
    Forbidden(String),
    /// The request itself was wrong (bad input); nothing was sent upstream.
    #[error("{0}")]
    BadRequest(String),
    /// OpenStack answered, and refused or failed.
    #[error("{}", .0.summary)]
    Upstream(UpstreamFailure),
    /// Anything else that went wrong in Ferry or on the way to it.
    #[error("{0}")]
    Internal(String),
}

/// An OpenStack service's refusal or failure, in words plus the details an operator files a bug with.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UpstreamFailure {
    /// Plain-words sentence for the page.
    pub summary: String,
    /// "compute", "identity" or "placement".
    pub service: String,
    pub status: Option<u16>,
    /// The upstream's own message (Nova's fault message).
    pub message: String,
    pub request_id: Option<String>,
    /// True when the service did not answer at all (timeout, refused connection).
    pub unreachable: bool,
    /// An action whose answer never came: Nova may be carrying it out, so it must not be
    /// offered again until the row shows what happened.
    #[serde(default)]
    pub maybe_started: bool,
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Internal(value.to_string())
    }
}

impl AppError {
    /// What goes under "Details": the upstream's own answer and its request id.
    pub fn details(&self) -> Option<String> {
        match self {
            AppError::Upstream(f) => Some(format!(
                "{} answered {}: {}\nRequest id: {}",
                f.service,
                f.status
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| "nothing".into()),
                f.message,
                f.request_id.clone().unwrap_or_else(|| "—".into())
            )),
            _ => None,
        }
    }

    /// The action was sent but its answer was lost: watch the row, do not resend.
    pub fn maybe_started(&self) -> bool {
        matches!(self, AppError::Upstream(f) if f.maybe_started)
    }

    /// The error means the browser should go to the login page.
    pub fn needs_login(&self) -> bool {
        matches!(self, AppError::NotLoggedIn | AppError::SessionExpired)
    }
}

/// How pages and messages name an OpenStack service: the project name operators know, then
/// its role ("Nova (Compute)"), the same in every heading and sentence.
pub fn service_title(service: &str) -> &str {
    match service {
        "compute" => "Nova (Compute)",
        "identity" => "Keystone (Identity)",
        "placement" => "Placement",
        other => other,
    }
}
