//! Keystone v3: version discovery, tokens (password and token methods,
//! project scope), validate/revoke, and the project/user lists Ferry reads.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Duration as ChronoDuration;
use serde_json::{json, Value};

use super::common::App;
use crate::clock;
use crate::context::{resolve, Ctx};
use crate::fault::keystone_error;
use crate::ids;
use crate::model::Token;
use crate::state::State as CloudState;

fn v3_doc(app: &App) -> Value {
    json!({
        "id": "v3.14",
        "status": "stable",
        "updated": "2020-04-07T00:00:00Z",
        "links": [{"rel": "self", "href": format!("{}/identity/v3/", app.base)}],
        "media-types": [{"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}],
    })
}

pub async fn versions(State(app): State<App>) -> Response {
    (
        StatusCode::MULTIPLE_CHOICES,
        Json(json!({"versions": {"values": [v3_doc(&app)]}})),
    )
        .into_response()
}

pub async fn version(State(app): State<App>) -> Response {
    Json(json!({ "version": v3_doc(&app) })).into_response()
}

use super::keystone_errors::{forbidden_action, invalid_json, unauthorized};

fn bad_request(msg: &str) -> Response {
    keystone_error(StatusCode::BAD_REQUEST, "Bad Request", msg)
}

fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut cur = v;
    for p in path {
        cur = cur.get(*p)?;
    }
    cur.as_str()
}

/// The domain reference of a user or project: only `Default` exists.
fn domain_matches(domain: Option<&Value>) -> bool {
    match domain {
        None => true,
        Some(d) => {
            let id_ok = d
                .get("id")
                .and_then(Value::as_str)
                .is_none_or(|i| i == "default");
            let name_ok = d
                .get("name")
                .and_then(Value::as_str)
                .is_none_or(|n| n == "Default");
            id_ok && name_ok && (d.get("id").is_some() || d.get("name").is_some())
        }
    }
}

pub async fn issue(State(app): State<App>, body: Bytes) -> Response {
    let body = match serde_json::from_slice::<Value>(&body) {
        Ok(v) if v.is_object() => v,
        _ => return invalid_json(),
    };
    let Some(identity) = body.get("auth").and_then(|a| a.get("identity")) else {
        return bad_request("'identity' is a required property");
    };
    let methods: Vec<String> = identity
        .get("methods")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|m| m.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    if methods.is_empty() {
        return bad_request("'methods' is a required property");
    }
    if methods.iter().any(|m| m == "application_credential") {
        return super::application_credential_auth::issue(&app, &body, &methods).await;
    }
    let now = app.cloud.now();
    let ttl = token_ttl(&app);

    let mut st = app.cloud.lock();
    let mut methods = methods;
    let mut application_credential_id = None;
    // Who: password (user by id, or by name within a domain) or an existing token.
    let (user_id, expires_at) = if methods.iter().any(|m| m == "password") {
        let Some(user) = identity.get("password").and_then(|p| p.get("user")) else {
            return bad_request("'user' is a required property");
        };
        let password = user.get("password").and_then(Value::as_str);
        let found = if let Some(id) = user.get("id").and_then(Value::as_str) {
            st.users.iter().find(|u| u.id == id)
        } else if let Some(name) = user.get("name").and_then(Value::as_str) {
            if !domain_matches(user.get("domain")) || user.get("domain").is_none() {
                return unauthorized();
            }
            st.users.iter().find(|u| u.name == name)
        } else {
            None
        };
        match found {
            Some(u) if Some(u.password.as_str()) == password => (u.id.clone(), now + ttl),
            _ => return unauthorized(),
        }
    } else if methods.iter().any(|m| m == "token") {
        let Some(id) = str_at(identity, &["token", "id"]) else {
            return bad_request("'token' is a required property");
        };
        match st.tokens.get(id) {
            Some(t) if t.expires_at > now => {
                // A token from an application credential stays within it
                // (Keystone's token plugin): no scope of its own, and the
                // credential's roles and restriction carry over.
                if let Some(cred) = &t.application_credential_id {
                    let scope = body.get("auth").and_then(|a| a.get("scope"));
                    if scope.is_some_and(truthy) {
                        return forbidden_action(
                            "Using an application credential token to create a scoped token is not allowed",
                        );
                    }
                    application_credential_id = Some(cred.clone());
                    if !methods.iter().any(|m| m == "application_credential") {
                        methods.push("application_credential".into());
                    }
                }
                (t.user_id.clone(), t.expires_at)
            }
            _ => return unauthorized(),
        }
    } else {
        return unauthorized();
    };

    // Scope: a project by id, or by name within a domain; none means the
    // user's default project, as Keystone does for users that have one.
    let scope = body.get("auth").and_then(|a| a.get("scope"));
    let project_id = match scope.and_then(|s| s.get("project")) {
        Some(p) => {
            let found = if let Some(id) = p.get("id").and_then(Value::as_str) {
                st.projects.iter().find(|x| x.id == id)
            } else if let Some(name) = p.get("name").and_then(Value::as_str) {
                if !domain_matches(p.get("domain")) || p.get("domain").is_none() {
                    return unauthorized();
                }
                st.projects.iter().find(|x| x.name == name)
            } else {
                None
            };
            let Some(project) = found else {
                return unauthorized();
            };
            project.id.clone()
        }
        None if scope.is_some_and(|s| !s.is_null()) => return unauthorized(),
        None => match st.users.iter().find(|u| u.id == user_id) {
            Some(u) => u.project_id.clone(),
            None => return unauthorized(),
        },
    };
    // A user holds roles only on its own project (admin reaches everything by role).
    let has_assignment = st
        .users
        .iter()
        .any(|u| u.id == user_id && (u.project_id == project_id || u.roles.contains(&"admin")));
    if !has_assignment {
        return unauthorized();
    }
    let token = Token {
        user_id,
        project_id,
        methods,
        issued_at: now,
        expires_at,
        audit_id: ids::random_hex32()[..22].to_string(),
        application_credential_id,
    };
    mint(&app, &mut st, token)
}

/// Python's truth of a parsed JSON value, for Keystone's `if value:` tests.
pub(super) fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|x| x != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

pub(super) fn token_ttl(app: &App) -> ChronoDuration {
    ChronoDuration::from_std(app.cloud.config().token_ttl).unwrap_or(ChronoDuration::hours(1))
}

/// Keep the token and answer 201 with its body and `X-Subject-Token`.
pub(super) fn mint(app: &App, st: &mut CloudState, token: Token) -> Response {
    // Keystone refuses a project-scoped token without roles (the token
    // model's `_validate_project_scope`).
    if st.token_roles(&token).is_empty() {
        return unauthorized();
    }
    let token_id = format!("gAAAAA{}{}", ids::random_hex32(), ids::random_hex32());
    let body = token_body(app, st, &token, true);
    st.tokens.insert(token_id.clone(), token);
    let mut resp = (StatusCode::CREATED, Json(body)).into_response();
    if let Ok(v) = token_id.parse() {
        resp.headers_mut().insert("x-subject-token", v);
    }
    resp
}

fn token_body(app: &App, st: &CloudState, t: &Token, catalog: bool) -> Value {
    let user = st.users.iter().find(|u| u.id == t.user_id);
    let project = st.projects.iter().find(|p| p.id == t.project_id);
    let roles: Vec<Value> = st
        .token_roles(t)
        .iter()
        .map(|r| json!({"id": r.id, "name": r.name}))
        .collect();
    let domain = json!({"id": "default", "name": "Default"});
    let mut token = json!({
        "audit_ids": [t.audit_id],
        "expires_at": clock::iso_keystone(&t.expires_at),
        "issued_at": clock::iso_keystone(&t.issued_at),
        "is_domain": false,
        "methods": t.methods,
        "project": {
            "domain": domain,
            "id": t.project_id,
            "name": project.map(|p| p.name.as_str()).unwrap_or(""),
        },
        "roles": roles,
        "user": {
            "domain": domain,
            "id": t.user_id,
            "name": user.map(|u| u.name.as_str()).unwrap_or(""),
            "password_expires_at": null,
        },
    });
    if catalog {
        token["catalog"] = service_catalog(app);
    }
    if let Some(c) = t
        .application_credential_id
        .as_deref()
        .and_then(|id| st.application_credential(id))
    {
        let mut cred =
            json!({"id": c.id, "name": c.name, "restricted": c.unrestricted != Some(true)});
        if !c.access_rules.is_empty() {
            cred["access_rules"] =
                super::application_credentials::access_rules_json(&c.access_rules);
        }
        token["application_credential"] = cred;
    }
    json!({ "token": token })
}

/// One region, every interface pointing at the same listener.
pub fn service_catalog(app: &App) -> Value {
    catalog_with(app, true)
}

/// `/v3/auth/catalog` lists endpoints without `region_id`, tokens with it.
fn catalog_with(app: &App, region_id: bool) -> Value {
    let services = [
        ("identity", "keystone", format!("{}/identity", app.base)),
        ("compute", "nova", format!("{}/compute/v2.1", app.base)),
        ("placement", "placement", format!("{}/placement", app.base)),
        ("image", "glance", format!("{}/image", app.base)),
    ];
    let mut gen = ids::Seeded::new(0xCA7A_1065);
    Value::Array(
        services
            .iter()
            .map(|(kind, name, url)| {
                let endpoints: Vec<Value> = ["public", "internal", "admin"]
                    .iter()
                    .map(|iface| {
                        let mut e = json!({
                            "id": gen.hex32(),
                            "interface": iface,
                            "region": "RegionOne",
                            "url": url,
                        });
                        if let (true, Some(o)) = (region_id, e.as_object_mut()) {
                            o.insert("region_id".into(), json!("RegionOne"));
                        }
                        e
                    })
                    .collect();
                json!({"endpoints": endpoints, "id": gen.hex32(), "name": name, "type": kind})
            })
            .collect(),
    )
}

fn caller(app: &App, headers: &HeaderMap) -> Option<Ctx> {
    let token = headers.get("x-auth-token")?.to_str().ok()?;
    resolve(&app.cloud, token.trim())
}

fn subject(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-subject-token")
        .and_then(|v| v.to_str().ok())
        .map(|s| s.trim().to_string())
}

/// Keystone answers a revoked, expired or unknown subject token alike
/// (recorded from Keystone 30).
fn token_not_found(_id: &str) -> Response {
    keystone_error(
        StatusCode::NOT_FOUND,
        "Not Found",
        "Failed to validate token",
    )
}

pub async fn validate(State(app): State<App>, headers: HeaderMap) -> Response {
    if caller(&app, &headers).is_none() {
        return unauthorized();
    }
    let Some(id) = subject(&headers) else {
        return token_not_found("");
    };
    let now = app.cloud.now();
    let st = app.cloud.lock();
    match st.tokens.get(&id) {
        Some(t) if t.expires_at > now && access_rules_understood(&st, t, &headers) => {
            let body = token_body(&app, &st, t, true);
            drop(st);
            let mut resp = Json(body).into_response();
            if let Ok(v) = id.parse() {
                resp.headers_mut().insert("x-subject-token", v);
            }
            resp
        }
        _ => token_not_found(&id),
    }
}

/// A token limited by access rules validates only for a caller that says it
/// enforces them (keystonemiddleware sends `OpenStack-Identity-Access-Rules`);
/// Keystone answers anyone else as if the token did not exist.
fn access_rules_understood(st: &CloudState, t: &Token, headers: &HeaderMap) -> bool {
    let limited = t
        .application_credential_id
        .as_deref()
        .and_then(|id| st.application_credential(id))
        .is_some_and(|c| !c.access_rules.is_empty());
    !limited
        || headers
            .get("openstack-identity-access-rules")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<f64>().ok())
            .is_some_and(|v| v >= 1.0)
}

pub async fn revoke(State(app): State<App>, headers: HeaderMap) -> Response {
    if caller(&app, &headers).is_none() {
        return unauthorized();
    }
    let Some(id) = subject(&headers) else {
        return token_not_found("");
    };
    match app.cloud.lock().tokens.remove(&id) {
        Some(_) => StatusCode::NO_CONTENT.into_response(),
        None => token_not_found(&id),
    }
}

fn project_json(app: &App, p: &crate::model::Project) -> Value {
    json!({
        "id": p.id,
        "name": p.name,
        "domain_id": "default",
        "description": p.description,
        "enabled": true,
        "is_domain": false,
        "parent_id": "default",
        "tags": [],
        "options": {},
        "links": {"self": format!("{}/identity/v3/projects/{}", app.base, p.id)},
    })
}

/// `GET /v3/auth/projects`: the projects the caller holds a role on.
pub async fn auth_projects(State(app): State<App>, headers: HeaderMap) -> Response {
    let Some(ctx) = caller(&app, &headers) else {
        return unauthorized();
    };
    let st = app.cloud.lock();
    let projects: Vec<Value> = st
        .projects
        .iter()
        .filter(|p| {
            p.id == ctx.project_id
                || st
                    .users
                    .iter()
                    .any(|u| u.id == ctx.user_id && u.project_id == p.id)
        })
        .map(|p| project_json(&app, p))
        .collect();
    Json(json!({
        "projects": projects,
        "links": {"self": format!("{}/identity/v3/auth/projects", app.base), "previous": null, "next": null},
    }))
    .into_response()
}

fn forbidden() -> Response {
    keystone_error(
        StatusCode::FORBIDDEN,
        "Forbidden",
        "You are not authorized to perform the requested action: identity:list_projects.",
    )
}

pub async fn projects(State(app): State<App>, headers: HeaderMap) -> Response {
    let Some(ctx) = caller(&app, &headers) else {
        return unauthorized();
    };
    if !ctx.is_admin() {
        return forbidden();
    }
    let st = app.cloud.lock();
    let projects: Vec<Value> = st.projects.iter().map(|p| project_json(&app, p)).collect();
    Json(json!({
        "projects": projects,
        "links": {"self": format!("{}/identity/v3/projects", app.base), "previous": null, "next": null},
    }))
    .into_response()
}

pub async fn users(State(app): State<App>, headers: HeaderMap) -> Response {
    let Some(ctx) = caller(&app, &headers) else {
        return unauthorized();
    };
    if !ctx.is_admin() {
        return keystone_error(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "You are not authorized to perform the requested action: identity:list_users.",
        );
    }
    let st = app.cloud.lock();
    let users: Vec<Value> = st
        .users
        .iter()
        .map(|u| {
            json!({
                "id": u.id,
                "name": u.name,
                "domain_id": "default",
                "default_project_id": u.project_id,
                "enabled": true,
                "password_expires_at": null,
                "options": {},
                "links": {"self": format!("{}/identity/v3/users/{}", app.base, u.id)},
            })
        })
        .collect();
    Json(json!({
        "users": users,
        "links": {"self": format!("{}/identity/v3/users", app.base), "previous": null, "next": null},
    }))
    .into_response()
}

/// `GET /v3/auth/catalog`: the caller's service catalog.
pub async fn catalog(State(app): State<App>, headers: HeaderMap) -> Response {
    if caller(&app, &headers).is_none() {
        return unauthorized();
    }
    Json(json!({
        "catalog": catalog_with(&app, false),
        "links": {"self": format!("{}/identity/v3/auth/catalog", app.base), "previous": null, "next": null},
    }))
    .into_response()
}
