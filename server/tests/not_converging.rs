//! A live migration that does not converge, and one whose compute stopped reporting: each is
//! flagged with what the operator can do, on the instance page and in the list's refresh, and
//! the refresh's cost follows the rows migrating. Its own test binary, because the window is
//! read from the environment when the server starts.

mod common;

use std::time::{Duration, Instant};

use common::*;
use embedded_cloud::MigrationBehaviour;
use http::StatusCode;

const ORIGIN: Option<&str> = Some("http://127.0.0.1:3000");

fn id_of(html: &str, name: &str) -> String {
    let end = html
        .find(&format!("\">{name}<"))
        .expect("the row is on the page");
    let start = html[..end].rfind("href=\"").unwrap() + 6;
    html[start..end].rsplit('/').next().unwrap().to_string()
}

async fn until(h: &Harness, cookie: &str, href: &str, ready: impl Fn(&str) -> bool) -> String {
    let started = Instant::now();
    loop {
        let (_, _, html) = send(&h.app, get(href, Some(cookie))).await;
        if ready(&html) {
            return html;
        }
        assert!(
            started.elapsed() < Duration::from_secs(40),
            "never ready: {html}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test]
async fn a_migration_that_makes_no_progress_is_flagged_with_what_to_do() {
    // The shortest window Ferry accepts, so the test waits seconds rather than a minute.
    std::env::set_var("FERRY_NOT_CONVERGING_SECONDS", "5");
    let h = harness().await;
    h.cloud.cloud().set_speed(20.0);
    let admin = login(&h.app, "admin", "ferry-admin", "admin")
        .await
        .unwrap();
    let (_, _, list) = send(&h.app, get("/admin/instances", Some(&admin))).await;
    let dirty = id_of(&list, "app-1");
    let silent = id_of(&list, "app-2");
    let quiet = id_of(&list, "app-3");
    assert!(h.cloud.cloud().set_migration_behaviour(
        &dirty,
        MigrationBehaviour {
            converge: false,
            stall: false
        }
    ));
    for id in [&dirty, &silent] {
        let req = post(
            "/api/live_migrate",
            Some(&admin),
            ORIGIN,
            format!("request[instance_id]={id}"),
        );
        let (status, _, body) = send(&h.app, req).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    // The second one's compute goes silent once it copies.
    until(&h, &admin, &format!("/admin/instances/{silent}"), |p| {
        p.contains("data-status=\"running\"")
    })
    .await;
    assert!(h.cloud.cloud().set_migration_behaviour(
        &silent,
        MigrationBehaviour {
            converge: true,
            stall: true
        }
    ));

    let page = until(&h, &admin, &format!("/admin/instances/{dirty}"), |p| {
        p.contains("Not converging")
    })
    .await;
    assert!(page.contains("no new low in memory left for"), "{page}");
    assert!(
        page.contains("Force complete pauses the instance"),
        "{page}"
    );
    assert!(page.contains("Abort keeps it running on"), "{page}");
    let page = until(&h, &admin, &format!("/admin/instances/{silent}"), |p| {
        p.contains("Nova has not updated this migration for")
    })
    .await;
    assert!(
        page.contains("the source compute may be stuck or down"),
        "{page}"
    );

    // The list's refresh: progress for the watched rows only, one migration call each.
    let since = (chrono::Utc::now() - chrono::Duration::seconds(1)).to_rfc3339();
    let body = form(&[
        ("ids[0]", &dirty),
        ("ids[1]", &silent),
        ("ids[2]", &quiet),
        ("flux[0]", &dirty),
        ("flux[1]", &silent),
        ("watched[0]", &dirty),
        ("watched[1]", &silent),
        ("watched[2]", &quiet),
        ("since", &since),
        ("scope", "AllProjects"),
    ]);
    let before = h.cloud.cloud().request_count();
    let (status, _, refresh) = send(
        &h.app,
        post("/api/refresh_rows", Some(&admin), ORIGIN, body),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{refresh}");
    let calls = h.cloud.cloud().request_count() - before;
    let v: serde_json::Value = serde_json::from_str(&refresh).unwrap();
    // Rows Nova listed as changed carry their progress; the other watched rows come apart.
    let of = |id: &str| {
        let in_rows = v["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .map(|r| r["progress"].clone());
        let apart = v["progress"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p[0] == id)
            .map(|p| p[1].clone());
        in_rows
            .or(apart)
            .unwrap_or_else(|| panic!("no progress for {id}: {refresh}"))
    };
    assert!(of(&dirty)["warning"]
        .as_str()
        .unwrap()
        .contains("Not converging"));
    assert!(of(&silent)["warning"]
        .as_str()
        .unwrap()
        .contains("has not updated"));
    assert!(of(&dirty)["can_force_complete"].as_bool().unwrap());
    // A row that is not migrating answers "nothing under way".
    assert!(of(&quiet).is_null(), "{refresh}");
    // changes-since, plus one migration call per watched row (three), plus the cached lookups.
    assert!(calls <= 1 + 3 + 2, "{calls} calls for one refresh");
}
