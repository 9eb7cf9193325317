//! The whole `ferry` router in process, against an embedded cloud over real loopback HTTP: the
//! harness every server test file shares.
#![allow(dead_code)]

use std::sync::{Mutex, MutexGuard};

use axum::{body::Body, Router};
use embedded_cloud::{CloudConfig, RunningCloud};
use http::{header, Request, Response, StatusCode};
use leptos::prelude::LeptosOptions;
use tower::ServiceExt;

pub struct Harness {
    pub app: Router,
    pub cloud: RunningCloud,
    /// The drain database (SQLite, this harness's own) and a runner the test ticks itself.
    pub drains: app::server::drains::DrainService,
    _one_at_a_time: MutexGuard<'static, ()>,
}

/// These tests run one at a time. Each `#[tokio::test]` has its own runtime, and with several
/// runtimes (each with a router and a cloud) alive at once in one process, about one run of the
/// file in ten hung forever in some test, parked with no timer pending; one at a time it never did
/// (0 of 25 runs, against 2 of 30 and 3 of 15 in parallel, 2026-11-22). Ferry itself runs one
/// runtime per process, so this is about the harness, not the server.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

// Held across awaits on purpose: the other tests wait on their own threads (each has its own
// runtime), so blocking them is the point and nothing in this runtime waits for the lock.
#[allow(clippy::await_holding_lock)]
pub async fn harness() -> Harness {
    harness_on(None).await
}

/// The harness with its drains in the database at `url` (else its own SQLite file).
#[allow(clippy::await_holding_lock)]
pub async fn harness_on(database: Option<String>) -> Harness {
    // A test that failed poisons the lock; the next one runs anyway.
    let one_at_a_time = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let cloud = embedded_cloud::start(
        CloudConfig {
            speed: 1000.0,
            ..CloudConfig::default()
        },
        listener,
    )
    .await
    .unwrap();
    // The session key file goes to a directory of this test process, not the user's.
    let data = std::env::temp_dir().join(format!("ferry-test-{}", std::process::id()));
    std::env::set_var("FERRY_DATA_DIR", &data);
    let settings = server::startup::embedded_settings(cloud.auth_url());
    let backend = server::startup::backend_for(&settings, false).unwrap();
    static DATABASES: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = DATABASES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    std::fs::create_dir_all(&data).unwrap();
    let db = data.join(format!("drains-{n}.db"));
    let _ = std::fs::remove_file(&db);
    let url = database.unwrap_or_else(|| format!("sqlite://{}?mode=rwc", db.display()));
    let drains = server::startup::drains_at(&backend, &url).await.unwrap();
    let _ = backend.drains.set(drains.clone());
    let options = LeptosOptions::builder().output_name("ferry").build();
    Harness {
        app: server::router(options, backend),
        cloud,
        drains,
        _one_at_a_time: one_at_a_time,
    }
}

pub async fn send(app: &Router, req: Request<Body>) -> (StatusCode, http::HeaderMap, String) {
    let res: Response<Body> = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body = axum::body::to_bytes(res.into_body(), 16 * 1024 * 1024)
        .await
        .unwrap();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

pub fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", app::model::encode_component(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Logs in through the login server function; returns the `Cookie` header to send back.
pub async fn login(
    app: &Router,
    user: &str,
    password: &str,
    project: &str,
) -> Result<String, String> {
    let body = form(&[
        ("user", user),
        ("password", password),
        ("project", project),
        ("domain", "Default"),
        ("next", "/admin/instances"),
    ]);
    let req = post("/api/login", None, Some("http://127.0.0.1:3000"), body);
    let (status, headers, text) = send(app, req).await;
    let cookie = headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("ferry_session="))
        .map(|v| v.split(';').next().unwrap_or_default().to_string());
    match cookie {
        Some(c) if status.is_success() || status.is_redirection() => Ok(c),
        _ => Err(format!("{status}: {text}")),
    }
}

/// A form POST to a server function, as a browser on this site (or another `origin`) sends it.
pub fn post(
    path: &str,
    cookie: Option<&str>,
    origin: Option<&str>,
    body: impl Into<Body>,
) -> Request<Body> {
    let mut req = Request::post(path)
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(c) = cookie {
        req = req.header(header::COOKIE, c);
    }
    if let Some(o) = origin {
        req = req.header(header::ORIGIN, o);
    }
    req.body(body.into()).unwrap()
}

pub fn get(path: &str, cookie: Option<&str>) -> Request<Body> {
    // Browsers' navigations accept text/html; that is what makes redirects real 302s.
    let mut req = Request::get(path)
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::ACCEPT, "text/html");
    if let Some(c) = cookie {
        req = req.header(header::COOKIE, c);
    }
    req.body(Body::empty()).unwrap()
}

/// Migration requests (live and cold) Nova accepted, per instance id, from the cloud's log.
pub fn moves_per_instance(h: &Harness) -> std::collections::HashMap<String, i64> {
    moves_in(&h.cloud)
}

/// The same, for a cloud outside a harness (the real-process tests run their own).
pub fn moves_in(cloud: &RunningCloud) -> std::collections::HashMap<String, i64> {
    let mut n = std::collections::HashMap::new();
    for r in cloud.cloud().requests() {
        let is_move = r.body.get("os-migrateLive").is_some() || r.body.get("migrate").is_some();
        if r.method == "POST" && is_move && r.status == 202 {
            let mut parts = r.path.split('/').skip_while(|p| *p != "servers").skip(1);
            *n.entry(parts.next().unwrap_or_default().to_string())
                .or_default() += 1;
        }
    }
    n
}

/// A schema of its own (`PREFIX_…`) in the test PostgreSQL (`FERRY_TEST_POSTGRES_URL`, set by
/// scripts/with-postgres), as a database URL; None without one.
pub async fn postgres_schema(prefix: &str) -> Option<String> {
    use sqlx::Connection;
    let base = std::env::var("FERRY_TEST_POSTGRES_URL").ok()?;
    let schema = format!("{prefix}_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(&base)
        .await
        .expect("FERRY_TEST_POSTGRES_URL does not connect");
    sqlx::raw_sql(&format!("CREATE SCHEMA {schema}"))
        .execute(&mut conn)
        .await
        .expect("create a test schema");
    let join = if base.contains('?') { '&' } else { '?' };
    Some(format!("{base}{join}options[search_path]={schema}"))
}
