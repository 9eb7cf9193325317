//! The admin-only speed hook that lets Ferry's browser tests hold an instance in a short state.

mod common;

use axum::http::{Method, StatusCode};

#[tokio::test]
async fn admins_change_the_speed_at_run_time_and_nobody_else_does() {
    let h = common::fast();
    let admin = h.token("admin").await;
    let member = h.token("member").await;
    let before = h.cloud.speed();

    let r = h
        .raw(
            Method::PUT,
            "/_cloud/speed",
            &[("x-auth-token", member.as_str())],
            Some(br#"{"speed": 0.5}"#.to_vec()),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(h.cloud.speed(), before);

    for bad in [
        &br#"{"speed": 0}"#[..],
        br#"{"speed": "fast"}"#,
        b"not json",
    ] {
        let r = h
            .raw(
                Method::PUT,
                "/_cloud/speed",
                &[("x-auth-token", admin.as_str())],
                Some(bad.to_vec()),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
    }
    assert_eq!(h.cloud.speed(), before);

    let r = h
        .raw(
            Method::PUT,
            "/_cloud/speed",
            &[("x-auth-token", admin.as_str())],
            Some(br#"{"speed": 0.5}"#.to_vec()),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(h.cloud.speed(), 0.5);
}
