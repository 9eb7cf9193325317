//! The drain store against SQLite always, and against PostgreSQL too when
//! FERRY_TEST_POSTGRES_URL is set (scripts/with-postgres sets it). Each case gets a database
//! of its own: a fresh SQLite file, or a fresh PostgreSQL schema, so cases can run in parallel
//! and a claim in one never takes another's drains.

use drain::store::{DrainState, ItemUpdate, NewDrain, NewItem, StartedBy, Store, StoreError};
use serde_json::json;
use sqlx::Connection;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::time::Duration;
use uuid::Uuid;

enum Db {
    Sqlite { dir: PathBuf },
    Postgres { base: String, schema: String },
}

impl Db {
    fn sqlite() -> Db {
        let dir = std::env::temp_dir().join(format!("ferry-store-test-{}", Uuid::new_v4()));
        Db::Sqlite { dir }
    }

    async fn postgres() -> Option<Db> {
        let base = std::env::var("FERRY_TEST_POSTGRES_URL").ok()?;
        let schema = format!("t_{}", Uuid::new_v4().simple());
        let mut conn = sqlx::PgConnection::connect(&base)
            .await
            .expect("FERRY_TEST_POSTGRES_URL does not connect");
        sqlx::raw_sql(&format!("CREATE SCHEMA {schema}"))
            .execute(&mut conn)
            .await
            .expect("create a test schema");
        conn.close().await.ok();
        Some(Db::Postgres { base, schema })
    }

    fn url(&self) -> String {
        match self {
            // A directory that does not exist yet: connect must make it.
            Db::Sqlite { dir } => format!("sqlite://{}/data/drains.db", dir.display()),
            Db::Postgres { base, schema } => {
                let join = if base.contains('?') { '&' } else { '?' };
                format!("{base}{join}options[search_path]={schema}")
            }
        }
    }

    async fn store(&self) -> Store {
        Store::connect(&self.url()).await.expect("connect")
    }

    async fn cleanup(self) {
        match self {
            Db::Sqlite { dir } => std::fs::remove_dir_all(dir).unwrap_or_default(),
            Db::Postgres { base, schema } => {
                if let Ok(mut conn) = sqlx::PgConnection::connect(&base).await {
                    let _ = sqlx::raw_sql(&format!("DROP SCHEMA {schema} CASCADE"))
                        .execute(&mut conn)
                        .await;
                }
            }
        }
    }
}

/// Each case as a test on SQLite and one on PostgreSQL (which passes, saying so, when no
/// PostgreSQL is configured).
macro_rules! both {
    ($($case:ident),* $(,)?) => {$(
        mod $case {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let db = super::Db::sqlite();
                super::$case(&db).await;
                db.cleanup().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(db) = super::Db::postgres().await else {
                    eprintln!("FERRY_TEST_POSTGRES_URL is not set: PostgreSQL case skipped");
                    return;
                };
                super::$case(&db).await;
                db.cleanup().await;
            }
        }
    )*};
}

both!(
    round_trip,
    second_active_drain_of_a_host_is_refused,
    every_active_state_holds_the_host,
    item_updates_change_only_given_fields,
    timeline_keeps_order,
    concurrent_events_get_distinct_sequence_numbers,
    lease_goes_to_one_owner,
    expired_lease_lets_another_take_over,
    concurrent_claims_from_two_servers_never_both_win,
    credential_round_trip,
    items_added_later_go_after_the_others,
);

fn alice() -> StartedBy {
    StartedBy {
        user_name: "alice".into(),
        user_id: "u-alice".into(),
        project_id: "p-admin".into(),
        project_name: "admin".into(),
    }
}

fn new_drain(host: &str, state: DrainState, instances: &[&str]) -> NewDrain {
    NewDrain {
        host: host.into(),
        state,
        reason: "kernel update".into(),
        started_by: alice(),
        options: json!({"window": 2, "cold_if_needed": false}),
        plan: json!({"moves": instances, "note": "ünïcode ✓"}),
        items: instances
            .iter()
            .map(|id| NewItem {
                instance_id: (*id).into(),
                name: format!("vm-{id}"),
                origin_host: host.into(),
                planned_move: "live".into(),
                state: "waiting".into(),
                detail: None,
            })
            .collect(),
    }
}

const LONG: Duration = Duration::from_secs(60);

async fn round_trip(db: &Db) {
    let store = db.store().await;
    let created = store
        .create_drain(new_drain(
            "cmp-1",
            DrainState::Planned,
            &["i-3", "i-1", "i-2"],
        ))
        .await
        .unwrap();
    assert_eq!(created.host, "cmp-1");
    assert_eq!(created.state, DrainState::Planned);
    assert_eq!(created.reason, "kernel update");
    assert_eq!(created.started_by, alice());
    assert_eq!(
        created.options,
        json!({"window": 2, "cold_if_needed": false})
    );
    assert_eq!(created.plan["note"], "ünïcode ✓");
    assert_eq!(created.owner, None);
    assert_eq!(created.credential_id, None);
    assert!(created.updated_at >= created.created_at);

    let read = store.drain(created.id).await.unwrap().expect("the drain");
    assert_eq!(read, created);
    assert_eq!(store.drain(Uuid::new_v4()).await.unwrap(), None);

    let items = store.items(created.id).await.unwrap();
    let order: Vec<_> = items.iter().map(|i| i.instance_id.as_str()).collect();
    assert_eq!(order, ["i-3", "i-1", "i-2"], "the plan's order");
    assert_eq!(items[0].name, "vm-i-3");
    assert_eq!(items[0].state, "waiting");
    assert_eq!(items[0].attempts, 0);
    assert_eq!(items[0].destination, None);

    assert_eq!(
        store.drains_for_host("cmp-1").await.unwrap(),
        std::slice::from_ref(&created)
    );
    assert!(store.drains_for_host("cmp-2").await.unwrap().is_empty());
    assert_eq!(
        store.active_drains().await.unwrap(),
        std::slice::from_ref(&created)
    );

    let events = store.events(created.id, 0).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!((events[0].seq, events[0].kind.as_str()), (1, "created"));
    assert!(events[0].message.contains("alice"), "{}", events[0].message);

    // A second pool (a restarted server) sees the same record, and migrations run again
    // harmlessly.
    let again = db.store().await;
    assert_eq!(again.drain(created.id).await.unwrap(), Some(created));
}

async fn second_active_drain_of_a_host_is_refused(db: &Db) {
    let store = db.store().await;
    let first = store
        .create_drain(new_drain("cmp-1", DrainState::Running, &["i-1"]))
        .await
        .unwrap();
    let mut bob = new_drain("cmp-1", DrainState::Planned, &["i-1"]);
    bob.started_by.user_name = "bob".into();
    match store.create_drain(bob.clone()).await {
        Err(StoreError::HostAlreadyDraining {
            drain_id,
            started_by,
        }) => {
            assert_eq!(drain_id, first.id);
            assert_eq!(started_by, "alice");
        }
        other => panic!("expected HostAlreadyDraining, got {other:?}"),
    }
    // Nothing of the refused drain was kept.
    assert_eq!(store.drains_for_host("cmp-1").await.unwrap().len(), 1);

    store
        .create_drain(new_drain("cmp-2", DrainState::Planned, &[]))
        .await
        .expect("another host is free");

    store
        .set_state(first.id, DrainState::Done, "all moved")
        .await
        .unwrap();
    let second = store
        .create_drain(bob)
        .await
        .expect("the host is free again");
    assert_eq!(store.drains_for_host("cmp-1").await.unwrap().len(), 2);

    // Bringing the finished one back to life is refused the same way.
    match store
        .set_state(first.id, DrainState::MovingBack, "move them back")
        .await
    {
        Err(StoreError::HostAlreadyDraining {
            drain_id,
            started_by,
        }) => {
            assert_eq!((drain_id, started_by.as_str()), (second.id, "bob"));
        }
        other => panic!("expected HostAlreadyDraining, got {other:?}"),
    }
    assert_eq!(
        store.drain(first.id).await.unwrap().unwrap().state,
        DrainState::Done,
        "the refused change left the state alone"
    );
}

/// The migration's partial index and DrainState::is_active must agree, state by state.
async fn every_active_state_holds_the_host(db: &Db) {
    let store = db.store().await;
    for state in DrainState::ALL {
        let host = format!("cmp-{state}");
        let first = store
            .create_drain(new_drain(&host, DrainState::Planned, &[]))
            .await
            .unwrap();
        store.set_state(first.id, state, "test").await.unwrap();
        let second = store
            .create_drain(new_drain(&host, DrainState::Planned, &[]))
            .await;
        if state.is_active() {
            assert!(
                matches!(second, Err(StoreError::HostAlreadyDraining { .. })),
                "{state} should hold the host: {second:?}"
            );
        } else {
            assert!(second.is_ok(), "{state} should free the host: {second:?}");
        }
    }
    assert!(matches!(
        store
            .create_drain(new_drain("cmp-x", DrainState::Done, &[]))
            .await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        store
            .create_drain(new_drain("cmp-x", DrainState::Planned, &["i-1", "i-1"]))
            .await,
        Err(StoreError::Invalid(_))
    ));
}

async fn item_updates_change_only_given_fields(db: &Db) {
    let store = db.store().await;
    let drain = store
        .create_drain(new_drain("cmp-1", DrainState::Running, &["i-1", "i-2"]))
        .await
        .unwrap();
    let moving = store
        .update_item(
            drain.id,
            "i-1",
            ItemUpdate {
                state: Some("moving".into()),
                destination: Some("cmp-9".into()),
                request_id: Some("req-0b9e".into()),
                attempts: Some(1),
                started: true,
                ..ItemUpdate::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(moving.state, "moving");
    assert_eq!(moving.destination.as_deref(), Some("cmp-9"));
    assert_eq!(moving.request_id.as_deref(), Some("req-0b9e"));
    assert_eq!(moving.attempts, 1);
    assert!(moving.started_at.is_some());
    assert_eq!(moving.finished_at, None);
    assert_eq!(moving.name, "vm-i-1");

    let moved = store
        .update_item(
            drain.id,
            "i-1",
            ItemUpdate {
                state: Some("moved".into()),
                migration_id: Some(4711),
                migration_uuid: Some("6f1c2d1e-0000-4000-8000-000000000001".into()),
                detail: Some("live-migrated in 12 s".into()),
                finished: true,
                ..ItemUpdate::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(moved.state, "moved");
    assert_eq!(moved.destination.as_deref(), Some("cmp-9"), "kept");
    assert_eq!(moved.request_id.as_deref(), Some("req-0b9e"), "kept");
    assert_eq!(moved.attempts, 1, "kept");
    assert_eq!(moved.started_at, moving.started_at, "kept");
    assert_eq!(moved.migration_id, Some(4711));
    assert!(moved.finished_at.unwrap() >= moved.started_at.unwrap());

    let unchanged = store
        .update_item(drain.id, "i-1", ItemUpdate::default())
        .await
        .unwrap();
    assert_eq!(unchanged, moved);

    let items = store.items(drain.id).await.unwrap();
    assert_eq!(items[0], moved);
    assert_eq!(items[1].state, "waiting", "the other item is untouched");

    let missing = store
        .update_item(drain.id, "i-404", ItemUpdate::default())
        .await;
    assert!(
        matches!(missing, Err(StoreError::ItemNotFound { .. })),
        "{missing:?}"
    );
    let missing = store
        .update_item(
            Uuid::new_v4(),
            "i-1",
            ItemUpdate {
                state: Some("moved".into()),
                ..ItemUpdate::default()
            },
        )
        .await;
    assert!(
        matches!(missing, Err(StoreError::ItemNotFound { .. })),
        "{missing:?}"
    );
}

async fn timeline_keeps_order(db: &Db) {
    let store = db.store().await;
    let drain = store
        .create_drain(new_drain("cmp-1", DrainState::Planned, &["i-1"]))
        .await
        .unwrap();
    store
        .set_state(drain.id, DrainState::Running, "started by alice")
        .await
        .unwrap();
    for n in 0..5 {
        store
            .add_event(drain.id, "item", &format!("i-1 step {n}"))
            .await
            .unwrap();
    }
    store
        .set_state(drain.id, DrainState::Paused, "paused by alice")
        .await
        .unwrap();

    let events = store.events(drain.id, 0).await.unwrap();
    let seqs: Vec<i64> = events.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=8).collect::<Vec<_>>());
    assert_eq!(events[1].kind, "state");
    assert_eq!(events[1].message, "running: started by alice");
    assert_eq!(events[4].message, "i-1 step 2");
    assert_eq!(events[7].message, "paused: paused by alice");
    assert!(
        events.windows(2).all(|w| w[0].at <= w[1].at),
        "times never go back"
    );

    let news = store.events(drain.id, 6).await.unwrap();
    assert_eq!(news.iter().map(|e| e.seq).collect::<Vec<_>>(), [7, 8]);
    assert!(store.events(drain.id, 8).await.unwrap().is_empty());

    let updated = store.drain(drain.id).await.unwrap().unwrap();
    assert_eq!(updated.state, DrainState::Paused);
    assert!(updated.updated_at >= events[7].at);

    assert!(matches!(
        store.add_event(Uuid::new_v4(), "item", "nobody").await,
        Err(StoreError::DrainNotFound(_))
    ));
    assert!(matches!(
        store
            .set_state(Uuid::new_v4(), DrainState::Done, "nobody")
            .await,
        Err(StoreError::DrainNotFound(_))
    ));
}

/// Instances that came to the host while the drain ran: added after the plan's, with the plan
/// replaced and a timeline line, all at once.
async fn items_added_later_go_after_the_others(db: &Db) {
    let store = db.store().await;
    let drain = store
        .create_drain(new_drain("cmp-1", DrainState::Running, &["i-1", "i-2"]))
        .await
        .unwrap();
    let late = NewItem {
        instance_id: "i-9".into(),
        name: "vm-late".into(),
        origin_host: "cmp-1".into(),
        planned_move: "skip".into(),
        state: "skipped".into(),
        detail: Some("locked".into()),
    };
    store
        .add_items(
            drain.id,
            &json!({"moves": ["i-1", "i-2", "i-9"]}),
            std::slice::from_ref(&late),
            "1 instance(s) came to cmp-1 during the drain",
        )
        .await
        .unwrap();
    let items = store.items(drain.id).await.unwrap();
    let order: Vec<(&str, i64)> = items
        .iter()
        .map(|i| (i.instance_id.as_str(), i.position))
        .collect();
    assert_eq!(order, [("i-1", 0), ("i-2", 1), ("i-9", 2)]);
    assert_eq!(items[2].detail.as_deref(), Some("locked"));
    let d = store.drain(drain.id).await.unwrap().unwrap();
    assert_eq!(d.plan, json!({"moves": ["i-1", "i-2", "i-9"]}));
    let last = store.events(drain.id, 0).await.unwrap().pop().unwrap();
    assert_eq!(
        (last.kind.as_str(), last.message.as_str()),
        ("arrived", "1 instance(s) came to cmp-1 during the drain")
    );
    // The same instance twice is refused by the key, and nothing of that call stays.
    let again = store
        .add_items(drain.id, &json!({"moves": []}), &[late], "again")
        .await;
    assert!(again.is_err());
    assert_eq!(store.items(drain.id).await.unwrap().len(), 3);
    assert_eq!(
        store.drain(drain.id).await.unwrap().unwrap().plan,
        json!({"moves": ["i-1", "i-2", "i-9"]})
    );
    assert!(matches!(
        store
            .add_items(Uuid::new_v4(), &json!({}), &[], "nobody")
            .await,
        Err(StoreError::DrainNotFound(_))
    ));
}

/// Two servers writing one drain's timeline at once (the driver, and a user pausing it).
async fn concurrent_events_get_distinct_sequence_numbers(db: &Db) {
    let (one, two) = (db.store().await, db.store().await);
    let drain = one
        .create_drain(new_drain("cmp-1", DrainState::Running, &[]))
        .await
        .unwrap();
    let write = |store: Store, who: &'static str| async move {
        for n in 0..15 {
            store
                .add_event(drain.id, "note", &format!("{who} {n}"))
                .await
                .unwrap();
        }
    };
    let a = tokio::spawn(write(one.clone(), "one"));
    let b = tokio::spawn(write(two.clone(), "two"));
    a.await.unwrap();
    b.await.unwrap();
    let events = one.events(drain.id, 0).await.unwrap();
    assert_eq!(
        events.iter().map(|e| e.seq).collect::<Vec<_>>(),
        (1..=31).collect::<Vec<_>>()
    );
    // Each writer's own events stay in its order.
    for who in ["one", "two"] {
        let mine: Vec<_> = events
            .iter()
            .filter(|e| e.message.starts_with(who))
            .map(|e| e.message.clone())
            .collect();
        let expected: Vec<_> = (0..15).map(|n| format!("{who} {n}")).collect();
        assert_eq!(mine, expected);
    }
}

async fn lease_goes_to_one_owner(db: &Db) {
    let store = db.store().await;
    let running = store
        .create_drain(new_drain("cmp-1", DrainState::Running, &["i-1"]))
        .await
        .unwrap();
    // Planned drains wait for their starter; finished ones need nobody.
    store
        .create_drain(new_drain("cmp-2", DrainState::Planned, &[]))
        .await
        .unwrap();
    let done = store
        .create_drain(new_drain("cmp-3", DrainState::Running, &[]))
        .await
        .unwrap();
    store
        .set_state(done.id, DrainState::Done, "finished")
        .await
        .unwrap();

    let won = store.claim("server-a", LONG).await.unwrap();
    assert_eq!(won.iter().map(|d| d.id).collect::<Vec<_>>(), [running.id]);
    assert_eq!(won[0].owner.as_deref(), Some("server-a"));
    let until = won[0].lease_until.expect("a lease");
    assert!(until > chrono::Utc::now() + chrono::Duration::seconds(50));

    assert!(store.claim("server-b", LONG).await.unwrap().is_empty());
    assert!(!store.renew(running.id, "server-b", LONG).await.unwrap());
    assert!(!store.release(running.id, "server-b").await.unwrap());
    assert!(store.renew(running.id, "server-a", LONG).await.unwrap());

    // Claiming again is a renewal, not a takeover: no new timeline line.
    let before = store.events(running.id, 0).await.unwrap().len();
    assert_eq!(store.claim("server-a", LONG).await.unwrap().len(), 1);
    assert_eq!(store.events(running.id, 0).await.unwrap().len(), before);
    let driver_lines = store
        .events(running.id, 0)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == "driver")
        .count();
    assert_eq!(driver_lines, 1);

    // Released, it is anyone's at once.
    assert!(store.release(running.id, "server-a").await.unwrap());
    assert_eq!(store.drain(running.id).await.unwrap().unwrap().owner, None);
    let won = store.claim("server-b", LONG).await.unwrap();
    assert_eq!(won.len(), 1);
    assert_eq!(won[0].owner.as_deref(), Some("server-b"));

    // A finished drain's lease can no longer be renewed: its driver must stop.
    store
        .set_state(running.id, DrainState::Done, "finished")
        .await
        .unwrap();
    assert!(!store.renew(running.id, "server-b", LONG).await.unwrap());
    // Ended, it has no driver; restarted (Retry failed), the next claim is a fresh start,
    // not a takeover from the last driver.
    assert_eq!(store.drain(running.id).await.unwrap().unwrap().owner, None);
    store
        .set_state(running.id, DrainState::Running, "retried")
        .await
        .unwrap();
    assert_eq!(store.claim("server-c", LONG).await.unwrap().len(), 1);
    let last = store.events(running.id, 0).await.unwrap().pop().unwrap();
    assert_eq!(last.message, "server-c drives this drain");
    assert!(matches!(
        store.claim("server-b", Duration::ZERO).await,
        Err(StoreError::Invalid(_))
    ));
}

async fn expired_lease_lets_another_take_over(db: &Db) {
    let store = db.store().await;
    let drain = store
        .create_drain(new_drain("cmp-1", DrainState::Running, &["i-1"]))
        .await
        .unwrap();
    assert_eq!(
        store
            .claim("server-a", Duration::from_millis(300))
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(store.claim("server-b", LONG).await.unwrap().is_empty());

    // server-a dies: its lease runs out on the database's clock.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let won = store.claim("server-b", LONG).await.unwrap();
    assert_eq!(won.len(), 1);
    assert_eq!(won[0].owner.as_deref(), Some("server-b"));
    assert!(
        !store.renew(drain.id, "server-a", LONG).await.unwrap(),
        "the old owner learns it lost the drain"
    );
    assert!(!store.release(drain.id, "server-a").await.unwrap());
    assert!(store.claim("server-a", LONG).await.unwrap().is_empty());

    let takeover = store
        .events(drain.id, 0)
        .await
        .unwrap()
        .into_iter()
        .rfind(|e| e.kind == "driver")
        .expect("a driver line");
    assert!(
        takeover
            .message
            .contains("server-b took over from server-a"),
        "{}",
        takeover.message
    );
}

/// Two servers (two pools) claim at the same moment, round after round: each drain ends up
/// with exactly one of them.
async fn concurrent_claims_from_two_servers_never_both_win(db: &Db) {
    let (a, b) = (db.store().await, db.store().await);
    for round in 0..8 {
        let mut ids = Vec::new();
        for n in 0..3 {
            let drain = a
                .create_drain(new_drain(
                    &format!("cmp-{round}-{n}"),
                    DrainState::Running,
                    &["i-1"],
                ))
                .await
                .unwrap();
            ids.push(drain.id);
        }
        let (won_a, won_b) = tokio::join!(
            tokio::spawn({
                let a = a.clone();
                async move { a.claim("server-a", LONG).await }
            }),
            tokio::spawn({
                let b = b.clone();
                async move { b.claim("server-b", LONG).await }
            }),
        );
        let won_a = won_a.unwrap().unwrap();
        let won_b = won_b.unwrap().unwrap();
        for id in &ids {
            let by_a = won_a.iter().any(|d| d.id == *id);
            let by_b = won_b.iter().any(|d| d.id == *id);
            assert!(
                by_a ^ by_b,
                "round {round}: drain {id} won by a: {by_a}, by b: {by_b}"
            );
            let owner = a.drain(*id).await.unwrap().unwrap().owner;
            let expected = if by_a { "server-a" } else { "server-b" };
            assert_eq!(owner.as_deref(), Some(expected));
        }
        for id in ids {
            a.set_state(id, DrainState::Done, "round over")
                .await
                .unwrap();
        }
    }
}

async fn credential_round_trip(db: &Db) {
    let store = db.store().await;
    let drain = store
        .create_drain(new_drain("cmp-1", DrainState::Running, &[]))
        .await
        .unwrap();
    assert_eq!(store.credential(drain.id).await.unwrap(), None);

    store
        .set_needs_login(drain.id, Some("the application credential expired"))
        .await
        .unwrap();
    assert_eq!(
        store
            .drain(drain.id)
            .await
            .unwrap()
            .unwrap()
            .needs_login
            .as_deref(),
        Some("the application credential expired")
    );

    let expires = chrono::DateTime::parse_from_rfc3339("2031-02-03T04:05:06.789Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let secret = vec![0u8, 255, 1, 128, 0, 7];
    store
        .set_credential(drain.id, "ac-1", secret.clone(), expires)
        .await
        .unwrap();
    let credential = store
        .credential(drain.id)
        .await
        .unwrap()
        .expect("a credential");
    assert_eq!(credential.id, "ac-1");
    assert_eq!(credential.secret_ciphertext, secret);
    assert_eq!(credential.expires_at, expires);
    assert!(
        !format!("{credential:?}").contains("255"),
        "Debug hides the bytes"
    );

    let read = store.drain(drain.id).await.unwrap().unwrap();
    assert_eq!(read.credential_id.as_deref(), Some("ac-1"));
    assert_eq!(read.credential_expires_at, Some(expires));
    assert_eq!(read.needs_login, None, "a new credential clears the note");

    store.clear_credential(drain.id).await.unwrap();
    assert_eq!(store.credential(drain.id).await.unwrap(), None);
    assert!(matches!(
        store.credential(Uuid::new_v4()).await,
        Err(StoreError::DrainNotFound(_))
    ));
    assert!(matches!(
        store
            .set_credential(Uuid::new_v4(), "ac-2", vec![1], expires)
            .await,
        Err(StoreError::DrainNotFound(_))
    ));
}

#[tokio::test]
async fn sqlite_file_is_private_and_its_directory_is_made() {
    let db = Db::sqlite();
    let store = db.store().await;
    store
        .create_drain(new_drain("cmp-1", DrainState::Planned, &["i-1"]))
        .await
        .unwrap();
    let Db::Sqlite { dir } = &db else {
        unreachable!()
    };
    for name in ["drains.db", "drains.db-wal", "drains.db-shm"] {
        let path = dir.join("data").join(name);
        if let Ok(meta) = std::fs::metadata(&path) {
            assert_eq!(
                meta.permissions().mode() & 0o777,
                0o600,
                "{}",
                path.display()
            );
        } else {
            assert_ne!(name, "drains.db", "the database file exists");
        }
    }
    let dir_mode = std::fs::metadata(dir.join("data"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(dir_mode & 0o777, 0o700);
    store.close().await;

    // A file left readable by others is tightened on the next start.
    let path = dir.join("data/drains.db");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let store = db.store().await;
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    assert_eq!(store.drains_for_host("cmp-1").await.unwrap().len(), 1);
    store.close().await;
    db.cleanup().await;
}

#[tokio::test]
async fn unusable_urls_are_refused_with_a_reason() {
    for url in [
        "mysql://root:secret@db/ferry",
        "sqlite::memory:",
        "sqlite://",
    ] {
        match Store::connect(url).await {
            Err(StoreError::Config(message)) => {
                assert!(!message.contains("secret"), "{message}");
            }
            other => panic!("{url}: expected a Config error, got {other:?}"),
        }
    }
}
