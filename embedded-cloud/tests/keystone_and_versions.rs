//! Keystone tokens and compute microversion negotiation.

mod common;

use std::time::Duration;

use axum::http::{Method, StatusCode};
use common::*;
use embedded_cloud::CloudConfig;
use serde_json::{json, Value};

async fn post_token(h: &Harness, body: Value) -> Resp {
    h.raw(
        Method::POST,
        "/identity/v3/auth/tokens",
        &[],
        Some(serde_json::to_vec(&body).unwrap()),
    )
    .await
}

fn subject(r: &Resp) -> String {
    r.headers["x-subject-token"].to_str().unwrap().to_string()
}

#[tokio::test]
async fn password_auth_scopes_to_a_project_and_returns_a_catalog() {
    let h = fast();
    let r = h.token_for("operator", "ferry-operator", "web").await;
    assert_eq!(r.status, StatusCode::CREATED);
    let t = &r.body["token"];
    assert_eq!(t["project"]["name"], "web");
    assert_eq!(t["user"]["name"], "operator");
    assert_eq!(t["methods"], json!(["password"]));
    let roles: Vec<&str> = t["roles"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["name"].as_str())
        .collect();
    assert!(
        roles.contains(&"manager") && !roles.contains(&"admin"),
        "{roles:?}"
    );
    let types: Vec<&str> = t["catalog"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["type"].as_str())
        .collect();
    for want in ["identity", "compute", "placement", "image"] {
        assert!(types.contains(&want), "{types:?}");
    }
    let compute = t["catalog"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["type"] == "compute")
        .unwrap();
    let public = compute["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["interface"] == "public")
        .unwrap();
    assert_eq!(public["url"], format!("{BASE}/compute/v2.1"));
    assert_eq!(public["region"], "RegionOne");
    let issued = chrono::DateTime::parse_from_rfc3339(t["issued_at"].as_str().unwrap()).unwrap();
    let expires = chrono::DateTime::parse_from_rfc3339(t["expires_at"].as_str().unwrap()).unwrap();
    assert_eq!((expires - issued).num_seconds(), 3600);
}

#[tokio::test]
async fn scope_by_project_id_and_token_method() {
    let h = fast();
    let admin = h.token("admin").await;
    let projects = h
        .raw(
            Method::GET,
            "/identity/v3/projects",
            &[("x-auth-token", &admin)],
            None,
        )
        .await;
    let web = projects.body["projects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "web")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = post_token(&h, json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "operator", "domain": {"id": "default"}, "password": "ferry-operator"}}}, "scope": {"project": {"id": web}}}})).await;
    assert_eq!(r.status, StatusCode::CREATED);
    let first = subject(&r);
    let r = post_token(&h, json!({"auth": {"identity": {"methods": ["token"], "token": {"id": first}}, "scope": {"project": {"name": "web", "domain": {"name": "Default"}}}}})).await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(r.body["token"]["methods"], json!(["token"]));
    // The operator has no role on analytics.
    let r = post_token(&h, json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "operator", "domain": {"id": "default"}, "password": "ferry-operator"}}}, "scope": {"project": {"name": "analytics", "domain": {"id": "default"}}}}})).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn bad_credentials_and_bodies() {
    let h = fast();
    let r = h.token_for("operator", "wrong", "web").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.body["error"]["code"], 401);
    let r = h
        .raw(
            Method::POST,
            "/identity/v3/auth/tokens",
            &[],
            Some(b"{not json".to_vec()),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = post_token(&h, json!({"auth": {}})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = post_token(&h, json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "admin", "password": "ferry-admin"}}}}})).await;
    assert_eq!(
        r.status,
        StatusCode::UNAUTHORIZED,
        "a user name needs a domain"
    );
}

#[tokio::test]
async fn validate_and_revoke() {
    let h = fast();
    let admin = h.token("admin").await;
    let member = h.token("member").await;
    let check = |t: String| {
        let h = &h;
        let admin = admin.clone();
        async move {
            h.raw(
                Method::GET,
                "/identity/v3/auth/tokens",
                &[("x-auth-token", &admin), ("x-subject-token", &t)],
                None,
            )
            .await
        }
    };
    let r = check(member.clone()).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["token"]["user"]["name"], "member");
    let r = h
        .raw(
            Method::DELETE,
            "/identity/v3/auth/tokens",
            &[("x-auth-token", &admin), ("x-subject-token", &member)],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(check(member.clone()).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        h.get("/servers", &member, "2.1").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn tokens_expire() {
    let h = harness(CloudConfig {
        token_ttl: Duration::from_millis(300),
        ..CloudConfig::default()
    });
    let t = h.token("operator").await;
    assert_eq!(h.get("/servers", &t, "2.1").await.status, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(400)).await;
    let r = h.get("/servers", &t, "2.1").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.headers.contains_key("www-authenticate"));
}

#[tokio::test]
async fn identity_listing_endpoints() {
    let h = fast();
    let member = h.token("member").await;
    let r = h
        .raw(
            Method::GET,
            "/identity/v3/auth/projects",
            &[("x-auth-token", &member)],
            None,
        )
        .await;
    let names: Vec<&str> = r.body["projects"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(names, ["analytics"]);
    let r = h
        .raw(
            Method::GET,
            "/identity/v3/projects",
            &[("x-auth-token", &member)],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let admin = h.token("admin").await;
    let r = h
        .raw(
            Method::GET,
            "/identity/v3/users",
            &[("x-auth-token", &admin)],
            None,
        )
        .await;
    assert_eq!(r.body["users"].as_array().unwrap().len(), 3);
    let r = h.raw(Method::GET, "/identity/v3", &[], None).await;
    assert_eq!(r.body["version"]["id"], "v3.14");
    let r = h.raw(Method::GET, "/identity/", &[], None).await;
    assert_eq!(r.status, StatusCode::MULTIPLE_CHOICES);
}

#[tokio::test]
async fn microversion_negotiation() {
    let h = fast();
    let t = h.token("operator").await;
    let hdr = |r: &Resp, k: &str| {
        r.headers
            .get(k)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    // No header: 2.1.
    let r = h
        .raw(
            Method::GET,
            "/compute/v2.1/servers",
            &[("x-auth-token", &t)],
            None,
        )
        .await;
    assert_eq!(hdr(&r, "openstack-api-version"), "compute 2.1");
    assert_eq!(hdr(&r, "x-openstack-nova-api-version"), "2.1");
    assert!(hdr(&r, "vary").contains("OpenStack-API-Version"));
    // latest.
    let r = h.get("/servers", &t, "latest").await;
    assert_eq!(hdr(&r, "openstack-api-version"), "compute 2.104");
    // Legacy header.
    let r = h
        .raw(
            Method::GET,
            "/compute/v2.1/servers",
            &[
                ("x-auth-token", &t),
                ("x-openstack-nova-api-version", "2.60"),
            ],
            None,
        )
        .await;
    assert_eq!(hdr(&r, "openstack-api-version"), "compute 2.60");
    // The last compute value wins; other services are ignored.
    let r = h
        .raw(
            Method::GET,
            "/compute/v2.1/servers",
            &[
                ("x-auth-token", &t),
                (
                    "openstack-api-version",
                    "compute 2.5, placement 1.2, compute 2.42",
                ),
            ],
            None,
        )
        .await;
    assert_eq!(hdr(&r, "openstack-api-version"), "compute 2.42");
    // Out of range: 406 with Nova's text.
    for v in ["2.105", "3.0", "2.0", "1.1"] {
        let r = h.get("/servers", &t, v).await;
        assert_eq!(r.status, StatusCode::NOT_ACCEPTABLE, "{v}");
        assert_eq!(
            r.message(),
            format!(
                "Version {v} is not supported by the API. Minimum is 2.1 and maximum is 2.104."
            )
        );
    }
    let r = h.get("/servers", &t, "two").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.message().contains("is of invalid format"));
}

#[tokio::test]
async fn version_documents() {
    let h = fast();
    let r = h.raw(Method::GET, "/compute/", &[], None).await;
    let v21 = r.body["versions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == "v2.1")
        .unwrap()
        .clone();
    assert_eq!(
        (v21["version"].as_str(), v21["min_version"].as_str()),
        (Some("2.104"), Some("2.1"))
    );
    let r = h.raw(Method::GET, "/compute/v2.1", &[], None).await;
    assert_eq!(r.body["version"]["version"], "2.104");
    let r = h.raw(Method::GET, "/placement/", &[], None).await;
    assert_eq!(r.body["versions"][0]["min_version"], "1.0");
}
