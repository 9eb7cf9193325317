//! The drain plan page: every instance on exactly the host with what would happen and why, the
//! options read from the form (and refused in words when wrong), nothing moved.

mod common;

use common::*;
use http::StatusCode;

/// The plan row of one instance: its `<tr …>…</tr>`.
fn row<'a>(html: &'a str, name: &str) -> Option<&'a str> {
    let at = html.find(&format!(">{name}<"))?;
    let start = html[..at].rfind("<tr")?;
    let end = at + html[at..].find("</tr>")?;
    Some(&html[start..end])
}

#[tokio::test]
async fn the_plan_lists_exactly_the_hosts_instances_with_their_moves_and_reasons() {
    let h = harness().await;
    let admin = login(&h.app, "admin", "ferry-admin", "admin")
        .await
        .unwrap();
    let before = h.cloud.cloud().request_count();
    let (status, _, html) = send(&h.app, get("/admin/hosts/compute1/drain", Some(&admin))).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(
        html.contains("The plan: nothing moves until you start it"),
        "{html}"
    );
    let web1 = row(&html, "web-1").unwrap_or_else(|| panic!("web-1 is on compute1: {html}"));
    assert!(
        web1.contains("Live migrate") && web1.contains("web (anti-affinity)"),
        "{web1}"
    );
    assert!(row(&html, "spark-1")
        .unwrap()
        .contains("Cold migrate, then confirm"));
    // compute10's instances are not compute1's (no LIKE search).
    for other in ["web-4", "app-4", "etl-4", "bigmem-1"] {
        assert!(row(&html, other).is_none(), "{other} is on compute10");
    }
    assert!(html.contains("to live-migrate"), "{html}");
    // Defaults: the scheduler, two at a time, confirm on.
    assert!(html.contains("value=\"2\""), "{html}");
    let confirm = &html[..html.find("Confirm cold migrations").unwrap()];
    let confirm = &confirm[confirm.rfind("<input").unwrap()..];
    assert!(
        confirm.contains("checked"),
        "auto-confirm is on by default: {confirm}"
    );

    let (_, _, html) = send(&h.app, get("/admin/hosts/compute3/drain", Some(&admin))).await;
    let skip = |name: &str| {
        row(&html, name)
            .unwrap_or_else(|| panic!("{name}: {html}"))
            .to_string()
    };
    assert!(
        skip("etl-broken").contains("Skip"),
        "{}",
        skip("etl-broken")
    );
    assert!(
        skip("etl-resized-1").contains("Verify Resize"),
        "{}",
        skip("etl-resized-1")
    );
    assert!(
        // The list (2.47) has no lock reason; the plan asks for it (2.73) and shows it.
        skip("web-db-1").contains("locked (DBA: do not move during the backup window)"),
        "{}",
        skip("web-db-1")
    );
    assert!(skip("notebook-1").contains("Live migrate"));

    // Bare metal: nothing can move.
    let (_, _, html) = send(
        &h.app,
        get("/admin/hosts/ironic-conductor1/drain", Some(&admin)),
    )
    .await;
    assert!(row(&html, "bm-1").unwrap().contains("Skip"), "{html}");

    // Only reads: no action reached Nova.
    let actions = h.cloud.cloud().request_count().saturating_sub(before);
    assert!(actions > 0);
    let (_, _, list) = send(&h.app, get("/admin/instances?host=compute1", Some(&admin))).await;
    for moving in ["data-status=\"MIGRATING\"", "data-status=\"RESIZE\""] {
        assert!(!list.contains(moving), "a plan moved something");
    }
}

#[tokio::test]
async fn bad_options_hosts_and_roles_are_refused_in_words() {
    let h = harness().await;
    let admin = login(&h.app, "admin", "ferry-admin", "admin")
        .await
        .unwrap();
    for (parallel, words) in [("0", "1"), ("11", "10"), ("abc", "abc")] {
        let (status, _, html) = send(
            &h.app,
            get(
                &format!(
                    "/admin/hosts/compute1/drain?planned=1&parallel={parallel}&auto_confirm=on"
                ),
                Some(&admin),
            ),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("role=\"alert\""), "{parallel}: {html}");
        assert!(html.contains("The plan below uses the defaults."), "{html}");
        assert!(html.contains(words), "{html}");
    }
    // A chosen destination that is the drained host itself.
    let (_, _, html) = send(
        &h.app,
        get(
            "/admin/hosts/compute1/drain?planned=1&destination=hosts&host=compute1",
            Some(&admin),
        ),
    )
    .await;
    assert!(html.contains("role=\"alert\""), "{html}");

    let (status, _, html) = send(&h.app, get("/admin/hosts/compute99/drain", Some(&admin))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{html}");
    assert!(html.contains("Nova has no compute host"), "{html}");
    let (status, _, _) = send(&h.app, get("/admin/hosts/%3Cscript%3E/drain", Some(&admin))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // The server function refuses an operator and a member, naming the policy.
    for (user, password, project) in [
        ("operator", "ferry-operator", "web"),
        ("member", "ferry-member", "analytics"),
    ] {
        let cookie = login(&h.app, user, password, project).await.unwrap();
        let req = post(
            "/api/drain_plan",
            Some(&cookie),
            Some("http://127.0.0.1:3000"),
            "host=compute1",
        );
        let (status, _, body) = send(&h.app, req).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{user}: {body}");
        assert!(body.contains("os_compute_api:"), "{body}");
    }
}
