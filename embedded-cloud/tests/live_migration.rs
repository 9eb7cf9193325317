//! Live migration state machine: every path, policies, locks, races, schemas.

mod common;

use std::time::Duration;

use axum::http::{Method, StatusCode};
use common::*;
use serde_json::{json, Value};

fn live(host: Value) -> Value {
    json!({"os-migrateLive": {"host": host, "block_migration": "auto"}})
}

#[tokio::test]
async fn live_migration_to_a_chosen_host_walks_the_states_and_moves_the_host() {
    let h = observable();
    let admin = h.token("admin").await;
    let id = h.server_id(&admin, "app-1").await;
    let r = h.action(&id, &admin, "2.30", live(json!("compute3"))).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{:?}", r.body);
    assert_eq!(r.body, Value::Null, "202 without a body");

    let s = h.show(&admin, &id).await;
    assert_eq!(s["status"], "MIGRATING");
    assert_eq!(s["OS-EXT-STS:task_state"], "migrating");

    // Watch the migration record through its statuses.
    let mut seen = Vec::<String>::new();
    let mut memory_went_back = false;
    let mut last_remaining = u64::MAX;
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        assert!(std::time::Instant::now() < deadline, "timed out: {seen:?}");
        let m = h.last_migration(&admin, &id).await;
        let st = m["status"].as_str().unwrap_or_default().to_string();
        if seen.last() != Some(&st) {
            seen.push(st.clone());
        }
        if st == "running" {
            let r = h
                .get(&format!("/servers/{id}/migrations"), &admin, "2.80")
                .await;
            if let Some(rem) = r.body["migrations"][0]["memory_remaining_bytes"].as_u64() {
                if rem > last_remaining && last_remaining != u64::MAX {
                    memory_went_back = true;
                }
                last_remaining = rem;
            }
        }
        if st == "completed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let order = [
        "accepted",
        "queued",
        "preparing",
        "running",
        "post-migrating",
        "completed",
    ];
    let positions: Vec<usize> = seen
        .iter()
        .map(|s| order.iter().position(|o| o == s).expect("known status"))
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "order {seen:?}");
    assert!(seen.contains(&"running".to_string()), "{seen:?}");
    assert!(
        memory_went_back,
        "dirty pages should push memory_remaining back up at least once"
    );

    let s = h.wait_status(&admin, &id, "ACTIVE").await;
    assert_eq!(s["OS-EXT-SRV-ATTR:host"], "compute3");
    assert_eq!(s["OS-EXT-SRV-ATTR:hypervisor_hostname"], "compute3");
    let m = h.last_migration(&admin, &id).await;
    assert_eq!(m["dest_compute"], "compute3");
    assert_eq!(m["source_compute"], "compute1");
    assert_eq!(m["migration_type"], "live-migration");
}

#[tokio::test]
async fn scheduler_picks_an_enabled_up_host_with_room() {
    let h = fast();
    let admin = h.token("admin").await;
    let id = h.server_id(&admin, "app-2").await;
    let r = h.action(&id, &admin, "2.104", live(Value::Null)).await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    let m = h.wait_migration(&admin, &id, "completed").await;
    let dest = m["dest_compute"].as_str().unwrap_or_default().to_string();
    assert!(
        ["compute1", "compute3", "compute10"].contains(&dest.as_str()),
        "never compute2 (source), compute4 (disabled), compute11 (down) or ironic: {dest}"
    );
    let s = h.wait_status(&admin, &id, "ACTIVE").await;
    assert_eq!(s["OS-EXT-SRV-ATTR:host"], dest.as_str());
}

async fn assert_no_valid_host(h: &Harness, admin: &str, name: &str) {
    let id = h.server_id(admin, name).await;
    let before = h.show(admin, &id).await;
    let r = h.action(&id, admin, "2.80", live(Value::Null)).await;
    assert_eq!(
        r.status,
        StatusCode::ACCEPTED,
        "async since 2.34: {:?}",
        r.body
    );
    let m = h.wait_migration(admin, &id, "error").await;
    assert!(m["dest_compute"].is_null());
    let s = h.wait_status(admin, &id, "ACTIVE").await;
    assert_eq!(s["OS-EXT-SRV-ATTR:host"], before["OS-EXT-SRV-ATTR:host"]);

    let actions = h
        .get(&format!("/servers/{id}/os-instance-actions"), admin, "2.84")
        .await;
    let live = actions.body["instanceActions"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["action"] == "live-migration"))
        .cloned()
        .expect("live-migration action");
    assert_eq!(live["message"], "Error");
    let rid = live["request_id"].as_str().unwrap_or_default();
    let detail = h
        .get(
            &format!("/servers/{id}/os-instance-actions/{rid}"),
            admin,
            "2.84",
        )
        .await;
    let events = detail.body["instanceAction"]["events"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let failed = events
        .iter()
        .find(|e| e["result"] == "Error")
        .expect("an Error event");
    assert_eq!(failed["event"], "conductor_live_migrate_instance");
    assert!(
        failed["details"]
            .as_str()
            .unwrap_or_default()
            .contains("No valid host was found"),
        "{failed:?}"
    );
}

#[tokio::test]
async fn anti_affinity_leaves_no_valid_host_for_web_1() {
    let h = fast();
    let admin = h.token("admin").await;
    assert_no_valid_host(&h, &admin, "web-1").await;
}

#[tokio::test]
async fn capacity_leaves_no_valid_host_for_bigmem_1() {
    let h = fast();
    let admin = h.token("admin").await;
    assert_no_valid_host(&h, &admin, "bigmem-1").await;
}

#[tokio::test]
async fn anti_affinity_blocks_a_named_destination_too() {
    let h = fast();
    let admin = h.token("admin").await;
    let id = h.server_id(&admin, "web-1").await;
    let r = h.action(&id, &admin, "2.68", live(json!("compute2"))).await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    h.wait_migration(&admin, &id, "error").await;
}

#[tokio::test]
async fn before_2_34_no_valid_host_is_a_synchronous_400() {
    let h = fast();
    let admin = h.token("admin").await;
    let id = h.server_id(&admin, "web-1").await;
    let body = json!({"os-migrateLive": {"host": null, "block_migration": false}});
    let r = h.action(&id, &admin, "2.33", body).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.message(),
        "No valid host was found. There are not enough hosts available."
    );
    assert_eq!(h.show(&admin, &id).await["status"], "ACTIVE");
}

#[tokio::test]
async fn migrating_to_the_current_host_fails_the_migration() {
    let h = fast();
    let admin = h.token("admin").await;
    let id = h.server_id(&admin, "app-3").await;
    let r = h.action(&id, &admin, "2.80", live(json!("compute3"))).await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    h.wait_migration(&admin, &id, "error").await;
}

#[tokio::test]
async fn an_unknown_host_is_400() {
    let h = fast();
    let admin = h.token("admin").await;
    let id = h.server_id(&admin, "app-3").await;
    let r = h
        .action(&id, &admin, "2.80", live(json!("compute99")))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.body["badRequest"]["message"],
        "Compute host compute99 could not be found."
    );
}

#[tokio::test]
async fn abort_cancels_a_running_migration_and_keeps_the_host() {
    let h = observable();
    let admin = h.token("admin").await;
    let id = h.server_id(&admin, "app-4").await;
    assert_eq!(
        h.action(&id, &admin, "2.80", live(json!("compute1")))
            .await
            .status,
        StatusCode::ACCEPTED
    );
    let m = h.wait_migration(&admin, &id, "running").await;
    let mid = m["id"].as_u64().expect("id");
    let r = h
        .nova(
            Method::DELETE,
            &format!("/servers/{id}/migrations/{mid}"),
            &admin,
            "2.24",
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{:?}", r.body);
    h.wait_migration(&admin, &id, "cancelled").await;
    let s = h.wait_status(&admin, &id, "ACTIVE").await;
    assert_eq!(s["OS-EXT-SRV-ATTR:host"], "compute10");
}

#[tokio::test]
async fn force_complete_finishes_a_running_migration() {
    let h = harness(embedded_cloud::CloudConfig {
        speed: 5.0,
        ..Default::default()
    });
    let admin = h.token("admin").await;
    let id = h.server_id(&admin, "etl-2").await;
    assert_eq!(
        h.action(&id, &admin, "2.80", live(json!("compute3")))
            .await
            .status,
        StatusCode::ACCEPTED
    );
    let m = h.wait_migration(&admin, &id, "running").await;
    let mid = m["id"].as_u64().expect("id");
    let path = format!("/servers/{id}/migrations/{mid}/action");
    let r = h
        .nova(
            Method::POST,
            &path,
            &admin,
            "2.22",
            Some(json!({"force_complete": null})),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{:?}", r.body);
    // The non-converging case, where forcing is the only way to finish, is in
    // live_migration_control.rs; queued/paused refusals too.
    h.wait_migration(&admin, &id, "completed").await;
    assert_eq!(
        h.wait_status(&admin, &id, "ACTIVE").await["OS-EXT-SRV-ATTR:host"],
        "compute3"
    );
}

#[tokio::test]
async fn twenty_simultaneous_requests_get_exactly_one_202() {
    let h = std::sync::Arc::new(fast());
    let admin = h.token("admin").await;
    let id = h.server_id(&admin, "etl-4").await;
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let h = h.clone();
        let (admin, id) = (admin.clone(), id.clone());
        tasks.push(tokio::spawn(async move {
            h.action(&id, &admin, "2.80", live(Value::Null)).await
        }));
    }
    let mut accepted = 0;
    let mut conflicts = 0;
    for t in tasks {
        let r = t.await.expect("task");
        match r.status {
            StatusCode::ACCEPTED => accepted += 1,
            StatusCode::CONFLICT => {
                assert!(
                    r.message().contains("while it is in task_state migrating"),
                    "{}",
                    r.message()
                );
                conflicts += 1;
            }
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!((accepted, conflicts), (1, 19));
}

#[tokio::test]
async fn policies_of_live_migration() {
    let h = fast();
    let admin = h.token("admin").await;
    let operator = h.token("operator").await;
    let member = h.token("member").await;
    let web = h.server_id(&admin, "app-1").await;
    let etl = h.server_id(&admin, "etl-1").await;

    let r = h.action(&etl, &member, "2.80", live(Value::Null)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        r.body["forbidden"]["message"],
        "Policy doesn't allow os_compute_api:os-migrate-server:migrate_live to be performed."
    );
    let r = h
        .action(&web, &operator, "2.80", live(json!("compute3")))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        r.message(),
        "Policy doesn't allow os_compute_api:os-migrate-server:migrate_live:host to be performed."
    );
    // Another project's server does not exist for the operator.
    let r = h.action(&etl, &operator, "2.80", live(Value::Null)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = h.action(&web, &operator, "2.80", live(Value::Null)).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{:?}", r.body);
}

#[tokio::test]
async fn locked_instance_is_409_for_its_project_but_not_for_admin() {
    let h = fast();
    let admin = h.token("admin").await;
    let operator = h.token("operator").await;
    let id = h.server_id(&admin, "web-db-1").await;
    let r = h.action(&id, &operator, "2.80", live(Value::Null)).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(
        r.body["conflictingRequest"]["message"],
        format!("Instance {id} is locked")
    );
    assert_eq!(r.body["conflictingRequest"]["code"], 409);
    let r = h.action(&id, &admin, "2.80", live(json!("compute1"))).await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
}

#[tokio::test]
async fn wrong_state_is_409_with_novas_message() {
    let h = fast();
    let admin = h.token("admin").await;
    let id = h.server_id(&admin, "web-stopped-1").await;
    let r = h.action(&id, &admin, "2.80", live(Value::Null)).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(
        r.message(),
        format!("Cannot 'os-migrateLive' instance {id} while it is in vm_state stopped")
    );
}

#[tokio::test]
async fn paused_instances_live_migrate_and_stay_paused() {
    let h = fast();
    let admin = h.token("admin").await;
    let id = h.server_id(&admin, "web-paused-1").await;
    assert_eq!(
        h.action(&id, &admin, "2.80", live(json!("compute3")))
            .await
            .status,
        StatusCode::ACCEPTED
    );
    let s = h.wait_status(&admin, &id, "PAUSED").await;
    assert_eq!(s["OS-EXT-SRV-ATTR:host"], "compute3");
}

#[tokio::test]
async fn schema_of_each_microversion_range() {
    let h = fast();
    let admin = h.token("admin").await;
    let id = h.server_id(&admin, "app-3").await;
    let cases: &[(&str, Value, u16, &str)] = &[
        // 2.1–2.24: all three required, "auto" not allowed.
        (
            "2.24",
            json!({"host": null, "block_migration": false}),
            400,
            "'disk_over_commit' is a required property",
        ),
        (
            "2.24",
            json!({"host": null, "block_migration": "auto", "disk_over_commit": false}),
            400,
            "",
        ),
        // 2.25: disk_over_commit is gone.
        (
            "2.25",
            json!({"host": null, "block_migration": "auto", "disk_over_commit": false}),
            400,
            "Additional properties are not allowed ('disk_over_commit' was unexpected)",
        ),
        (
            "2.25",
            json!({"block_migration": "auto"}),
            400,
            "'host' is a required property",
        ),
        (
            "2.25",
            json!({"host": null, "block_migration": "auto", "force": true}),
            400,
            "Additional properties are not allowed",
        ),
        // 2.30–2.67: force without a host.
        (
            "2.30",
            json!({"host": null, "block_migration": "auto", "force": true}),
            400,
            "Can't force to a non-provided destination",
        ),
        (
            "2.67",
            json!({"host": null, "block_migration": "maybe"}),
            400,
            "",
        ),
        // 2.68: force is gone again.
        (
            "2.68",
            json!({"host": "compute1", "block_migration": "auto", "force": true}),
            400,
            "Additional properties are not allowed ('force' was unexpected)",
        ),
        (
            "2.80",
            json!("not an object"),
            400,
            "is not of type 'object'",
        ),
        (
            "2.80",
            json!({"host": 12, "block_migration": "auto"}),
            400,
            "",
        ),
    ];
    for (mv, args, status, text) in cases {
        let r = h
            .action(&id, &admin, mv, json!({"os-migrateLive": args}))
            .await;
        assert_eq!(r.status.as_u16(), *status, "{mv} {args}: {:?}", r.body);
        assert!(r.body.get("badRequest").is_some(), "{:?}", r.body);
        assert!(r.message().contains(text), "{mv} {args}: {}", r.message());
    }
    // Nothing above started a migration.
    assert_eq!(h.show(&admin, &id).await["status"], "ACTIVE");
    // The valid shape at 2.24 works.
    let ok = json!({"os-migrateLive": {"host": null, "block_migration": false, "disk_over_commit": false}});
    assert_eq!(
        h.action(&id, &admin, "2.24", ok).await.status,
        StatusCode::ACCEPTED
    );
}

#[tokio::test]
async fn forced_live_migration_to_a_host_skips_the_group_filter() {
    let h = fast();
    let admin = h.token("admin").await;
    let id = h.server_id(&admin, "web-1").await;
    let body =
        json!({"os-migrateLive": {"host": "compute2", "block_migration": "auto", "force": true}});
    assert_eq!(
        h.action(&id, &admin, "2.30", body).await.status,
        StatusCode::ACCEPTED
    );
    h.wait_migration(&admin, &id, "completed").await;
}

#[tokio::test]
async fn block_migration_counts_disk_bytes() {
    let h = observable();
    let admin = h.token("admin").await;
    let id = h.server_id(&admin, "app-1").await;
    let body = json!({"os-migrateLive": {"host": "compute2", "block_migration": true}});
    assert_eq!(
        h.action(&id, &admin, "2.80", body).await.status,
        StatusCode::ACCEPTED
    );
    h.wait_migration(&admin, &id, "running").await;
    let r = h
        .get(&format!("/servers/{id}/migrations"), &admin, "2.80")
        .await;
    let m = &r.body["migrations"][0];
    assert_eq!(m["disk_total_bytes"], 20u64 * 1024 * 1024 * 1024);
    assert_eq!(m["memory_total_bytes"], 2048u64 * 1024 * 1024);
    let mid = m["id"].as_u64().expect("id");
    let one = h
        .get(&format!("/servers/{id}/migrations/{mid}"), &admin, "2.80")
        .await;
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!(one.body["migration"]["server_uuid"], id.as_str());
}

#[tokio::test]
async fn placement_usage_moves_with_the_instance() {
    let h = fast();
    let admin = h.token("admin").await;
    let id = h.server_id(&admin, "app-1").await;
    let hv = h.get("/os-hypervisors/detail", &admin, "2.88").await;
    let uuid_of = |name: &str| {
        hv.body["hypervisors"]
            .as_array()
            .and_then(|a| a.iter().find(|x| x["hypervisor_hostname"] == name))
            .map(|x| x["id"].as_str().unwrap_or_default().to_string())
            .expect("hypervisor")
    };
    let usage = |uuid: String| {
        let h = &h;
        let admin = admin.clone();
        async move {
            let r = h
                .raw(
                    Method::GET,
                    &format!("/placement/resource_providers/{uuid}/usages"),
                    &[("x-auth-token", &admin)],
                    None,
                )
                .await;
            r.body["usages"]["MEMORY_MB"].as_u64().expect("usage")
        }
    };
    let (c1, c3) = (uuid_of("compute1"), uuid_of("compute3"));
    let (before1, before3) = (usage(c1.clone()).await, usage(c3.clone()).await);
    assert_eq!(
        h.action(&id, &admin, "2.80", live(json!("compute3")))
            .await
            .status,
        StatusCode::ACCEPTED
    );
    h.wait_status(&admin, &id, "ACTIVE").await;
    h.wait_migration(&admin, &id, "completed").await;
    assert_eq!(usage(c1).await, before1 - 2048);
    assert_eq!(usage(c3).await, before3 + 2048);
}
