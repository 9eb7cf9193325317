//! What a drain refuses, in words and with its own status, with nothing started or lost: bad
//! options, a reason too long, hosts that cannot be drained, a second drain of one host, callers
//! without the admin role; and a drain whose credential expired waits for a login, then resumes.

mod common;

use common::*;
use drain::store::DrainState;
use http::StatusCode;

const ORIGIN: Option<&str> = Some("http://127.0.0.1:3000");

async fn start(h: &Harness, cookie: &str, pairs: &[(&str, &str)]) -> (StatusCode, String) {
    let (status, _, body) = send(
        &h.app,
        post("/api/start_drain", Some(cookie), ORIGIN, form(pairs)),
    )
    .await;
    (status, body)
}

fn no_service_change(h: &Harness) -> bool {
    !h.cloud
        .cloud()
        .requests()
        .iter()
        .any(|r| r.method == "PUT" && r.path.contains("os-services"))
}

#[tokio::test]
async fn bad_input_is_refused_in_words_and_nothing_starts() {
    let h = harness().await;
    let admin = login(&h.app, "admin", "ferry-admin", "admin")
        .await
        .unwrap();
    let long = "x".repeat(256);
    type Case<'a> = (&'a [(&'a str, &'a str)], StatusCode, &'a str);
    let cases: &[Case] = &[
        (
            &[("host", "compute1"), ("reason", "r"), ("parallel", "0")],
            StatusCode::BAD_REQUEST,
            "1",
        ),
        (
            &[("host", "compute1"), ("reason", "r"), ("parallel", "11")],
            StatusCode::BAD_REQUEST,
            "10",
        ),
        (
            &[("host", "compute1"), ("reason", "r"), ("parallel", "abc")],
            StatusCode::BAD_REQUEST,
            "abc",
        ),
        (
            &[("host", "compute1"), ("reason", &long), ("parallel", "2")],
            StatusCode::BAD_REQUEST,
            "256 characters",
        ),
        (
            &[("host", "compute1"), ("reason", "  "), ("parallel", "2")],
            StatusCode::BAD_REQUEST,
            "reason is required",
        ),
        (
            &[("host", "compute99"), ("reason", "r"), ("parallel", "2")],
            StatusCode::BAD_REQUEST,
            "no compute host",
        ),
        (
            &[
                ("host", "ironic-conductor1"),
                ("reason", "r"),
                ("parallel", "2"),
            ],
            StatusCode::BAD_REQUEST,
            "bare-metal",
        ),
        (
            &[("host", "../etc"), ("reason", "r"), ("parallel", "2")],
            StatusCode::BAD_REQUEST,
            "",
        ),
    ];
    for (pairs, want, words) in cases {
        let (status, body) = start(&h, &admin, pairs).await;
        assert_eq!(status, *want, "{pairs:?}: {body}");
        assert!(body.contains(words), "{pairs:?}: {body}");
    }
    assert!(no_service_change(&h), "nothing was disabled");
    assert!(h.drains.store.active_drains().await.unwrap().is_empty());

    // A second drain of one host is refused while the first holds it.
    let ok = [("host", "compute1"), ("reason", "first"), ("parallel", "2")];
    let (status, body) = start(&h, &admin, &ok).await;
    assert!(
        status.is_success() || status.is_redirection(),
        "{status} {body}"
    );
    let (status, body) = start(
        &h,
        &admin,
        &[
            ("host", "compute1"),
            ("reason", "second"),
            ("parallel", "2"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body.contains("being drained already"), "{body}");
    assert_eq!(
        h.drains
            .store
            .drains_for_host("compute1")
            .await
            .unwrap()
            .len(),
        1
    );

    // Unknown controls and ids.
    let d = h.drains.store.drains_for_host("compute1").await.unwrap()[0]
        .id
        .to_string();
    for (drain, op, parallel, want) in [
        (d.as_str(), "explode", "", StatusCode::BAD_REQUEST),
        ("not-a-uuid", "pause", "", StatusCode::BAD_REQUEST),
        (
            "00000000-0000-4000-8000-000000000000",
            "pause",
            "",
            StatusCode::BAD_REQUEST,
        ),
        (d.as_str(), "parallel", "11", StatusCode::BAD_REQUEST),
        (d.as_str(), "parallel", "abc", StatusCode::BAD_REQUEST),
        (d.as_str(), "resume", "", StatusCode::CONFLICT),
        (d.as_str(), "back", "", StatusCode::CONFLICT),
    ] {
        let body = form(&[("drain", drain), ("op", op), ("parallel", parallel)]);
        let (status, _, text) = send(
            &h.app,
            post("/api/drain_control", Some(&admin), ORIGIN, body),
        )
        .await;
        assert_eq!(status, want, "{op} {parallel}: {text}");
    }
    // The window can change while it runs.
    let body = form(&[("drain", &d), ("op", "parallel"), ("parallel", "5")]);
    let (status, _, text) = send(
        &h.app,
        post("/api/drain_control", Some(&admin), ORIGIN, body),
    )
    .await;
    assert!(status.is_success() || status.is_redirection(), "{text}");
    let now = h
        .drains
        .store
        .drain(d.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(now.options["parallel"], 5);
}

#[tokio::test]
async fn members_and_operators_are_refused_by_policy() {
    let h = harness().await;
    let admin = login(&h.app, "admin", "ferry-admin", "admin")
        .await
        .unwrap();
    let (status, body) = start(
        &h,
        &admin,
        &[("host", "compute1"), ("reason", "r"), ("parallel", "2")],
    )
    .await;
    assert!(status.is_success() || status.is_redirection(), "{body}");
    let d = h.drains.store.drains_for_host("compute1").await.unwrap()[0]
        .id
        .to_string();
    for (user, password, project) in [
        ("member", "ferry-member", "analytics"),
        ("operator", "ferry-operator", "web"),
    ] {
        let Ok(cookie) = login(&h.app, user, password, project).await else {
            panic!("{user} logs in");
        };
        let (status, body) = start(
            &h,
            &cookie,
            &[("host", "compute2"), ("reason", "r"), ("parallel", "2")],
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{user}: {body}");
        let form_body = form(&[("drain", &d), ("op", "cancel")]);
        let (status, _, body) = send(
            &h.app,
            post("/api/drain_control", Some(&cookie), ORIGIN, form_body),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{user}: {body}");
        let (status, _, _) = send(&h.app, get("/admin/hosts/compute1/drain", Some(&cookie))).await;
        assert!(
            status == StatusCode::FORBIDDEN || status.is_redirection(),
            "{user}: {status}"
        );
    }
    assert_eq!(
        h.drains
            .store
            .drain(d.parse().unwrap())
            .await
            .unwrap()
            .unwrap()
            .state,
        DrainState::Running
    );
    // A page without a session is not a drain page either, and a foreign origin is refused.
    let (status, _) = start(
        &h,
        "ferry_session=forged",
        &[("host", "compute2"), ("reason", "r")],
    )
    .await;
    assert!(
        status == StatusCode::UNAUTHORIZED || status.is_redirection(),
        "{status}"
    );
    let (status, _, _) = send(
        &h.app,
        post(
            "/api/start_drain",
            Some(&admin),
            Some("https://evil.example"),
            form(&[("host", "compute2"), ("reason", "r")]),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_expired_credential_pauses_the_drain_until_someone_logs_in_and_resumes() {
    let h = harness().await;
    let admin = login(&h.app, "admin", "ferry-admin", "admin")
        .await
        .unwrap();
    let (status, body) = start(
        &h,
        &admin,
        &[
            ("host", "compute1"),
            ("reason", "r"),
            ("parallel", "1"),
            ("auto_confirm", "on"),
        ],
    )
    .await;
    assert!(status.is_success() || status.is_redirection(), "{body}");
    let d = h.drains.store.drains_for_host("compute1").await.unwrap()[0].clone();
    // The credential runs out (as one does after CREDENTIAL_HOURS).
    let c = h.drains.store.credential(d.id).await.unwrap().unwrap();
    let past = chrono::Utc::now() - chrono::Duration::minutes(5);
    h.drains
        .store
        .set_credential(d.id, &c.id, c.secret_ciphertext.clone(), past)
        .await
        .unwrap();
    let before = h.cloud.cloud().requests().len();
    h.drains.runner.tick().await;
    let paused = h.drains.store.drain(d.id).await.unwrap().unwrap();
    assert_eq!(paused.state, DrainState::Paused);
    let why = paused.needs_login.clone().unwrap_or_default();
    assert!(why.contains("expired") && why.contains("admin"), "{why}");
    assert_eq!(
        h.cloud.cloud().requests().len(),
        before,
        "nothing sent without a credential"
    );
    let (_, _, html) = send(&h.app, get("/admin/hosts/compute1/drain", Some(&admin))).await;
    assert!(html.contains("must log in and resume it"), "{html}");
    // An admin who is logged in resumes it: a new credential, and it goes on.
    let body = form(&[("drain", &d.id.to_string()), ("op", "resume")]);
    let (status, _, text) = send(
        &h.app,
        post("/api/drain_control", Some(&admin), ORIGIN, body),
    )
    .await;
    assert!(status.is_success() || status.is_redirection(), "{text}");
    let resumed = h.drains.store.drain(d.id).await.unwrap().unwrap();
    assert_eq!(resumed.state, DrainState::Running);
    assert_eq!(resumed.needs_login, None);
    h.drains.runner.tick().await;
    assert!(h.cloud.cloud().requests().len() > before, "it moves again");
}

/// A cloud whose Keystone refuses application credentials: the drain acts with the operator's
/// token, says so, and when Nova stops accepting that token (it expired) the drain waits for a
/// login, with the hosts page saying who must log in; a fresh login resumes it and it ends with
/// one request per attempt.
#[tokio::test]
async fn without_application_credentials_the_drain_runs_on_the_token_until_it_expires() {
    let h = harness().await;
    h.cloud.cloud().set_faults(embedded_cloud::FaultInjection {
        refuse_application_credentials: true,
        ..Default::default()
    });
    h.cloud.cloud().set_speed(20.0);
    let admin = login(&h.app, "admin", "ferry-admin", "admin")
        .await
        .unwrap();
    let t = app::server::service_changes::form_token();
    let (status, body) = start(
        &h,
        &admin,
        &[
            ("host", "compute4"),
            ("reason", "token only"),
            ("parallel", "1"),
            ("auto_confirm", "on"),
            ("token", &t),
        ],
    )
    .await;
    assert!(status.is_success() || status.is_redirection(), "{body}");
    let d = h.drains.store.drains_for_host("compute4").await.unwrap()[0].clone();
    let c = h.drains.store.credential(d.id).await.unwrap().unwrap();
    assert_eq!(c.id, drain::runner::TOKEN_CREDENTIAL);
    let lines = |events: Vec<drain::store::Event>| -> Vec<String> {
        events.into_iter().map(|e| e.message).collect()
    };
    let timeline = lines(h.drains.store.events(d.id, 0).await.unwrap());
    assert!(
        timeline
            .iter()
            .any(|m| m.contains("Keystone refused an application credential")
                && m.contains("acts with admin's token")),
        "{timeline:#?}"
    );
    // It moves on the token until something has been asked of Nova.
    for _ in 0..200 {
        h.drains.runner.tick().await;
        let items = h.drains.store.items(d.id).await.unwrap();
        if items.iter().any(|i| i.attempts > 0) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    // The token's hour passes (Keystone's clock): Nova refuses it from now on.
    h.cloud
        .cloud()
        .advance_clock(std::time::Duration::from_secs(2 * 3600));
    let before = moves_per_instance(&h);
    for _ in 0..5 {
        h.drains.runner.tick().await;
    }
    let paused = h.drains.store.drain(d.id).await.unwrap().unwrap();
    assert_eq!(
        paused.state,
        DrainState::Paused,
        "{:#?}",
        lines(h.drains.store.events(d.id, 0).await.unwrap())
    );
    let why = paused.needs_login.clone().unwrap_or_default();
    assert!(
        why.contains("no longer accepts admin's token") && why.contains("must log in"),
        "{why}"
    );
    assert_eq!(
        moves_per_instance(&h),
        before,
        "nothing moved without a token"
    );
    // The hosts page says who must log in (after logging in again: the old session went with
    // its token).
    let admin = login(&h.app, "admin", "ferry-admin", "admin")
        .await
        .unwrap();
    let (_, _, html) = send(&h.app, get("/admin/hosts", Some(&admin))).await;
    let row = &html[html.find("data-host=\"compute4\"").expect("compute4's row")..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(
        row.contains("admin (or another admin) must log in and resume it"),
        "{row}"
    );
    // Resumed by a logged-in admin: the fresh token (Keystone still refuses a credential),
    // and it ends.
    let body = form(&[("drain", &d.id.to_string()), ("op", "resume")]);
    let (status, _, text) = send(
        &h.app,
        post("/api/drain_control", Some(&admin), ORIGIN, body),
    )
    .await;
    assert!(status.is_success() || status.is_redirection(), "{text}");
    h.cloud.cloud().set_speed(1000.0);
    let mut ended = None;
    for _ in 0..400 {
        h.drains.runner.tick().await;
        let d = h.drains.store.drain(d.id).await.unwrap().unwrap();
        if !d.state.is_active() {
            ended = Some(d);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let ended = ended.expect("the drain ended after the resume");
    let timeline = lines(h.drains.store.events(d.id, 0).await.unwrap());
    assert_eq!(ended.state, DrainState::Done, "{timeline:#?}");
    assert_eq!(ended.needs_login, None);
    let moves = moves_per_instance(&h);
    for i in h.drains.store.items(d.id).await.unwrap() {
        assert_eq!(
            moves.get(&i.instance_id).copied().unwrap_or(0),
            i.attempts,
            "{}",
            i.name
        );
    }
}
