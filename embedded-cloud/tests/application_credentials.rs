//! Keystone application credentials: create (the secret shown once), list,
//! show, delete, authentication by id and by name, the limits a credential
//! puts on its tokens, expiry on the cloud's clock, and Keystone's refusals.

mod common;

use axum::http::{Method, StatusCode};
use common::*;
use serde_json::{json, Value};

const KS: &str = "/identity/v3";

async fn send(h: &Harness, method: Method, path: &str, token: &str, body: Option<Value>) -> Resp {
    let headers: Vec<(&str, &str)> = if token.is_empty() {
        vec![]
    } else {
        vec![("x-auth-token", token)]
    };
    h.raw(
        method,
        &format!("{KS}{path}"),
        &headers,
        body.map(|b| serde_json::to_vec(&b).expect("json")),
    )
    .await
}

/// The demo user's id and a password token for it.
async fn login(h: &Harness, user: &str) -> (String, String) {
    let token = h.token(user).await;
    let r = h
        .raw(
            Method::GET,
            &format!("{KS}/auth/tokens"),
            &[("x-auth-token", &token), ("x-subject-token", &token)],
            None,
        )
        .await;
    let id = r.body["token"]["user"]["id"]
        .as_str()
        .expect("user id")
        .to_string();
    (id, token)
}

async fn create(h: &Harness, user_id: &str, token: &str, cred: Value) -> Resp {
    send(
        h,
        Method::POST,
        &format!("/users/{user_id}/application_credentials"),
        token,
        Some(json!({ "application_credential": cred })),
    )
    .await
}

/// Create and return (id, secret), asserting 201.
async fn made(h: &Harness, user_id: &str, token: &str, cred: Value) -> (String, String) {
    let r = create(h, user_id, token, cred).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let c = &r.body["application_credential"];
    (
        c["id"].as_str().expect("id").to_string(),
        c["secret"].as_str().expect("secret").to_string(),
    )
}

async fn auth(h: &Harness, cred: Value) -> Resp {
    let body = json!({"auth": {"identity": {
        "methods": ["application_credential"], "application_credential": cred}}});
    h.raw(
        Method::POST,
        &format!("{KS}/auth/tokens"),
        &[],
        Some(serde_json::to_vec(&body).expect("json")),
    )
    .await
}

fn subject(r: &Resp) -> String {
    r.headers["x-subject-token"]
        .to_str()
        .expect("ascii")
        .to_string()
}

fn role_names(v: &Value) -> Vec<String> {
    let mut names: Vec<String> = v
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["name"].as_str().map(String::from))
        .collect();
    names.sort();
    names
}

fn message(r: &Resp) -> &str {
    r.body["error"]["message"].as_str().unwrap_or_default()
}

async fn validate(h: &Harness, auth_token: &str, subject_token: &str) -> Resp {
    h.raw(
        Method::GET,
        &format!("{KS}/auth/tokens"),
        &[
            ("x-auth-token", auth_token),
            ("x-subject-token", subject_token),
        ],
        None,
    )
    .await
}

#[tokio::test]
async fn the_secret_is_shown_once_and_never_listed_or_shown() {
    let h = fast();
    let (me, token) = login(&h, "operator").await;
    let r = create(
        &h,
        &me,
        &token,
        json!({"name": "drain", "description": "host drain", "unrestricted": false}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let c = &r.body["application_credential"];
    let id = c["id"].as_str().expect("id");
    // Keystone's generated secret: 64 random bytes, URL-safe base64, no padding.
    let secret = c["secret"].as_str().expect("secret");
    assert_eq!(secret.len(), 86, "{secret}");
    assert_eq!(c["user_id"], me.as_str());
    assert_eq!(c["expires_at"], Value::Null);
    assert_eq!(c["unrestricted"], false);
    // No roles asked for: the token's roles.
    assert_eq!(role_names(&c["roles"]), ["manager", "member", "reader"]);

    let list = send(
        &h,
        Method::GET,
        &format!("/users/{me}/application_credentials"),
        &token,
        None,
    )
    .await;
    assert_eq!(list.status, StatusCode::OK);
    let items = list.body["application_credentials"]
        .as_array()
        .expect("list");
    assert_eq!(items.len(), 1);
    assert!(items[0].get("secret").is_none(), "{:?}", items[0]);
    assert!(!list.body.to_string().contains(secret));

    let show = send(
        &h,
        Method::GET,
        &format!("/users/{me}/application_credentials/{id}"),
        &token,
        None,
    )
    .await;
    assert_eq!(show.status, StatusCode::OK);
    assert_eq!(show.body["application_credential"]["name"], "drain");
    assert!(!show.body.to_string().contains(secret));
    assert!(show.body["application_credential"].get("secret").is_none());

    made(&h, &me, &token, json!({"name": "other"})).await;
    let named = send(
        &h,
        Method::GET,
        &format!("/users/{me}/application_credentials?name=drain"),
        &token,
        None,
    )
    .await;
    let names: Vec<&str> = named.body["application_credentials"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(names, ["drain"]);
    assert!(named.body["links"]["self"]
        .as_str()
        .expect("self")
        .ends_with("?name=drain"));
}

#[tokio::test]
async fn a_chosen_secret_authenticates_by_id_and_by_name() {
    let h = fast();
    let (me, token) = login(&h, "operator").await;
    let (id, secret) = made(
        &h,
        &me,
        &token,
        json!({"name": "drain", "secret": "my-own-secret"}),
    )
    .await;
    assert_eq!(secret, "my-own-secret");
    for cred in [
        json!({"id": id, "secret": secret}),
        json!({"name": "drain", "user": {"id": me}, "secret": secret}),
        json!({"name": "drain", "user": {"name": "operator", "domain": {"name": "Default"}}, "secret": secret}),
        json!({"name": "drain", "user": {"name": "operator", "domain": {"id": "default"}}, "secret": secret}),
    ] {
        let r = auth(&h, cred.clone()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{cred}: {:?}", r.body);
        let t = &r.body["token"];
        assert_eq!(t["methods"], json!(["application_credential"]));
        assert_eq!(t["project"]["name"], "web");
        assert_eq!(t["user"]["id"], me.as_str());
        assert_eq!(
            t["application_credential"],
            json!({"id": id, "name": "drain", "restricted": true})
        );
        assert!(t["catalog"].as_array().is_some_and(|c| !c.is_empty()));
        assert!(!subject(&r).is_empty());
    }
}

#[tokio::test]
async fn wrong_or_missing_secrets_and_unknown_credentials_are_refused() {
    let h = fast();
    let (me, token) = login(&h, "operator").await;
    let (id, _) = made(&h, &me, &token, json!({"name": "drain"})).await;
    for cred in [
        json!({"id": id, "secret": "wrong"}),
        json!({"id": id}),
        json!({"name": "drain", "user": {"id": me}, "secret": "wrong"}),
        json!({"name": "nope", "user": {"id": me}, "secret": "wrong"}),
    ] {
        let r = auth(&h, cred.clone()).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{cred}: {:?}", r.body);
        assert_eq!(
            message(&r),
            "The request you have made requires authentication."
        );
    }
    let r = auth(
        &h,
        json!({"id": "0123456789abcdef0123456789abcdef", "secret": "x"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        message(&r),
        "Could not find Application Credential: 0123456789abcdef0123456789abcdef."
    );
    let r = auth(&h, json!({"secret": "x"})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(message(&r).starts_with("Expecting to find name or ID in application credential."));
}

#[tokio::test]
async fn the_token_has_only_the_credentials_roles_and_cannot_change_scope() {
    let h = fast();
    let (me, token) = login(&h, "admin").await;
    let (id, secret) = made(
        &h,
        &me,
        &token,
        json!({"name": "reader", "roles": [{"name": "member"}]}),
    )
    .await;
    let r = auth(&h, json!({"id": id, "secret": secret})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    // member implies reader; admin and manager stay out.
    assert_eq!(role_names(&r.body["token"]["roles"]), ["member", "reader"]);
    let limited = subject(&r);
    // Nova sees the narrowed roles: admin-only calls are refused.
    let hv = h.get("/os-hypervisors", &limited, "2.53").await;
    assert_eq!(hv.status, StatusCode::FORBIDDEN, "{:?}", hv.body);
    assert_eq!(
        h.get("/servers", &limited, "2.1").await.status,
        StatusCode::OK
    );
    let v = validate(&h, &token, &limited).await;
    assert_eq!(role_names(&v.body["token"]["roles"]), ["member", "reader"]);

    // No scope of its own, neither directly nor by the token method.
    let body = json!({"auth": {
        "identity": {"methods": ["application_credential"], "application_credential": {"id": id, "secret": secret}},
        "scope": {"project": {"name": "web", "domain": {"id": "default"}}}}});
    let r = h
        .raw(
            Method::POST,
            &format!("{KS}/auth/tokens"),
            &[],
            Some(serde_json::to_vec(&body).expect("json")),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        message(&r),
        "Error authenticating with application credential: Application credentials cannot request a scope."
    );
    let body = json!({"auth": {
        "identity": {"methods": ["token"], "token": {"id": limited}},
        "scope": {"project": {"name": "web", "domain": {"id": "default"}}}}});
    let r = h
        .raw(
            Method::POST,
            &format!("{KS}/auth/tokens"),
            &[],
            Some(serde_json::to_vec(&body).expect("json")),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        message(&r),
        "You are not authorized to perform the requested action: Using an application credential token to create a scoped token is not allowed."
    );
    // Renewing without a scope keeps the credential's limits.
    let body = json!({"auth": {"identity": {"methods": ["token"], "token": {"id": limited}}}});
    let r = h
        .raw(
            Method::POST,
            &format!("{KS}/auth/tokens"),
            &[],
            Some(serde_json::to_vec(&body).expect("json")),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    assert_eq!(role_names(&r.body["token"]["roles"]), ["member", "reader"]);
    assert_eq!(r.body["token"]["application_credential"]["id"], id.as_str());
}

#[tokio::test]
async fn roles_must_be_the_callers() {
    let h = fast();
    let (me, token) = login(&h, "member").await;
    let r = create(
        &h,
        &me,
        &token,
        json!({"name": "up", "roles": [{"name": "admin"}]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        message(&r),
        "Invalid application credential: Cannot create an application credential with unassigned role"
    );
    let r = create(
        &h,
        &me,
        &token,
        json!({"name": "up", "roles": [{"name": "superuser"}]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(message(&r), "Role superuser is not defined");
}

#[tokio::test]
async fn a_restricted_credential_cannot_manage_credentials_an_unrestricted_one_can() {
    let h = fast();
    let (me, token) = login(&h, "operator").await;
    let (restricted, rs) = made(&h, &me, &token, json!({"name": "restricted"})).await;
    let (_, us) = made(
        &h,
        &me,
        &token,
        json!({"name": "free", "unrestricted": true}),
    )
    .await;
    let by_restricted = subject(&auth(&h, json!({"id": restricted, "secret": rs})).await);
    let refusal = "You are not authorized to perform the requested action: Using method 'application_credential' is not allowed for managing additional application credentials.";

    let r = create(&h, &me, &by_restricted, json!({"name": "child"})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(message(&r), refusal);
    let path = format!("/users/{me}/application_credentials/{restricted}");
    let r = send(&h, Method::DELETE, &path, &by_restricted, None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(message(&r), refusal);
    // Reading is allowed.
    assert_eq!(
        send(&h, Method::GET, &path, &by_restricted, None)
            .await
            .status,
        StatusCode::OK
    );

    let free = auth(
        &h,
        json!({"name": "free", "user": {"id": me}, "secret": us}),
    )
    .await;
    assert_eq!(
        free.body["token"]["application_credential"]["restricted"],
        false
    );
    let by_free = subject(&free);
    made(&h, &me, &by_free, json!({"name": "child"})).await;
    assert_eq!(
        send(&h, Method::DELETE, &path, &by_free, None).await.status,
        StatusCode::NO_CONTENT
    );
}

#[tokio::test]
async fn expiry_follows_the_clouds_clock() {
    let h = fast();
    let (me, token) = login(&h, "admin").await;
    let soon = (h.cloud.now() + chrono::Duration::minutes(30))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let r = create(
        &h,
        &me,
        &token,
        json!({"name": "short", "expires_at": soon}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let c = &r.body["application_credential"];
    assert_eq!(
        c["expires_at"],
        format!("{}.000000", soon.trim_end_matches('Z'))
    );
    let (id, secret) = (
        c["id"].as_str().expect("id"),
        c["secret"].as_str().expect("secret"),
    );

    // The token ends with the credential, not after the usual hour.
    let r = auth(&h, json!({"id": id, "secret": secret})).await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(
        r.body["token"]["expires_at"],
        format!("{}.000000Z", soon.trim_end_matches('Z'))
    );
    let issued = subject(&r);

    // An hour later (on Keystone's clock) neither the credential nor its token works.
    let r = h
        .raw(
            Method::PUT,
            "/_cloud/clock",
            &[("x-auth-token", &token)],
            Some(br#"{"advance_seconds": 3600}"#.to_vec()),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let fresh_admin = h.token("admin").await;
    let r = auth(&h, json!({"id": id, "secret": secret})).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{:?}", r.body);
    let v = validate(&h, &fresh_admin, &issued).await;
    assert_eq!(v.status, StatusCode::NOT_FOUND);
    assert_eq!(message(&v), "Failed to validate token");

    let past = (h.cloud.now() - chrono::Duration::minutes(1))
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string();
    let r = create(
        &h,
        &me,
        &fresh_admin,
        json!({"name": "late", "expires_at": past}),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        message(&r).starts_with("The 'expires_at' must not be before now."),
        "{:?}",
        r.body
    );
    let r = create(
        &h,
        &me,
        &fresh_admin,
        json!({"name": "odd", "expires_at": "next tuesday"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        message(&r).starts_with("Timestamp not in expected format."),
        "{:?}",
        r.body
    );
}

#[tokio::test]
async fn only_admins_move_the_clock() {
    let h = fast();
    let member = h.token("member").await;
    let r = h
        .raw(
            Method::PUT,
            "/_cloud/clock",
            &[("x-auth-token", &member)],
            Some(br#"{"advance_seconds": 60}"#.to_vec()),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let admin = h.token("admin").await;
    let before = h.cloud.now();
    for bad in [&br#"{"advance_seconds": -5}"#[..], b"{}", b"soon"] {
        let r = h
            .raw(
                Method::PUT,
                "/_cloud/clock",
                &[("x-auth-token", &admin)],
                Some(bad.to_vec()),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
    }
    let r = h
        .raw(
            Method::PUT,
            "/_cloud/clock",
            &[("x-auth-token", &admin)],
            Some(br#"{"advance_seconds": 7200}"#.to_vec()),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert!(h.cloud.now() - before >= chrono::Duration::hours(2));
    // The admin's own hour-long token has expired with it.
    let r = h
        .raw(
            Method::GET,
            "/_cloud/clock",
            &[("x-auth-token", &admin)],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn deleting_a_credential_revokes_its_tokens() {
    let h = fast();
    let (me, token) = login(&h, "operator").await;
    let (id, secret) = made(&h, &me, &token, json!({"name": "drain"})).await;
    let issued = subject(&auth(&h, json!({"id": id, "secret": secret})).await);
    assert_eq!(
        h.get("/servers", &issued, "2.1").await.status,
        StatusCode::OK
    );

    let path = format!("/users/{me}/application_credentials/{id}");
    let r = send(&h, Method::DELETE, &path, &token, None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(r.body, Value::Null);

    let v = validate(&h, &token, &issued).await;
    assert_eq!(v.status, StatusCode::NOT_FOUND);
    assert_eq!(message(&v), "Failed to validate token");
    assert_eq!(
        h.get("/servers", &issued, "2.1").await.status,
        StatusCode::UNAUTHORIZED
    );
    let r = auth(&h, json!({"id": id, "secret": secret})).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        message(&r),
        format!("Could not find Application Credential: {id}.")
    );
    for method in [Method::GET, Method::DELETE] {
        let r = send(&h, method, &path, &token, None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(
            message(&r),
            format!("Could not find Application Credential: {id}.")
        );
    }
    // The owner's password token is untouched.
    assert_eq!(
        h.get("/servers", &token, "2.1").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn names_are_unique_per_user() {
    let h = fast();
    let (me, token) = login(&h, "operator").await;
    made(&h, &me, &token, json!({"name": "drain"})).await;
    let r = create(&h, &me, &token, json!({"name": "drain"})).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(
        message(&r),
        "Conflict occurred attempting to store application_credential - Duplicate entry found with name drain."
    );
    let (other, other_token) = login(&h, "member").await;
    made(&h, &other, &other_token, json!({"name": "drain"})).await;
}

#[tokio::test]
async fn users_manage_only_their_own_and_admins_read_and_delete_anyones() {
    let h = fast();
    let (admin, admin_token) = login(&h, "admin").await;
    let (member, member_token) = login(&h, "member").await;
    let (admins, _) = made(&h, &admin, &admin_token, json!({"name": "a"})).await;
    let (members, _) = made(&h, &member, &member_token, json!({"name": "m"})).await;
    let denied = |r: &Resp, rule: &str| {
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{:?}", r.body);
        assert_eq!(
            message(r),
            format!("You are not authorized to perform the requested action: identity:{rule}.")
        );
    };

    let r = create(&h, &admin, &member_token, json!({"name": "x"})).await;
    denied(&r, "create_application_credential");
    // Even an admin cannot create one for somebody else.
    let r = create(&h, &member, &admin_token, json!({"name": "x"})).await;
    denied(&r, "create_application_credential");
    let r = send(
        &h,
        Method::GET,
        &format!("/users/{admin}/application_credentials"),
        &member_token,
        None,
    )
    .await;
    denied(&r, "list_application_credentials");
    // The owner decides, whatever user the path names.
    for path in [
        format!("/users/{admin}/application_credentials/{admins}"),
        format!("/users/{member}/application_credentials/{admins}"),
    ] {
        denied(
            &send(&h, Method::GET, &path, &member_token, None).await,
            "get_application_credential",
        );
        denied(
            &send(&h, Method::DELETE, &path, &member_token, None).await,
            "delete_application_credential",
        );
    }
    // An unknown id under one's own user is simply not found.
    let r = send(
        &h,
        Method::GET,
        &format!("/users/{member}/application_credentials/0123456789abcdef0123456789abcdef"),
        &member_token,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    let path = format!("/users/{member}/application_credentials/{members}");
    let list = send(
        &h,
        Method::GET,
        &format!("/users/{member}/application_credentials"),
        &admin_token,
        None,
    )
    .await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(
        send(&h, Method::GET, &path, &admin_token, None)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        send(&h, Method::DELETE, &path, &admin_token, None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );

    let r = send(
        &h,
        Method::GET,
        &format!("/users/{member}/application_credentials"),
        "",
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn bad_bodies_get_keystones_400s() {
    let h = fast();
    let (me, token) = login(&h, "operator").await;
    let path = format!("{KS}/users/{me}/application_credentials");
    for raw in [&b"{not json"[..], b"[1, 2]"] {
        let r = h
            .raw(
                Method::POST,
                &path,
                &[("x-auth-token", &token)],
                Some(raw.to_vec()),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert_eq!(
            message(&r),
            "Expecting to find valid JSON in request body. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error."
        );
    }
    let r = create(&h, &me, &token, json!({"description": "no name"})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        message(&r),
        "Invalid input for field/attribute application_credential. Value: {'description': 'no name'}. 'name' is a required property"
    );
    let r = create(&h, &me, &token, json!({"name": "x", "unrestricted": "yes"})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        message(&r),
        "Invalid input for field/attribute unrestricted. Value: yes. 'yes' is not of type 'boolean', 'null'"
    );
    // The same text for the token endpoint's malformed body.
    let r = h
        .raw(
            Method::POST,
            &format!("{KS}/auth/tokens"),
            &[],
            Some(b"{".to_vec()),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(message(&r).starts_with("Expecting to find valid JSON in request body."));
}

#[tokio::test]
async fn access_rules_are_kept_and_limit_who_may_validate() {
    let h = fast();
    let (me, token) = login(&h, "operator").await;
    let rule = json!({"service": "compute", "path": "/servers", "method": "GET"});
    let r = create(
        &h,
        &me,
        &token,
        json!({"name": "ro", "access_rules": [rule]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let c = &r.body["application_credential"];
    let rule_id = c["access_rules"][0]["id"]
        .as_str()
        .expect("rule id")
        .to_string();
    assert_eq!(c["access_rules"][0]["path"], "/servers");
    // The same rule again is the same rule.
    let (second, _) = made(
        &h,
        &me,
        &token,
        json!({"name": "ro2", "access_rules": [rule]}),
    )
    .await;
    let show = send(
        &h,
        Method::GET,
        &format!("/users/{me}/application_credentials/{second}"),
        &token,
        None,
    )
    .await;
    assert_eq!(
        show.body["application_credential"]["access_rules"][0]["id"],
        rule_id.as_str()
    );

    let (id, secret) = (
        c["id"].as_str().expect("id"),
        c["secret"].as_str().expect("secret"),
    );
    let r = auth(&h, json!({"id": id, "secret": secret})).await;
    assert_eq!(
        r.body["token"]["application_credential"]["access_rules"][0]["id"],
        rule_id.as_str()
    );
    let limited = subject(&r);
    // Keystone validates such a token only for a caller that enforces rules.
    assert_eq!(
        validate(&h, &token, &limited).await.status,
        StatusCode::NOT_FOUND
    );
    let r = h
        .raw(
            Method::GET,
            &format!("{KS}/auth/tokens"),
            &[
                ("x-auth-token", &token),
                ("x-subject-token", &limited),
                ("openstack-identity-access-rules", "1.0"),
            ],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
}
