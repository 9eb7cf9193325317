//! Keystone's `/v3/users/{user_id}/application_credentials`: create (the
//! only answer that carries the secret), list, show and delete, with
//! Keystone 30's policy defaults and refusals (`keystone/api/users.py`,
//! `keystone/common/policies/application_credential.py`).

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::application_credential_schema::check_create;
use super::common::App;
use super::keystone_errors as err;
use crate::clock;
use crate::context::{resolve, Ctx};
use crate::ids;
use crate::model::{AccessRule, ApplicationCredential, Time};
use crate::secrets;
use crate::state::State as CloudState;

fn caller(app: &App, headers: &HeaderMap) -> Option<Ctx> {
    let token = headers.get("x-auth-token")?.to_str().ok()?;
    resolve(&app.cloud, token.trim())
}

/// `admin_required or ... or rule:owner`, the rule of list, show and delete.
fn admin_or_owner(ctx: &Ctx, user_id: &str) -> bool {
    ctx.is_admin() || ctx.user_id == user_id
}

/// `_check_unrestricted_application_credential`.
fn restricted(ctx: &Ctx) -> Option<Response> {
    match &ctx.application_credential {
        Some(c) if !c.unrestricted => Some(err::forbidden_action(
            "Using method 'application_credential' is not allowed for managing additional application credentials",
        )),
        _ => None,
    }
}

fn not_found(id: &str) -> Response {
    err::not_found(&format!("Could not find Application Credential: {id}."))
}

/// Keystone's view of a role row (the bootstrap roles are immutable).
fn role_json(st: &CloudState, role_id: &str) -> Value {
    let name = st.roles.iter().find(|r| r.id == role_id).map(|r| r.name);
    json!({
        "id": role_id,
        "name": name,
        "domain_id": null,
        "description": null,
        "options": {"immutable": true},
    })
}

fn view(app: &App, st: &CloudState, c: &ApplicationCredential, as_granted: bool) -> Value {
    let mut role_ids: Vec<&String> = c.role_ids.iter().collect();
    if !as_granted {
        role_ids.sort();
    }
    let mut v = json!({
        "id": c.id,
        "name": c.name,
        "description": c.description,
        "user_id": c.user_id,
        "project_id": c.project_id,
        "system": c.system,
        "expires_at": c.expires_at.as_ref().map(clock::iso_micro),
        "unrestricted": c.unrestricted,
        "roles": role_ids.iter().map(|id| role_json(st, id)).collect::<Vec<_>>(),
        // Keystone links a path it does not serve; so does this.
        "links": {"self": format!("{}/identity/v3/application_credentials/{}", app.base, c.id)},
    });
    if !c.access_rules.is_empty() {
        v["access_rules"] = access_rules_json(&c.access_rules);
    }
    v
}

pub fn access_rules_json(rules: &[AccessRule]) -> Value {
    rules
        .iter()
        .map(|r| json!({"id": r.id, "service": r.service, "path": r.path, "method": r.method}))
        .collect()
}

/// `utils.parse_expiration_date`: a naive time is UTC (Keystone appends a Z,
/// so a string with its own offset does not parse), and it must lie ahead.
fn parse_expiry(value: &str, now: Time) -> Result<Time, Box<Response>> {
    let naive = value.strip_suffix('Z').unwrap_or(value);
    let parsed = [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S",
    ]
    .iter()
    .find_map(|f| chrono::NaiveDateTime::parse_from_str(naive, f).ok())
    .or_else(|| {
        chrono::NaiveDate::parse_from_str(naive, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
    });
    let Some(t) = parsed.map(|n| n.and_utc()) else {
        return Err(Box::new(err::timestamp_format()));
    };
    if t < now {
        return Err(Box::new(err::expires_in_past()));
    }
    Ok(t)
}

/// Keystone's bootstrap chain: admin → manager → member → reader.
fn implied(role: &str) -> Option<&'static str> {
    match role {
        "admin" => Some("manager"),
        "manager" => Some("member"),
        "member" => Some("reader"),
        _ => None,
    }
}

/// `_get_roles`: the requested roles plus every role they imply, each one
/// held by the caller's token; none requested means the token's roles.
fn granted_roles(
    st: &CloudState,
    ctx: &Ctx,
    requested: &[Value],
) -> Result<Vec<String>, Box<Response>> {
    if requested.is_empty() {
        return Ok(ctx
            .roles
            .iter()
            .filter_map(|n| st.roles.iter().find(|r| r.name == *n))
            .map(|r| r.id.clone())
            .collect());
    }
    let mut ids: Vec<String> = Vec::new();
    for r in requested {
        let id = match (
            r.get("id").and_then(Value::as_str),
            r.get("name").and_then(Value::as_str),
        ) {
            (Some(id), _) if !id.is_empty() => id.to_string(),
            (_, Some(name)) => match st.roles.iter().find(|x| x.name == name) {
                Some(x) => x.id.clone(),
                None => {
                    return Err(Box::new(err::not_found(&format!(
                        "Role {name} is not defined"
                    ))))
                }
            },
            // The schema lets no such role through; Keystone would fail on
            // the missing key.
            _ => return Err(Box::new(err::unexpected())),
        };
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    // The list grows while it is walked, as Keystone's loop does.
    let mut i = 0;
    while i < ids.len() {
        let name = st.roles.iter().find(|r| r.id == ids[i]).map(|r| r.name);
        if let Some(next) = name.and_then(implied) {
            if let Some(r) = st.roles.iter().find(|r| r.name == next) {
                if !ids.contains(&r.id) {
                    ids.push(r.id.clone());
                }
            }
        }
        i += 1;
    }
    let held: Vec<&str> = ctx
        .roles
        .iter()
        .filter_map(|n| st.roles.iter().find(|r| r.name == *n))
        .map(|r| r.id.as_str())
        .collect();
    if ids.iter().any(|id| !held.contains(&id.as_str())) {
        return Err(Box::new(err::bad_request(
            "Invalid application credential: Cannot create an application credential with unassigned role",
        )));
    }
    Ok(ids)
}

/// Access rules are the user's: one named by id (anyone's, as Keystone's
/// lookup is) or equal to one the user already has is reused, else new.
fn access_rules(st: &CloudState, user_id: &str, requested: &[Value]) -> Vec<AccessRule> {
    let known: Vec<(&str, &AccessRule)> = st
        .application_credentials
        .iter()
        .flat_map(|c| c.access_rules.iter().map(move |r| (c.user_id.as_str(), r)))
        .collect();
    let field = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(String::from);
    requested
        .iter()
        .map(|v| {
            let wanted = AccessRule {
                id: field(v, "id").unwrap_or_else(ids::random_hex32),
                service: field(v, "service"),
                path: field(v, "path"),
                method: field(v, "method"),
            };
            known
                .iter()
                .find(|(_, r)| r.id == wanted.id)
                .or_else(|| {
                    known.iter().find(|(owner, r)| {
                        *owner == user_id
                            && (&r.service, &r.path, &r.method)
                                == (&wanted.service, &wanted.path, &wanted.method)
                    })
                })
                .map(|(_, r)| (*r).clone())
                .unwrap_or(wanted)
        })
        .collect()
}

/// `POST /v3/users/{user_id}/application_credentials`.
pub async fn create(
    State(app): State<App>,
    Path(user_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // Keystone checks the body (JSON, then its schema) before who is asking.
    let body: Value = if body.is_empty() {
        json!({})
    } else {
        match serde_json::from_slice::<Value>(&body) {
            Ok(v) if v.is_object() => v,
            _ => return err::invalid_json(),
        }
    };
    if let Err(detail) = check_create(&body) {
        return err::bad_request(&detail);
    }
    let Some(ctx) = caller(&app, &headers) else {
        return err::unauthorized();
    };
    // A cloud whose policy keeps application credentials from its operators (some do).
    if ctx.user_id != user_id || app.cloud.faults().refuse_application_credentials {
        return err::forbidden_action("identity:create_application_credential");
    }
    if let Some(refusal) = restricted(&ctx) {
        return refusal;
    }
    let req = &body["application_credential"];
    let given = req
        .get("secret")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty());
    let secret = match given {
        Some(s) => s.to_string(),
        None => match secrets::generate() {
            Ok(s) => s,
            Err(_) => return err::unexpected(),
        },
    };
    // Hashing is deliberately slow: do it before taking the cloud's lock.
    let secret_hash = match tokio::task::spawn_blocking({
        let secret = secret.clone();
        move || secrets::hash(&secret)
    })
    .await
    {
        Ok(Ok(h)) => h,
        _ => return err::unexpected(),
    };
    let now = app.cloud.now();
    let mut st = app.cloud.lock();
    let no_roles = Vec::new();
    let requested = req
        .get("roles")
        .and_then(Value::as_array)
        .unwrap_or(&no_roles);
    let role_ids = match granted_roles(&st, &ctx, requested) {
        Ok(r) => r,
        Err(resp) => return *resp,
    };
    let expires_at = match req.get("expires_at").and_then(Value::as_str) {
        Some(s) if !s.is_empty() => match parse_expiry(s, now) {
            Ok(t) => Some(t),
            Err(resp) => return *resp,
        },
        _ => None,
    };
    let name = req
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if st
        .application_credentials
        .iter()
        .any(|c| c.user_id == user_id && c.name == name)
    {
        return err::conflict(
            "application_credential",
            &format!("Duplicate entry found with name {name}"),
        );
    }
    let rules = req
        .get("access_rules")
        .and_then(Value::as_array)
        .map(|a| access_rules(&st, &user_id, a))
        .unwrap_or_default();
    let text = |k: &str| req.get(k).and_then(Value::as_str).map(String::from);
    let cred = ApplicationCredential {
        id: ids::random_hex32(),
        name,
        description: text("description"),
        user_id,
        project_id: ctx.project_id.clone(),
        system: text("system"),
        expires_at,
        unrestricted: req.get("unrestricted").and_then(Value::as_bool),
        role_ids,
        access_rules: rules,
        secret_hash,
    };
    let mut v = view(&app, &st, &cred, true);
    v["secret"] = json!(secret);
    st.application_credentials.push(cred);
    (
        StatusCode::CREATED,
        Json(json!({ "application_credential": v })),
    )
        .into_response()
}

/// Keystone's name filters: exact `name`, and `name__contains` and the like
/// (case-sensitive unless the comparator starts with `i`).
fn name_filter(query: Option<&str>) -> impl Fn(&str) -> bool {
    let filters: Vec<(String, String)> = query
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .filter(|(k, _)| k == "name" || k.starts_with("name__"))
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default();
    move |name: &str| {
        filters.iter().all(|(k, v)| {
            let comparator = k.strip_prefix("name__").unwrap_or("equals");
            let (hay, needle) = if comparator.starts_with('i') {
                (name.to_lowercase(), v.to_lowercase())
            } else {
                (name.to_string(), v.clone())
            };
            match comparator.trim_start_matches('i') {
                "equals" => hay == needle,
                "contains" => hay.contains(&needle),
                "startswith" => hay.starts_with(&needle),
                "endswith" => hay.ends_with(&needle),
                // Keystone ignores comparators it does not know.
                _ => true,
            }
        })
    }
}

/// `GET /v3/users/{user_id}/application_credentials[?name=...]`.
pub async fn list(
    State(app): State<App>,
    Path(user_id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let Some(ctx) = caller(&app, &headers) else {
        return err::unauthorized();
    };
    if !admin_or_owner(&ctx, &user_id) {
        return err::forbidden_action("identity:list_application_credentials");
    }
    let keep = name_filter(query.as_deref());
    let st = app.cloud.lock();
    let creds: Vec<Value> = st
        .application_credentials
        .iter()
        .filter(|c| c.user_id == user_id && keep(&c.name))
        .map(|c| view(&app, &st, c, false))
        .collect();
    let qs = query.map(|q| format!("?{q}")).unwrap_or_default();
    Json(json!({
        "application_credentials": creds,
        "links": {
            "next": null,
            "self": format!("{}/identity/v3/users/{user_id}/application_credentials{qs}", app.base),
            "previous": null,
        },
    }))
    .into_response()
}

/// Policy is checked against the credential's owner, not the path's user
/// (Keystone's `_update_request_user_id_attribute`); an unknown id is
/// checked against the path's.
fn owner_of(st: &CloudState, path_user: &str, id: &str) -> String {
    st.application_credential(id)
        .map(|c| c.user_id.clone())
        .unwrap_or_else(|| path_user.to_string())
}

/// `GET /v3/users/{user_id}/application_credentials/{id}`.
pub async fn show(
    State(app): State<App>,
    Path((user_id, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let Some(ctx) = caller(&app, &headers) else {
        return err::unauthorized();
    };
    let st = app.cloud.lock();
    if !admin_or_owner(&ctx, &owner_of(&st, &user_id, &id)) {
        return err::forbidden_action("identity:get_application_credential");
    }
    match st.application_credential(&id) {
        Some(c) => {
            Json(json!({"application_credential": view(&app, &st, c, false)})).into_response()
        }
        None => not_found(&id),
    }
}

/// `DELETE /v3/users/{user_id}/application_credentials/{id}`: the
/// credential's tokens stop validating with it.
pub async fn delete(
    State(app): State<App>,
    Path((user_id, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let Some(ctx) = caller(&app, &headers) else {
        return err::unauthorized();
    };
    let mut st = app.cloud.lock();
    if !admin_or_owner(&ctx, &owner_of(&st, &user_id, &id)) {
        return err::forbidden_action("identity:delete_application_credential");
    }
    if let Some(refusal) = restricted(&ctx) {
        return refusal;
    }
    let before = st.application_credentials.len();
    st.application_credentials.retain(|c| c.id != id);
    if st.application_credentials.len() == before {
        return not_found(&id);
    }
    st.tokens
        .retain(|_, t| t.application_credential_id.as_deref() != Some(id.as_str()));
    StatusCode::NO_CONTENT.into_response()
}
