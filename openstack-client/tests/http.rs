//! HTTP-level tests against a tiny scripted server on 127.0.0.1 (std
//! threads, no extra dependencies): headers, bodies, discovery caching,
//! error mapping (HTTP fault, timeout, connection refused, undecodable).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use openstack_client::compute::{
    BlockMigration, Compute, LiveMigration, Microversion, ServerQuery, SimpleAction,
};
use openstack_client::identity::{self, Credentials};
use openstack_client::placement::Placement;
use openstack_client::{ErrorKind, Transport, TransportConfig};
use serde_json::{json, Value};

#[derive(Debug, Clone)]
struct Recorded {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl Recorded {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

struct Reply {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: String,
    delay: Duration,
}

fn reply(status: u16, body: Value) -> Reply {
    Reply {
        status,
        headers: vec![],
        body: if body.is_null() {
            String::new()
        } else {
            body.to_string()
        },
        delay: Duration::ZERO,
    }
}

type Handler = Arc<dyn Fn(&Recorded) -> Reply + Send + Sync>;

struct Mock {
    base: String,
    seen: Arc<Mutex<Vec<Recorded>>>,
}

impl Mock {
    fn start(handler: impl Fn(&Recorded) -> Reply + Send + Sync + 'static) -> Mock {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let handler: Handler = Arc::new(handler);
        let seen2 = seen.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { break };
                let handler = handler.clone();
                let seen = seen2.clone();
                std::thread::spawn(move || serve(stream, handler, seen));
            }
        });
        Mock { base, seen }
    }

    fn requests(&self) -> Vec<Recorded> {
        self.seen.lock().unwrap().clone()
    }
}

fn serve(stream: TcpStream, handler: Handler, seen: Arc<Mutex<Vec<Recorded>>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let path = parts.next().unwrap_or("").to_string();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).unwrap();
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let len: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body).unwrap();
    let rec = Recorded {
        method,
        path,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    seen.lock().unwrap().push(rec.clone());
    let r = handler(&rec);
    std::thread::sleep(r.delay);
    let mut out = format!(
        "HTTP/1.1 {} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        r.status,
        r.body.len()
    );
    for (k, v) in &r.headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    out.push_str(&r.body);
    let mut stream = stream;
    let _ = stream.write_all(out.as_bytes());
    let _ = stream.flush();
}

fn transport() -> Transport {
    Transport::new(&TransportConfig {
        timeout: Duration::from_millis(1500),
        ..Default::default()
    })
    .unwrap()
}

fn version_doc(v: &str) -> Value {
    json!({"version": {"id": "v2.1", "status": "CURRENT", "version": v, "min_version": "2.1"}})
}

#[tokio::test]
async fn discovery_is_cached_per_endpoint_and_caps_microversion() {
    let mock = Mock::start(|r| match (r.method.as_str(), r.path.as_str()) {
        ("GET", "/v2.1/proj") => reply(200, version_doc("2.30")),
        ("POST", "/v2.1/proj/servers/s1/action") => {
            let mut rep = reply(202, Value::Null);
            rep.headers
                .push(("x-openstack-request-id", "req-abc".into()));
            rep
        }
        _ => reply(
            404,
            json!({"itemNotFound": {"code": 404, "message": "nope"}}),
        ),
    });
    let t = transport();
    let endpoint = format!("{}/v2.1/proj/", mock.base);
    let c = Compute::connect(&t, &endpoint, "tok-secret").await.unwrap();
    assert_eq!(c.max_microversion(), Microversion::new(2, 30));
    assert_eq!(c.endpoint(), format!("{}/v2.1/proj", mock.base));
    let c2 = Compute::connect(&t, &endpoint, "other").await.unwrap();
    assert_eq!(c2.max_microversion(), Microversion::new(2, 30));
    assert_eq!(mock.requests().len(), 1, "discovery must be cached");
    assert!(!format!("{c:?}").contains("tok-secret"));

    let acc = c
        .live_migrate(
            "s1",
            &LiveMigration {
                host: Some("compute-2".into()),
                block_migration: BlockMigration::Auto,
                disk_over_commit: true,
            },
        )
        .await
        .unwrap();
    assert_eq!(acc.status, 202);
    assert_eq!(acc.request_id.as_deref(), Some("req-abc"));
    let reqs = mock.requests();
    let r = &reqs[1];
    assert_eq!(r.header("openstack-api-version"), Some("compute 2.30"));
    assert_eq!(r.header("x-openstack-nova-api-version"), Some("2.30"));
    assert_eq!(r.header("x-auth-token"), Some("tok-secret"));
    assert_eq!(
        r.json(),
        json!({"os-migrateLive": {"host": "compute-2", "block_migration": "auto"}})
    );
    assert!(
        reqs[0].header("openstack-api-version").is_none(),
        "no microversion on discovery"
    );
}

#[tokio::test]
async fn discovery_falls_back_to_root_document() {
    let mock = Mock::start(|r| match r.path.as_str() {
        "/" => reply(
            200,
            json!({"versions": [
                {"id": "v2.0", "status": "DEPRECATED", "version": "", "min_version": ""},
                {"id": "v2.1", "status": "CURRENT", "version": "2.96", "min_version": "2.1"}
            ]}),
        ),
        _ => reply(
            404,
            json!({"itemNotFound": {"code": 404, "message": "nope"}}),
        ),
    });
    let c = Compute::connect(&transport(), &format!("{}/v2.1/p", mock.base), "t")
        .await
        .unwrap();
    assert_eq!(c.max_microversion(), Microversion::new(2, 96));
    let paths: Vec<String> = mock.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, vec!["/v2.1/p", "/v2.1/", "/"]);
}

#[tokio::test]
async fn old_cloud_gets_legacy_live_migrate_body_and_host_migrate_is_refused() {
    let mock = Mock::start(|_| reply(202, Value::Null));
    let t = transport();
    let c = Compute::with_max_microversion(
        &t,
        &format!("{}/v2.1", mock.base),
        "t",
        Microversion::new(2, 20),
    );
    c.live_migrate(
        "s1",
        &LiveMigration {
            host: None,
            block_migration: BlockMigration::Auto,
            disk_over_commit: false,
        },
    )
    .await
    .unwrap();
    let r = &mock.requests()[0];
    assert_eq!(r.header("openstack-api-version"), Some("compute 2.20"));
    assert_eq!(
        r.json(),
        json!({"os-migrateLive": {"host": null, "block_migration": false, "disk_over_commit": false}})
    );

    let err = c.migrate("s1", Some("h2")).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Unsupported);
    assert_eq!(err.service, "compute");
    assert!(err.message.contains("2.56"), "{err}");
    assert_eq!(mock.requests().len(), 1, "nothing sent");

    c.migrate("s1", None).await.unwrap();
    assert_eq!(mock.requests()[1].json(), json!({"migrate": null}));

    let err = c.list_server_migrations("s1").await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Unsupported);
    let err = c.abort_migration("s1", 3).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Unsupported);
    assert_eq!(mock.requests().len(), 2);
}

#[tokio::test]
async fn actions_and_lists() {
    let mock = Mock::start(
        |r| match (r.method.as_str(), r.path.split('?').next().unwrap()) {
            ("GET", "/v2.1/servers/detail") => reply(
                200,
                json!({"servers": [{"id": "a", "name": "vm", "status": "ACTIVE", "image": ""}],
                   "servers_links": [{"rel": "next", "href": "http://x/v2.1/servers/detail?limit=1&marker=a"}]}),
            ),
            ("GET", "/v2.1/servers/a/migrations") => reply(
                200,
                json!({"migrations": [{"id": 9, "server_uuid": "a", "status": "running", "memory_total_bytes": 5000000000u64}]}),
            ),
            ("GET", "/v2.1/servers/a") => reply(
                200,
                json!({"server": {"id": "a", "name": "vm", "status": "ACTIVE", "locked": true, "locked_reason": "maint"}}),
            ),
            ("DELETE", "/v2.1/servers/a/migrations/9") => reply(202, Value::Null),
            ("POST", "/v2.1/servers/a/migrations/9/action") => reply(202, Value::Null),
            ("POST", "/v2.1/servers/a/action") => {
                let body: Value = serde_json::from_str(&r.body).unwrap();
                if body.get("confirmResize").is_some() {
                    reply(204, Value::Null)
                } else {
                    reply(202, Value::Null)
                }
            }
            ("GET", "/v2.1/os-hypervisors/detail") if !r.path.contains("marker") => reply(
                200,
                json!({"hypervisors": [{"id": "u1", "hypervisor_hostname": "h1", "state": "up", "status": "enabled",
                                     "service": {"id": "s1", "host": "h1", "disabled_reason": null}}],
                   "hypervisors_links": [{"rel": "next", "href": "http://x/v2.1/os-hypervisors/detail?limit=1&marker=u1"}]}),
            ),
            ("GET", "/v2.1/os-hypervisors/detail") => reply(
                200,
                json!({"hypervisors": [{"id": "u2", "hypervisor_hostname": "h2", "state": "down", "status": "disabled"}]}),
            ),
            ("PUT", "/v2.1/os-services/s1") => reply(
                200,
                json!({"service": {"id": "s1", "binary": "nova-compute", "host": "h1", "status": "disabled", "disabled_reason": "maint"}}),
            ),
            _ => reply(
                404,
                json!({"itemNotFound": {"code": 404, "message": format!("no route {}", r.path)}}),
            ),
        },
    );
    let c = Compute::with_max_microversion(
        &transport(),
        &format!("{}/v2.1", mock.base),
        "t",
        Microversion::new(2, 104),
    );

    let page = c
        .list_servers(&ServerQuery {
            all_tenants: true,
            status: vec!["ACTIVE".into(), "ERROR".into()],
            limit: Some(1),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(page.servers[0].id, "a");
    assert_eq!(page.servers[0].image, None);
    assert_eq!(page.next_marker.as_deref(), Some("a"));
    let r = &mock.requests()[0];
    assert_eq!(
        r.path,
        "/v2.1/servers/detail?all_tenants=True&status=ACTIVE&status=ERROR&limit=1"
    );
    assert_eq!(r.header("openstack-api-version"), Some("compute 2.47"));

    let ms = c.list_server_migrations("a").await.unwrap();
    assert_eq!(ms[0].memory_total_bytes, Some(5_000_000_000));
    assert_eq!(
        mock.requests()[1].header("openstack-api-version"),
        Some("compute 2.80")
    );
    assert_eq!(c.abort_migration("a", 9).await.unwrap().status, 202);
    c.force_complete_migration("a", 9).await.unwrap();
    assert_eq!(
        mock.requests()[2].header("openstack-api-version"),
        Some("compute 2.65"),
        "queued/preparing migrations are abortable from 2.65"
    );
    assert_eq!(mock.requests()[3].json(), json!({"force_complete": null}));
    assert_eq!(
        mock.requests()[3].header("openstack-api-version"),
        Some("compute 2.22")
    );

    assert_eq!(c.confirm_resize("a").await.unwrap().status, 204);
    assert_eq!(c.revert_resize("a").await.unwrap().status, 202);
    c.server_action("a", SimpleAction::Stop).await.unwrap();
    c.server_action("a", SimpleAction::Lock).await.unwrap();
    let bodies: Vec<Value> = mock.requests()[4..8].iter().map(Recorded::json).collect();
    assert_eq!(
        bodies,
        vec![
            json!({"confirmResize": null}),
            json!({"revertResize": null}),
            json!({"os-stop": null}),
            json!({"lock": null})
        ]
    );
    for r in &mock.requests()[4..8] {
        assert_eq!(r.header("openstack-api-version"), Some("compute 2.1"));
    }

    let hvs = c.list_hypervisors().await.unwrap();
    assert_eq!(hvs.len(), 2, "pages followed");
    assert_eq!(hvs[1].hypervisor_hostname, "h2");
    assert_eq!(
        mock.requests()[8].header("openstack-api-version"),
        Some("compute 2.88")
    );

    let svc = c
        .set_service(
            "s1",
            &openstack_client::compute::ServiceUpdate::disable(Some("maint")),
        )
        .await
        .unwrap();
    assert_eq!(svc.disabled_reason.as_deref(), Some("maint"));
    assert_eq!(
        mock.requests()[10].json(),
        json!({"status": "disabled", "disabled_reason": "maint"})
    );

    let s = c.get_server("a").await.unwrap();
    assert_eq!(s.locked_reason.as_deref(), Some("maint"));
    assert_eq!(
        mock.requests()[11].header("openstack-api-version"),
        Some("compute 2.73")
    );
}

#[tokio::test]
async fn http_fault_maps_to_error() {
    let mock = Mock::start(|_| {
        let mut r = reply(
            409,
            json!({"conflictingRequest": {"code": 409, "message": "Instance s1 is locked"}}),
        );
        r.headers.push(("x-compute-request-id", "req-409".into()));
        r
    });
    let c = Compute::with_max_microversion(
        &transport(),
        &format!("{}/v2.1", mock.base),
        "t",
        Microversion::new(2, 90),
    );
    let e = c
        .live_migrate("s1", &LiveMigration::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Http(409));
    assert_eq!(e.status(), Some(409));
    assert_eq!(e.service, "compute");
    assert_eq!(e.operation, "live-migrate server s1");
    assert_eq!(e.message, "Instance s1 is locked");
    assert_eq!(e.request_id.as_deref(), Some("req-409"));
    assert_eq!(
        e.to_string(),
        "compute: live-migrate server s1 failed: HTTP 409: Instance s1 is locked (request req-409)"
    );
}

#[tokio::test]
async fn timeout_connect_and_decode_kinds() {
    let slow = Mock::start(|_| Reply {
        delay: Duration::from_secs(3),
        ..reply(200, json!({}))
    });
    let t = Transport::new(&TransportConfig {
        timeout: Duration::from_millis(300),
        ..Default::default()
    })
    .unwrap();
    let c = Compute::with_max_microversion(
        &t,
        &format!("{}/v2.1", slow.base),
        "t",
        Microversion::new(2, 90),
    );
    let e = c.get_server("x").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Timeout, "{e}");

    // A port nobody listens on.
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let c = Compute::with_max_microversion(
        &t,
        &format!("http://127.0.0.1:{port}/v2.1"),
        "t",
        Microversion::new(2, 90),
    );
    let e = c.get_server("x").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Connect, "{e}");

    let garbage = Mock::start(|_| Reply {
        body: "<html>hello</html>".into(),
        ..reply(200, Value::Null)
    });
    let c = Compute::with_max_microversion(
        &transport(),
        &format!("{}/v2.1", garbage.base),
        "t",
        Microversion::new(2, 90),
    );
    let e = c.get_server("x").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Decode, "{e}");
    assert_eq!(e.operation, "show server x");
}

#[tokio::test]
async fn keystone_issue_validate_revoke_projects() {
    let body = std::fs::read_to_string(
        std::env::var_os("FERRY_FIXTURES")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| {
                std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/api-samples")
            })
            .join("keystone-api-samples/admin/auth-password-project-scoped-response.json"),
    )
    .expect("keystone fixture missing (set FERRY_FIXTURES)");
    let mock = Mock::start(move |r| match (r.method.as_str(), r.path.as_str()) {
        ("POST", "/identity/v3/auth/tokens") => Reply {
            status: 201,
            headers: vec![("X-Subject-Token", "gAAAA-new".into())],
            body: body.clone(),
            delay: Duration::ZERO,
        },
        ("GET", "/identity/v3/auth/tokens") => Reply {
            status: 200,
            headers: vec![(
                "X-Subject-Token",
                r.header("x-subject-token").unwrap().to_string(),
            )],
            body: body.clone(),
            delay: Duration::ZERO,
        },
        ("DELETE", "/identity/v3/auth/tokens") => reply(204, Value::Null),
        ("GET", "/identity/v3/projects") => reply(
            200,
            json!({"projects": [{"id": "p1", "name": "ops", "domain_id": "default", "enabled": true, "description": null}],
                   "links": {"self": "x", "next": null, "previous": null}}),
        ),
        _ => reply(
            401,
            json!({"error": {"code": 401, "message": "The request you have made requires authentication.", "title": "Unauthorized"}}),
        ),
    });
    let t = transport();
    let auth_url = format!("{}/identity", mock.base);
    let creds = Credentials::Password {
        user: "admin".into(),
        user_domain: "Default".into(),
        password: "pw-secret".into(),
        project: "admin".into(),
        project_domain: "Default".into(),
    };
    let tok = identity::issue_token(&t, &auth_url, &creds).await.unwrap();
    assert_eq!(tok.value, "gAAAA-new");
    assert!(tok.has_role("admin"));
    assert!(tok
        .catalog
        .endpoint("compute", "public", None)
        .unwrap()
        .ends_with("/v2.1/a6944d763bf64ee6a275f1263fae0352"));
    let sent = mock.requests()[0].json();
    assert_eq!(
        sent["auth"]["identity"]["password"]["user"]["password"],
        "pw-secret"
    );
    assert_eq!(
        sent["auth"]["scope"]["project"]["domain"]["name"],
        "Default"
    );

    let v = identity::validate_token(&t, &format!("{auth_url}/v3/"), "gAAAA-new", "svc-token")
        .await
        .unwrap();
    assert_eq!(v.value, "gAAAA-new");
    let r = &mock.requests()[1];
    assert_eq!(r.header("x-auth-token"), Some("svc-token"));
    assert_eq!(r.header("x-subject-token"), Some("gAAAA-new"));

    let projects = identity::list_projects(&t, &auth_url, "gAAAA-new")
        .await
        .unwrap();
    assert_eq!(projects.len(), 1);
    assert_eq!(projects[0].name, "ops");
    assert!(projects[0].enabled);

    identity::revoke_token(&t, &auth_url, "gAAAA-new")
        .await
        .unwrap();
    let r = &mock.requests()[3];
    assert_eq!(r.method, "DELETE");
    assert_eq!(r.header("x-subject-token"), Some("gAAAA-new"));

    let e = identity::issue_token(&t, &format!("{}/other", mock.base), &creds)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Http(401));
    assert_eq!(e.service, "identity");
    assert_eq!(
        e.message,
        "The request you have made requires authentication."
    );
    assert!(!e.to_string().contains("pw-secret"));
}

#[tokio::test]
async fn placement_sends_version_header() {
    let mock = Mock::start(|r| match r.path.as_str() {
        "/placement/resource_providers/rp1/inventories" => reply(
            200,
            json!({"resource_provider_generation": 3, "inventories": {"VCPU": {"total": 8, "reserved": 0, "allocation_ratio": 4.0, "min_unit": 1, "max_unit": 8, "step_size": 1}}}),
        ),
        "/placement/resource_providers/rp1/usages" => reply(
            200,
            json!({"resource_provider_generation": 3, "usages": {"VCPU": 5}}),
        ),
        "/placement/resource_providers" => reply(
            200,
            json!({"resource_providers": [{"uuid": "rp1", "name": "h1", "generation": 3}]}),
        ),
        _ => reply(
            404,
            json!({"errors": [{"status": 404, "title": "Not Found", "detail": "No resource provider with uuid nope found"}]}),
        ),
    });
    let p = Placement::new(&transport(), &format!("{}/placement/", mock.base), "t");
    let inv = p.inventories("rp1").await.unwrap();
    assert_eq!(inv.capacity("VCPU"), Some(32));
    assert_eq!(p.usages("rp1").await.unwrap()["VCPU"], 5);
    assert_eq!(p.resource_providers().await.unwrap()[0].name, "h1");
    let r = &mock.requests()[0];
    assert_eq!(r.header("openstack-api-version"), Some("placement 1.14"));
    let e = p.inventories("nope").await.unwrap_err();
    assert_eq!(e.service, "placement");
    assert_eq!(e.status(), Some(404));
    assert_eq!(e.message, "No resource provider with uuid nope found");
    assert!(!format!("{p:?}").contains("\"t\""));
}

#[test]
fn transport_config_errors() {
    let d = TransportConfig::default();
    assert!(d.verify);
    assert_eq!(d.connect_timeout, Duration::from_secs(5));
    assert_eq!(d.timeout, Duration::from_secs(30));
    let e = Transport::new(&TransportConfig {
        cacert: Some("/nonexistent/ca.pem".into()),
        ..Default::default()
    })
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Config);
    let dir = std::env::temp_dir().join(format!("oc-ca-{}", std::process::id()));
    std::fs::write(&dir, "not a pem").unwrap();
    let e = Transport::new(&TransportConfig {
        cacert: Some(dir.clone()),
        ..Default::default()
    })
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Config);
    let _ = std::fs::remove_file(dir);
    assert!(Transport::new(&TransportConfig {
        verify: false,
        ..Default::default()
    })
    .is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_in_flight_are_bounded_and_the_rest_wait_their_turn() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let now = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let (n, m) = (now.clone(), most.clone());
    let mock = Mock::start(move |_| {
        let here = n.fetch_add(1, Ordering::SeqCst) + 1;
        m.fetch_max(here, Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(150));
        n.fetch_sub(1, Ordering::SeqCst);
        reply(202, Value::Null)
    });
    let t = Transport::new(&TransportConfig {
        max_in_flight: 2,
        timeout: Duration::from_secs(20),
        ..Default::default()
    })
    .unwrap();
    let c = Compute::with_max_microversion(
        &t,
        &format!("{}/v2.1", mock.base),
        "t",
        Microversion::new(2, 20),
    );
    let calls = (0..6).map(|i| {
        let c = c.clone();
        tokio::spawn(async move { c.migrate(&format!("s{i}"), None).await })
    });
    for call in calls.collect::<Vec<_>>() {
        call.await.unwrap().unwrap();
    }
    assert_eq!(mock.requests().len(), 6, "every one was sent, in turn");
    assert_eq!(
        most.load(Ordering::SeqCst),
        2,
        "never more than two at once"
    );
}
