//! Migration history: the Migrations page (filters, exact host match, refusals) and the
//! instance page's migrations with their events, as the server renders them.

mod common;

use common::*;
use http::StatusCode;

/// The `data-type` of each row of the Migrations page, with the row's text.
fn rows(html: &str) -> Vec<String> {
    html.split("<tr data-uuid=")
        .skip(1)
        .map(|r| r.split("</tr>").next().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn the_migrations_page_filters_by_exact_host_type_and_status() {
    let h = harness().await;
    let admin = login(&h.app, "admin", "ferry-admin", "admin")
        .await
        .unwrap();
    let (status, _, html) = send(&h.app, get("/admin/migrations", Some(&admin))).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let all = rows(&html);
    assert_eq!(all.len(), 3, "the demo's three cold migrations: {html}");
    assert!(all
        .iter()
        .any(|r| r.contains("web-resized-1") && r.contains("compute3")));

    // compute1 must not match compute10 (Nova's os-migrations `host` is exact).
    let (status, _, html) =
        send(&h.app, get("/admin/migrations?host=compute1", Some(&admin))).await;
    assert_eq!(status, StatusCode::OK);
    let found = rows(&html);
    assert_eq!(
        found.len(),
        1,
        "only etl-resized-2 (compute2 → compute1): {html}"
    );
    assert!(found[0].contains("etl-resized-2"));
    let (_, _, html) = send(
        &h.app,
        get("/admin/migrations?host=compute10", Some(&admin)),
    )
    .await;
    let found = rows(&html);
    assert_eq!(found.len(), 1, "{html}");
    assert!(found[0].contains("etl-resized-1"));

    let (_, _, html) = send(
        &h.app,
        get("/admin/migrations?type=live-migration", Some(&admin)),
    )
    .await;
    assert!(rows(&html).is_empty());
    let (_, _, html) = send(
        &h.app,
        get(
            "/admin/migrations?status=finished&type=migration",
            Some(&admin),
        ),
    )
    .await;
    assert_eq!(rows(&html).len(), 3);
    let (_, _, html) = send(
        &h.app,
        get("/admin/migrations?before=2000-01-01T00:00", Some(&admin)),
    )
    .await;
    assert!(rows(&html).is_empty(), "nothing changed before 2000");

    for bad in [
        "?status=nope",
        "?type=teleport",
        "?since=yesterday",
        "?host=a%20b",
    ] {
        let (status, _, _) = send(
            &h.app,
            get(&format!("/admin/migrations{bad}"), Some(&admin)),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
    }
}

#[tokio::test]
async fn only_admins_see_every_projects_migrations() {
    let h = harness().await;
    let operator = login(&h.app, "operator", "ferry-operator", "web")
        .await
        .unwrap();
    let (status, _, html) = send(&h.app, get("/admin/migrations", Some(&operator))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        html.contains("os_compute_api:os-migrations:index:all_projects"),
        "{html}"
    );
    assert!(!html.contains("web-resized-1"));
}

#[tokio::test]
async fn the_instance_page_lists_its_migrations_with_their_steps() {
    let h = harness().await;
    let admin = login(&h.app, "admin", "ferry-admin", "admin")
        .await
        .unwrap();
    let (_, _, list) = send(
        &h.app,
        get("/admin/instances?name=web-resized-1", Some(&admin)),
    )
    .await;
    let at = list
        .find("href=\"/admin/instances/")
        .expect("the row links to its page")
        + 6;
    let href = &list[at..at + list[at..].find('"').unwrap()];
    let (status, _, html) = send(&h.app, get(href, Some(&admin))).await;
    assert_eq!(status, StatusCode::OK);
    let section = &html[html.find("<h2>Migrations").expect("a Migrations section")..];
    assert!(section.contains("Cold migration"), "{section}");
    assert!(section.contains("compute3"), "{section}");
    assert!(section.contains("Preparing the destination"), "{section}");
    assert!(section.contains("finished"), "{section}");

    // The project manager sees the project's migrations too, without Nova's hidden hosts.
    let operator = login(&h.app, "operator", "ferry-operator", "web")
        .await
        .unwrap();
    let project_href = href.replace("/admin/", "/project/");
    let (status, _, html) = send(&h.app, get(&project_href, Some(&operator))).await;
    assert_eq!(status, StatusCode::OK);
    let section = &html[html.find("<h2>Migrations").expect("a Migrations section")..];
    assert!(section.contains("Cold migration"), "{section}");
}
