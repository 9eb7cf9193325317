//! The login session: a Keystone token and what Ferry needs to use it, kept only in an encrypted,
//! HttpOnly, SameSite=Strict cookie (AES-256-GCM via the `cookie` crate's private jar). Nothing is
//! stored server-side, so any number of Ferry servers sharing the key can sit behind a balancer.

use chrono::{DateTime, Utc};
use cookie::{Cookie, CookieJar, SameSite};
use http::{header, request::Parts, HeaderValue};
use leptos::prelude::{expect_context, use_context};
use leptos_axum::ResponseOptions;
use serde::{Deserialize, Serialize};

use super::Backend;
use crate::{error::AppError, model::SessionInfo};

pub const COOKIE_NAME: &str = "ferry_session";

#[derive(Clone, Serialize, Deserialize)]
pub struct Session {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub user: String,
    pub user_id: String,
    pub project: String,
    pub project_id: String,
    pub domain: String,
    pub roles: Vec<String>,
    pub compute_url: String,
    pub placement_url: Option<String>,
}

// A token must never reach a log, not even through a debug print.
impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("token", &"***")
            .field("user", &self.user)
            .field("project", &self.project)
            .field("roles", &self.roles)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

impl Session {
    pub fn roles(&self) -> crate::policy::Roles {
        crate::policy::Roles::new(&self.roles)
    }

    /// May see every project (so need not, and must not, narrow lists to its own).
    pub fn is_admin(&self) -> bool {
        self.roles().is_admin()
    }

    pub fn info(&self) -> SessionInfo {
        SessionInfo {
            user: self.user.clone(),
            project: self.project.clone(),
            domain: self.domain.clone(),
            roles: self.roles.clone(),
            expires_in: (self.expires_at - Utc::now()).num_seconds(),
        }
    }
}

/// Reads the session out of a request's cookies; `None` if absent, tampered with or expired.
pub fn read_session(backend: &Backend, parts: &Parts) -> Option<Session> {
    let mut jar = CookieJar::new();
    for value in parts.headers.get_all(header::COOKIE) {
        let Ok(value) = value.to_str() else { continue };
        for cookie in Cookie::split_parse_encoded(value.to_string()).flatten() {
            jar.add_original(cookie);
        }
    }
    let cookie = jar.private(&backend.cookie_key).get(COOKIE_NAME)?;
    let session: Session = serde_json::from_str(cookie.value()).ok()?;
    (session.expires_at > Utc::now()).then_some(session)
}

/// The `Set-Cookie` header value that stores `session`.
pub fn session_cookie(backend: &Backend, session: &Session) -> Result<String, AppError> {
    let value = serde_json::to_string(session)
        .map_err(|e| AppError::Internal(format!("could not encode the session: {e}")))?;
    let lifetime = (session.expires_at - Utc::now()).num_seconds().max(0);
    let cookie = Cookie::build((COOKIE_NAME, value))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(backend.config.secure_cookies)
        .path("/")
        .max_age(cookie::time::Duration::seconds(lifetime))
        .build();
    let mut jar = CookieJar::new();
    jar.private_mut(&backend.cookie_key).add(cookie);
    jar.delta()
        .next()
        .map(|c| c.encoded().to_string())
        .ok_or_else(|| AppError::Internal("could not encrypt the session cookie".into()))
}

/// The `Set-Cookie` header value that deletes the session cookie.
pub fn removal_cookie(backend: &Backend) -> String {
    Cookie::build((COOKIE_NAME, ""))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(backend.config.secure_cookies)
        .path("/")
        .max_age(cookie::time::Duration::ZERO)
        .build()
        .encoded()
        .to_string()
}

pub fn set_cookie_header(value: &str) {
    let response = expect_context::<ResponseOptions>();
    if let Ok(v) = HeaderValue::from_str(value) {
        response.append_header(header::SET_COOKIE, v);
    }
}

/// Shapes the response of a request that ended in `error`: its HTTP status, and, when Keystone
/// no longer accepts the session's token, the removal of the cookie (otherwise the login page
/// would send the browser straight back on the strength of a cookie that can never work).
/// `page`: a rendered page, whose redirects to the login page must stay redirects.
pub fn respond_to_error(error: &AppError, page: bool) {
    let Some(response) = use_context::<ResponseOptions>() else {
        return;
    };
    if matches!(error, AppError::SessionExpired) {
        if let Ok(backend) = super::backend() {
            set_cookie_header(&removal_cookie(&backend));
        }
    }
    if page && error.needs_login() {
        return;
    }
    // A plain form post (no JavaScript) is answered with a redirect back to its page, which
    // Leptos adds after this; a status here would stop the browser from following it.
    let form_post = !page
        && use_context::<Parts>().is_some_and(|p| {
            p.headers
                .get(header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains("text/html"))
        });
    if form_post {
        return;
    }
    if let Ok(status) = http::StatusCode::from_u16(error.http_status()) {
        response.set_status(status);
    }
}

fn request_parts() -> Result<Parts, AppError> {
    use_context::<Parts>().ok_or_else(|| AppError::Internal("no request in context".into()))
}

/// The current request's session, or `NotLoggedIn`.
pub fn current_session(backend: &Backend) -> Result<Session, AppError> {
    let parts = request_parts()?;
    read_session(backend, &parts).ok_or(AppError::NotLoggedIn)
}

/// The current session if `crate::policy` lets it see `scope`'s list; a refusal naming the
/// policy otherwise.
pub fn require_scope(
    backend: &Backend,
    scope: crate::model::ListScope,
) -> Result<Session, AppError> {
    let session = current_session(backend)?;
    super::guard::require(&session, scope.action())?;
    Ok(session)
}

/// Refuses a state-changing request that a browser sent from another site. SameSite=Strict
/// already keeps the cookie off such requests; this is the second lock on the door.
pub fn check_origin() -> Result<(), AppError> {
    let parts = request_parts()?;
    if origin_allowed(&parts) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "This request came from another site and was refused.".into(),
        ))
    }
}

pub fn origin_allowed(parts: &Parts) -> bool {
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    match parts.headers.get(header::ORIGIN).map(|o| o.to_str()) {
        // Non-browser clients (curl, scripts) send no Origin; browsers always do on POST.
        None => !matches!(
            parts
                .headers
                .get("sec-fetch-site")
                .and_then(|v| v.to_str().ok()),
            Some("cross-site") | Some("same-site")
        ),
        Some(Ok(origin)) => {
            let origin_host = origin
                .strip_prefix("https://")
                .or_else(|| origin.strip_prefix("http://"))
                .unwrap_or("");
            !host.is_empty() && origin_host == host
        }
        Some(Err(_)) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(headers: &[(&str, &str)]) -> Parts {
        let mut req = http::Request::builder().uri("/api/x");
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req.body(()).unwrap().into_parts().0
    }

    #[test]
    fn origin_must_match_host() {
        assert!(origin_allowed(&parts(&[
            ("host", "ferry.example:3000"),
            ("origin", "http://ferry.example:3000")
        ])));
        assert!(!origin_allowed(&parts(&[
            ("host", "ferry.example:3000"),
            ("origin", "http://evil.example")
        ])));
        assert!(!origin_allowed(&parts(&[
            ("host", "ferry.example:3000"),
            ("origin", "null")
        ])));
        assert!(origin_allowed(&parts(&[("host", "ferry.example")])));
        assert!(!origin_allowed(&parts(&[
            ("host", "ferry.example"),
            ("sec-fetch-site", "cross-site")
        ])));
    }
}
