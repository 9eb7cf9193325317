//! The Compute Hosts page (exact host matches, filters, bare metal, migrations in flight) and
//! Disable / Enable of a compute service, as the server renders and answers them; plus the
//! instance list's availability-zone filter.

mod common;

use std::time::{Duration, Instant};

use axum::body::Body;
use common::*;
use embedded_cloud::MigrationBehaviour;
use http::{header, Request, StatusCode};

const ORIGIN: Option<&str> = Some("http://127.0.0.1:3000");

/// The compute host's row of the page (`data-host` is exact: the closing quote keeps
/// `compute1` from finding `compute10`).
fn host_row(html: &str, host: &str) -> Option<String> {
    let at = html.find(&format!("data-host=\"{host}\""))?;
    let end = html[at..].find("</tr>")? + at;
    Some(html[at..end].to_string())
}

fn hosts_shown(html: &str) -> Vec<String> {
    html.split("data-host=\"")
        .skip(1)
        .filter_map(|r| r.split('"').next().map(str::to_string))
        .collect()
}

/// The service id behind a row's Disable… / Enable… link.
fn service_id(html: &str, host: &str) -> String {
    let row = host_row(html, host).expect("the host's row");
    let at = row.find("confirm=").expect("a Disable or Enable link") + 8;
    row[at..at + row[at..].find(['#', '"', '&']).unwrap()].to_string()
}

/// The one-time token of the open confirmation's form.
fn form_token(html: &str) -> String {
    let at = html.find("name=\"token\" value=\"").expect("a form token") + 20;
    html[at..at + html[at..].find('"').unwrap()].to_string()
}

async fn hosts_page(h: &Harness, cookie: &str, query: &str) -> (StatusCode, String) {
    let (status, _, html) = send(&h.app, get(&format!("/admin/hosts{query}"), Some(cookie))).await;
    (status, html)
}

/// A form post as a browser without JavaScript sends it: it accepts HTML and names its page.
fn browser_post(path: &str, cookie: &str, referer: &str, body: String) -> Request<Body> {
    Request::post(path)
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html,application/xhtml+xml")
        .header(header::ORIGIN, ORIGIN.unwrap())
        .header(header::REFERER, format!("http://127.0.0.1:3000{referer}"))
        .header(header::COOKIE, cookie)
        .body(Body::from(body))
        .unwrap()
}

#[tokio::test]
async fn the_page_lists_every_compute_host_with_exact_instance_counts() {
    let h = harness().await;
    let admin = login(&h.app, "admin", "ferry-admin", "admin")
        .await
        .unwrap();
    let (status, html) = hosts_page(&h, &admin, "").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let nav = &html[html.find("<nav").unwrap()..html.find("</nav>").unwrap()];
    assert!(
        nav.contains("href=\"/admin/hosts\" aria-current=\"page\">Compute hosts"),
        "the nav links the page: {nav}"
    );
    assert_eq!(
        hosts_shown(&html),
        [
            "compute1",
            "compute2",
            "compute3",
            "compute4",
            "compute10",
            "compute11"
        ],
        "natural order, bare metal apart"
    );

    // The demo's instances per host (embedded-cloud/src/demo.rs): compute1 is not compute10.
    let c1 = host_row(&html, "compute1").unwrap();
    assert!(
        c1.contains("href=\"/admin/instances?host=compute1\""),
        "{c1}"
    );
    assert!(c1.contains(">14<"), "{c1}");
    let c10 = host_row(&html, "compute10").unwrap();
    assert!(c10.contains(">5<"), "{c10}");
    assert!(c10.contains("az2"), "{c10}");
    // Placement's figures: 32 vCPU × 4.0, (131072 − 512) MB × 1.0, 1000 GB.
    assert!(c1.contains("/ 128<"), "{c1}");
    assert!(c1.contains("/ 130560 MB"), "{c1}");
    assert!(c1.contains("/ 1000 GB"), "{c1}");

    let c4 = host_row(&html, "compute4").unwrap();
    assert!(c4.contains("Disabled"), "{c4}");
    assert!(
        c4.contains("Scheduled maintenance: DIMM replacement"),
        "{c4}"
    );
    assert!(c4.contains("Service updated "), "{c4}");
    assert!(c4.contains("Enable…"), "{c4}");
    let c11 = host_row(&html, "compute11").unwrap();
    assert!(c11.contains("data-state=\"down\""), "{c11}");
    assert!(c11.contains(">Down<"), "{c11}");

    // The demo's resized instances wait for confirm: shown, but nothing moves.
    let c2 = host_row(&html, "compute2").unwrap();
    let incoming = &c2[c2.find("migrations-in").unwrap()..c2.find("migrations-out").unwrap()];
    assert!(incoming.contains("web-resized-1"), "{incoming}");
    assert!(incoming.contains("from compute3"), "{incoming}");
    assert!(incoming.contains("waiting for confirm"), "{incoming}");
    assert!(!html.contains("http-equiv=\"refresh\""), "nothing moves");

    // Bare metal in its own, labelled section.
    let bare = &html[html
        .find("Bare metal (Ironic) nodes")
        .expect("a bare-metal section")..];
    assert!(bare.contains("ironic-node-1"), "{bare}");
    assert!(bare.contains("ironic-conductor1"), "{bare}");
    assert!(bare.contains(">bm-1<"), "{bare}");
    assert!(host_row(&html, "ironic-conductor1").is_none());
}

#[tokio::test]
async fn the_page_filters_by_zone_state_and_status() {
    let h = harness().await;
    let admin = login(&h.app, "admin", "ferry-admin", "admin")
        .await
        .unwrap();
    for (query, expected) in [
        ("?zone=az2", vec!["compute10", "compute11"]),
        ("?state=down", vec!["compute11"]),
        ("?status=disabled", vec!["compute4"]),
        (
            "?zone=az1&state=up&status=enabled",
            vec!["compute1", "compute2", "compute3"],
        ),
        ("?zone=az9", vec![]),
    ] {
        let (status, html) = hosts_page(&h, &admin, query).await;
        assert_eq!(status, StatusCode::OK, "{query}: {html}");
        assert_eq!(hosts_shown(&html), expected, "{query}");
    }
    let (_, html) = hosts_page(&h, &admin, "?zone=az9").await;
    assert!(html.contains("No compute host matches these filters."));
    let (_, html) = hosts_page(&h, &admin, "?zone=az2").await;
    assert!(
        !html.contains("ironic-node-1"),
        "the bare-metal node is in az1"
    );
    for bad in ["?state=sideways", "?status=maybe", "?zone=az1:compute1"] {
        let (status, html) = hosts_page(&h, &admin, bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {html}");
    }
}

#[tokio::test]
async fn only_an_admin_sees_the_page_or_changes_a_service() {
    let h = harness().await;
    let admin = login(&h.app, "admin", "ferry-admin", "admin")
        .await
        .unwrap();
    let (_, html) = hosts_page(&h, &admin, "").await;
    let c10 = service_id(&html, "compute10");
    for (user, password, project) in [
        ("operator", "ferry-operator", "web"),
        ("member", "ferry-member", "analytics"),
    ] {
        let cookie = login(&h.app, user, password, project).await.unwrap();
        let (status, page) = hosts_page(&h, &cookie, "").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{user}");
        assert!(
            page.contains("os_compute_api:os-hypervisors:list-detail"),
            "{page}"
        );
        assert!(!page.contains("compute10"), "{user} sees no host");
        for (path, body) in [
            (
                "/api/disable_compute_service",
                form(&[("service", &c10), ("reason", "not mine to take")]),
            ),
            ("/api/enable_compute_service", form(&[("service", &c10)])),
        ] {
            let (status, _, answer) = send(&h.app, post(path, Some(&cookie), ORIGIN, body)).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{user} {path}: {answer}");
            assert!(
                answer.contains("os_compute_api:os-services:update"),
                "{answer}"
            );
        }
        assert!(
            !page.contains("/api/disable_compute_service"),
            "no form for {user}"
        );
    }
    let (_, html) = hosts_page(&h, &admin, "").await;
    assert!(host_row(&html, "compute10")
        .unwrap()
        .contains("data-status=\"enabled\""));
    // Another site's form is refused before anything else.
    let (status, _, _) = send(
        &h.app,
        post(
            "/api/disable_compute_service",
            Some(&admin),
            Some("https://evil.example"),
            form(&[("service", &c10), ("reason", "x")]),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn disable_with_a_reason_then_enable() {
    let h = harness().await;
    let admin = login(&h.app, "admin", "ferry-admin", "admin")
        .await
        .unwrap();
    let (_, html) = hosts_page(&h, &admin, "").await;
    let c10 = service_id(&html, "compute10");
    assert!(host_row(&html, "compute10").unwrap().contains("Disable…"));

    // The confirmation opens in the row (no JavaScript needed), and the page does not reload
    // under it.
    let (status, html) = hosts_page(&h, &admin, &format!("?confirm={c10}")).await;
    assert_eq!(status, StatusCode::OK);
    let row = host_row(&html, "compute10").unwrap();
    assert!(
        row.contains("action=\"/api/disable_compute_service\""),
        "{row}"
    );
    assert!(row.contains("name=\"reason\""), "{row}");
    assert!(row.contains("maxlength=\"255\""), "{row}");
    assert!(row.contains("Disable compute10"), "{row}");
    assert!(
        !host_row(&html, "compute1").unwrap().contains("<form"),
        "only that row"
    );

    // A reason of 255 characters (not Skyline's 64) is taken.
    let reason = format!("Firmware update, ticket OPS-1234. {}", "x".repeat(221));
    assert_eq!(reason.chars().count(), 255);
    let (status, _, body) = send(
        &h.app,
        post(
            "/api/disable_compute_service",
            Some(&admin),
            ORIGIN,
            form(&[("service", &c10), ("reason", &reason)]),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("compute10 is disabled"), "{body}");
    let (_, html) = hosts_page(&h, &admin, "").await;
    let row = host_row(&html, "compute10").unwrap();
    assert!(row.contains("data-status=\"disabled\""), "{row}");
    assert!(row.contains("Firmware update, ticket OPS-1234."), "{row}");
    assert!(row.contains("Enable…"), "{row}");

    // Enable, as a browser without JavaScript posts it: a redirect back to the row, filters
    // kept, so a reload does not post again.
    let (status, headers, _) = send(
        &h.app,
        browser_post(
            "/api/enable_compute_service",
            &admin,
            &format!("/admin/hosts?zone=az2&confirm={c10}"),
            form(&[("service", &c10), ("back[zone]", "az2")]),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FOUND);
    assert_eq!(
        headers.get(header::LOCATION).unwrap(),
        "/admin/hosts?zone=az2#host-compute10"
    );
    let (_, html) = hosts_page(&h, &admin, "?zone=az2").await;
    let row = host_row(&html, "compute10").unwrap();
    assert!(row.contains("data-status=\"enabled\""), "{row}");
    assert!(
        !row.contains("Firmware update"),
        "Nova cleared the reason: {row}"
    );

    // The same for a disable from the browser: the reason comes back on the row.
    let (status, headers, _) = send(
        &h.app,
        browser_post(
            "/api/disable_compute_service",
            &admin,
            &format!("/admin/hosts?confirm={c10}"),
            form(&[("service", &c10), ("reason", "Kernel update")]),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FOUND);
    assert_eq!(
        headers.get(header::LOCATION).unwrap(),
        "/admin/hosts#host-compute10"
    );
    let (_, html) = hosts_page(&h, &admin, "?status=disabled").await;
    assert_eq!(hosts_shown(&html), ["compute4", "compute10"]);
    assert!(host_row(&html, "compute10")
        .unwrap()
        .contains("Kernel update"));
}

#[tokio::test]
async fn one_form_is_sent_to_nova_once_even_when_posted_twice() {
    let h = harness().await;
    let admin = login(&h.app, "admin", "ferry-admin", "admin")
        .await
        .unwrap();
    let (_, html) = hosts_page(&h, &admin, "").await;
    let c2 = service_id(&html, "compute2");
    let (_, html) = hosts_page(&h, &admin, &format!("?confirm={c2}")).await;
    let token = form_token(&html);
    let disable = |reason: &str| {
        post(
            "/api/disable_compute_service",
            Some(&admin),
            ORIGIN,
            form(&[("service", &c2), ("reason", reason), ("token", &token)]),
        )
    };
    let (status, _, body) = send(&h.app, disable("first click")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("compute2 is disabled"), "{body}");
    // A double click: the same form again. Had it reached Nova, the reason would change.
    let (status, _, body) = send(&h.app, disable("second click")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("did not send it again"), "{body}");
    let (_, html) = hosts_page(&h, &admin, "").await;
    let row = host_row(&html, "compute2").unwrap();
    assert!(
        row.contains("first click") && !row.contains("second click"),
        "{row}"
    );
    // Each rendering of the form has its own token.
    let (_, again) = hosts_page(&h, &admin, &format!("?confirm={c2}")).await;
    assert_ne!(form_token(&again), token);

    // Both posts of a double click at once: one reaches Nova, and the other answers only once
    // that one has, so whichever page the browser lands on shows the change.
    let c3 = service_id(&html, "compute3");
    let (_, confirm) = hosts_page(&h, &admin, &format!("?confirm={c3}")).await;
    let token = form_token(&confirm);
    let click = |reason: &str| {
        post(
            "/api/disable_compute_service",
            Some(&admin),
            ORIGIN,
            form(&[("service", &c3), ("reason", reason), ("token", &token)]),
        )
    };
    let ((s1, _, b1), (s2, _, b2)) = tokio::join!(
        send(&h.app, click("click one")),
        send(&h.app, click("click two"))
    );
    assert_eq!((s1, s2), (StatusCode::OK, StatusCode::OK), "{b1} {b2}");
    let resent = [&b1, &b2]
        .iter()
        .filter(|b| b.contains("did not send it again"))
        .count();
    assert_eq!(resent, 1, "{b1} {b2}");
    let (_, html) = hosts_page(&h, &admin, "").await;
    let row = host_row(&html, "compute3").unwrap();
    assert!(row.contains("data-status=\"disabled\""), "{row}");
    assert!(
        row.contains("click one") != row.contains("click two"),
        "{row}"
    );

    // A form Nova refused may be sent again: nothing had changed.
    let unknown = "00000000-0000-4000-8000-000000000000";
    for _ in 0..2 {
        let (status, _, body) = send(
            &h.app,
            post(
                "/api/enable_compute_service",
                Some(&admin),
                ORIGIN,
                form(&[("service", unknown), ("token", &token)]),
            ),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    }
    let (status, _, _) = send(
        &h.app,
        post(
            "/api/enable_compute_service",
            Some(&admin),
            ORIGIN,
            form(&[("service", &c2), ("token", "not-ferrys")]),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn bad_reasons_and_unknown_services_are_refused_and_nothing_changes() {
    let h = harness().await;
    let admin = login(&h.app, "admin", "ferry-admin", "admin")
        .await
        .unwrap();
    let (_, html) = hosts_page(&h, &admin, "").await;
    let c1 = service_id(&html, "compute1");
    let disable = |body: String| post("/api/disable_compute_service", Some(&admin), ORIGIN, body);

    let too_long = "r".repeat(256);
    let (status, _, body) = send(
        &h.app,
        disable(form(&[("service", &c1), ("reason", &too_long)])),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("256 characters"), "{body}");
    assert!(body.contains("at most 255"), "{body}");
    for missing in [
        form(&[("service", &c1)]),
        form(&[("service", &c1), ("reason", "   ")]),
    ] {
        let (status, _, body) = send(&h.app, disable(missing)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(body.contains("reason is required"), "{body}");
    }
    let (_, html) = hosts_page(&h, &admin, "").await;
    let row = host_row(&html, "compute1").unwrap();
    assert!(
        row.contains("data-status=\"enabled\""),
        "nothing changed: {row}"
    );

    // A service Nova does not know: its 404, in words.
    let unknown = "00000000-0000-4000-8000-000000000000";
    let (status, _, body) = send(
        &h.app,
        disable(form(&[("service", unknown), ("reason", "x")])),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert!(
        body.contains("Ferry could not disable the compute service"),
        "{body}"
    );
    assert!(body.contains("could not be found"), "{body}");
    let (status, _, body) = send(
        &h.app,
        post(
            "/api/enable_compute_service",
            Some(&admin),
            ORIGIN,
            form(&[("service", unknown)]),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    // Not a service id at all: refused before Nova.
    let (status, _, body) = send(
        &h.app,
        disable(form(&[("service", "../os-services"), ("reason", "x")])),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(!body.contains("../os-services"), "{body}");

    // Without JavaScript the refusal comes back in the page's URL, and the page says it in
    // Ferry's words, with the confirmation still open.
    let referer = format!("/admin/hosts?confirm={c1}");
    let (status, headers, _) = send(
        &h.app,
        browser_post(
            "/api/disable_compute_service",
            &admin,
            &referer,
            form(&[("service", &c1), ("reason", "")]),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FOUND);
    let back = headers.get(header::LOCATION).unwrap().to_str().unwrap();
    assert!(back.contains("__err="), "{back}");
    let path = back.trim_start_matches("http://127.0.0.1:3000");
    let (status, _, html) = send(&h.app, get(path, Some(&admin))).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("role=\"alert\""), "{html}");
    assert!(
        html.contains("needs a reason of at most 255 characters"),
        "{html}"
    );
    assert!(host_row(&html, "compute1")
        .unwrap()
        .contains("name=\"reason\""));
}

#[tokio::test]
async fn migrations_in_flight_show_on_both_hosts_and_the_page_refreshes() {
    let h = harness().await;
    // Slow enough that the migration is still running when the page is read.
    h.cloud.cloud().set_speed(50.0);
    let admin = login(&h.app, "admin", "ferry-admin", "admin")
        .await
        .unwrap();
    let (_, _, list) = send(
        &h.app,
        get("/admin/instances?name=%5Eapp-4%24", Some(&admin)),
    )
    .await;
    let end = list.find("\">app-4<").expect("app-4's row");
    let id = list[..end].rsplit('/').next().unwrap().to_string();
    let never = MigrationBehaviour {
        converge: false,
        stall: false,
    };
    assert!(h.cloud.cloud().set_migration_behaviour(&id, never));
    let (status, _, body) = send(
        &h.app,
        post(
            "/api/live_migrate",
            Some(&admin),
            ORIGIN,
            format!("request[instance_id]={id}&request[host]=compute3"),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let started = Instant::now();
    let html = loop {
        let (_, html) = hosts_page(&h, &admin, "").await;
        if host_row(&html, "compute10").is_some_and(|r| r.contains("data-status=\"running\"")) {
            break html;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "never running: {html}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let c10 = host_row(&html, "compute10").unwrap();
    let out = &c10[c10.find("migrations-out").unwrap()..];
    assert!(out.contains("app-4"), "{out}");
    assert!(out.contains("to compute3"), "{out}");
    assert!(out.contains("Live migration"), "{out}");
    let c3 = host_row(&html, "compute3").unwrap();
    let incoming = &c3[c3.find("migrations-in").unwrap()..c3.find("migrations-out").unwrap()];
    assert!(incoming.contains("app-4"), "{incoming}");
    let c1 = host_row(&html, "compute1").unwrap();
    assert!(!c1.contains("app-4"), "compute1 is not compute10: {c1}");
    assert!(html.contains("http-equiv=\"refresh\""), "it reloads itself");
    assert!(html.contains("content=\"5; url=/admin/hosts\""), "{html}");

    // Not while a confirmation is open.
    let c3_id = service_id(&html, "compute3");
    let (_, html) = hosts_page(&h, &admin, &format!("?confirm={c3_id}")).await;
    assert!(!html.contains("http-equiv=\"refresh\""));
}

#[tokio::test]
async fn the_instance_list_filters_by_availability_zone() {
    let h = harness().await;
    let admin = login(&h.app, "admin", "ferry-admin", "admin")
        .await
        .unwrap();
    let (status, _, html) = send(&h.app, get("/admin/instances", Some(&admin))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("name=\"zone\""), "a zone select");
    assert!(html.contains("<option value=\"az2\""), "{html}");

    let (status, _, html) = send(
        &h.app,
        get("/admin/instances?zone=az2&limit=200", Some(&admin)),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    // compute10 and compute11 are az2's hosts.
    for name in ["app-4", "bigmem-1", "batch-8"] {
        assert!(html.contains(name), "{name} is in az2");
    }
    for name in ["app-1", "app-2", "batch-7", "bm-1"] {
        assert!(!html.contains(&format!(">{name}<")), "{name} is in az1");
        assert!(!html.contains(&format!("\"{name}\"")), "{name} is in az1");
    }
    assert!(
        html.contains("<option value=\"az2\" selected"),
        "the choice stays selected"
    );

    let (status, _, _) = send(
        &h.app,
        get("/admin/instances?zone=az1%3Acompute1", Some(&admin)),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
