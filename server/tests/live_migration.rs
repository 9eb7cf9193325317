//! A live migration under way, on the instance page: its progress, Abort and Force complete
//! (each refused to roles that may not, and Nova's refusals in plain words).

mod common;

use std::time::{Duration, Instant};

use common::*;
use embedded_cloud::MigrationBehaviour;
use http::StatusCode;

const ORIGIN: Option<&str> = Some("http://127.0.0.1:3000");
const CONTROL: &str = "/api/live_migration_control";

fn instance_href(html: &str, name: &str) -> String {
    let end = html
        .find(&format!("\">{name}<"))
        .expect("the row is on the page");
    let start = html[..end].rfind("href=\"").unwrap() + 6;
    html[start..end].to_string()
}

fn migration_id(html: &str) -> String {
    let at = html
        .find("data-migration=\"")
        .expect("a live migration panel")
        + 16;
    html[at..at + html[at..].find('"').unwrap()].to_string()
}

/// The instance page, once `ready` holds (within a few seconds).
async fn page_when(h: &Harness, cookie: &str, href: &str, ready: impl Fn(&str) -> bool) -> String {
    let started = Instant::now();
    loop {
        let (_, _, html) = send(&h.app, get(href, Some(cookie))).await;
        if ready(&html) {
            return html;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "never ready: {html}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_live_migration_in_progress_shows_progress_and_can_be_aborted_or_forced() {
    let h = harness().await;
    // Slow enough to watch (Nova's completion timeout stays far away), fast enough for a test.
    h.cloud.cloud().set_speed(50.0);
    let admin = login(&h.app, "admin", "ferry-admin", "admin")
        .await
        .unwrap();
    let (_, _, list) = send(&h.app, get("/admin/instances", Some(&admin))).await;
    let (app1, app2) = (instance_href(&list, "app-1"), instance_href(&list, "app-2"));
    for href in [&app1, &app2] {
        let id = href.rsplit('/').next().unwrap();
        let never = MigrationBehaviour {
            converge: false,
            stall: false,
        };
        assert!(h.cloud.cloud().set_migration_behaviour(id, never));
        let req = post(
            "/api/live_migrate",
            Some(&admin),
            ORIGIN,
            format!("request[instance_id]={id}"),
        );
        let (status, _, body) = send(&h.app, req).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }

    // Progress on the instance page, with both actions behind a confirmation.
    let html = page_when(&h, &admin, &app1, |p| {
        p.contains("Memory ") && p.contains("Abort…")
    })
    .await;
    assert!(html.contains("Live migration in progress"));
    assert!(html.contains("GiB left"), "{html}");
    assert!(html.contains("Force complete…"));
    let mid1 = migration_id(&html);
    // The page reloads itself while the migration runs; a confirmation does not.
    assert!(html.contains("http-equiv=\"refresh\""), "{html}");
    let (_, _, confirm) = send(&h.app, get(&format!("{app1}?confirm=abort"), Some(&admin))).await;
    assert!(
        confirm.contains("action=\"/api/live_migration_control\""),
        "{confirm}"
    );
    assert!(confirm.contains(&format!("name=\"migration\" value=\"{mid1}\"")));
    assert!(!confirm.contains("http-equiv=\"refresh\""));
    // The list's row shows it in its Task cell, and its menu offers both.
    let (_, _, list) = send(&h.app, get("/admin/instances", Some(&admin))).await;
    assert!(list.contains("class=\"task-progress"), "{list}");
    assert!(
        list.contains("can_abort&quot;:true") || list.contains("\"can_abort\":true"),
        "{list}"
    );

    // A member may do neither; Nova's policy is named.
    let member = login(&h.app, "member", "ferry-member", "analytics")
        .await
        .unwrap();
    let id1 = app1.rsplit('/').next().unwrap().to_string();
    let form = format!("id={id1}&migration={mid1}&force=false");
    for (force, policy) in [
        ("false", "os_compute_api:servers:migrations:delete"),
        ("true", "os_compute_api:servers:migrations:force_complete"),
    ] {
        let body = format!("id={id1}&migration={mid1}&force={force}");
        let (status, _, body) = send(&h.app, post(CONTROL, Some(&member), ORIGIN, body)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert!(body.contains(policy), "{body}");
    }
    // Malformed and unknown migrations.
    let bad = format!("id={id1}&migration=abc&force=false");
    let (status, _, _) = send(&h.app, post(CONTROL, Some(&admin), ORIGIN, bad)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let unknown = format!("id={id1}&migration=999999&force=false");
    let (status, _, body) = send(&h.app, post(CONTROL, Some(&admin), ORIGIN, unknown)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");

    // Abort: the instance stays Active on its source.
    let (status, _, body) = send(&h.app, post(CONTROL, Some(&admin), ORIGIN, form.clone())).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("stays Active"), "{body}");
    // A reload of the confirmation (the form post comes back to it) no longer offers the form.
    let (_, _, again) = send(&h.app, get(&format!("{app1}?confirm=abort"), Some(&admin))).await;
    assert!(
        !again.contains("action=\"/api/live_migration_control\""),
        "{again}"
    );
    // The page reads the instance and its history at once, so one view may see the instance
    // settled before the record says so: wait for both.
    page_when(&h, &admin, &app1, |p| {
        !p.contains("Live migration in progress") && p.contains(">cancelled")
    })
    .await;
    // Aborting it again: Nova's refusal, in words.
    let (status, _, body) = send(&h.app, post(CONTROL, Some(&admin), ORIGIN, form)).await;
    assert!(status.is_client_error(), "{status}: {body}");
    assert!(body.contains("abort"), "{body}");
    // The same, as a plain form from the instance page (no JavaScript): back to the page, which
    // says it in its own words.
    let mut req = post(
        CONTROL,
        Some(&admin),
        ORIGIN,
        format!("id={id1}&migration={mid1}&force=false"),
    );
    req.headers_mut()
        .insert(http::header::ACCEPT, "text/html".parse().unwrap());
    req.headers_mut().insert(
        http::header::REFERER,
        format!("http://127.0.0.1:3000{app1}?confirm=abort")
            .parse()
            .unwrap(),
    );
    let (status, headers, _) = send(&h.app, req).await;
    assert!(status.is_redirection(), "{status}");
    let back = headers[http::header::LOCATION].to_str().unwrap();
    let back = back.trim_start_matches("http://127.0.0.1:3000");
    assert!(back.starts_with(&app1), "{back}");
    let (_, _, page) = send(&h.app, get(back, Some(&admin))).await;
    assert!(page.contains("role=\"alert\""), "{page}");
    assert!(page.contains("Nova refused"), "{page}");

    // Force complete: the migration finishes on the new host.
    let html = page_when(&h, &admin, &app2, |p| p.contains("Force complete…")).await;
    let id2 = app2.rsplit('/').next().unwrap().to_string();
    let form = format!("id={id2}&migration={}&force=true", migration_id(&html));
    let (status, _, body) = send(&h.app, post(CONTROL, Some(&admin), ORIGIN, form)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    page_when(&h, &admin, &app2, |p| {
        !p.contains("Live migration in progress") && p.contains(">completed")
    })
    .await;
}

#[tokio::test]
async fn force_complete_of_a_queued_migration_is_novas_refusal_in_words() {
    let h = harness().await;
    h.cloud.cloud().set_speed(50.0);
    let admin = login(&h.app, "admin", "ferry-admin", "admin")
        .await
        .unwrap();
    let (_, _, list) = send(&h.app, get("/admin/instances", Some(&admin))).await;
    // Two from compute3, which runs one live migration at a time: the second waits, queued.
    let (first, second) = (instance_href(&list, "etl-3"), instance_href(&list, "app-3"));
    for href in [&first, &second] {
        let id = href.rsplit('/').next().unwrap();
        let never = MigrationBehaviour {
            converge: false,
            stall: false,
        };
        assert!(h.cloud.cloud().set_migration_behaviour(id, never));
        let req = post(
            "/api/live_migrate",
            Some(&admin),
            ORIGIN,
            format!("request[instance_id]={id}"),
        );
        let (status, _, body) = send(&h.app, req).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let html = page_when(&h, &admin, &second, |p| {
        p.contains("data-status=\"queued\"")
    })
    .await;
    assert!(html.contains("Queued"), "{html}");
    assert!(
        !html.contains("Force complete…"),
        "not offered while queued"
    );
    let id = second.rsplit('/').next().unwrap();
    let form = format!("id={id}&migration={}&force=true", migration_id(&html));
    let (status, _, body) = send(&h.app, post(CONTROL, Some(&admin), ORIGIN, form)).await;
    assert!(status.is_client_error(), "{status}: {body}");
    assert!(body.contains("force"), "{body}");
    assert!(!body.contains("http://"), "no internal address: {body}");
    // Both end cleanly: abort them.
    for href in [&first, &second] {
        let id = href.rsplit('/').next().unwrap();
        let (_, _, page) = send(&h.app, get(href, Some(&admin))).await;
        if page.contains("data-migration=") {
            let form = format!("id={id}&migration={}&force=false", migration_id(&page));
            send(&h.app, post(CONTROL, Some(&admin), ORIGIN, form)).await;
        }
    }
}
