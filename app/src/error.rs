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
    /// Keystone refused the user name, password, project or domain.
    #[error("{0}")]
    LoginRefused(String),
    /// Too many failed logins for this user from this client, for now.
    #[error("{0}")]
    Throttled(String),
    /// The user's roles do not allow this.
    #[error("{0}")]
    Forbidden(String),
    /// The request itself was wrong (bad input); nothing was sent upstream.
    #[error("{0}")]
    BadRequest(String),
    /// The request is more than Ferry reads.
    #[error("{0}")]
    TooLarge(String),
    /// The instance's state does not allow this now (Ferry would not offer it); nothing was sent.
    #[error("{0}")]
    Conflict(String),
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

/// Bodies of server-function calls larger than this are refused (413): the largest real one,
/// a refresh of 500 rows, is about 40 KB.
pub const MAX_REQUEST_BYTES: usize = 256 * 1024;

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // The request's own fault: arguments that do not decode, or are missing. The
            // decoder's words describe Ferry's internals, not the mistake; leave them out.
            // The body outgrew the limit while it was read (tower-http's `Limited` body).
            ServerFnErrorErr::Args(text)
            | ServerFnErrorErr::Request(text)
            | ServerFnErrorErr::Deserialization(text)
                if text.contains("length limit exceeded") =>
            {
                AppError::TooLarge(too_large())
            }
            ServerFnErrorErr::Args(_) => {
                AppError::BadRequest("This request's arguments could not be read.".into())
            }
            ServerFnErrorErr::MissingArg(name) => {
                AppError::BadRequest(format!("This request lacks its argument “{name}”."))
            }
            other => AppError::Internal(other.to_string()),
        }
    }

    /// On the server, the error also gives the response its HTTP status (and ends a session
    /// Keystone no longer accepts), so monitoring can tell a refusal from a crash.
    fn ser(&self) -> leptos::server_fn::Bytes {
        #[cfg(feature = "ssr")]
        crate::server::session::respond_to_error(self, false);
        <Self::Encoder as leptos::server_fn::Encodes<Self>>::encode(self).unwrap_or_else(|e| {
            let fallback = AppError::Internal(format!("could not encode an error: {e}"));
            <Self::Encoder as leptos::server_fn::Encodes<Self>>::encode(&fallback)
                .unwrap_or_default()
        })
    }
}

pub fn too_large() -> String {
    format!(
        "This request is larger than Ferry reads ({} KB).",
        MAX_REQUEST_BYTES / 1024
    )
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

    /// The HTTP status that tells this error apart: 4xx for what the request or the user's
    /// roles caused (an upstream refusal keeps its status), 502 when OpenStack failed or did not
    /// answer, 500 only for Ferry's own faults.
    pub fn http_status(&self) -> u16 {
        match self {
            AppError::NotLoggedIn | AppError::SessionExpired | AppError::LoginRefused(_) => 401,
            AppError::Throttled(_) => 429,
            AppError::Forbidden(_) => 403,
            AppError::BadRequest(_) => 400,
            AppError::TooLarge(_) => 413,
            AppError::Conflict(_) => 409,
            AppError::Upstream(f) => f
                .status
                .filter(|s| matches!(s, 400 | 403 | 404 | 409))
                .unwrap_or(502),
            AppError::Internal(_) => 500,
        }
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
