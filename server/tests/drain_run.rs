//! A drain run end to end against the embedded cloud: Start from the plan page's form, the
//! service disabled with the drain's reason, the window never exceeded, anti-affinity members
//! never together, cold migrations confirmed, the host empty at the end; a restart in the
//! middle moves nothing twice; Move back; and the refusals.

mod common;

use std::time::Duration;

use common::*;
use drain::store::{Drain, DrainState};
use http::StatusCode;

const ORIGIN: Option<&str> = Some("http://127.0.0.1:3000");

fn token() -> String {
    app::server::service_changes::form_token()
}

async fn start(h: &Harness, cookie: &str, pairs: &[(&str, &str)]) -> (StatusCode, String) {
    let t = token();
    let mut all: Vec<(&str, &str)> = pairs.to_vec();
    all.push(("token", &t));
    let (status, headers, body) = send(
        &h.app,
        post("/api/start_drain", Some(cookie), ORIGIN, form(&all)),
    )
    .await;
    let location = headers
        .get(http::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (status, format!("{location} {body}"))
}

async fn the_drain(h: &Harness, host: &str) -> Drain {
    let mut all = h.drains.store.drains_for_host(host).await.unwrap();
    all.sort_by_key(|d| d.created_at);
    all.pop().expect("a drain of the host")
}

/// Ticks the runner until the drain ends (or `stop_when` says so); returns the drain.
async fn run_until(
    h: &Harness,
    runner: &drain::runner::Runner,
    host: &str,
    stop_when: impl Fn(&[drain::store::Item]) -> bool,
) -> Drain {
    for _ in 0..600 {
        runner.tick().await;
        let d = the_drain(h, host).await;
        let items = h.drains.store.items(d.id).await.unwrap();
        if !d.state.is_active() || stop_when(&items) {
            return d;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the drain did not end in 60 s");
}
async fn control(
    h: &Harness,
    cookie: &str,
    id: impl std::fmt::Display,
    op: &str,
) -> (StatusCode, String) {
    let id = id.to_string();
    let (status, _, body) = send(
        &h.app,
        post(
            "/api/drain_control",
            Some(cookie),
            ORIGIN,
            form(&[("drain", &id), ("op", op)]),
        ),
    )
    .await;
    (status, body)
}

/// Nova as the cloud's admin, for what the test does behind Ferry's back.
async fn admin_compute(h: &Harness) -> openstack_client::compute::Compute {
    use openstack_client::identity::{issue_token, Credentials};
    let t =
        openstack_client::Transport::new(&openstack_client::TransportConfig::default()).unwrap();
    let token = issue_token(
        &t,
        &h.cloud.auth_url(),
        &Credentials::Password {
            user: "admin".into(),
            user_domain: "Default".into(),
            password: "ferry-admin".into(),
            project: "admin".into(),
            project_domain: "Default".into(),
        },
    )
    .await
    .unwrap();
    let url = token.catalog.endpoint("compute", "public", None).unwrap();
    openstack_client::compute::Compute::connect(&t, &url, &token.value)
        .await
        .unwrap()
}

/// A server action sent straight to Nova as the cloud's admin, at `microversion`: what an
/// operator does with the CLI beside Ferry.
async fn nova_action(h: &Harness, id: &str, microversion: &str, body: serde_json::Value) {
    use openstack_client::identity::{issue_token, Credentials};
    let t =
        openstack_client::Transport::new(&openstack_client::TransportConfig::default()).unwrap();
    let token = issue_token(
        &t,
        &h.cloud.auth_url(),
        &Credentials::Password {
            user: "admin".into(),
            user_domain: "Default".into(),
            password: "ferry-admin".into(),
            project: "admin".into(),
            project_domain: "Default".into(),
        },
    )
    .await
    .unwrap();
    let url = token.catalog.endpoint("compute", "public", None).unwrap();
    let r = reqwest::Client::new()
        .post(format!("{url}/servers/{id}/action"))
        .header("x-auth-token", &token.value)
        .header("openstack-api-version", format!("compute {microversion}"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    assert!(
        status.is_success(),
        "{body}: {status} {}",
        r.text().await.unwrap_or_default()
    );
}

async fn id_of(compute: &openstack_client::compute::Compute, name: &str) -> String {
    compute
        .list_servers(&openstack_client::compute::ServerQuery {
            all_tenants: true,
            name: Some(format!("^{name}$")),
            ..Default::default()
        })
        .await
        .unwrap()
        .servers
        .remove(0)
        .id
}

#[tokio::test]
async fn a_drain_empties_the_host_within_its_window_and_moves_back() {
    let h = harness().await;
    let admin = login(&h.app, "admin", "ferry-admin", "admin")
        .await
        .unwrap();
    let (status, text) = start(
        &h,
        &admin,
        &[
            ("host", "compute1"),
            ("reason", "DIMM replacement, OPS-1234"),
            ("parallel", "2"),
            ("auto_confirm", "on"),
        ],
    )
    .await;
    assert!(
        status.is_redirection() || status.is_success(),
        "{status} {text}"
    );
    let d = the_drain(&h, "compute1").await;
    assert_eq!(d.state, DrainState::Running);
    // The service went disabled first, with a reason naming the drain, who and why.
    let disabled = h
        .cloud
        .cloud()
        .requests()
        .into_iter()
        .find(|r| r.method == "PUT" && r.path.contains("os-services"))
        .expect("the service was disabled");
    let reason = disabled.body["disabled_reason"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_eq!(disabled.body["status"], "disabled");
    assert!(
        reason.contains(&d.id.to_string()[..8])
            && reason.contains("admin")
            && reason.contains("DIMM replacement"),
        "{reason}"
    );
    assert!(
        moves_per_instance(&h).is_empty(),
        "nothing moves before the runner"
    );

    let runner = &h.drains.runner;
    let mut most = 0;
    let d = {
        let mut last = None;
        for _ in 0..600 {
            runner.tick().await;
            let d = the_drain(&h, "compute1").await;
            let items = h.drains.store.items(d.id).await.unwrap();
            let flying = items
                .iter()
                .filter(|i| drain::runner::item_state::in_flight(&i.state))
                .count();
            most = most.max(flying);
            if !d.state.is_active() {
                last = Some(d);
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        last.expect("the drain ended")
    };
    let items = h.drains.store.items(d.id).await.unwrap();
    let events = h.drains.store.events(d.id, 0).await.unwrap();
    let timeline: Vec<&str> = events.iter().map(|e| e.message.as_str()).collect();
    assert!((1..=2).contains(&most), "in flight at once: {most}");
    for i in &items {
        eprintln!(
            "{} {} {} {:?} {:?}",
            i.name, i.planned_move, i.state, i.destination, i.detail
        );
    }
    eprintln!("{timeline:#?}");
    let moves = moves_per_instance(&h);
    // One request per attempt: one for each moved instance, two for the one retried.
    for i in &items {
        let n = moves.get(&i.instance_id).copied().unwrap_or(0);
        assert_eq!(n, i.attempts, "{}: {n} migration requests", i.name);
    }
    assert_eq!(moves.len(), items.iter().filter(|i| i.attempts > 0).count());
    for i in items.iter().filter(|i| i.state == "moved") {
        assert!(
            moves.contains_key(&i.instance_id),
            "{} moved without a request",
            i.name
        );
        assert_ne!(i.destination.as_deref(), Some("compute1"));
        assert_ne!(i.destination.as_deref(), Some("compute10"));
    }
    // web-1's anti-affinity group has a member on every other host: Nova refuses it
    // everywhere, so the drain ends without emptying the host, and says why.
    assert_eq!(d.state, DrainState::Failed);
    let web1 = items.iter().find(|i| i.name == "web-1").unwrap();
    assert_eq!(web1.state, "failed");
    assert_eq!(web1.attempts, 2, "retried once on another host");
    // Why, in Nova's words from the attempt's instance action, with the group named.
    let why = web1.detail.as_deref().unwrap_or_default();
    assert!(
        why.contains("No valid host was found") && why.contains("anti-affinity group “web”"),
        "{why}"
    );
    let last = timeline.last().unwrap();
    assert!(
        last.contains("still on compute1") && last.contains("web-1"),
        "{last}"
    );
    let (status, _, html) = send(&h.app, get("/admin/hosts/compute1/drain", Some(&admin))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Started by admin") && html.contains("Retry failed"),
        "{html}"
    );
    // Anti-affinity members never moved together: no two of the group in flight at once.
    // (web-1 is the only member on compute1; the window rule is unit-tested in drain::window.)

    // The operator deals with what is left, beside Ferry: unlocks one, resets the broken one
    // (its guest is known to be fine), confirms the resize, and enables compute4, the one
    // host without a member of web-1's anti-affinity group. Retry checks each against Nova
    // again and moves them: now the host is empty.
    let compute = admin_compute(&h).await;
    assert!(html.contains("Retry failed and skipped"), "{html}");
    nova_action(
        &h,
        &id_of(&compute, "batch-locked-1").await,
        "2.73",
        serde_json::json!({"unlock": null}),
    )
    .await;
    nova_action(
        &h,
        &id_of(&compute, "batch-broken-2").await,
        "2.1",
        serde_json::json!({"os-resetState": {"state": "active"}}),
    )
    .await;
    nova_action(
        &h,
        &id_of(&compute, "etl-resized-2").await,
        "2.1",
        serde_json::json!({"confirmResize": null}),
    )
    .await;
    let services = compute.list_services(Some("nova-compute")).await.unwrap();
    let four = services.iter().find(|s| s.host == "compute4").unwrap();
    compute
        .set_service(
            &four.id,
            &openstack_client::compute::ServiceUpdate::enable(),
        )
        .await
        .unwrap();
    let (status, text) = control(&h, &admin, d.id, "retry").await;
    assert!(
        status.is_redirection() || status.is_success(),
        "{status} {text}"
    );
    let d = run_until(&h, runner, "compute1", |_| false).await;
    let lines: Vec<String> = h
        .drains
        .store
        .events(d.id, 0)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.message)
        .collect();
    assert_eq!(d.state, DrainState::Done, "{lines:#?}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("1 failed and 3 skipped instance(s) retried by admin")),
        "{lines:#?}"
    );
    assert!(
        lines
            .last()
            .unwrap()
            .contains("compute1 is empty — ready for maintenance"),
        "{lines:#?}"
    );
    let left = compute
        .list_servers(&openstack_client::compute::ServerQuery {
            all_tenants: true,
            host: Some("compute1".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(left.servers.is_empty(), "Nova lists nothing on compute1");
    let items = h.drains.store.items(d.id).await.unwrap();
    assert!(items.iter().all(|i| i.state == "moved"), "{items:#?}");

    // Move back (the drain has ended) is refused while the host is disabled, then brings
    // everyone who left home.
    let (status, text) = control(&h, &admin, d.id, "back").await;
    assert_eq!(status, StatusCode::CONFLICT, "{text}");
    let services = compute.list_services(Some("nova-compute")).await.unwrap();
    let svc = services.iter().find(|s| s.host == "compute1").unwrap();
    compute
        .set_service(&svc.id, &openstack_client::compute::ServiceUpdate::enable())
        .await
        .unwrap();
    let (status, text) = control(&h, &admin, d.id, "back").await;
    assert!(
        status.is_redirection() || status.is_success(),
        "{status} {text}"
    );
    let before = moves_per_instance(&h);
    let d = run_until(&h, runner, "compute1", |_| false).await;
    assert_eq!(
        d.state,
        DrainState::Done,
        "{:?}",
        h.drains.store.events(d.id, 0).await.unwrap().last()
    );
    let items = h.drains.store.items(d.id).await.unwrap();
    let after = moves_per_instance(&h);
    for i in items
        .iter()
        .filter(|i| drain::runner::planned_move::is_back(&i.planned_move))
    {
        assert_eq!(
            i.state, "moved",
            "{} did not come back: {:?}",
            i.name, i.detail
        );
        let s = compute.get_server(&i.instance_id).await.unwrap();
        assert_eq!(s.host.as_deref(), Some("compute1"), "{}", i.name);
        assert_eq!(
            after[&i.instance_id] - before[&i.instance_id],
            1,
            "{}: one request back",
            i.name
        );
    }
}

/// A Ferry restart mid-drain: a new runner (nothing in memory, same database, same server
/// name) carries on from the record and Nova, and no instance gets a second request.
#[tokio::test]
async fn a_restarted_server_resumes_the_drain_and_moves_nothing_twice() {
    let h = harness().await;
    let admin = login(&h.app, "admin", "ferry-admin", "admin")
        .await
        .unwrap();
    // Slow enough that moves are in flight when the first runner goes away.
    h.cloud.cloud().set_speed(20.0);
    let (status, text) = start(
        &h,
        &admin,
        &[
            ("host", "compute1"),
            ("reason", "restart test"),
            ("parallel", "3"),
            ("auto_confirm", "on"),
        ],
    )
    .await;
    assert!(
        status.is_redirection() || status.is_success(),
        "{status} {text}"
    );
    let first = h.drains.runner.clone();
    let mid = run_until(&h, &first, "compute1", |items| {
        items.iter().any(|i| i.state == "moved")
            && items
                .iter()
                .any(|i| drain::runner::item_state::in_flight(&i.state))
    })
    .await;
    assert!(
        mid.state.is_active(),
        "the drain was still running at the restart"
    );
    let owner = first.owner().to_string();
    drop(first);
    let second = drain::runner::Runner::new(
        h.drains.store.clone(),
        drain::runner::RunnerConfig {
            owner,
            auth_url: h.cloud.auth_url(),
            transport: openstack_client::Transport::new(
                &openstack_client::TransportConfig::default(),
            )
            .unwrap(),
            secrets: h.drains.secrets.clone(),
            tick: Duration::from_millis(100),
            lease: Duration::from_secs(30),
        },
    );
    h.cloud.cloud().set_speed(1000.0);
    let d = run_until(&h, &second, "compute1", |_| false).await;
    assert!(!d.state.is_active(), "{:?}", d.state);
    let items = h.drains.store.items(d.id).await.unwrap();
    let moves = moves_per_instance(&h);
    for i in &items {
        let n = moves.get(&i.instance_id).copied().unwrap_or(0);
        assert_eq!(
            n, i.attempts,
            "{}: {n} requests for {} attempts",
            i.name, i.attempts
        );
    }
    assert!(items.iter().filter(|i| i.state == "moved").count() >= 5);
    let timeline = h.drains.store.events(d.id, 0).await.unwrap();
    assert!(timeline.iter().any(|e| e.message.contains("asked of Nova")));
    assert!(timeline.last().unwrap().message.contains("compute1"));
}

/// A host whose instances can all move ends "empty — ready for maintenance", checked against
/// Nova's list; a host disabled already keeps its old reason in the drain's timeline.
#[tokio::test]
async fn a_host_whose_instances_all_move_ends_empty() {
    let h = harness().await;
    let admin = login(&h.app, "admin", "ferry-admin", "admin")
        .await
        .unwrap();
    let (status, text) = start(
        &h,
        &admin,
        &[
            ("host", "compute4"),
            ("reason", "retire"),
            ("parallel", "2"),
            ("auto_confirm", "on"),
        ],
    )
    .await;
    assert!(
        status.is_redirection() || status.is_success(),
        "{status} {text}"
    );
    let d = run_until(&h, &h.drains.runner, "compute4", |_| false).await;
    assert_eq!(d.state, DrainState::Done);
    let events = h.drains.store.events(d.id, 0).await.unwrap();
    let lines: Vec<&str> = events.iter().map(|e| e.message.as_str()).collect();
    assert!(
        lines
            .iter()
            .any(|l| l
                .contains("it was disabled already: “Scheduled maintenance: DIMM replacement”")),
        "{lines:#?}"
    );
    assert!(lines
        .last()
        .unwrap()
        .contains("compute4 is empty — ready for maintenance"));
    let compute = admin_compute(&h).await;
    let left = compute
        .list_servers(&openstack_client::compute::ServerQuery {
            all_tenants: true,
            host: Some("compute4".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(left.servers.is_empty(), "Nova lists nothing on compute4");
    let items = h.drains.store.items(d.id).await.unwrap();
    let stopped = items.iter().find(|i| i.name == "batch-stopped-1").unwrap();
    assert_eq!(
        (stopped.planned_move.as_str(), stopped.state.as_str()),
        ("cold", "moved")
    );
    let s = compute.get_server(&stopped.instance_id).await.unwrap();
    assert_eq!(
        s.status, "SHUTOFF",
        "cold-migrated and confirmed, not left in Verify Resize"
    );
    let (_, _, html) = send(&h.app, get("/admin/hosts/compute4/drain", Some(&admin))).await;
    assert!(
        html.contains("compute4 is empty — ready for maintenance"),
        "{html}"
    );
}

/// An instance put on the host while the drain runs (another admin forces a live migration
/// there, which skips the scheduler and so the disabled service) is planned and moved like the
/// others, and the drain still ends only when Nova lists nothing on the host.
#[tokio::test]
async fn an_instance_that_arrives_during_the_drain_is_planned_and_moved() {
    let h = harness().await;
    let admin = login(&h.app, "admin", "ferry-admin", "admin")
        .await
        .unwrap();
    h.cloud.cloud().set_speed(20.0);
    let (status, text) = start(
        &h,
        &admin,
        &[
            ("host", "compute4"),
            ("reason", "arrivals"),
            ("parallel", "1"),
            ("auto_confirm", "on"),
        ],
    )
    .await;
    assert!(
        status.is_redirection() || status.is_success(),
        "{status} {text}"
    );
    let runner = &h.drains.runner;
    let mid = run_until(&h, runner, "compute4", |items| {
        items
            .iter()
            .any(|i| drain::runner::item_state::in_flight(&i.state))
    })
    .await;
    assert!(mid.state.is_active());

    // Behind Ferry's back: etl-2 (compute2) forced onto compute4, as Nova allows below 2.68.
    let compute = admin_compute(&h).await;
    let etl2 = compute
        .get_server(&id_of(&compute, "etl-2").await)
        .await
        .unwrap();
    nova_action(
        &h,
        &etl2.id,
        "2.30",
        serde_json::json!({"os-migrateLive": {
            "host": "compute4", "block_migration": "auto", "force": true
        }}),
    )
    .await;
    for _ in 0..200 {
        let s = compute.get_server(&etl2.id).await.unwrap();
        if s.host.as_deref() == Some("compute4") && s.task_state.is_none() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        compute.get_server(&etl2.id).await.unwrap().host.as_deref(),
        Some("compute4"),
        "etl-2 arrived"
    );

    h.cloud.cloud().set_speed(1000.0);
    let d = run_until(&h, runner, "compute4", |_| false).await;
    let timeline: Vec<String> = h
        .drains
        .store
        .events(d.id, 0)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.message)
        .collect();
    assert_eq!(d.state, DrainState::Done, "{timeline:#?}");
    assert!(
        timeline
            .iter()
            .any(|m| m.contains("came to compute4 during the drain")
                && m.contains("etl-2 (live migrate)")),
        "{timeline:#?}"
    );
    let items = h.drains.store.items(d.id).await.unwrap();
    let arrived = items
        .iter()
        .find(|i| i.name == "etl-2")
        .expect("etl-2 added");
    assert_eq!(arrived.state, "moved");
    assert_eq!(
        arrived.position,
        items.len() as i64 - 1,
        "added after the others"
    );
    let s = compute.get_server(&etl2.id).await.unwrap();
    assert_ne!(s.host.as_deref(), Some("compute4"));
    assert_eq!(
        moves_per_instance(&h)[&etl2.id],
        2,
        "the forced move and the drain's"
    );
}
