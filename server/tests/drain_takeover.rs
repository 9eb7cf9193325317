//! Two Ferry servers sharing one drain database: the one driving a drain dies (its lease is
//! never given back); the other takes the drain over once the lease runs out, and nothing is
//! moved twice. On PostgreSQL when `FERRY_TEST_POSTGRES_URL` is set (scripts/test runs it under
//! scripts/with-postgres), else on one SQLite file both runners share.

mod common;

use std::time::Duration;

use common::*;
use drain::runner::{item_state, Runner, RunnerConfig};

const ORIGIN: Option<&str> = Some("http://127.0.0.1:3000");

fn runner(h: &Harness, owner: &str) -> std::sync::Arc<Runner> {
    Runner::new(
        h.drains.store.clone(),
        RunnerConfig {
            owner: owner.into(),
            auth_url: h.cloud.auth_url(),
            transport: openstack_client::Transport::new(
                &openstack_client::TransportConfig::default(),
            )
            .unwrap(),
            secrets: h.drains.secrets.clone(),
            tick: Duration::from_millis(100),
            lease: Duration::from_secs(1),
        },
    )
}
#[tokio::test]
async fn another_server_takes_over_a_drain_whose_driver_died() {
    let pg = postgres_schema("takeover").await;
    let on_postgres = pg.is_some();
    let h = harness_on(pg).await;
    assert_eq!(
        h.drains.store.backend(),
        if on_postgres { "postgres" } else { "sqlite" }
    );
    let admin = login(&h.app, "admin", "ferry-admin", "admin")
        .await
        .unwrap();
    h.cloud.cloud().set_speed(20.0);
    let t = app::server::service_changes::form_token();
    let body = form(&[
        ("host", "compute1"),
        ("reason", "takeover test"),
        ("parallel", "3"),
        ("auto_confirm", "on"),
        ("token", &t),
    ]);
    let (status, _, text) =
        send(&h.app, post("/api/start_drain", Some(&admin), ORIGIN, body)).await;
    assert!(
        status.is_redirection() || status.is_success(),
        "{status} {text}"
    );
    let id = h.drains.store.drains_for_host("compute1").await.unwrap()[0].id;

    let a = runner(&h, "ferry-a");
    let b = runner(&h, "ferry-b");
    // A drives until something has moved and something is in flight, then dies.
    let mut mid = false;
    for _ in 0..300 {
        a.tick().await;
        let items = h.drains.store.items(id).await.unwrap();
        if items.iter().any(|i| i.state == item_state::MOVED)
            && items.iter().any(|i| item_state::in_flight(&i.state))
        {
            mid = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(mid, "the drain never was half-way");
    assert_eq!(
        h.drains
            .store
            .drain(id)
            .await
            .unwrap()
            .unwrap()
            .owner
            .as_deref(),
        Some("ferry-a")
    );
    drop(a);
    // B sees the drain held until A's lease runs out, then takes it.
    b.tick().await;
    assert_eq!(
        h.drains
            .store
            .drain(id)
            .await
            .unwrap()
            .unwrap()
            .owner
            .as_deref(),
        Some("ferry-a")
    );
    h.cloud.cloud().set_speed(1000.0);
    let mut ended = None;
    for _ in 0..600 {
        b.tick().await;
        let d = h.drains.store.drain(id).await.unwrap().unwrap();
        if !d.state.is_active() {
            ended = Some(d);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let d = ended.expect("B finished the drain");
    assert_eq!(d.owner, None, "an ended drain needs no driver");
    let timeline = h.drains.store.events(id, 0).await.unwrap();
    assert!(
        timeline
            .iter()
            .any(|e| e.message.contains("ferry-b took over from ferry-a")),
        "{timeline:#?}"
    );
    let items = h.drains.store.items(id).await.unwrap();
    let moves = moves_per_instance(&h);
    for i in &items {
        let n = moves.get(&i.instance_id).copied().unwrap_or(0);
        assert_eq!(
            n, i.attempts,
            "{}: {n} requests for {} attempts",
            i.name, i.attempts
        );
    }
    assert!(
        items
            .iter()
            .filter(|i| i.state == item_state::MOVED)
            .count()
            >= 5
    );
}
