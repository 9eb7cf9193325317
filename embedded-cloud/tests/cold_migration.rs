//! Cold migration: RESIZE tasks → VERIFY_RESIZE → confirm or revert.

mod common;

use std::time::Duration;

use axum::http::StatusCode;
use common::*;
use embedded_cloud::CloudConfig;
use serde_json::json;

#[tokio::test]
async fn cold_migration_walks_resize_tasks_to_verify_resize_then_confirm() {
    let h = harness(CloudConfig {
        speed: 50.0,
        ..CloudConfig::default()
    });
    let admin = h.token("admin").await;
    let id = h.server_id(&admin, "app-1").await;
    let r = h
        .action(
            &id,
            &admin,
            "2.56",
            json!({"migrate": {"host": "compute3"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{:?}", r.body);

    let mut tasks = Vec::<String>::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let s = loop {
        assert!(std::time::Instant::now() < deadline, "{tasks:?}");
        let s = h.show(&admin, &id).await;
        if let Some(t) = s["OS-EXT-STS:task_state"].as_str() {
            assert_eq!(s["status"], "RESIZE", "{t}");
            if tasks.last().map(String::as_str) != Some(t) {
                tasks.push(t.to_string());
            }
        }
        if s["status"] == "VERIFY_RESIZE" {
            break s;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    assert_eq!(
        tasks,
        [
            "resize_prep",
            "resize_migrating",
            "resize_migrated",
            "resize_finish"
        ]
    );
    assert_eq!(s["OS-EXT-STS:vm_state"], "resized");
    assert_eq!(s["OS-EXT-SRV-ATTR:host"], "compute3");
    let m = h.last_migration(&admin, &id).await;
    assert_eq!(
        (m["status"].as_str(), m["migration_type"].as_str()),
        (Some("finished"), Some("migration"))
    );

    let r = h
        .action(&id, &admin, "2.80", json!({"confirmResize": null}))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    h.wait_migration(&admin, &id, "confirmed").await;
    let s = h.wait_status(&admin, &id, "ACTIVE").await;
    assert_eq!(s["OS-EXT-SRV-ATTR:host"], "compute3");
    // A second confirm has nothing to confirm.
    let r = h
        .action(&id, &admin, "2.80", json!({"confirmResize": null}))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn revert_goes_back_to_the_source_host() {
    let h = fast();
    let admin = h.token("admin").await;
    let id = h.server_id(&admin, "app-2").await;
    assert_eq!(
        h.action(&id, &admin, "2.1", json!({"migrate": null}))
            .await
            .status,
        StatusCode::ACCEPTED
    );
    let s = h.wait_status(&admin, &id, "VERIFY_RESIZE").await;
    assert_ne!(s["OS-EXT-SRV-ATTR:host"], "compute2");
    let r = h
        .action(&id, &admin, "2.80", json!({"revertResize": null}))
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    let s = h.show(&admin, &id).await;
    assert_eq!(s["status"], "REVERT_RESIZE");
    assert_eq!(s["OS-EXT-STS:task_state"], "resize_reverting");
    h.wait_migration(&admin, &id, "reverted").await;
    let s = h.wait_status(&admin, &id, "ACTIVE").await;
    assert_eq!(s["OS-EXT-SRV-ATTR:host"], "compute2");
}

#[tokio::test]
async fn a_stopped_instance_comes_back_shutoff() {
    let h = fast();
    let admin = h.token("admin").await;
    let id = h.server_id(&admin, "web-stopped-1").await;
    assert_eq!(
        h.action(&id, &admin, "2.80", json!({"migrate": null}))
            .await
            .status,
        StatusCode::ACCEPTED
    );
    h.wait_status(&admin, &id, "VERIFY_RESIZE").await;
    assert_eq!(
        h.action(&id, &admin, "2.80", json!({"confirmResize": null}))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let s = h.wait_status(&admin, &id, "SHUTOFF").await;
    assert_eq!(s["OS-EXT-STS:power_state"], 4);
}

#[tokio::test]
async fn demo_verify_resize_instances_confirm_and_revert() {
    let h = fast();
    let admin = h.token("admin").await;
    let member = h.token("member").await;
    let etl = h.server_id(&admin, "etl-resized-1").await;
    // Confirm needs only a project member.
    let r = h
        .action(&etl, &member, "2.80", json!({"confirmResize": null}))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{:?}", r.body);
    h.wait_status(&admin, &etl, "ACTIVE").await;
    let web = h.server_id(&admin, "web-resized-1").await;
    assert_eq!(
        h.action(&web, &admin, "2.80", json!({"revertResize": null}))
            .await
            .status,
        StatusCode::ACCEPTED
    );
    let s = h.wait_status(&admin, &web, "ACTIVE").await;
    assert_eq!(s["OS-EXT-SRV-ATTR:host"], "compute3");
}

#[tokio::test]
async fn cold_no_valid_host_answers_202_then_errors() {
    let h = fast();
    let admin = h.token("admin").await;
    let id = h.server_id(&admin, "bigmem-1").await;
    assert_eq!(
        h.action(&id, &admin, "2.80", json!({"migrate": null}))
            .await
            .status,
        StatusCode::ACCEPTED
    );
    h.wait_migration(&admin, &id, "error").await;
    let s = h.wait_status(&admin, &id, "ACTIVE").await;
    assert_eq!(s["OS-EXT-SRV-ATTR:host"], "compute10");
    let actions = h
        .get(
            &format!("/servers/{id}/os-instance-actions"),
            &admin,
            "2.84",
        )
        .await;
    let rid = actions.body["instanceActions"][0]["request_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_eq!(actions.body["instanceActions"][0]["action"], "migrate");
    let a = h
        .get(
            &format!("/servers/{id}/os-instance-actions/{rid}"),
            &admin,
            "2.84",
        )
        .await;
    let events = a.body["instanceAction"]["events"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let cold = events
        .iter()
        .find(|e| e["event"] == "cold_migrate")
        .expect("cold_migrate event");
    assert_eq!(cold["result"], "Error");
    assert_eq!(
        cold["details"],
        "No valid host was found. No valid host found for cold migrate"
    );
}

#[tokio::test]
async fn cold_migrate_policies_and_host_checks() {
    let h = fast();
    let admin = h.token("admin").await;
    let operator = h.token("operator").await;
    let member = h.token("member").await;
    let etl = h.server_id(&admin, "etl-1").await;
    let r = h
        .action(&etl, &member, "2.80", json!({"migrate": null}))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        r.body,
        json!({"forbidden": {"code": 403, "message": "Policy doesn't allow os_compute_api:os-migrate-server:migrate to be performed."}})
    );
    let app = h.server_id(&admin, "app-3").await;
    let r = h
        .action(
            &app,
            &operator,
            "2.56",
            json!({"migrate": {"host": "compute1"}}),
        )
        .await;
    assert_eq!(
        r.message(),
        "Policy doesn't allow os_compute_api:os-migrate-server:migrate:host to be performed."
    );
    let r = h
        .action(
            &app,
            &admin,
            "2.56",
            json!({"migrate": {"host": "compute3"}}),
        )
        .await;
    assert_eq!(
        (r.status, r.message().as_str()),
        (
            StatusCode::BAD_REQUEST,
            "Cannot migrate to the host where the server exists."
        )
    );
    let r = h
        .action(
            &app,
            &admin,
            "2.56",
            json!({"migrate": {"host": "nowhere"}}),
        )
        .await;
    assert_eq!(
        (r.status, r.message().as_str()),
        (
            StatusCode::BAD_REQUEST,
            "Compute host nowhere could not be found."
        )
    );
    let r = h
        .action(
            &app,
            &admin,
            "2.56",
            json!({"migrate": {"host": "compute1", "x": 1}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = h.action(&app, &admin, "2.56", json!({"migrate": 5})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // An instance on a down host cannot be cold migrated.
    let down = h.server_id(&admin, "batch-8").await;
    let r = h
        .action(&down, &admin, "2.80", json!({"migrate": null}))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    // The operator (manager) may move its own project's instance without a host.
    let r = h
        .action(&app, &operator, "2.80", json!({"migrate": null}))
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{:?}", r.body);
}

#[tokio::test]
async fn confirm_or_revert_of_an_unresized_instance_is_409() {
    let h = fast();
    let admin = h.token("admin").await;
    let id = h.server_id(&admin, "app-4").await;
    let r = h
        .action(&id, &admin, "2.80", json!({"confirmResize": null}))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(
        r.message(),
        format!("Cannot 'confirmResize' instance {id} while it is in vm_state active")
    );
    let r = h
        .action(&id, &admin, "2.80", json!({"revertResize": null}))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn auto_confirm_after_the_window() {
    let h = harness(CloudConfig {
        speed: 1000.0,
        auto_confirm: Some(Duration::from_secs(30)),
        ..CloudConfig::default()
    });
    let admin = h.token("admin").await;
    let id = h.server_id(&admin, "etl-3").await;
    assert_eq!(
        h.action(&id, &admin, "2.80", json!({"migrate": null}))
            .await
            .status,
        StatusCode::ACCEPTED
    );
    h.wait_migration(&admin, &id, "confirmed").await;
    let s = h.wait_status(&admin, &id, "ACTIVE").await;
    assert_ne!(s["OS-EXT-SRV-ATTR:host"], "compute3");
    let actions = h
        .get(
            &format!("/servers/{id}/os-instance-actions"),
            &admin,
            "2.84",
        )
        .await;
    assert_eq!(
        actions.body["instanceActions"][0]["action"],
        "confirmResize"
    );
}

#[tokio::test]
async fn without_auto_confirm_verify_resize_waits() {
    let h = fast();
    let admin = h.token("admin").await;
    let id = h.server_id(&admin, "etl-2").await;
    h.action(&id, &admin, "2.80", json!({"migrate": null}))
        .await;
    h.wait_status(&admin, &id, "VERIFY_RESIZE").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(h.show(&admin, &id).await["status"], "VERIFY_RESIZE");
}
