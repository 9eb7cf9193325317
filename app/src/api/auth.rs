//! Login, logout and "who am I", against Keystone v3.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{error::AppError, model::SessionInfo};

/// What the login page shows before anyone logs in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LoginPageInfo {
    pub cloud_name: String,
    pub default_domain: String,
}

#[server(endpoint = "login_settings")]
pub async fn login_settings() -> Result<LoginPageInfo, AppError> {
    let backend = crate::server::backend()?;
    Ok(LoginPageInfo {
        cloud_name: backend.config.cloud_name.clone(),
        default_domain: backend.config.default_domain.clone(),
    })
}

#[server(endpoint = "whoami")]
pub async fn whoami() -> Result<SessionInfo, AppError> {
    let backend = crate::server::backend()?;
    crate::server::session::current_session(&backend).map(|s| s.info())
}

/// The longest `next` Ferry follows: more than any page of Ferry's needs (filters are capped
/// at 255 characters each), far less than a header that would trouble a proxy.
pub const MAX_NEXT: usize = 2048;

/// Where to go after logging in: only a path on this site, never another origin.
pub fn safe_next(next: &str) -> String {
    let ok = next.len() <= MAX_NEXT
        && next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.starts_with("/login")
        // It becomes a Location header: visible ASCII only (the URL arrives percent-encoded).
        && next.chars().all(|c| c.is_ascii_graphic());
    if ok {
        next.to_string()
    } else {
        "/".to_string()
    }
}

pub const LOGIN_REFUSED: &str =
    "Keystone refused the login: the user name, password, project or domain is wrong.";

/// The login form's post. A refused plain form post goes back to the login page with what was
/// typed (never the password) and the kind of refusal, which the page says in its own words.
#[server(endpoint = "login")]
pub async fn login(
    user: String,
    password: String,
    project: String,
    domain: String,
    next: String,
) -> Result<(), AppError> {
    let typed = [
        ("next", next.clone()),
        ("user", user.clone()),
        ("project", project.clone()),
        ("domain", domain.clone()),
    ];
    let result = sign_in(user, password, project, domain, next).await;
    if let Err(e) = &result {
        let form_post = use_context::<http::request::Parts>().is_some_and(|p| {
            p.headers
                .get(http::header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains("text/html"))
        });
        if form_post {
            leptos_axum::redirect(&refused_login_url(e, &typed));
        }
    }
    result
}

/// `/login?…&refused=KIND`: only values short enough to be names (and `next` only when Ferry
/// would follow it) come back, percent-encoded.
#[cfg(feature = "ssr")]
fn refused_login_url(e: &AppError, typed: &[(&str, String); 4]) -> String {
    use crate::model::encode_component;
    let mut url = format!("/login?refused={}", refusal_kind(e));
    for (key, value) in typed {
        let value = value.trim();
        let keep = match *key {
            "next" => safe_next(value) != "/",
            _ => !value.is_empty() && value.len() <= 255,
        };
        let part = format!("&{key}={}", encode_component(value));
        // A Location (and the request line it becomes) short enough for any proxy in front.
        if keep && url.len() + part.len() <= MAX_NEXT {
            url.push_str(&part);
        }
    }
    url
}

/// The kind of a login refusal, as the login page's URL carries it (see `refusal_words`).
pub fn refusal_kind(e: &AppError) -> &'static str {
    match e {
        AppError::LoginRefused(_) => "credentials",
        AppError::BadRequest(_) => "incomplete",
        AppError::Throttled(_) => "throttled",
        AppError::Upstream(f) if f.unreachable => "unreachable",
        AppError::Upstream(_) => "keystone",
        AppError::Forbidden(_) => "origin",
        _ => "other",
    }
}

/// What the login page says about a refusal whose kind came back in its URL: a fixed sentence
/// per kind, never text from the URL (anyone can write one).
pub fn refusal_words(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "credentials" => LOGIN_REFUSED,
        "incomplete" => "User name, password and project are all needed.",
        "throttled" => {
            "Too many failed logins for this user from your address: wait a little and try again."
        }
        "unreachable" => "Ferry could not log you in: Keystone (Identity) cannot be reached.",
        "keystone" => "Ferry could not log you in: Keystone (Identity) failed.",
        "origin" => "This login was refused: it did not come from Ferry's own page.",
        "other" => "Ferry could not log you in. Please try again.",
        _ => return None,
    })
}

#[cfg(feature = "ssr")]
async fn sign_in(
    user: String,
    password: String,
    project: String,
    domain: String,
    next: String,
) -> Result<(), AppError> {
    use crate::server::{
        limiter::{client_address, Refusal},
        session::{check_origin, session_cookie, set_cookie_header, Session},
        upstream::upstream_error,
    };
    use openstack_client::identity::{issue_token, Credentials};

    check_origin()?;
    let backend = crate::server::backend()?;
    let user = user.trim().to_string();
    let project = project.trim().to_string();
    let domain = match domain.trim() {
        "" => backend.config.default_domain.clone(),
        d => d.to_string(),
    };
    if user.is_empty() || password.is_empty() || project.is_empty() {
        return Err(AppError::BadRequest(
            "User name, password and project are all needed.".into(),
        ));
    }

    let client = use_context::<http::request::Parts>().and_then(|p| {
        let peer = p
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip());
        let forwarded = p
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok());
        client_address(peer, forwarded, &backend.config.trusted_proxies)
    });
    let limiter_key = format!(
        "{}|{}|{}",
        domain.to_lowercase(),
        user.to_lowercase(),
        client.map(|ip| ip.to_string()).unwrap_or_default()
    );
    let attempt = match backend.limiter.begin(&limiter_key) {
        Ok(attempt) => attempt,
        Err(Refusal::InFlight) => {
            return Err(AppError::Throttled(
                "A login for this user from your address is already being checked; wait for its answer."
                    .into(),
            ))
        }
        Err(Refusal::Wait(wait)) => {
            return Err(AppError::Throttled(format!(
                "Too many failed logins for this user from your address: try again in {} s.",
                wait.as_secs().max(1)
            )))
        }
    };

    let credentials = Credentials::Password {
        user: user.clone(),
        user_domain: domain.clone(),
        password,
        project: project.clone(),
        project_domain: domain.clone(),
    };
    let token = match issue_token(&backend.transport, &backend.config.auth_url, &credentials).await
    {
        Ok(token) => token,
        Err(e) if e.status() == Some(401) => {
            attempt.failed();
            tracing::info!(user = %user, project = %project, "login refused by Keystone");
            return Err(AppError::LoginRefused(format!(
                "{LOGIN_REFUSED} ({})",
                e.message
            )));
        }
        Err(e) => return Err(upstream_error(e, "log in")),
    };
    attempt.succeeded();

    let interface = backend.config.interface.as_str();
    let region = backend.config.region.as_deref();
    let Some(compute_url) = token.catalog.endpoint("compute", interface, region) else {
        return Err(AppError::Internal(format!(
            "Keystone's catalog has no {interface} compute endpoint{}: Ferry needs Nova.",
            region
                .map(|r| format!(" in region {r}"))
                .unwrap_or_default()
        )));
    };
    let project_ref = token.project.clone();
    let session = Session {
        token: token.value.clone(),
        expires_at: token.expires_at,
        user: token.user.name.clone(),
        user_id: token.user.id.clone(),
        project: project_ref
            .as_ref()
            .map(|p| p.name.clone())
            .unwrap_or(project),
        project_id: project_ref.map(|p| p.id).unwrap_or_default(),
        domain,
        roles: token.roles.clone(),
        compute_url,
        placement_url: token.catalog.endpoint("placement", interface, region),
    };
    set_cookie_header(&session_cookie(&backend, &session)?);
    tracing::info!(user = %session.user, project = %session.project, roles = ?session.roles, "logged in");
    leptos_axum::redirect(&safe_next(&next));
    Ok(())
}

#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    use crate::server::session::{
        check_origin, current_session, removal_cookie, set_cookie_header,
    };

    check_origin()?;
    let backend = crate::server::backend()?;
    if let Ok(session) = current_session(&backend) {
        // Revoking is best effort: the cookie goes either way, and the token expires on its own.
        if let Err(e) = openstack_client::identity::revoke_token(
            &backend.transport,
            &backend.config.auth_url,
            &session.token,
        )
        .await
        {
            tracing::warn!(user = %session.user, error = %e, "could not revoke the token at logout");
        }
        tracing::info!(user = %session.user, project = %session.project, "logged out");
    }
    set_cookie_header(&removal_cookie(&backend));
    leptos_axum::redirect("/login");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{safe_next, MAX_NEXT};

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(
            safe_next("/admin/instances?host=compute1"),
            "/admin/instances?host=compute1"
        );
        assert_eq!(safe_next("https://evil.example/"), "/");
        assert_eq!(safe_next("//evil.example/"), "/");
        assert_eq!(safe_next("/\\evil.example"), "/");
        assert_eq!(safe_next("/login?next=/x"), "/");
        assert_eq!(safe_next(""), "/");
        assert_eq!(safe_next("/admin/instances?name=caf\u{e9}"), "/");
        assert_eq!(safe_next("/a b"), "/");
        assert_eq!(
            safe_next("/admin/instances?name=caf%C3%A9"),
            "/admin/instances?name=caf%C3%A9"
        );
        // A Location header of any length was followed before.
        let long = format!("/admin/instances?name={}", "a".repeat(MAX_NEXT));
        assert_eq!(safe_next(&long), "/");
    }
}
