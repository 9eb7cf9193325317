//! The one error type of this crate.

use std::fmt;

use serde_json::Value;

/// What went wrong, coarsely.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The service answered with this non-2xx status.
    Http(u16),
    /// Connecting or the whole request took longer than configured.
    Timeout,
    /// The connection could not be made (refused, DNS, TLS handshake, reset).
    Connect,
    /// The request may have reached the service, but the connection broke (reset, closed)
    /// before the whole answer arrived: for an action, it may have been carried out.
    Interrupted,
    /// A 2xx answer whose body (or a required header) could not be decoded.
    Decode,
    /// The request cannot be expressed against this cloud (e.g. its maximum
    /// microversion is too old), or is invalid; nothing was sent.
    Unsupported,
    /// Local configuration is unusable (e.g. an unreadable `cacert` file).
    Config,
}

/// An error from any call of this crate.
///
/// `Display` reads like `compute: live-migrate server 1234 failed: HTTP 409:
/// Instance 1234 is locked (request req-…)`. No secret is ever included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    /// `"identity"`, `"compute"` or `"placement"`.
    pub service: &'static str,
    /// Which call, e.g. `"live-migrate server 1234"`.
    pub operation: String,
    /// The upstream's own message (fault message), or a description of the
    /// local failure.
    pub message: String,
    /// `x-openstack-request-id` (or `x-compute-request-id`), when known.
    pub request_id: Option<String>,
}

impl Error {
    pub fn new(
        kind: ErrorKind,
        service: &'static str,
        operation: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Error {
            kind,
            service,
            operation: operation.into(),
            message: message.into(),
            request_id: None,
        }
    }

    pub(crate) fn with_request_id(mut self, request_id: Option<String>) -> Self {
        self.request_id = request_id;
        self
    }

    /// Builds an HTTP error from a status and response body, extracting the
    /// fault message (Nova, Keystone or Placement format).
    pub fn from_http(
        service: &'static str,
        operation: impl Into<String>,
        status: u16,
        body: &[u8],
        request_id: Option<String>,
    ) -> Self {
        let message = parse_fault(body).unwrap_or_else(|| fallback_message(status, body));
        Error::new(ErrorKind::Http(status), service, operation, message).with_request_id(request_id)
    }

    pub(crate) fn from_reqwest(
        service: &'static str,
        operation: impl Into<String>,
        e: &reqwest::Error,
    ) -> Self {
        let kind = if e.is_timeout() {
            ErrorKind::Timeout
        } else if e.is_connect() {
            ErrorKind::Connect
        } else if e.is_decode() {
            ErrorKind::Decode
        } else if e.is_builder() {
            ErrorKind::Config
        } else {
            // Reset or closed mid-flight: the service may have seen the request.
            ErrorKind::Interrupted
        };
        let mut message = e.to_string();
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            let text = s.to_string();
            if !message.contains(&text) {
                message.push_str(": ");
                message.push_str(&text);
            }
            source = s.source();
        }
        Error::new(kind, service, operation, message)
    }

    /// The HTTP status, if the service answered with an error status.
    pub fn status(&self) -> Option<u16> {
        match self.kind {
            ErrorKind::Http(s) => Some(s),
            _ => None,
        }
    }

    pub fn is_timeout(&self) -> bool {
        self.kind == ErrorKind::Timeout
    }

    pub fn is_connect(&self) -> bool {
        self.kind == ErrorKind::Connect
    }

    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    pub fn is_conflict(&self) -> bool {
        self.status() == Some(409)
    }

    /// 401: the token is missing, expired or revoked.
    pub fn is_unauthorized(&self) -> bool {
        self.status() == Some(401)
    }

    /// 403: policy refused.
    pub fn is_forbidden(&self) -> bool {
        self.status() == Some(403)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} ", self.service, self.operation)?;
        match self.kind {
            ErrorKind::Http(s) => write!(f, "failed: HTTP {s}")?,
            ErrorKind::Timeout => f.write_str("timed out")?,
            ErrorKind::Connect => f.write_str("failed: cannot connect")?,
            ErrorKind::Interrupted => f.write_str("failed: connection broke mid-answer")?,
            ErrorKind::Decode => f.write_str("failed: undecodable response")?,
            ErrorKind::Unsupported => f.write_str("not possible")?,
            ErrorKind::Config => f.write_str("failed: bad configuration")?,
        }
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request {id})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

/// Extracts the human message from an OpenStack error body:
///
/// * Nova: `{"<faultName>": {"code": 409, "message": "…"}}`
/// * Keystone: `{"error": {"code": 401, "message": "…", "title": "Unauthorized"}}`
/// * Placement: `{"errors": [{"status": 404, "title": "…", "detail": "…"}]}`
/// * also a bare `{"message": "…"}` / `{"detail": "…"}`.
///
/// Returns `None` if the body is not one of these.
pub fn parse_fault(body: &[u8]) -> Option<String> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let obj = v.as_object()?;

    // Placement (and other API-WG style) errors.
    if let Some(Value::Array(errors)) = obj.get("errors") {
        let parts: Vec<String> = errors
            .iter()
            .filter_map(|e| {
                let e = e.as_object()?;
                e.get("detail")
                    .and_then(Value::as_str)
                    .or_else(|| e.get("title").and_then(Value::as_str))
                    .map(clean)
            })
            .filter(|s| !s.is_empty())
            .collect();
        if !parts.is_empty() {
            return Some(parts.join("; "));
        }
    }

    // Bare message.
    for key in ["message", "detail", "faultstring"] {
        if let Some(Value::String(s)) = obj.get(key) {
            return Some(clean(s));
        }
    }

    // Nova `{"<name>": {...}}`, Keystone `{"error": {...}}`.
    for inner in obj.values() {
        if let Some(inner) = inner.as_object() {
            let message = inner.get("message").and_then(Value::as_str);
            let title = inner.get("title").and_then(Value::as_str);
            if let Some(m) = message.or(title) {
                return Some(clean(m));
            }
        }
    }
    None
}

/// Collapses whitespace runs and trims.
fn clean(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn fallback_message(status: u16, body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = clean(&strip_tags(&text));
    let reason = reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("error");
    if text.is_empty() {
        reason.to_string()
    } else {
        let mut t: String = text.chars().take(300).collect();
        if t.len() < text.len() {
            t.push('…');
        }
        t
    }
}

fn strip_tags(s: &str) -> String {
    if !s.trim_start().starts_with('<') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nova_fault() {
        let body = br#"{"conflictingRequest": {"code": 409, "message": "Cannot 'os-migrateLive' instance abc while it is in vm_state stopped"}}"#;
        assert_eq!(
            parse_fault(body).unwrap(),
            "Cannot 'os-migrateLive' instance abc while it is in vm_state stopped"
        );
        let e = Error::from_http(
            "compute",
            "live-migrate server abc",
            409,
            body,
            Some("req-1".into()),
        );
        assert_eq!(e.status(), Some(409));
        assert!(e.is_conflict());
        assert_eq!(
            e.to_string(),
            "compute: live-migrate server abc failed: HTTP 409: Cannot 'os-migrateLive' instance abc while it is in vm_state stopped (request req-1)"
        );
    }

    #[test]
    fn keystone_fault() {
        let body = br#"{"error": {"code": 401, "message": "The request you have made requires authentication.", "title": "Unauthorized"}}"#;
        assert_eq!(
            parse_fault(body).unwrap(),
            "The request you have made requires authentication."
        );
    }

    #[test]
    fn placement_fault() {
        let body = br#"{"errors": [{"status": 404, "title": "Not Found", "detail": "The resource could not be found.\n\n No resource provider with uuid abc found  ", "request_id": "req-x"}]}"#;
        assert_eq!(
            parse_fault(body).unwrap(),
            "The resource could not be found. No resource provider with uuid abc found"
        );
    }

    #[test]
    fn non_json_fallback() {
        let e = Error::from_http(
            "compute",
            "list servers",
            502,
            b"<html><body><h1>502 Bad Gateway</h1></body></html>",
            None,
        );
        assert_eq!(e.message, "502 Bad Gateway");
        let e = Error::from_http("compute", "list servers", 503, b"", None);
        assert_eq!(e.message, "Service Unavailable");
        assert_eq!(parse_fault(b"not json"), None);
    }
}
