//! What Ferry's live-migration monitoring needs from the cloud: the per-source
//! queue (`max_concurrent_live_migrations`), the 5 s stats cadence, migrations
//! that never converge or stall, Nova's completion timeout, and Nova's exact
//! answers to abort / force-complete in every state.

mod common;

use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use common::*;
use embedded_cloud::{CloudConfig, TimeoutAction};
use serde_json::{json, Value};

fn live(host: &str) -> Value {
    json!({"os-migrateLive": {"host": host, "block_migration": "auto"}})
}

fn at(speed: f64) -> Harness {
    harness(CloudConfig {
        speed,
        ..CloudConfig::default()
    })
}

async fn hook(h: &Harness, token: &str, path: &str, body: Value) -> Resp {
    h.raw(
        Method::PUT,
        path,
        &[("x-auth-token", token)],
        Some(serde_json::to_vec(&body).expect("json")),
    )
    .await
}

async fn behave(h: &Harness, admin: &str, id: &str, body: Value) {
    let r = hook(
        h,
        admin,
        &format!("/_cloud/servers/{id}/migration-behaviour"),
        body,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
}

async fn start(h: &Harness, admin: &str, id: &str, dest: &str) -> u64 {
    let r = h.action(id, admin, "2.80", live(dest)).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{:?}", r.body);
    let m = h.last_migration(admin, id).await;
    assert_eq!(m["migration_type"], "live-migration", "{m}");
    m["id"].as_u64().expect("migration id")
}

/// The server's in-progress migration as `GET .../migrations/{mid}` shows it.
async fn record(h: &Harness, admin: &str, id: &str, mid: u64) -> Resp {
    h.get(&format!("/servers/{id}/migrations/{mid}"), admin, "2.80")
        .await
}

/// Every distinct write of the record (by updated_at) seen while polling for
/// `real` wall time, stopping early once the migration is no longer running.
async fn samples(h: &Harness, admin: &str, id: &str, mid: u64, real: Duration) -> Vec<Value> {
    let start = Instant::now();
    let mut out: Vec<Value> = Vec::new();
    while start.elapsed() < real {
        let r = record(h, admin, id, mid).await;
        let m = r.body["migration"].clone();
        if m["status"] != "running" {
            break;
        }
        if out
            .last()
            .is_none_or(|l| l["updated_at"] != m["updated_at"])
        {
            out.push(m);
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    out
}

fn u(v: &Value, k: &str) -> u64 {
    v[k].as_u64()
        .unwrap_or_else(|| panic!("{k} is not a number in {v}"))
}

fn time_of(v: &Value) -> chrono::NaiveDateTime {
    chrono::NaiveDateTime::parse_from_str(
        v["updated_at"].as_str().expect("updated_at"),
        "%Y-%m-%dT%H:%M:%S%.f",
    )
    .expect("Nova's timestamp format")
}

async fn status_of(h: &Harness, admin: &str, id: &str) -> String {
    h.last_migration(admin, id).await["status"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn a_second_migration_from_the_same_source_stays_queued_until_the_first_ends() {
    let h = at(40.0);
    let admin = h.token("admin").await;
    // Both on compute1, whose max_concurrent_live_migrations is Nova's default 1.
    let first = h.server_id(&admin, "app-1").await;
    let second = h.server_id(&admin, "etl-1").await;
    start(&h, &admin, &first, "compute3").await;
    h.wait_migration(&admin, &first, "queued").await;
    start(&h, &admin, &second, "compute2").await;
    h.wait_migration(&admin, &second, "queued").await;

    // Until the first is completed, the second is queued and its server MIGRATING.
    let mut first_seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        assert!(Instant::now() < deadline, "{first_seen:?}");
        let one = status_of(&h, &admin, &first).await;
        let two = status_of(&h, &admin, &second).await;
        if first_seen.last() != Some(&one) {
            first_seen.push(one.clone());
        }
        if two != "queued" {
            assert_eq!(one, "completed", "the slot frees only when the first ends");
            break;
        }
        let s = h.show(&admin, &second).await;
        assert_eq!(s["status"], "MIGRATING");
        assert_eq!(s["OS-EXT-STS:task_state"], "migrating");
        // The test runtime is single-threaded: yield so the cloud's tasks run.
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    assert!(
        first_seen.iter().any(|s| s == "running"),
        "the first ran while the second waited: {first_seen:?}"
    );
    h.wait_migration(&admin, &second, "completed").await;
    let s = h.wait_status(&admin, &second, "ACTIVE").await;
    assert_eq!(s["OS-EXT-SRV-ATTR:host"], "compute2");
}

#[tokio::test]
async fn queued_migrations_start_in_the_order_they_were_queued() {
    let h = at(200.0);
    let admin = h.token("admin").await;
    let ids = [
        h.server_id(&admin, "app-1").await,
        h.server_id(&admin, "etl-1").await,
        h.server_id(&admin, "batch-1").await,
    ];
    for (id, dest) in ids.iter().zip(["compute3", "compute2", "compute10"]) {
        start(&h, &admin, id, dest).await;
        h.wait_migration(&admin, id, "queued").await;
    }
    let mut order: Vec<usize> = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while order.len() < ids.len() {
        assert!(Instant::now() < deadline, "{order:?}");
        for (n, id) in ids.iter().enumerate() {
            if !order.contains(&n) && status_of(&h, &admin, id).await != "queued" {
                order.push(n);
            }
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    assert_eq!(order, vec![0, 1, 2]);
}

#[tokio::test]
async fn a_host_limit_of_two_runs_two_at_once_and_zero_means_unlimited() {
    let h = at(40.0);
    let admin = h.token("admin").await;
    let r = hook(
        &h,
        &admin,
        "/_cloud/hosts/compute1",
        json!({"max_concurrent_live_migrations": 2}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(
        r.body,
        json!({"host": "compute1", "max_concurrent_live_migrations": 2})
    );
    let first = h.server_id(&admin, "app-1").await;
    let second = h.server_id(&admin, "etl-1").await;
    behave(&h, &admin, &first, json!({"converge": false})).await;
    start(&h, &admin, &first, "compute3").await;
    h.wait_migration(&admin, &first, "running").await;
    start(&h, &admin, &second, "compute2").await;
    h.wait_migration(&admin, &second, "running").await;
    assert_eq!(status_of(&h, &admin, &first).await, "running");

    // With unlimited, a third from the same source does not wait either.
    let r = hook(
        &h,
        &admin,
        "/_cloud/hosts/compute1",
        json!({"max_concurrent_live_migrations": 0}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    behave(&h, &admin, &second, json!({"converge": false})).await;
    let third = h.server_id(&admin, "batch-1").await;
    start(&h, &admin, &third, "compute10").await;
    h.wait_migration(&admin, &third, "running").await;
}

#[tokio::test]
async fn lowering_the_limit_from_config_queues_behind_one() {
    // CloudConfig sets every host's limit at start; 1 is Nova's default, so
    // here 3 lets both run, the opposite of the first test.
    let h = harness(CloudConfig {
        speed: 40.0,
        max_concurrent_live_migrations: 3,
        ..CloudConfig::default()
    });
    let admin = h.token("admin").await;
    let first = h.server_id(&admin, "app-1").await;
    let second = h.server_id(&admin, "etl-1").await;
    behave(&h, &admin, &first, json!({"converge": false})).await;
    start(&h, &admin, &first, "compute3").await;
    h.wait_migration(&admin, &first, "running").await;
    start(&h, &admin, &second, "compute2").await;
    h.wait_migration(&admin, &second, "running").await;
}

#[tokio::test]
async fn the_hooks_need_an_admin_a_known_target_and_a_valid_body() {
    let h = fast();
    let admin = h.token("admin").await;
    let operator = h.token("operator").await;
    let id = h.server_id(&admin, "app-1").await;
    let path = format!("/_cloud/servers/{id}/migration-behaviour");
    let cases: &[(&str, &str, Value, StatusCode)] = &[
        (
            operator.as_str(),
            "/_cloud/hosts/compute1",
            json!({"max_concurrent_live_migrations": 2}),
            StatusCode::FORBIDDEN,
        ),
        (
            "not-a-token",
            "/_cloud/hosts/compute1",
            json!({"max_concurrent_live_migrations": 2}),
            StatusCode::UNAUTHORIZED,
        ),
        (
            admin.as_str(),
            "/_cloud/hosts/compute99",
            json!({"max_concurrent_live_migrations": 2}),
            StatusCode::NOT_FOUND,
        ),
        (
            admin.as_str(),
            "/_cloud/hosts/compute1",
            json!({"max_concurrent_live_migrations": -1}),
            StatusCode::BAD_REQUEST,
        ),
        (
            operator.as_str(),
            path.as_str(),
            json!({"converge": false}),
            StatusCode::FORBIDDEN,
        ),
        (
            admin.as_str(),
            "/_cloud/servers/nope/migration-behaviour",
            json!({"converge": false}),
            StatusCode::NOT_FOUND,
        ),
        (
            admin.as_str(),
            path.as_str(),
            json!({"converge": "no"}),
            StatusCode::BAD_REQUEST,
        ),
        (
            admin.as_str(),
            path.as_str(),
            json!({"speed": 3}),
            StatusCode::BAD_REQUEST,
        ),
    ];
    for (token, path, body, status) in cases {
        let r = hook(&h, token, path, body.clone()).await;
        assert_eq!(r.status, *status, "{path} {body}: {:?}", r.body);
    }
    // Partial updates keep the other field.
    let r = hook(&h, &admin, &path, json!({"stall": true})).await;
    assert_eq!(r.body, json!({"id": id, "converge": true, "stall": true}));
    let r = hook(&h, &admin, &path, json!({"converge": false})).await;
    assert_eq!(r.body, json!({"id": id, "converge": false, "stall": true}));
}

#[tokio::test]
async fn counters_are_null_until_running_then_written_every_five_seconds() {
    let speed = 20.0;
    let h = at(speed);
    let admin = h.token("admin").await;
    let id = h.server_id(&admin, "app-1").await;
    let mid = start(&h, &admin, &id, "compute3").await;
    let m = h.wait_migration(&admin, &id, "queued").await;
    assert_eq!(m["id"], mid);
    let r = record(&h, &admin, &id, mid).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    for k in [
        "memory_total_bytes",
        "memory_remaining_bytes",
        "disk_total_bytes",
    ] {
        assert!(r.body["migration"][k].is_null(), "{k}: {:?}", r.body);
    }
    h.wait_migration(&admin, &id, "running").await;

    let seen = samples(&h, &admin, &id, mid, Duration::from_secs(10)).await;
    assert!(seen.len() >= 3, "{seen:?}");
    let total = u(&seen[0], "memory_total_bytes");
    assert_eq!(total, 2048 * 1024 * 1024);
    // The monitor's first look, before any byte is copied.
    assert_eq!(u(&seen[0], "memory_remaining_bytes"), total);
    assert_eq!(u(&seen[0], "memory_processed_bytes"), 0);
    // Writes come every live_migration_monitor_interval (5 s, speed-scaled);
    // sleeps never end early, so the gap has a hard lower bound.
    let min_gap = Duration::from_secs_f64(5.0 / speed * 0.95);
    for w in seen.windows(2) {
        let gap = (time_of(&w[1]) - time_of(&w[0]))
            .to_std()
            .expect("updated_at moves forward");
        assert!(gap >= min_gap, "{gap:?} between {} and {}", w[0], w[1]);
    }
    // Dirty pages push the remainder back up once, so progress can run backwards.
    let rem: Vec<u64> = seen
        .iter()
        .map(|m| u(m, "memory_remaining_bytes"))
        .collect();
    assert!(rem.windows(2).any(|w| w[1] > w[0]), "{rem:?}");

    // The copy converged; re-sent pages make processed exceed the total.
    let post = h.wait_migration(&admin, &id, "post-migrating").await;
    let r = record(&h, &admin, &id, post["id"].as_u64().expect("id")).await;
    let m = &r.body["migration"];
    assert_eq!(u(m, "memory_remaining_bytes"), 0, "{m}");
    assert!(u(m, "memory_processed_bytes") > total, "{m}");
    h.wait_migration(&admin, &id, "completed").await;
    let s = h.wait_status(&admin, &id, "ACTIVE").await;
    assert_eq!(s["progress"], 0, "progress resets when the migration ends");
}

#[tokio::test]
async fn server_progress_follows_memory_remaining_while_migrating() {
    let h = at(20.0);
    let admin = h.token("admin").await;
    let id = h.server_id(&admin, "app-1").await;
    let mid = start(&h, &admin, &id, "compute3").await;
    h.wait_migration(&admin, &id, "running").await;
    let found = h
        .wait("progress above 0", Duration::from_secs(10), || async {
            let m = record(&h, &admin, &id, mid).await.body["migration"].clone();
            let s = h.show(&admin, &id).await;
            let p = s["progress"].as_u64()?;
            let total = m["memory_total_bytes"].as_u64()? as f64;
            let rem = m["memory_remaining_bytes"].as_u64()? as f64;
            let expected = 100 - (rem * 100.0 / total).round() as u64;
            (p > 0).then_some((p, expected))
        })
        .await;
    // Read one after the other, the two may straddle a 5 s write; allow one step.
    assert!(found.0.abs_diff(found.1) <= 60, "{found:?}");
    // PAUSED and SHUTOFF servers carry no progress key at all.
    let paused = h.server(&admin, "web-paused-1").await;
    assert!(paused.get("progress").is_none(), "{paused}");
    assert!(h.server(&admin, "app-2").await.get("progress").is_some());
}

#[tokio::test]
async fn a_non_converging_migration_never_makes_a_new_low_until_force_completed() {
    let speed = 100.0;
    let h = at(speed);
    let admin = h.token("admin").await;
    let id = h.server_id(&admin, "etl-2").await;
    behave(&h, &admin, &id, json!({"converge": false})).await;
    let mid = start(&h, &admin, &id, "compute3").await;
    h.wait_migration(&admin, &id, "running").await;

    // 100 realistic seconds: a normal migration is done in about 20.
    let seen = samples(&h, &admin, &id, mid, Duration::from_secs_f64(100.0 / speed)).await;
    assert!(seen.len() >= 10, "{} samples", seen.len());
    assert_eq!(
        record(&h, &admin, &id, mid).await.body["migration"]["status"],
        "running",
        "still running after 100 s"
    );
    let rem: Vec<u64> = seen
        .iter()
        .map(|m| u(m, "memory_remaining_bytes"))
        .collect();
    // The first pass makes the one low (sample 1); no later sample goes under it.
    let low = rem[1];
    assert!(low < rem[0], "{rem:?}");
    assert!(rem[2..].iter().all(|r| *r >= low), "{rem:?}");
    // Bytes keep flowing: the guest re-dirties what was sent.
    let last = seen.last().expect("samples");
    assert!(
        u(last, "memory_processed_bytes") > u(last, "memory_total_bytes"),
        "{last}"
    );

    let r = h
        .nova(
            Method::POST,
            &format!("/servers/{id}/migrations/{mid}/action"),
            &admin,
            "2.22",
            Some(json!({"force_complete": null})),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{:?}", r.body);
    // Without post-copy Nova pauses the guest until switchover.
    h.wait("the guest paused", Duration::from_secs(5), || async {
        let s = h.show(&admin, &id).await;
        (s["OS-EXT-STS:power_state"] == 3 && s["status"] == "MIGRATING").then_some(())
    })
    .await;
    h.wait_migration(&admin, &id, "completed").await;
    let s = h.wait_status(&admin, &id, "ACTIVE").await;
    assert_eq!(s["OS-EXT-SRV-ATTR:host"], "compute3");
    assert_eq!(
        s["OS-EXT-STS:power_state"], 1,
        "running again on the destination"
    );
}

#[tokio::test]
async fn a_stalled_migration_keeps_its_record_frozen_until_aborted() {
    let speed = 100.0;
    let h = at(speed);
    let admin = h.token("admin").await;
    let id = h.server_id(&admin, "etl-3").await;
    let mid = start(&h, &admin, &id, "compute1").await;
    h.wait_migration(&admin, &id, "running").await;
    behave(&h, &admin, &id, json!({"stall": true})).await;
    // Let a write that was already under way land.
    tokio::time::sleep(Duration::from_secs_f64(1.0 / speed)).await;
    let before = record(&h, &admin, &id, mid).await.body["migration"].clone();
    // 30 realistic seconds: six missed writes.
    tokio::time::sleep(Duration::from_secs_f64(30.0 / speed)).await;
    let after = record(&h, &admin, &id, mid).await.body["migration"].clone();
    assert_eq!(after["status"], "running");
    assert_eq!(before, after, "nothing in the record changes");

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
    assert_eq!(s["OS-EXT-SRV-ATTR:host"], "compute3");
}

#[tokio::test]
async fn a_stall_while_preparing_holds_it_in_preparing_until_lifted() {
    let speed = 100.0;
    let h = at(speed);
    let admin = h.token("admin").await;
    let id = h.server_id(&admin, "etl-3").await;
    behave(&h, &admin, &id, json!({"stall": true})).await;
    start(&h, &admin, &id, "compute1").await;
    h.wait_migration(&admin, &id, "preparing").await;
    // pre_live_migration normally takes 3 s; wait 20.
    tokio::time::sleep(Duration::from_secs_f64(20.0 / speed)).await;
    assert_eq!(status_of(&h, &admin, &id).await, "preparing");
    behave(&h, &admin, &id, json!({"stall": false})).await;
    h.wait_migration(&admin, &id, "completed").await;
}

#[tokio::test]
async fn novas_completion_timeout_aborts_a_migration_that_never_converges() {
    // m1.small: 2 GiB of RAM, shared storage, so 800 s × 2 = 1600 s.
    let speed = 2000.0;
    let h = at(speed);
    let admin = h.token("admin").await;
    let id = h.server_id(&admin, "app-2").await;
    behave(&h, &admin, &id, json!({"converge": false})).await;
    start(&h, &admin, &id, "compute3").await;
    h.wait_migration(&admin, &id, "running").await;
    let running = Instant::now();
    h.wait_migration(&admin, &id, "cancelled").await;
    let took = running.elapsed().as_secs_f64() * speed;
    assert!(took >= 1600.0 * 0.95, "aborted after {took} realistic s");
    let s = h.wait_status(&admin, &id, "ACTIVE").await;
    assert_eq!(s["OS-EXT-SRV-ATTR:host"], "compute2");
}

#[tokio::test]
async fn the_timeout_action_force_complete_finishes_it_instead() {
    let h = harness(CloudConfig {
        speed: 2000.0,
        live_migration_timeout_action: TimeoutAction::ForceComplete,
        ..CloudConfig::default()
    });
    let admin = h.token("admin").await;
    let id = h.server_id(&admin, "app-2").await;
    behave(&h, &admin, &id, json!({"converge": false})).await;
    start(&h, &admin, &id, "compute3").await;
    h.wait_migration(&admin, &id, "completed").await;
    let s = h.wait_status(&admin, &id, "ACTIVE").await;
    assert_eq!(s["OS-EXT-SRV-ATTR:host"], "compute3");
}

/// app-1 keeps compute1's only slot busy (it never converges), so etl-1 from
/// the same host is queued for as long as the test needs.
async fn one_running_one_queued(h: &Harness, admin: &str) -> (String, u64, String, u64) {
    let busy = h.server_id(admin, "app-1").await;
    behave(h, admin, &busy, json!({"converge": false})).await;
    let busy_mid = start(h, admin, &busy, "compute3").await;
    h.wait_migration(admin, &busy, "running").await;
    let queued = h.server_id(admin, "etl-1").await;
    let queued_mid = start(h, admin, &queued, "compute2").await;
    h.wait_migration(admin, &queued, "queued").await;
    (busy, busy_mid, queued, queued_mid)
}

#[tokio::test]
async fn abort_of_a_queued_migration_is_400_before_2_65_and_cancels_it_from_2_65() {
    let h = at(50.0);
    let admin = h.token("admin").await;
    let (busy, _, id, mid) = one_running_one_queued(&h, &admin).await;
    let path = format!("/servers/{id}/migrations/{mid}");
    let r = h.nova(Method::DELETE, &path, &admin, "2.64", None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{:?}", r.body);
    assert_eq!(
        r.message(),
        format!("Migration {mid} state of instance {id} is queued. Cannot abort live migration while the migration is in this state.")
    );
    assert_eq!(status_of(&h, &admin, &id).await, "queued");

    let r = h.nova(Method::DELETE, &path, &admin, "2.65", None).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{:?}", r.body);
    assert_eq!(r.body, Value::Null);
    h.wait_migration(&admin, &id, "cancelled").await;
    let s = h.wait_status(&admin, &id, "ACTIVE").await;
    assert_eq!(s["OS-EXT-SRV-ATTR:host"], "compute1");
    assert_eq!(status_of(&h, &admin, &busy).await, "running");
    // Gone from the in-progress views.
    let r = h.get(&path, &admin, "2.80").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        r.message(),
        format!("Live migration {mid} for server {id} is not in progress.")
    );
    let r = h
        .get(&format!("/servers/{id}/migrations"), &admin, "2.80")
        .await;
    assert_eq!(r.body, json!({"migrations": []}));
    // And the cancel is in the instance's actions.
    let r = h
        .get(
            &format!("/servers/{id}/os-instance-actions"),
            &admin,
            "2.84",
        )
        .await;
    assert_eq!(
        r.body["instanceActions"][0]["action"],
        "live_migration_cancel"
    );
}

#[tokio::test]
async fn force_complete_of_a_queued_migration_is_400() {
    let h = at(50.0);
    let admin = h.token("admin").await;
    let (_, _, id, mid) = one_running_one_queued(&h, &admin).await;
    let r = h
        .nova(
            Method::POST,
            &format!("/servers/{id}/migrations/{mid}/action"),
            &admin,
            "2.22",
            Some(json!({"force_complete": null})),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{:?}", r.body);
    assert_eq!(
        r.message(),
        format!("Migration {mid} state of instance {id} is queued. Cannot force complete while the migration is in this state.")
    );
    assert_eq!(status_of(&h, &admin, &id).await, "queued");
}

#[tokio::test]
async fn force_complete_of_a_paused_instance_is_409() {
    let h = at(50.0);
    let admin = h.token("admin").await;
    let id = h.server_id(&admin, "web-paused-1").await;
    behave(&h, &admin, &id, json!({"converge": false})).await;
    let mid = start(&h, &admin, &id, "compute3").await;
    h.wait_migration(&admin, &id, "running").await;
    let r = h
        .nova(
            Method::POST,
            &format!("/servers/{id}/migrations/{mid}/action"),
            &admin,
            "2.22",
            Some(json!({"force_complete": null})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{:?}", r.body);
    assert_eq!(
        r.message(),
        format!("Cannot 'force_complete' instance {id} while it is in vm_state paused")
    );
}

#[tokio::test]
async fn abort_and_force_complete_errors_use_novas_codes_and_texts() {
    let h = at(50.0);
    let admin = h.token("admin").await;
    let id = h.server_id(&admin, "app-4").await;
    // A first migration that completes, then a second that stays running.
    let old = start(&h, &admin, &id, "compute1").await;
    h.wait_migration(&admin, &id, "completed").await;
    h.wait_status(&admin, &id, "ACTIVE").await;
    let del = |mid: String| format!("/servers/{id}/migrations/{mid}");

    // Nothing in progress: the instance's task_state is checked first.
    let r = h
        .nova(Method::DELETE, &del(old.to_string()), &admin, "2.80", None)
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{:?}", r.body);
    assert_eq!(
        r.message(),
        // Recorded from Nova 34: task_state None is Python's None, so the
        // generic text.
        format!("Instance {id} is in an invalid state for 'abort live migration'")
    );
    let r = h
        .nova(
            Method::POST,
            &format!("{}/action", del(old.to_string())),
            &admin,
            "2.80",
            Some(json!({"force_complete": null})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{:?}", r.body);
    assert_eq!(
        r.message(),
        format!("Instance {id} is in an invalid state for 'force_complete'")
    );

    behave(&h, &admin, &id, json!({"converge": false})).await;
    let current = start(&h, &admin, &id, "compute3").await;
    h.wait_migration(&admin, &id, "running").await;
    let cases: &[(Method, String, StatusCode, String)] = &[
        (
            Method::DELETE,
            old.to_string(),
            StatusCode::BAD_REQUEST,
            format!("Migration {old} state of instance {id} is completed. Cannot abort live migration while the migration is in this state."),
        ),
        (
            Method::DELETE,
            "999".into(),
            StatusCode::NOT_FOUND,
            format!("Migration 999 not found for instance {id}"),
        ),
        (
            Method::DELETE,
            "abc".into(),
            StatusCode::NOT_FOUND,
            format!("Migration abc not found for instance {id}"),
        ),
        (
            Method::GET,
            "999".into(),
            StatusCode::NOT_FOUND,
            format!("In-progress live migration 999 is not found for server {id}."),
        ),
        (
            Method::GET,
            "abc".into(),
            StatusCode::NOT_FOUND,
            format!("In-progress live migration abc is not found for server {id}."),
        ),
        (
            Method::GET,
            old.to_string(),
            StatusCode::NOT_FOUND,
            format!("Live migration {old} for server {id} is not in progress."),
        ),
        (
            Method::POST,
            "999".into(),
            StatusCode::BAD_REQUEST,
            format!("Migration 999 not found for instance {id}"),
        ),
        (
            Method::POST,
            old.to_string(),
            StatusCode::BAD_REQUEST,
            format!("Migration {old} state of instance {id} is completed. Cannot force complete while the migration is in this state."),
        ),
    ];
    for (method, mid, status, text) in cases {
        let (path, body) = if *method == Method::POST {
            (
                format!("{}/action", del(mid.clone())),
                Some(json!({"force_complete": null})),
            )
        } else {
            (del(mid.clone()), None)
        };
        let r = h.nova(method.clone(), &path, &admin, "2.80", body).await;
        assert_eq!(r.status, *status, "{method} {mid}: {:?}", r.body);
        assert_eq!(&r.message(), text, "{method} {mid}");
    }
    assert_eq!(
        record(&h, &admin, &id, current).await.body["migration"]["status"],
        "running",
        "none of the above touched the running migration"
    );
}

#[tokio::test]
async fn a_cold_migration_id_is_not_a_live_migration() {
    let h = fast();
    let admin = h.token("admin").await;
    let id = h.server_id(&admin, "web-resized-1").await;
    let m = h.last_migration(&admin, &id).await;
    assert_eq!(m["migration_type"], "migration");
    let mid = m["id"].as_u64().expect("id");
    let r = record(&h, &admin, &id, mid).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        r.message(),
        format!("Migration {mid} for server {id} is not live-migration.")
    );
}

#[tokio::test]
async fn a_locked_instance_refuses_its_project_abort_and_force_complete_differently() {
    let h = at(50.0);
    let admin = h.token("admin").await;
    let operator = h.token("operator").await;
    // web-db-1 is locked; the admin bypasses the lock to start the migration.
    let id = h.server_id(&admin, "web-db-1").await;
    behave(&h, &admin, &id, json!({"converge": false})).await;
    let mid = start(&h, &admin, &id, "compute1").await;
    h.wait_migration(&admin, &id, "running").await;
    let path = format!("/servers/{id}/migrations/{mid}");
    // DELETE maps every InstanceInvalidState (InstanceIsLocked is one, with no
    // attr/state) to the generic text; force_complete catches the lock first.
    let r = h.nova(Method::DELETE, &path, &operator, "2.80", None).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{:?}", r.body);
    assert_eq!(
        r.message(),
        format!("Instance {id} is in an invalid state for 'abort live migration'")
    );
    let r = h
        .nova(
            Method::POST,
            &format!("{path}/action"),
            &operator,
            "2.80",
            Some(json!({"force_complete": null})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{:?}", r.body);
    assert_eq!(r.message(), format!("Instance {id} is locked"));
    // The admin's abort goes through.
    let r = h.nova(Method::DELETE, &path, &admin, "2.80", None).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{:?}", r.body);
    h.wait_migration(&admin, &id, "cancelled").await;
}
