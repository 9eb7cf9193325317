//! Keystone v3: tokens, catalog, projects, application credentials.

use chrono::{DateTime, Utc};
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::de;
use crate::error::{Error, ErrorKind};
use crate::transport::{Reply, Request, Transport};

mod application_credentials;

pub use application_credentials::{
    authenticate_application_credential, create_application_credential,
    delete_application_credential, list_application_credentials, AccessRule, ApplicationCredential,
    CreatedApplicationCredential, NewApplicationCredential,
};

const SERVICE: &str = "identity";

/// A secret string (an application credential's secret): `Debug` shows
/// `***`, and the text is reached only through [`Secret::expose`].
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The secret itself, for the one place that must send or store it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Secret {
        Secret(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Secret {
        Secret(value.to_string())
    }
}

/// How to obtain a token.
///
/// Naming convention for `user`, `project`, `user_domain` and `project_domain`:
/// the value is a **name**, unless it starts with `id:` (then the rest is an
/// id). As a convenience a domain given as exactly `default` is taken as the
/// id of Keystone's default domain. An empty `project` means "no explicit
/// scope" (Keystone then uses the user's default project, if any).
#[derive(Clone, PartialEq, Eq)]
pub enum Credentials {
    Password {
        user: String,
        user_domain: String,
        password: String,
        project: String,
        project_domain: String,
    },
    /// Application credentials carry their own scope.
    ApplicationCredential { id: String, secret: Secret },
    /// Re-scope or renew with an existing token.
    Token {
        token: String,
        project: String,
        project_domain: String,
    },
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::Password {
                user,
                user_domain,
                project,
                project_domain,
                ..
            } => f
                .debug_struct("Password")
                .field("user", user)
                .field("user_domain", user_domain)
                .field("password", &"***")
                .field("project", project)
                .field("project_domain", project_domain)
                .finish(),
            Credentials::ApplicationCredential { id, .. } => f
                .debug_struct("ApplicationCredential")
                .field("id", id)
                .field("secret", &"***")
                .finish(),
            Credentials::Token {
                project,
                project_domain,
                ..
            } => f
                .debug_struct("Token")
                .field("token", &"***")
                .field("project", project)
                .field("project_domain", project_domain)
                .finish(),
        }
    }
}

/// `{"id": .., "name": ..}`; either may be empty if Keystone omitted it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NamedRef {
    #[serde(deserialize_with = "de::string")]
    pub id: String,
    #[serde(deserialize_with = "de::string")]
    pub name: String,
}

/// A Keystone token with what Ferry needs from its body.
#[derive(Clone)]
pub struct Token {
    /// The secret token string (from `X-Subject-Token`). Never logged.
    pub value: String,
    pub expires_at: DateTime<Utc>,
    pub issued_at: DateTime<Utc>,
    pub user: NamedRef,
    pub project: Option<NamedRef>,
    /// Role names.
    pub roles: Vec<String>,
    pub catalog: Catalog,
    /// Set when the token came from an application credential.
    pub application_credential: Option<TokenApplicationCredential>,
}

/// The `application_credential` object of a token from one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TokenApplicationCredential {
    #[serde(deserialize_with = "de::string")]
    pub id: String,
    #[serde(deserialize_with = "de::string")]
    pub name: String,
    /// A restricted credential's tokens cannot create or delete
    /// application credentials (Keystone's default; null counts as restricted).
    #[serde(deserialize_with = "de::bool_or_true")]
    pub restricted: bool,
}

impl Default for TokenApplicationCredential {
    /// Restricted unless Keystone says otherwise, the safe reading.
    fn default() -> Self {
        TokenApplicationCredential {
            id: String::new(),
            name: String::new(),
            restricted: true,
        }
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Token")
            .field("value", &"***")
            .field("expires_at", &self.expires_at)
            .field("issued_at", &self.issued_at)
            .field("user", &self.user)
            .field("project", &self.project)
            .field("roles", &self.roles)
            .field("catalog", &self.catalog)
            .field("application_credential", &self.application_credential)
            .finish()
    }
}

impl Token {
    /// Case-insensitive role-name check.
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r.eq_ignore_ascii_case(role))
    }

    /// True if the token expires before `now + margin`.
    pub fn expires_within(&self, margin: std::time::Duration) -> bool {
        let margin = chrono::Duration::from_std(margin).unwrap_or(chrono::Duration::MAX);
        Utc::now()
            .checked_add_signed(margin)
            .is_none_or(|limit| self.expires_at <= limit)
    }

    /// Parses a Keystone `{"token": {...}}` body; `value` is the token string
    /// from the `X-Subject-Token` header.
    pub fn from_body(value: &str, body: &[u8]) -> Result<Token, String> {
        let raw: TokenBody = serde_json::from_slice(body).map_err(|e| e.to_string())?;
        let t = raw.token;
        let expires_at = t
            .expires_at
            .ok_or_else(|| "token body has no valid expires_at".to_string())?;
        Ok(Token {
            value: value.to_string(),
            expires_at,
            issued_at: t.issued_at.unwrap_or_else(Utc::now),
            user: t.user,
            project: t.project,
            roles: t.roles.into_iter().map(|r| r.name).collect(),
            catalog: Catalog(t.catalog),
            application_credential: t.application_credential,
        })
    }
}

#[derive(Deserialize)]
struct TokenBody {
    token: RawToken,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawToken {
    #[serde(deserialize_with = "de::opt_time")]
    expires_at: Option<DateTime<Utc>>,
    #[serde(deserialize_with = "de::opt_time")]
    issued_at: Option<DateTime<Utc>>,
    user: NamedRef,
    project: Option<NamedRef>,
    #[serde(deserialize_with = "de::vec_or_empty")]
    roles: Vec<NamedRef>,
    #[serde(deserialize_with = "de::vec_or_empty")]
    catalog: Vec<CatalogEntry>,
    application_credential: Option<TokenApplicationCredential>,
}

/// The service catalog of a token.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Catalog(pub Vec<CatalogEntry>);

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CatalogEntry {
    #[serde(deserialize_with = "de::string")]
    pub id: String,
    #[serde(rename = "type", deserialize_with = "de::string")]
    pub service_type: String,
    #[serde(deserialize_with = "de::string")]
    pub name: String,
    #[serde(deserialize_with = "de::vec_or_empty")]
    pub endpoints: Vec<Endpoint>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Endpoint {
    #[serde(deserialize_with = "de::string")]
    pub id: String,
    /// `public`, `internal` or `admin`.
    #[serde(deserialize_with = "de::string")]
    pub interface: String,
    #[serde(deserialize_with = "de::opt_string")]
    pub region: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub region_id: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub url: String,
}

fn normalise_interface(i: &str) -> &str {
    let i = i.trim();
    i.strip_suffix("URL").unwrap_or(i)
}

impl Catalog {
    /// The URL of the first endpoint of exactly `service_type` (so
    /// `"compute"` never matches `"compute_legacy"`) with `interface`
    /// (`public`/`internal`/`admin`; `publicURL` style accepted) and, if
    /// given, `region` (matched against `region_id` or `region`).
    pub fn endpoint(
        &self,
        service_type: &str,
        interface: &str,
        region: Option<&str>,
    ) -> Option<String> {
        let interface = normalise_interface(interface);
        self.0
            .iter()
            .filter(|e| e.service_type == service_type)
            .flat_map(|e| e.endpoints.iter())
            .find(|ep| {
                normalise_interface(&ep.interface).eq_ignore_ascii_case(interface)
                    && region.is_none_or(|r| {
                        ep.region_id.as_deref() == Some(r) || ep.region.as_deref() == Some(r)
                    })
            })
            .map(|ep| ep.url.clone())
    }

    /// All distinct region ids (or names) in the catalog, sorted.
    pub fn regions(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .0
            .iter()
            .flat_map(|e| e.endpoints.iter())
            .filter_map(|ep| ep.region_id.clone().or_else(|| ep.region.clone()))
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

/// `http://h/identity`, `http://h/identity/`, `http://h:5000/v3/` all become
/// `…/v3` (no trailing slash). A `/v2.0` suffix is replaced by `/v3`.
pub fn normalise_auth_url(auth_url: &str) -> String {
    let base = auth_url.trim().trim_end_matches('/');
    if base.ends_with("/v3") {
        base.to_string()
    } else if let Some(root) = base.strip_suffix("/v2.0") {
        format!("{root}/v3")
    } else {
        format!("{base}/v3")
    }
}

/// `{"name": n, "domain": {...}}` or `{"id": i}` per the `id:` convention.
fn named_in_domain(value: &str, domain: &str) -> Value {
    if let Some(id) = value.strip_prefix("id:") {
        json!({ "id": id })
    } else {
        json!({ "name": value, "domain": domain_ref(domain) })
    }
}

fn domain_ref(domain: &str) -> Value {
    if let Some(id) = domain.strip_prefix("id:") {
        json!({ "id": id })
    } else if domain == "default" || domain.is_empty() {
        json!({ "id": "default" })
    } else {
        json!({ "name": domain })
    }
}

/// The `POST /v3/auth/tokens` body for these credentials.
pub fn auth_body(c: &Credentials) -> Value {
    match c {
        Credentials::Password {
            user,
            user_domain,
            password,
            project,
            project_domain,
        } => {
            let mut user_obj = named_in_domain(user, user_domain);
            user_obj["password"] = json!(password);
            let mut auth = json!({
                "identity": { "methods": ["password"], "password": { "user": user_obj } }
            });
            if !project.is_empty() {
                auth["scope"] = json!({ "project": named_in_domain(project, project_domain) });
            }
            json!({ "auth": auth })
        }
        Credentials::ApplicationCredential { id, secret } => json!({
            "auth": { "identity": {
                "methods": ["application_credential"],
                "application_credential": { "id": id, "secret": secret.expose() }
            } }
        }),
        Credentials::Token {
            token,
            project,
            project_domain,
        } => {
            let mut auth = json!({
                "identity": { "methods": ["token"], "token": { "id": token } }
            });
            if !project.is_empty() {
                auth["scope"] = json!({ "project": named_in_domain(project, project_domain) });
            }
            json!({ "auth": auth })
        }
    }
}

fn token_from_reply(reply: &Reply, value: String) -> Result<Token, Error> {
    Token::from_body(&value, &reply.body).map_err(|m| {
        Error::new(ErrorKind::Decode, SERVICE, reply.operation.clone(), m)
            .with_request_id(reply.request_id.clone())
    })
}

/// `POST /v3/auth/tokens`. `auth_url` may be versioned (`…/v3`) or not.
pub async fn issue_token(t: &Transport, auth_url: &str, c: &Credentials) -> Result<Token, Error> {
    let op = match c {
        Credentials::Password { user, .. } => format!("authenticate user {user}"),
        Credentials::ApplicationCredential { id, .. } => {
            format!("authenticate application credential {id}")
        }
        Credentials::Token { .. } => "authenticate with token".to_string(),
    };
    let url = format!("{}/auth/tokens", normalise_auth_url(auth_url));
    let mut req = Request::new(SERVICE, op, Method::POST, url);
    req.body = Some(auth_body(c));
    let reply = t.execute(req).await?;
    let value = reply
        .header("x-subject-token")
        .map(str::to_string)
        .ok_or_else(|| {
            Error::new(
                ErrorKind::Decode,
                SERVICE,
                reply.operation.clone(),
                "response has no X-Subject-Token header",
            )
            .with_request_id(reply.request_id.clone())
        })?;
    token_from_reply(&reply, value)
}

/// `GET /v3/auth/tokens` with `X-Subject-Token: subject_token`, authorised by
/// `auth_token` (may be the same token).
pub async fn validate_token(
    t: &Transport,
    auth_url: &str,
    subject_token: &str,
    auth_token: &str,
) -> Result<Token, Error> {
    let url = format!("{}/auth/tokens", normalise_auth_url(auth_url));
    let mut req = Request::new(SERVICE, "validate token".into(), Method::GET, url);
    req.token = Some(auth_token);
    req.headers
        .push(("X-Subject-Token", subject_token.to_string(), true));
    let reply = t.execute(req).await?;
    token_from_reply(&reply, subject_token.to_string())
}

/// `DELETE /v3/auth/tokens` (a token may revoke itself).
pub async fn revoke_token(t: &Transport, auth_url: &str, token: &str) -> Result<(), Error> {
    let url = format!("{}/auth/tokens", normalise_auth_url(auth_url));
    let mut req = Request::new(SERVICE, "revoke token".into(), Method::DELETE, url);
    req.token = Some(token);
    req.headers
        .push(("X-Subject-Token", token.to_string(), true));
    t.execute(req).await?;
    Ok(())
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Project {
    #[serde(deserialize_with = "de::string")]
    pub id: String,
    #[serde(deserialize_with = "de::string")]
    pub name: String,
    #[serde(deserialize_with = "de::opt_string")]
    pub domain_id: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub description: Option<String>,
    #[serde(deserialize_with = "de::bool_or_true")]
    pub enabled: bool,
    #[serde(deserialize_with = "de::opt_string")]
    pub parent_id: Option<String>,
    #[serde(deserialize_with = "de::bool_or_false")]
    pub is_domain: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ProjectList {
    #[serde(deserialize_with = "de::vec_or_empty")]
    projects: Vec<Project>,
    links: Option<Value>,
}

/// `GET /v3/projects` (admin), following `links.next` if Keystone paginates.
pub async fn list_projects(
    t: &Transport,
    auth_url: &str,
    token: &str,
) -> Result<Vec<Project>, Error> {
    list_all(t, auth_url, token, "projects", |p: ProjectList| {
        (p.projects, p.links)
    })
    .await
}

/// Every page of `GET /v3/{collection}`: Keystone paginates with `links.next` (when its driver
/// has a list limit); a link that does not move on ends the walk.
async fn list_all<P: serde::de::DeserializeOwned, T>(
    t: &Transport,
    auth_url: &str,
    token: &str,
    collection: &str,
    split: impl Fn(P) -> (Vec<T>, Option<Value>),
) -> Result<Vec<T>, Error> {
    let mut url = format!("{}/{collection}", normalise_auth_url(auth_url));
    let mut out = Vec::new();
    for _ in 0..100 {
        let mut req = Request::new(
            SERVICE,
            format!("list {collection}"),
            Method::GET,
            url.clone(),
        );
        req.token = Some(token);
        let reply = t.execute(req).await?;
        let (items, links) = split(reply.json()?);
        out.extend(items);
        match links
            .as_ref()
            .and_then(|l| l.get("next"))
            .and_then(Value::as_str)
        {
            Some(next) if !next.is_empty() && next != url => url = next.to_string(),
            _ => break,
        }
    }
    Ok(out)
}

/// A Keystone user, as far as Ferry shows one: who started a migration or a drain.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct User {
    #[serde(deserialize_with = "de::string")]
    pub id: String,
    #[serde(deserialize_with = "de::string")]
    pub name: String,
    #[serde(deserialize_with = "de::opt_string")]
    pub domain_id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct UserList {
    #[serde(deserialize_with = "de::vec_or_empty")]
    users: Vec<User>,
    links: Option<Value>,
}

/// `GET /v3/users` (admin), following `links.next` if Keystone paginates.
pub async fn list_users(t: &Transport, auth_url: &str, token: &str) -> Result<Vec<User>, Error> {
    list_all(t, auth_url, token, "users", |p: UserList| {
        (p.users, p.links)
    })
    .await
}
