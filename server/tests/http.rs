//! The whole `ferry` router, in process, against the embedded cloud over real loopback HTTP:
//! login, the session cookie, role checks in pages and in server functions, headers.

mod common;

use axum::body::Body;
use common::*;
use http::{header, StatusCode};
use tower::ServiceExt;

#[tokio::test]
async fn admin_sees_every_projects_instances_with_hosts() {
    let h = harness().await;
    let cookie = login(&h.app, "admin", "ferry-admin", "admin")
        .await
        .unwrap();
    let (status, headers, html) = send(&h.app, get("/admin/instances", Some(&cookie))).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("compute1"), "host column missing");
    for project in ["web", "analytics", "batch"] {
        assert!(html.contains(project), "project {project} missing");
    }
    assert!(html.contains("Verify Resize/Migrate"));
    let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'"));
    assert!(csp.contains("'nonce-"), "{csp}");
    assert_eq!(headers[header::CACHE_CONTROL], "no-store");
    assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY");
}

#[tokio::test]
async fn the_session_cookie_is_encrypted_httponly_and_strict() {
    let h = harness().await;
    let body = form(&[
        ("user", "admin"),
        ("password", "ferry-admin"),
        ("project", "admin"),
        ("domain", "Default"),
        ("next", "/"),
    ]);
    let req = post("/api/login", None, None, body);
    let (_, headers, _) = send(&h.app, req).await;
    let set = headers[header::SET_COOKIE].to_str().unwrap().to_string();
    assert!(set.contains("HttpOnly"), "{set}");
    assert!(set.contains("SameSite=Strict"), "{set}");
    assert!(set.contains("Path=/"), "{set}");
    let value = set.split(';').next().unwrap();
    for plain in ["token", "admin", "compute", "gAAAA"] {
        assert!(!value.contains(plain), "cookie leaks {plain}: {value}");
    }
}

#[tokio::test]
async fn a_tampered_or_missing_cookie_is_sent_to_login_and_back() {
    let h = harness().await;
    let (status, headers, _) = send(&h.app, get("/admin/instances?host=compute1", None)).await;
    assert_eq!(status, StatusCode::FOUND);
    let location = headers[header::LOCATION].to_str().unwrap();
    assert!(location.starts_with("/login?next="), "{location}");
    assert!(location.contains("compute1"), "{location}");

    let cookie = login(&h.app, "admin", "ferry-admin", "admin")
        .await
        .unwrap();
    let mut tampered = cookie.clone();
    tampered.pop();
    tampered.push(if cookie.ends_with('A') { 'B' } else { 'A' });
    let (status, _, _) = send(&h.app, get("/admin/instances", Some(&tampered))).await;
    assert_eq!(status, StatusCode::FOUND);
}

#[tokio::test]
async fn a_wrong_password_is_refused_in_plain_words() {
    let h = harness().await;
    let err = login(&h.app, "admin", "Guess-7f3a9c", "admin")
        .await
        .unwrap_err();
    assert!(err.contains("Keystone refused the login"), "{err}");
    assert!(
        !err.contains("Guess-7f3a9c"),
        "the password must not be echoed: {err}"
    );
}

#[tokio::test]
async fn a_member_gets_no_admin_page_and_no_admin_data() {
    let h = harness().await;
    let cookie = login(&h.app, "member", "ferry-member", "analytics")
        .await
        .unwrap();
    let (status, _, html) = send(&h.app, get("/admin/instances", Some(&cookie))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(html.contains("Administrator role required"));
    assert!(!html.contains("compute1"));
    assert!(!html.contains("data-id="));

    // The server function itself refuses, whatever the UI shows.
    let req = post(
        "/api/list_instances",
        Some(&cookie),
        None,
        "query[limit]=50&scope=AllProjects",
    );
    let (status, _, body) = send(&h.app, req).await;
    assert!(!status.is_success(), "{status}");
    assert!(body.contains("Administrator role required"), "{body}");
    // No host name leaks (the refusal names the policy, os_compute_api:…).
    assert!(!body.contains("compute1"), "{body}");
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn state_changing_calls_from_another_site_are_refused() {
    let h = harness().await;
    let cookie = login(&h.app, "admin", "ferry-admin", "admin")
        .await
        .unwrap();
    let req = post(
        "/api/logout",
        Some(&cookie),
        Some("http://evil.example"),
        Body::empty(),
    );
    let (status, headers, body) = send(&h.app, req).await;
    assert!(!status.is_success(), "{status}");
    assert!(body.contains("another site"), "{body}");
    assert!(headers.get(header::SET_COOKIE).is_none());
    // The session still works.
    let (status, _, _) = send(&h.app, get("/admin/instances", Some(&cookie))).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn logout_revokes_the_token() {
    let h = harness().await;
    let cookie = login(&h.app, "admin", "ferry-admin", "admin")
        .await
        .unwrap();
    let req = post("/api/logout", Some(&cookie), None, Body::empty());
    let (_, headers, _) = send(&h.app, req).await;
    let cleared = headers[header::SET_COOKIE].to_str().unwrap();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    // Replaying the old cookie: Keystone no longer accepts its token, so it is back to login.
    let (status, headers, _) = send(&h.app, get("/admin/instances", Some(&cookie))).await;
    assert_eq!(status, StatusCode::FOUND);
    assert!(headers[header::LOCATION]
        .to_str()
        .unwrap()
        .contains("expired=1"));
}

#[tokio::test]
async fn a_page_whose_first_instance_is_gone_falls_back_to_the_first_page() {
    let h = harness().await;
    let cookie = login(&h.app, "admin", "ferry-admin", "admin")
        .await
        .unwrap();
    // A marker Nova does not know, as after the instance a "Next" link started from was deleted.
    let (status, _, html) = send(
        &h.app,
        get(
            "/admin/instances?status=ACTIVE&marker=00000000-0000-0000-0000-000000000000",
            Some(&cookie),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("so this is the first page"), "no notice");
    assert!(html.contains("data-status=\"ACTIVE\""), "no rows");
    assert!(
        !html.contains("data-status=\"SHUTOFF\""),
        "the filter was lost"
    );
    assert!(
        !html.contains("marker [00000000"),
        "Nova's refusal reached the page"
    );
    assert!(
        !html.contains("rel=\"first\""),
        "a first page links to itself"
    );
}

#[tokio::test]
async fn filters_reach_nova_and_the_host_filter_is_exact() {
    let h = harness().await;
    let cookie = login(&h.app, "admin", "ferry-admin", "admin")
        .await
        .unwrap();
    let (status, _, html) =
        send(&h.app, get("/admin/instances?host=compute1", Some(&cookie))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("data-host=\"compute1\""));
    assert!(
        !html.contains("data-host=\"compute10\""),
        "compute10's instances leaked into compute1's list"
    );
    let (_, _, html) = send(
        &h.app,
        get("/admin/instances?status=SHUTOFF", Some(&cookie)),
    )
    .await;
    assert!(html.contains("Shutoff"));
    assert!(!html.contains("data-status=\"ACTIVE\""));
}

#[tokio::test]
async fn a_connection_dropped_mid_response_is_a_clear_error_and_heals() {
    use embedded_cloud::{FaultInjection, NovaFault};
    let h = harness().await;
    let cookie = login(&h.app, "admin", "ferry-admin", "admin")
        .await
        .unwrap();
    // Warm the caches first, so the fault hits the list call itself.
    let (status, _, _) = send(&h.app, get("/admin/instances", Some(&cookie))).await;
    assert_eq!(status, StatusCode::OK);
    h.cloud.cloud().set_faults(FaultInjection {
        nova: NovaFault::DropMidResponse,
        ..FaultInjection::default()
    });
    let (status, _, html) = send(&h.app, get("/admin/instances", Some(&cookie))).await;
    // The page is still rendered (banner, navigation), with the gateway status that says why.
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert!(html.contains("role=\"alert\""), "{html}");
    assert!(
        html.contains("Nova (Compute)"),
        "the banner names Nova: {html}"
    );
    assert!(html.contains("broke before its answer arrived"), "{html}");
    for leak in ["panicked", "X-Auth-Token", "reqwest::", "hyper::"] {
        assert!(!html.contains(leak), "{leak} leaked into the page");
    }
    h.cloud.cloud().set_faults(FaultInjection::default());
    let (status, _, html) = send(&h.app, get("/admin/instances", Some(&cookie))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("compute1"), "recovered by itself");
}

#[tokio::test]
async fn pages_are_sent_gzipped_to_browsers_that_accept_it() {
    let h = harness().await;
    let cookie = login(&h.app, "admin", "ferry-admin", "admin")
        .await
        .unwrap();
    let mut req = get("/admin/instances", Some(&cookie));
    req.headers_mut()
        .insert(header::ACCEPT_ENCODING, "gzip".parse().unwrap());
    let res = h.app.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[header::CONTENT_ENCODING], "gzip");
    let zipped = axum::body::to_bytes(res.into_body(), 16 * 1024 * 1024)
        .await
        .unwrap();
    let (_, _, plain) = send(&h.app, get("/admin/instances", Some(&cookie))).await;
    assert!(
        zipped.len() * 4 < plain.len(),
        "{} B gzip against {} B plain",
        zipped.len(),
        plain.len()
    );
}
