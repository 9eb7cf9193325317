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
    pub fn is_admin(&self) -> bool {
        self.roles.iter().any(|r| r == "admin")
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

fn request_parts() -> Result<Parts, AppError> {
    use_context::<Parts>().ok_or_else(|| AppError::Internal("no request in context".into()))
}

/// The current request's session, or `NotLoggedIn`.
pub fn current_session(backend: &Backend) -> Result<Session, AppError> {
    let parts = request_parts()?;
    read_session(backend, &parts).ok_or(AppError::NotLoggedIn)
}

/// The current session if its roles include admin; a clear refusal otherwise.
pub fn require_admin(backend: &Backend) -> Result<Session, AppError> {
    let session = current_session(backend)?;
    if session.is_admin() {
        Ok(session)
    } else {
        Err(AppError::Forbidden(
            "Administrator role required: this page shows every project's instances and hosts."
                .into(),
        ))
    }
}

/// The current session if its roles may see `scope`: every project needs admin; the own
/// project's list needs the project manager role (or admin), which is what Nova 34's
/// `project_manager_api` policies key on.
pub fn require_scope(
    backend: &Backend,
    scope: crate::model::ListScope,
) -> Result<Session, AppError> {
    match scope {
        crate::model::ListScope::AllProjects => require_admin(backend),
        crate::model::ListScope::MyProject => {
            let session = current_session(backend)?;
            if session.is_admin()
                || session
                    .roles
                    .iter()
                    .any(|r| r.eq_ignore_ascii_case("manager"))
            {
                Ok(session)
            } else {
                Err(AppError::Forbidden(
                    "Project manager role required: this page lets you move your project's instances."
                        .into(),
                ))
            }
        }
    }
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
