//! Who is calling: the Keystone token in `X-Auth-Token`, resolved the way
//! keystonemiddleware hands it to Nova and Placement.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::fault::keystone_error;
use crate::Cloud;

#[derive(Clone, Debug)]
pub struct Ctx {
    pub user_id: String,
    pub project_id: String,
    pub roles: Vec<&'static str>,
    /// The application credential the token came from, if any.
    pub application_credential: Option<AppCredUse>,
}

#[derive(Clone, Debug)]
pub struct AppCredUse {
    /// Only an unrestricted one may manage application credentials.
    pub unrestricted: bool,
}

impl Ctx {
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.contains(&role)
    }
    pub fn is_admin(&self) -> bool {
        self.has_role("admin")
    }
}

/// Resolve a token to its caller, if the token exists and has not expired.
pub fn resolve(cloud: &Cloud, token: &str) -> Option<Ctx> {
    let now = cloud.now();
    let st = cloud.lock();
    let t = st.tokens.get(token)?;
    if t.expires_at <= now {
        return None;
    }
    let user = st.users.iter().find(|u| u.id == t.user_id)?;
    let project = st.projects.iter().find(|p| p.id == t.project_id)?;
    let application_credential = match &t.application_credential_id {
        Some(id) => {
            let c = st.application_credential(id)?;
            Some(AppCredUse {
                unrestricted: c.unrestricted == Some(true),
            })
        }
        None => None,
    };
    Some(Ctx {
        user_id: user.id.clone(),
        project_id: project.id.clone(),
        roles: st.token_roles(t).iter().map(|r| r.name).collect(),
        application_credential,
    })
}

pub fn token_header(req: &Request) -> Option<String> {
    req.headers()
        .get("x-auth-token")
        .and_then(|v| v.to_str().ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// keystonemiddleware's answer to a missing or invalid token.
pub fn unauthorized(base_url: &str) -> Response {
    let mut resp = keystone_error(
        StatusCode::UNAUTHORIZED,
        "Unauthorized",
        "The request you have made requires authentication.",
    );
    if let Ok(v) = format!("Keystone uri=\"{base_url}/identity\"").parse() {
        resp.headers_mut().insert("www-authenticate", v);
    }
    resp
}

#[derive(Clone)]
pub struct AuthState {
    pub cloud: Cloud,
    pub base_url: String,
}

/// Middleware: reject requests without a valid token, else attach the caller.
pub async fn require_token(
    State(auth): State<AuthState>,
    mut req: Request,
    next: Next,
) -> Response {
    let ctx = token_header(&req).and_then(|t| resolve(&auth.cloud, &t));
    match ctx {
        Some(ctx) => {
            req.extensions_mut().insert(ctx);
            next.run(req).await
        }
        None => unauthorized(&auth.base_url).into_response(),
    }
}
