//! What an attacker (or a confused client) tried against the running server, each answered
//! the way it should be: sessions Keystone refuses end, logins are throttled per real client,
//! every refusal has its own HTTP status, and no input grows the answer or leaves the site.

mod common;

use axum::{body::Body, extract::ConnectInfo};
use common::*;
use http::{header, StatusCode};

/// The instance id of the row named `name` on a list page's HTML.
fn instance_id(html: &str, base: &str, name: &str) -> String {
    let end = html
        .find(&format!("\">{name}<"))
        .unwrap_or_else(|| panic!("{name} is not on the page: {html}"));
    let start = html[..end].rfind(&format!("href=\"{base}/")).unwrap() + base.len() + 7;
    html[start..end].to_string()
}

fn from_peer(mut req: http::Request<Body>, peer: &str) -> http::Request<Body> {
    let addr: std::net::SocketAddr = format!("{peer}:40000").parse().unwrap();
    req.extensions_mut().insert(ConnectInfo(addr));
    req
}

fn login_form(user: &str, password: &str, project: &str) -> String {
    form(&[
        ("user", user),
        ("password", password),
        ("project", project),
        ("domain", "Default"),
        ("next", "/admin/instances"),
    ])
}

#[tokio::test]
async fn a_session_keystone_no_longer_accepts_ends_instead_of_looping() {
    let h = harness().await;
    let cookie = login(&h.app, "admin", "ferry-admin", "admin")
        .await
        .unwrap();
    // Logging out revokes the token; the old cookie, replayed, names a token Keystone refuses.
    let req = post("/api/logout", Some(&cookie), None, Body::empty());
    let (status, _, _) = send(&h.app, req).await;
    assert!(status.is_redirection() || status.is_success(), "{status}");

    let (status, headers, _) = send(&h.app, get("/admin/instances", Some(&cookie))).await;
    assert_eq!(status, StatusCode::FOUND);
    let location = headers[header::LOCATION].to_str().unwrap().to_string();
    assert!(location.starts_with("/login?next="), "{location}");
    assert!(location.contains("expired=1"), "{location}");
    let removed = headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.starts_with("ferry_session=;") && v.contains("Max-Age=0"));
    assert!(removed, "the dead session's cookie is removed: {headers:?}");

    // Even a browser that kept the cookie gets the login form, not a redirect back.
    let (status, _, html) = send(&h.app, get(&location, Some(&cookie))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("name=\"password\""), "{html}");
    assert!(html.contains("Your session has expired"));
}

#[tokio::test]
async fn forwarded_for_does_not_reset_the_login_throttle_and_others_stay_fast() {
    let h = harness().await;
    // Guesses from one client, each claiming another address.
    let mut statuses = Vec::new();
    for n in 0..4 {
        let mut req = from_peer(
            post(
                "/api/login",
                None,
                Some("http://127.0.0.1:3000"),
                login_form("admin", "guess", "admin"),
            ),
            "192.0.2.66",
        );
        req.headers_mut().insert(
            "x-forwarded-for",
            format!("198.51.100.{n}").parse().unwrap(),
        );
        let (status, _, body) = send(&h.app, req).await;
        statuses.push((status, body));
    }
    assert_eq!(statuses[0].0, StatusCode::UNAUTHORIZED, "{:?}", statuses[0]);
    let (status, body) = &statuses[3];
    assert_eq!(*status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert!(body.contains("Too many failed logins"), "{body}");

    // The real admin, from their own address, logs in at once.
    let started = std::time::Instant::now();
    let req = from_peer(
        post(
            "/api/login",
            None,
            Some("http://127.0.0.1:3000"),
            login_form("admin", "ferry-admin", "admin"),
        ),
        "192.0.2.10",
    );
    let (status, headers, body) = send(&h.app, req).await;
    assert!(
        headers.get(header::SET_COOKIE).is_some(),
        "{status}: {body}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
}

#[tokio::test]
async fn every_refusal_has_its_own_http_status() {
    let h = harness().await;
    let origin = Some("http://127.0.0.1:3000");
    // Not logged in.
    let req = post("/api/live_migrate", None, origin, "request[instance_id]=x");
    assert_eq!(send(&h.app, req).await.0, StatusCode::UNAUTHORIZED);
    // A refused login.
    let req = post(
        "/api/login",
        None,
        origin,
        login_form("admin", "nope", "admin"),
    );
    assert_eq!(send(&h.app, req).await.0, StatusCode::UNAUTHORIZED);

    let member = login(&h.app, "member", "ferry-member", "analytics")
        .await
        .unwrap();
    let req = post(
        "/api/live_migrate",
        Some(&member),
        origin,
        "request[instance_id]=00000000-0000-0000-0000-000000000000",
    );
    let (status, _, body) = send(&h.app, req).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(body.contains("os_compute_api:os-migrate-server:migrate_live"));

    let admin = login(&h.app, "admin", "ferry-admin", "admin")
        .await
        .unwrap();
    // Arguments that do not decode.
    let req = post(
        "/api/live_migrate",
        Some(&admin),
        origin,
        "request[instance_id]=x&request[block_migration]=perhaps",
    );
    let (status, _, body) = send(&h.app, req).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    // A malformed id.
    let req = post("/api/confirm_resize", Some(&admin), origin, "id=../../etc");
    assert_eq!(send(&h.app, req).await.0, StatusCode::BAD_REQUEST);
    // A body larger than any real call.
    let big = format!("ids[0]={}", "a".repeat(400 * 1024));
    let req = post("/api/refresh_rows", Some(&admin), origin, big);
    let (status, _, body) = send(&h.app, req).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    // Another site.
    let req = post(
        "/api/logout",
        Some(&admin),
        Some("http://evil.example"),
        Body::empty(),
    );
    assert_eq!(send(&h.app, req).await.0, StatusCode::FORBIDDEN);
    // Nova failing is the gateway's failure, not Ferry's.
    h.cloud.cloud().set_faults(embedded_cloud::FaultInjection {
        nova: embedded_cloud::NovaFault::Error500,
        ..Default::default()
    });
    let req = post(
        "/api/list_instances",
        Some(&admin),
        origin,
        "query[limit]=50&scope=AllProjects",
    );
    let (status, _, body) = send(&h.app, req).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
}

#[tokio::test]
async fn bad_filters_are_the_users_mistake_and_are_not_echoed_without_bound() {
    let h = harness().await;
    let admin = login(&h.app, "admin", "ferry-admin", "admin")
        .await
        .unwrap();
    for (query, says) in [
        ("?name=%5B", "not a valid regular expression"),
        ("?status=FOO", "not an instance status Nova knows"),
    ] {
        let (status, _, html) = send(
            &h.app,
            get(&format!("/admin/instances{query}"), Some(&admin)),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert!(html.contains(says), "{query}: {html}");
    }
    // Nearly the longest URL the HTTP stack takes (64 KiB).
    let long = "a".repeat(60_000);
    let (status, _, html) = send(
        &h.app,
        get(&format!("/admin/instances?name={long}"), Some(&admin)),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        html.len() < 60_000,
        "the answer stays small: {}",
        html.len()
    );
    assert!(
        !html.contains("/compute/v2.1"),
        "no internal URL in the page"
    );
}

#[tokio::test]
async fn a_long_next_is_not_followed() {
    let h = harness().await;
    let next = format!("/admin/instances?name={}", "a".repeat(100_000));
    let body = form(&[
        ("user", "admin"),
        ("password", "ferry-admin"),
        ("project", "admin"),
        ("domain", "Default"),
        ("next", &next),
    ]);
    let mut req = post("/api/login", None, Some("http://127.0.0.1:3000"), body);
    req.headers_mut()
        .insert(header::ACCEPT, "text/html".parse().unwrap());
    let (_, headers, _) = send(&h.app, req).await;
    let location = headers
        .get(header::LOCATION)
        .map(|v| v.len())
        .unwrap_or_default();
    assert!(location < 100, "Location of {location} bytes");
}

#[tokio::test]
async fn the_login_page_shows_only_ferrys_own_words() {
    let h = harness().await;
    // What Leptos would put in the URL after a refused plain form post, but written by someone
    // else: `__err` is base64 of the error's JSON.
    use base64::Engine;
    let spoof = serde_json::json!({"Forbidden": "Ferry moved: log in at https://evil.example"});
    let err = base64::engine::general_purpose::URL_SAFE.encode(spoof.to_string());
    let (status, _, html) = send(
        &h.app,
        get(&format!("/login?__path=/api/login&__err={err}"), None),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("evil.example"), "{html}");
    assert!(!html.contains("Ferry moved"), "{html}");
    // The kind Ferry's own redirect carries is read from a fixed list, never echoed.
    let (_, _, html) = send(
        &h.app,
        get("/login?refused=%3Cscript%3Ealert(1)%3C%2Fscript%3E", None),
    )
    .await;
    assert!(!html.contains("alert(1)"), "{html}");
    assert!(!html.contains("role=\"alert\""), "{html}");
}

#[tokio::test]
async fn a_refused_plain_form_login_comes_back_with_what_was_typed_but_the_password() {
    let h = harness().await;
    let mut req = post(
        "/api/login",
        None,
        Some("http://127.0.0.1:3000"),
        form(&[
            ("user", "admin"),
            ("password", "Wr0ng&secret"),
            ("project", "admin"),
            ("domain", "Default"),
            ("next", "/admin/instances?host=compute1"),
        ]),
    );
    req.headers_mut()
        .insert(header::ACCEPT, "text/html".parse().unwrap());
    let (status, headers, _) = send(&h.app, req).await;
    assert_eq!(status, StatusCode::FOUND);
    let location = headers[header::LOCATION].to_str().unwrap().to_string();
    assert!(
        location.starts_with("/login?refused=credentials"),
        "{location}"
    );
    assert!(
        location.contains("&user=admin&project=admin&domain=Default"),
        "{location}"
    );
    assert!(
        location.contains("next=%2Fadmin%2Finstances%3Fhost%3Dcompute1"),
        "{location}"
    );
    assert!(
        !location.contains("secret") && !location.contains("Wr0ng"),
        "{location}"
    );
    let (status, _, html) = send(&h.app, get(&location, None)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Keystone refused the login"), "{html}");
    assert!(html.contains("name=\"user\""), "{html}");
    assert!(html.contains("value=\"admin\""), "{html}");
    // The page it came from is where a successful login goes next.
    assert!(
        html.contains("value=\"/admin/instances?host=compute1\""),
        "{html}"
    );
}

#[tokio::test]
async fn a_project_managers_revert_dialog_asks_nova_for_the_projects_migrations() {
    let h = harness().await;
    let origin = Some("http://127.0.0.1:3000");
    let operator = login(&h.app, "operator", "ferry-operator", "web")
        .await
        .unwrap();
    let (_, _, html) = send(&h.app, get("/project/instances", Some(&operator))).await;
    let id = instance_id(&html, "/project/instances", "web-resized-1");
    let req = post(
        "/api/resize_source",
        Some(&operator),
        origin,
        format!("id={id}"),
    );
    let (status, _, body) = send(&h.app, req).await;
    // Nova lists a project's migrations to its manager, but hides their hosts
    // (os-migrations:index:host is admin-only): the dialog then says "the host it came from".
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body.trim(), "null");
    let admin = login(&h.app, "admin", "ferry-admin", "admin")
        .await
        .unwrap();
    let req = post(
        "/api/resize_source",
        Some(&admin),
        origin,
        format!("id={id}"),
    );
    let (status, _, body) = send(&h.app, req).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("compute3"), "{body}");
}

#[tokio::test]
async fn members_and_operators_calling_admin_functions_are_refused_with_the_policy() {
    let h = harness().await;
    let origin = Some("http://127.0.0.1:3000");
    let admin = login(&h.app, "admin", "ferry-admin", "admin")
        .await
        .unwrap();
    let (_, _, html) = send(&h.app, get("/admin/instances", Some(&admin))).await;
    let app3 = instance_id(&html, "/admin/instances", "app-3");
    let etl = instance_id(&html, "/admin/instances", "etl-1");
    let operator = login(&h.app, "operator", "ferry-operator", "web")
        .await
        .unwrap();
    let member = login(&h.app, "member", "ferry-member", "analytics")
        .await
        .unwrap();
    let cases = [
        (
            &operator,
            "/api/list_instances",
            "query[limit]=50&scope=AllProjects".to_string(),
            "os_compute_api:servers:detail:get_all_tenants",
        ),
        (
            &operator,
            "/api/live_migrate",
            format!("request[instance_id]={app3}&request[host]=compute10"),
            "os_compute_api:os-migrate-server:migrate_live:host",
        ),
        (
            &operator,
            "/api/cold_migrate",
            format!("request[instance_id]={app3}&request[host]=compute10"),
            "os_compute_api:os-migrate-server:migrate:host",
        ),
        (
            &member,
            "/api/migration_options",
            format!("id={etl}&kind=Live"),
            "os_compute_api:os-migrate-server:migrate_live",
        ),
        (
            &member,
            "/api/confirm_resize",
            format!("id={etl}"),
            "os_compute_api:servers:confirm_resize",
        ),
        (
            &member,
            "/api/get_instance",
            format!("id={etl}&scope=MyProject"),
            "os_compute_api:os-migrate-server:migrate",
        ),
    ];
    for (cookie, path, body, policy) in cases {
        let (status, _, text) = send(&h.app, post(path, Some(cookie), origin, body)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {text}");
        assert!(text.contains(policy), "{path}: {text}");
    }
}
