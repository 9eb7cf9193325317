//! Drains driven by real `ferry` processes (the binary this crate builds), killed with SIGKILL
//! in the middle: one restarted on its data directory resumes the drain; of two servers on one
//! database the survivor takes it over. The embedded cloud runs in this test process, so it
//! outlives every Ferry and its request log counts what Nova was asked. The two-server test runs
//! on PostgreSQL when `FERRY_TEST_POSTGRES_URL` is set (scripts/test, under scripts/with-postgres),
//! else on one SQLite file.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{moves_in, postgres_schema};
use drain::runner::item_state;
use drain::store::{Drain, Item, Store};
use embedded_cloud::{CloudConfig, RunningCloud};

struct Ferry {
    child: Child,
    url: String,
    log: PathBuf,
}

impl Ferry {
    /// Starts `ferry` on the cloud at `auth_url`; waits until it answers.
    async fn start(auth_url: &str, data: &Path, extra: &[(&str, &str)]) -> Ferry {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = data.join(format!("ferry-{port}.log"));
        let out = std::fs::File::create(&log).unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ferry"));
        for (k, _) in std::env::vars() {
            if k.starts_with("OS_") || k.starts_with("FERRY_") || k.starts_with("LEPTOS_") {
                cmd.env_remove(k);
            }
        }
        cmd.env("OS_AUTH_URL", auth_url)
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("FERRY_DATA_DIR", data)
            .env("FERRY_DRAIN_TICK_MS", "100")
            .env("FERRY_DRAIN_LEASE_MS", "2000")
            .env("RUST_LOG", "info")
            .envs(extra.iter().copied())
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out);
        let child = cmd.spawn().expect("ferry starts");
        let ferry = Ferry {
            child,
            url: format!("http://127.0.0.1:{port}"),
            log,
        };
        let client = http_client();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(r) = client.get(format!("{}/login", ferry.url)).send().await {
                if r.status().is_success() {
                    return ferry;
                }
            }
            assert!(
                Instant::now() < deadline,
                "ferry never answered:\n{}",
                ferry.logged()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn logged(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGKILL: no shutdown, no lease given back, nothing flushed.
    fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    async fn login(&self) -> String {
        let r = http_client()
            .post(format!("{}/api/login", self.url))
            .header("origin", &self.url)
            .form(&[
                ("user", "admin"),
                ("password", "ferry-admin"),
                ("project", "admin"),
                ("domain", "Default"),
                ("next", "/admin/hosts"),
            ])
            .send()
            .await
            .unwrap();
        r.headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("ferry_session="))
            .map(|v| v.split(';').next().unwrap_or_default().to_string())
            .unwrap_or_else(|| panic!("no session: {}", r.status()))
    }

    async fn start_drain(&self, cookie: &str, host: &str, reason: &str) {
        let token = app::server::service_changes::form_token();
        let r = http_client()
            .post(format!("{}/api/start_drain", self.url))
            .header("origin", &self.url)
            .header("cookie", cookie)
            .form(&[
                ("host", host),
                ("reason", reason),
                ("parallel", "3"),
                ("auto_confirm", "on"),
                ("token", &token),
            ])
            .send()
            .await
            .unwrap();
        let status = r.status();
        assert!(
            status.is_success() || status.is_redirection(),
            "{status}: {}",
            r.text().await.unwrap_or_default()
        );
    }

    async fn page(&self, cookie: &str, path: &str) -> (u16, String) {
        let r = http_client()
            .get(format!("{}{path}", self.url))
            .header("cookie", cookie)
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap_or_default())
    }
}

impl Drop for Ferry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

/// A data directory of this test's own (mode 0700, as Ferry requires).
fn data_dir(name: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!(
        "ferry-process-{}-{name}-{}",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    dir
}

async fn cloud() -> RunningCloud {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    // Slow enough that several moves are under way when a Ferry is killed.
    embedded_cloud::start(
        CloudConfig {
            speed: 10.0,
            ..CloudConfig::default()
        },
        listener,
    )
    .await
    .unwrap()
}

async fn the_drain(store: &Store, host: &str) -> Drain {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(d) = store.drains_for_host(host).await.unwrap().pop() {
            return d;
        }
        assert!(Instant::now() < deadline, "no drain of {host} recorded");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until something has moved and something is under way: the middle of the drain.
async fn half_way(store: &Store, drain: &Drain, ferry: &Ferry) -> Vec<Item> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let items = store.items(drain.id).await.unwrap();
        if items.iter().any(|i| i.state == item_state::MOVED)
            && items.iter().any(|i| item_state::in_flight(&i.state))
        {
            return items;
        }
        assert!(
            Instant::now() < deadline,
            "the drain never was half-way: {:?}\n{}",
            items
                .iter()
                .map(|i| (&i.name, &i.state))
                .collect::<Vec<_>>(),
            ferry.logged()
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

async fn until_ended(store: &Store, drain: &Drain, ferry: &Ferry) -> Drain {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let d = store.drain(drain.id).await.unwrap().unwrap();
        if !d.state.is_active() {
            return d;
        }
        assert!(
            Instant::now() < deadline,
            "the drain did not end: {:?}\n{}",
            d.state,
            ferry.logged()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Every instance got exactly one migration request per attempt the record counts, and the
/// drain moved most of the host.
fn one_request_per_attempt(cloud: &RunningCloud, items: &[Item]) {
    let moves = moves_in(cloud);
    for i in items {
        let n = moves.get(&i.instance_id).copied().unwrap_or(0);
        assert_eq!(
            n, i.attempts,
            "{}: {n} migration requests for {} attempts",
            i.name, i.attempts
        );
    }
    assert_eq!(moves.len(), items.iter().filter(|i| i.attempts > 0).count());
    assert!(
        items
            .iter()
            .filter(|i| i.state == item_state::MOVED)
            .count()
            >= 8,
        "{:?}",
        items
            .iter()
            .map(|i| (&i.name, &i.state))
            .collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn a_ferry_killed_mid_drain_resumes_it_when_started_again() {
    let cloud = cloud().await;
    let data = data_dir("restart");
    let mut first = Ferry::start(&cloud.auth_url(), &data, &[]).await;
    let cookie = first.login().await;
    first
        .start_drain(&cookie, "compute1", "restart test, OPS-7")
        .await;
    let store = Store::connect(&format!(
        "sqlite://{}?mode=rwc",
        data.join("drains.db").display()
    ))
    .await
    .unwrap();
    let drain = the_drain(&store, "compute1").await;
    let at_kill = half_way(&store, &drain, &first).await;
    first.kill();
    let requests_at_kill = moves_in(&cloud).values().sum::<i64>();
    assert!(requests_at_kill > 0);

    // Same data directory: the same session key (the old cookie still works), the drain's
    // sealed credential still opens, and the record says where things stood.
    let second = Ferry::start(&cloud.auth_url(), &data, &[]).await;
    let (status, page) = second.page(&cookie, "/admin/hosts/compute1/drain").await;
    assert_eq!(status, 200, "the session survived the restart: {page}");
    assert!(page.contains("restart test, OPS-7"), "{page}");
    // While it runs, the page shows the live moves' progress, read from Nova.
    let mut progress_seen = false;
    for _ in 0..300 {
        let (_, page) = second.page(&cookie, "/admin/hosts/compute1/drain").await;
        if page.contains("class=\"task-progress") {
            progress_seen = true;
            break;
        }
        if !store
            .drain(drain.id)
            .await
            .unwrap()
            .unwrap()
            .state
            .is_active()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        progress_seen,
        "no live-migration progress on the drain page"
    );
    let d = until_ended(&store, &drain, &second).await;
    let items = store.items(d.id).await.unwrap();
    one_request_per_attempt(&cloud, &items);
    // Moves under way at the kill were watched to their end, not asked again.
    for before in at_kill.iter().filter(|i| item_state::in_flight(&i.state)) {
        let after = items
            .iter()
            .find(|i| i.instance_id == before.instance_id)
            .unwrap();
        assert_eq!(
            after.attempts, before.attempts,
            "{} was asked again after the restart",
            before.name
        );
    }
    // The whole timeline: started, the moves before and after the kill, the takeover by the
    // new process (its lease had run out), and the end.
    let timeline: Vec<String> = store
        .events(d.id, 0)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.message)
        .collect();
    let at = |needle: &str| {
        timeline
            .iter()
            .position(|m| m.contains(needle))
            .unwrap_or_else(|| panic!("no “{needle}” in {timeline:#?}"))
    };
    let disabled = at("disabled");
    let took_over = at("took over from");
    assert!(disabled < took_over);
    assert!(
        timeline[..took_over]
            .iter()
            .any(|m| m.contains("asked of Nova")),
        "moves before the kill: {timeline:#?}"
    );
    assert!(
        timeline[took_over..]
            .iter()
            .any(|m| m.contains("asked of Nova") || m.contains("moved")),
        "moves after the restart: {timeline:#?}"
    );
    assert!(
        timeline.last().unwrap().contains("compute1"),
        "{timeline:#?}"
    );
    let (_, page) = second.page(&cookie, "/admin/hosts/compute1/drain").await;
    assert!(page.contains("took over from"), "{page}");
}

#[tokio::test]
async fn of_two_ferry_servers_on_one_database_the_survivor_takes_the_drain_over() {
    let cloud = cloud().await;
    let pg = postgres_schema("process").await;
    let shared = data_dir("shared");
    let url = pg
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}?mode=rwc", shared.join("drains.db").display()));
    // Several servers share one session key (FERRY_SESSION_KEY), as the README says.
    let key: String = (0..64)
        .map(|i| format!("{:02x}", (i * 37 + 11) % 256))
        .collect();
    let env = |name: &'static str| {
        vec![
            ("FERRY_DATABASE_URL", url.clone()),
            ("FERRY_SESSION_KEY", key.clone()),
            ("FERRY_SERVER_NAME", name.to_string()),
        ]
    };
    let start = |name: &'static str| {
        let vars = env(name);
        let dir = data_dir(name);
        let auth = cloud.auth_url();
        async move {
            let pairs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
            Ferry::start(&auth, &dir, &pairs).await
        }
    };
    let mut a = start("ferry-a").await;
    let mut b = start("ferry-b").await;
    let cookie = a.login().await;
    a.start_drain(&cookie, "compute1", "takeover test").await;
    let store = Store::connect(&url).await.unwrap();
    assert_eq!(
        store.backend(),
        if pg.is_some() { "postgres" } else { "sqlite" }
    );
    let drain = the_drain(&store, "compute1").await;
    half_way(&store, &drain, &a).await;
    let driver = store.drain(drain.id).await.unwrap().unwrap().owner;
    let (dead, survivor, dead_name, survivor_name) = match driver.as_deref() {
        Some("ferry-a") => (&mut a, &b, "ferry-a", "ferry-b"),
        Some("ferry-b") => (&mut b, &a, "ferry-b", "ferry-a"),
        other => panic!("driven by {other:?}"),
    };
    dead.kill();

    let d = until_ended(&store, &drain, survivor).await;
    // An ended drain needs no driver: the record keeps none, the timeline says who drove.
    assert_eq!(d.owner, None);
    let items = store.items(d.id).await.unwrap();
    one_request_per_attempt(&cloud, &items);
    let timeline = store.events(d.id, 0).await.unwrap();
    let takeovers: Vec<_> = timeline
        .iter()
        .filter(|e| e.message.contains("took over from"))
        .collect();
    assert_eq!(takeovers.len(), 1, "{timeline:#?}");
    assert!(
        takeovers[0]
            .message
            .contains(&format!("{survivor_name} took over from {dead_name}")),
        "{}",
        takeovers[0].message
    );
    // Any server shows the drain, with the same session.
    let (status, page) = survivor.page(&cookie, "/admin/hosts/compute1/drain").await;
    assert_eq!(status, 200);
    assert!(page.contains("takeover test"), "{page}");
}
