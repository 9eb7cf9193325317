//! `POST /v3/auth/tokens` with the `application_credential` method, by id or
//! by name and user, as Keystone 30's `AuthInfo._lookup_app_cred` and the
//! application-credential auth plugin do it: the credential chooses the
//! scope, its roles limit the token's, and its expiry caps the token's.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;

use super::common::App;
use super::identity::{mint, token_ttl, truthy};
use super::keystone_errors::{not_found, unauthorized, validation_error};
use crate::fault::keystone_error;
use crate::ids;
use crate::model::{ApplicationCredential, Token};
use crate::secrets;
use crate::state::State as CloudState;

const METHOD: &str = "application_credential";

/// `str()` of an id the way Python would print it in a message.
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => super::application_credential_schema::python_repr(other),
    }
}

/// `_lookup_domain`: only Default exists; anything else is a 401.
fn domain_ok(domain: &Value) -> Result<(), Box<Response>> {
    let id = domain.get("id").filter(|v| truthy(v));
    let name = domain.get("name").filter(|v| truthy(v));
    match (id, name) {
        (None, None) => Err(Box::new(validation_error("id or name", "domain"))),
        (_, Some(n)) if n != "Default" => Err(Box::new(unauthorized())),
        (Some(i), None) if i != "default" => Err(Box::new(unauthorized())),
        _ => Ok(()),
    }
}

/// `_lookup_app_cred`: by id (404 if unknown), else by name among one
/// user's credentials (401 unless exactly one matches).
fn lookup<'a>(
    st: &'a CloudState,
    payload: &Value,
) -> Result<&'a ApplicationCredential, Box<Response>> {
    if let Some(id) = payload.get("id").filter(|v| truthy(v)) {
        let id = text(id);
        return st.application_credential(&id).ok_or_else(|| {
            Box::new(not_found(&format!(
                "Could not find Application Credential: {id}."
            )))
        });
    }
    let Some(name) = payload.get("name").filter(|v| truthy(v)) else {
        return Err(Box::new(validation_error(
            "name or ID",
            "application credential",
        )));
    };
    let Some(user) = payload.get("user").filter(|v| truthy(v)) else {
        return Err(Box::new(validation_error("user", "application credential")));
    };
    let user_id = match user.get("id").filter(|v| truthy(v)) {
        Some(id) => text(id),
        None => {
            let Some(domain) = user.get("domain") else {
                return Err(Box::new(validation_error("domain", "user")));
            };
            domain_ok(domain)?;
            let Some(user_name) = user.get("name").and_then(Value::as_str) else {
                return Err(Box::new(validation_error("id or name", "user")));
            };
            // Keystone lets this one through as a 404 rather than a 401.
            match st.users.iter().find(|u| u.name == user_name) {
                Some(u) => u.id.clone(),
                None => {
                    return Err(Box::new(not_found(&format!(
                        "Could not find user: {user_name}."
                    ))))
                }
            }
        }
    };
    let name = text(name);
    let mut matching = st
        .application_credentials
        .iter()
        .filter(|c| c.user_id == user_id && c.name == name);
    match (matching.next(), matching.next()) {
        (Some(c), None) => Ok(c),
        _ => Err(Box::new(unauthorized())),
    }
}

pub async fn issue(app: &App, body: &Value, methods: &[String]) -> Response {
    let auth = body.get("auth").unwrap_or(&Value::Null);
    let identity = auth.get("identity").unwrap_or(&Value::Null);
    if let Some(m) = methods.iter().find(|m| identity.get(m.as_str()).is_none()) {
        return validation_error(m, "identity");
    }
    // Keystone would run each method and insist they name one user; this
    // model takes the application credential alone.
    if methods.iter().any(|m| m != METHOD) {
        return unauthorized();
    }
    if auth.get("scope").is_some() {
        return keystone_error(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "Error authenticating with application credential: Application credentials cannot request a scope.",
        );
    }
    let payload = &identity[METHOD];
    if !payload.is_object() {
        return validation_error("name or ID", "application credential");
    }
    let found = {
        let st = app.cloud.lock();
        lookup(&st, payload).map(|c| (c.id.clone(), c.secret_hash.clone()))
    };
    let (id, hash) = match found {
        Ok(x) => x,
        Err(resp) => return *resp,
    };
    let Some(secret) = payload
        .get("secret")
        .and_then(Value::as_str)
        .map(String::from)
    else {
        return unauthorized();
    };
    // Checking is deliberately slow: never under the cloud's lock.
    let matches = tokio::task::spawn_blocking(move || secrets::verify(&secret, &hash))
        .await
        .unwrap_or(false);
    if !matches {
        return unauthorized();
    }
    let now = app.cloud.now();
    let mut st = app.cloud.lock();
    // Deleted meanwhile, or past its expiry: the driver's AssertionError.
    let Some(c) = st.application_credential(&id).filter(|c| !c.expired(now)) else {
        return unauthorized();
    };
    let ttl_end = now.checked_add_signed(token_ttl(app)).unwrap_or(now);
    let token = Token {
        user_id: c.user_id.clone(),
        project_id: c.project_id.clone(),
        methods: vec![METHOD.to_string()],
        issued_at: now,
        // CVE-2022-2447: a token never outlives its credential.
        expires_at: c.expires_at.map_or(ttl_end, |e| e.min(ttl_end)),
        audit_id: ids::random_hex32()[..22].to_string(),
        application_credential_id: Some(id),
    };
    mint(app, &mut st, token)
}
