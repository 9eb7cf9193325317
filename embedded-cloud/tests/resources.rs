//! Server listing, admin resources, test hooks and malformed input.

mod common;

use axum::http::{Method, StatusCode};
use common::*;
use embedded_cloud::CloudConfig;
use serde_json::{json, Value};

fn names(r: &Resp) -> Vec<String> {
    r.body["servers"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s["name"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn server_list_filters_and_scoping() {
    let h = fast();
    let admin = h.token("admin").await;
    let operator = h.token("operator").await;
    let member = h.token("member").await;

    // Non-admins see their project only; admins need all_tenants.
    let web = names(&h.get("/servers", &operator, "2.1").await);
    assert!(web.contains(&"web-1".to_string()) && !web.iter().any(|n| n.starts_with("etl")));
    assert!(
        names(&h.get("/servers", &admin, "2.1").await).is_empty(),
        "admin project has no servers"
    );
    let all = names(&h.get("/servers?all_tenants=1", &admin, "2.1").await);
    assert!(all.len() >= 30, "{}", all.len());
    let r = h.get("/servers/detail?all_tenants=1", &member, "2.1").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        r.message(),
        "Policy doesn't allow os_compute_api:servers:detail:get_all_tenants to be performed."
    );

    // host is exact: compute1 must not catch compute10/compute11.
    let r = h
        .get(
            "/servers/detail?all_tenants=1&host=compute1",
            &admin,
            "2.100",
        )
        .await;
    let hosts: Vec<&str> = r.body["servers"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["OS-EXT-SRV-ATTR:host"].as_str())
        .collect();
    assert!(
        !hosts.is_empty() && hosts.iter().all(|h| *h == "compute1"),
        "{hosts:?}"
    );
    let r = h
        .get(
            "/servers/detail?all_tenants=1&node=compute10",
            &admin,
            "2.100",
        )
        .await;
    assert!(names(&r).contains(&"bigmem-1".to_string()));
    // host is an admin-only filter: ignored for others.
    assert_eq!(
        names(&h.get("/servers?host=compute10", &operator, "2.1").await).len(),
        web.len()
    );

    // name is a regex; status maps to vm/task states.
    assert_eq!(
        names(
            &h.get("/servers?all_tenants=1&name=^web-[0-9]$", &admin, "2.1")
                .await
        )
        .len(),
        4
    );
    let paused = names(
        &h.get("/servers?all_tenants=1&status=PAUSED", &admin, "2.1")
            .await,
    );
    assert_eq!(paused.len(), 3, "{paused:?}");
    assert_eq!(
        names(
            &h.get("/servers?all_tenants=1&status=VERIFY_RESIZE", &admin, "2.1")
                .await
        )
        .len(),
        3
    );
    let project = h.show(&admin, &h.server_id(&admin, "batch-1").await).await["tenant_id"]
        .as_str()
        .unwrap()
        .to_string();
    let batch = names(
        &h.get(
            &format!("/servers?all_tenants=1&project_id={project}"),
            &admin,
            "2.1",
        )
        .await,
    );
    assert!(
        batch.iter().all(|n| n.starts_with("batch")
            || n.starts_with("bigmem")
            || n.starts_with("worker")
            || n == "bm-1"),
        "{batch:?}"
    );
    // availability_zone is a regex like name (not an exact filter in Nova's database): "az"
    // finds both zones, an anchored one only its own.
    let az = names(
        &h.get("/servers?all_tenants=1&availability_zone=az", &admin, "2.1")
            .await,
    );
    assert_eq!(az.len(), all.len());
    let az2 = names(
        &h.get(
            "/servers?all_tenants=1&availability_zone=%5Eaz2%24",
            &admin,
            "2.1",
        )
        .await,
    );
    assert!(az2.contains(&"bigmem-1".to_string()), "{az2:?}");
    assert!(!az2.contains(&"web-1".to_string()), "{az2:?}");
    // The hostile name survives a round trip untouched.
    let r = h.get("/servers?name=caf", &operator, "2.1").await;
    assert_eq!(names(&r), ["<b>bold</b> & \"quotes\" — café ☕"]);
}

#[tokio::test]
async fn paging_sorting_and_changes_since() {
    let h = fast();
    let admin = h.token("admin").await;
    let mut seen = Vec::new();
    let mut path = "/servers?all_tenants=1&limit=7&sort_key=display_name&sort_dir=asc".to_string();
    loop {
        let r = h.get(&path, &admin, "2.1").await;
        assert_eq!(r.status, StatusCode::OK);
        seen.extend(names(&r));
        match r.body["servers_links"][0]["href"].as_str() {
            Some(next) => {
                path = next
                    .trim_start_matches(&format!("{BASE}/compute/v2.1"))
                    .to_string()
            }
            None => break,
        }
    }
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(seen, sorted);
    assert_eq!(
        seen.len(),
        names(&h.get("/servers?all_tenants=1", &admin, "2.1").await).len()
    );

    let r = h
        .get("/servers?all_tenants=1&sort_key=bogus", &admin, "2.1")
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = h
        .get("/servers?all_tenants=1&marker=nope", &admin, "2.1")
        .await;
    assert_eq!(
        (r.status, r.message().as_str()),
        (StatusCode::BAD_REQUEST, "marker [nope] not found")
    );
    let r = h.get("/servers?limit=-1", &admin, "2.1").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    // changes-since: only what changed after the mark.
    let mark = chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.6f")
        .to_string();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    assert!(names(
        &h.get(
            &format!("/servers?all_tenants=1&changes-since={mark}"),
            &admin,
            "2.1"
        )
        .await
    )
    .is_empty());
    let id = h.server_id(&admin, "app-1").await;
    h.action(&id, &admin, "2.80", json!({"lock": null})).await;
    let changed = names(
        &h.get(
            &format!("/servers?all_tenants=1&changes-since={mark}"),
            &admin,
            "2.1",
        )
        .await,
    );
    assert_eq!(changed, ["app-1"]);
    let r = h
        .get("/servers?changes-since=yesterday", &admin, "2.1")
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn admin_only_fields_and_views() {
    let h = fast();
    let admin = h.token("admin").await;
    let operator = h.token("operator").await;
    let id = h.server_id(&admin, "web-db-1").await;
    let mine = h
        .get(&format!("/servers/{id}"), &operator, "2.100")
        .await
        .body["server"]
        .clone();
    assert!(mine.get("OS-EXT-SRV-ATTR:host").is_none());
    assert!(mine.get("host_status").is_none());
    assert_eq!(mine["locked"], true);
    let theirs = h.show(&admin, &id).await;
    assert_eq!(theirs["OS-EXT-SRV-ATTR:host"], "compute3");
    assert_eq!(theirs["host_status"], "UP");
    let down = h.show(&admin, &h.server_id(&admin, "batch-8").await).await;
    assert_eq!(down["host_status"], "DOWN");
    let maint = h.show(&admin, &h.server_id(&admin, "batch-7").await).await;
    assert_eq!(maint["host_status"], "MAINTENANCE");
    let broken = h
        .show(&admin, &h.server_id(&admin, "etl-broken").await)
        .await;
    assert_eq!(broken["status"], "ERROR");
    assert!(broken["fault"]["message"].is_string() && broken["fault"]["details"].is_string());
    let member = h.token("member").await;
    let as_member = h
        .get(
            &format!("/servers/{}", broken["id"].as_str().unwrap()),
            &member,
            "2.100",
        )
        .await;
    assert!(
        as_member.body["server"]["fault"].get("details").is_none(),
        "no traceback for non-admins"
    );
    // Another project's server is not found rather than forbidden.
    let r = h.get(&format!("/servers/{id}"), &member, "2.1").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        r.body["itemNotFound"]["message"],
        format!("Instance {id} could not be found.")
    );
}

#[tokio::test]
async fn hypervisors() {
    let h = fast();
    let admin = h.token("admin").await;
    let member = h.token("member").await;
    let r = h.get("/os-hypervisors/detail", &member, "2.88").await;
    assert_eq!(
        r.message(),
        "Policy doesn't allow os_compute_api:os-hypervisors:list-detail to be performed."
    );
    let r = h.get("/os-hypervisors/detail", &admin, "2.53").await;
    let c1 = r.body["hypervisors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["hypervisor_hostname"] == "compute1")
        .unwrap()
        .clone();
    assert!(c1["memory_mb_used"].as_u64().unwrap() > 32_000);
    assert!(uuid::Uuid::parse_str(c1["id"].as_str().unwrap()).is_ok());
    let r = h.get("/os-hypervisors/detail", &admin, "2.88").await;
    let c1 = &r.body["hypervisors"][0];
    assert!(c1.get("memory_mb").is_none() && c1.get("uptime").is_some());
    let r = h
        .get(
            "/os-hypervisors?hypervisor_hostname_pattern=compute1&with_servers=true",
            &admin,
            "2.88",
        )
        .await;
    let found: Vec<&str> = r.body["hypervisors"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|x| x["hypervisor_hostname"].as_str())
        .collect();
    assert_eq!(
        found,
        ["compute1", "compute10", "compute11"],
        "LIKE %compute1%"
    );
    assert!(
        r.body["hypervisors"][0]["servers"]
            .as_array()
            .unwrap()
            .len()
            >= 5
    );
    let r = h.get("/os-hypervisors?limit=2", &admin, "2.53").await;
    assert_eq!(r.body["hypervisors"].as_array().unwrap().len(), 2);
    assert!(r.body["hypervisors_links"][0]["href"]
        .as_str()
        .unwrap()
        .contains("marker="));
    let ironic = h
        .get(
            "/os-hypervisors/detail?hypervisor_hostname_pattern=ironic",
            &admin,
            "2.88",
        )
        .await;
    assert_eq!(ironic.body["hypervisors"][0]["hypervisor_type"], "ironic");
}

#[tokio::test]
async fn services_update() {
    let h = fast();
    let admin = h.token("admin").await;
    let r = h
        .get("/os-services?binary=nova-compute", &admin, "2.53")
        .await;
    let svc = |host: &str| {
        r.body["services"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["host"] == host)
            .unwrap()
            .clone()
    };
    assert_eq!(
        svc("compute4")["disabled_reason"],
        "Scheduled maintenance: DIMM replacement"
    );
    assert_eq!(svc("compute11")["state"], "down");
    let id = svc("compute2")["id"].as_str().unwrap().to_string();
    let put = |body: Value| {
        let h = &h;
        let admin = admin.clone();
        let id = id.clone();
        async move {
            h.nova(
                Method::PUT,
                &format!("/os-services/{id}"),
                &admin,
                "2.53",
                Some(body),
            )
            .await
        }
    };
    let r = put(json!({"status": "disabled", "disabled_reason": "Kernel upgrade"})).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        (
            r.body["service"]["status"].as_str(),
            r.body["service"]["disabled_reason"].as_str()
        ),
        (Some("disabled"), Some("Kernel upgrade"))
    );
    // The scheduler now avoids compute2.
    let app = h.server_id(&admin, "app-1").await;
    h.action(
        &app,
        &admin,
        "2.80",
        json!({"os-migrateLive": {"host": "compute2", "block_migration": "auto"}}),
    )
    .await;
    h.wait_migration(&admin, &app, "error").await;
    assert_eq!(
        put(json!({"status": "enabled", "disabled_reason": "x"}))
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(put(json!({})).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        put(json!({"status": "sideways"})).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        put(json!({"forced_down": "yes"})).await.status,
        StatusCode::BAD_REQUEST
    );
    let r = put(json!({"forced_down": true})).await;
    assert_eq!(r.body["service"]["state"], "down");
    let r = put(json!({"status": "enabled", "forced_down": false})).await;
    assert_eq!(
        (
            r.body["service"]["state"].as_str(),
            r.body["service"]["status"].as_str()
        ),
        (Some("up"), Some("enabled"))
    );
    let sched = h
        .get("/os-services?binary=nova-scheduler", &admin, "2.53")
        .await
        .body["services"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = h
        .nova(
            Method::PUT,
            &format!("/os-services/{sched}"),
            &admin,
            "2.53",
            Some(json!({"status": "disabled"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = h
        .nova(
            Method::PUT,
            "/os-services/00000000-0000-4000-8000-000000000000",
            &admin,
            "2.53",
            Some(json!({"status": "disabled"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let operator = h.token("operator").await;
    let r = h
        .nova(
            Method::PUT,
            &format!("/os-services/{id}"),
            &operator,
            "2.53",
            Some(json!({"status": "disabled"})),
        )
        .await;
    assert_eq!(
        r.message(),
        "Policy doesn't allow os_compute_api:os-services:update to be performed."
    );
}

#[tokio::test]
async fn migration_history_filters_and_paging() {
    let h = fast();
    let admin = h.token("admin").await;
    for name in ["app-1", "app-2", "app-3"] {
        let id = h.server_id(&admin, name).await;
        h.action(
            &id,
            &admin,
            "2.80",
            json!({"os-migrateLive": {"host": null, "block_migration": "auto"}}),
        )
        .await;
        h.wait_migration(&admin, &id, "completed").await;
    }
    let all = h.get("/os-migrations", &admin, "2.80").await.body["migrations"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(all.len(), 6, "three demo cold migrations + three live");
    let created: Vec<&str> = all
        .iter()
        .filter_map(|m| m["created_at"].as_str())
        .collect();
    let mut sorted = created.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(created, sorted, "newest first");
    let live = h
        .get(
            "/os-migrations?migration_type=live-migration",
            &admin,
            "2.80",
        )
        .await;
    assert_eq!(live.body["migrations"].as_array().unwrap().len(), 3);
    let page = h.get("/os-migrations?limit=2", &admin, "2.59").await;
    assert_eq!(page.body["migrations"].as_array().unwrap().len(), 2);
    let marker = page.body["migrations"][1]["uuid"].as_str().unwrap();
    let rest = h
        .get(&format!("/os-migrations?marker={marker}"), &admin, "2.59")
        .await;
    assert_eq!(rest.body["migrations"].as_array().unwrap().len(), 4);
    let r = h.get("/os-migrations?marker=nope", &admin, "2.59").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = h
        .get("/os-migrations?source_compute=compute3", &admin, "2.80")
        .await;
    assert!(r.body["migrations"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["source_compute"] == "compute3"));
    // The operator sees its project's migrations, without hosts, when it
    // names its project; without project_id it asks for all projects, a 403
    // (recorded from Nova 34); the member nothing.
    let operator = h.token("operator").await;
    let r = h.get("/os-migrations", &operator, "2.80").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        r.message(),
        "Policy doesn't allow os_compute_api:os-migrations:index:all_projects to be performed."
    );
    let web = h.server(&admin, "app-1").await["tenant_id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = h
        .get(
            &format!("/os-migrations?project_id={web}"),
            &operator,
            "2.80",
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body["migrations"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["source_compute"].is_null()));
    let member = h.token("member").await;
    assert_eq!(
        h.get("/os-migrations", &member, "2.80").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn server_groups_and_flavors() {
    let h = fast();
    let operator = h.token("operator").await;
    let r = h.get("/os-server-groups", &operator, "2.64").await;
    let groups = r.body["server_groups"].as_array().unwrap();
    let web = groups.iter().find(|g| g["name"] == "web").unwrap();
    assert_eq!(web["policy"], "anti-affinity");
    assert_eq!(web["members"].as_array().unwrap().len(), 4);
    assert!(groups.iter().any(|g| g["policy"] == "affinity"));
    // all_projects is ignored for a non-admin (recorded from Nova 34).
    let r = h
        .get("/os-server-groups?all_projects=1", &operator, "2.64")
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.body["server_groups"].as_array().unwrap().len(),
        groups.len()
    );
    let r = h.get("/flavors/detail", &operator, "2.61").await;
    assert!(r.body["flavors"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["name"] == "r1.huge"));
}

#[tokio::test]
async fn instance_actions_and_recorded_requests() {
    let h = fast();
    let admin = h.token("admin").await;
    let operator = h.token("operator").await;
    let id = h.server_id(&admin, "app-1").await;
    h.action(&id, &operator, "2.80", json!({"os-stop": null}))
        .await;
    h.wait_status(&admin, &id, "SHUTOFF").await;
    h.action(&id, &operator, "2.80", json!({"os-start": null}))
        .await;
    h.wait_status(&admin, &id, "ACTIVE").await;
    h.action(&id, &operator, "2.80", json!({"pause": null}))
        .await;
    h.wait_status(&admin, &id, "PAUSED").await;
    h.action(&id, &operator, "2.80", json!({"unpause": null}))
        .await;
    h.wait_status(&admin, &id, "ACTIVE").await;
    let r = h
        .get(
            &format!("/servers/{id}/os-instance-actions"),
            &operator,
            "2.84",
        )
        .await;
    let actions: Vec<&str> = r.body["instanceActions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["action"].as_str())
        .collect();
    assert_eq!(actions, ["unpause", "pause", "start", "stop", "create"]);
    let r = h
        .get(
            &format!("/servers/{id}/os-instance-actions?limit=2"),
            &operator,
            "2.84",
        )
        .await;
    assert_eq!(r.body["instanceActions"].as_array().unwrap().len(), 2);
    assert!(r.body["links"][0]["href"].is_string());

    let hooks = h
        .raw(
            Method::GET,
            "/_cloud/requests",
            &[("x-auth-token", &admin)],
            None,
        )
        .await;
    let reqs = hooks.body["requests"].as_array().unwrap();
    assert_eq!(reqs.len(), 4);
    assert_eq!(reqs[0]["body"], json!({"os-stop": null}));
    assert_eq!(reqs[0]["status"], 202);
    assert_eq!(reqs[0]["microversion"], "compute 2.80");
    let r = h
        .raw(
            Method::GET,
            "/_cloud/requests",
            &[("x-auth-token", &operator)],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn fault_injection_setting() {
    let h = fast();
    let admin = h.token("admin").await;
    let put = |body: &str| {
        let h = &h;
        let admin = admin.clone();
        let body = body.as_bytes().to_vec();
        async move {
            h.raw(
                Method::PUT,
                "/_cloud/faults",
                &[("x-auth-token", &admin)],
                Some(body),
            )
            .await
        }
    };
    assert_eq!(
        put(r#"{"nova": "unavailable503"}"#).await.status,
        StatusCode::OK
    );
    let r = h.get("/servers", &admin, "2.1").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.body.get("serviceUnavailable").is_some());
    put(r#"{"nova": "none", "keystone_down": true}"#).await;
    assert_eq!(
        h.token_for("admin", "ferry-admin", "admin").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    put(r#"{}"#).await;
    assert_eq!(
        h.get("/servers", &admin, "2.1").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn malformed_input_is_a_400_never_a_crash() {
    let h = fast();
    let admin = h.token("admin").await;
    let id = h.server_id(&admin, "app-1").await;
    let path = format!("/compute/v2.1/servers/{id}/action");
    let hdrs = [
        ("x-auth-token", admin.as_str()),
        ("openstack-api-version", "compute 2.80"),
    ];
    let bodies: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"{".to_vec(),
        b"null".to_vec(),
        b"[]".to_vec(),
        b"42".to_vec(),
        b"\"migrate\"".to_vec(),
        b"{}".to_vec(),
        br#"{"migrate": null, "os-stop": null}"#.to_vec(),
        br#"{"reboot": {"type": "HARD"}}"#.to_vec(),
        br#"{"os-migrateLive": null}"#.to_vec(),
        br#"{"os-migrateLive": {"host": ["a"], "block_migration": "auto"}}"#.to_vec(),
        br#"{"os-migrateLive": {"host": "", "block_migration": "auto"}}"#.to_vec(),
        br#"{"migrate": {"host": {"x": 1}}}"#.to_vec(),
        br#"{"lock": {"locked_reason": 5}}"#.to_vec(),
        vec![0xff, 0xfe, 0x00],
        "{\"migrate\": \"\u{1F4A5}\"}".as_bytes().to_vec(),
    ];
    for b in bodies {
        let r = h.raw(Method::POST, &path, &hdrs, Some(b.clone())).await;
        assert_eq!(
            r.status,
            StatusCode::BAD_REQUEST,
            "{:?} -> {:?}",
            String::from_utf8_lossy(&b),
            r.body
        );
        assert!(r.body.get("badRequest").is_some(), "{:?}", r.body);
    }
    for q in [
        "/servers?limit=abc",
        "/servers?all_tenants=maybe",
        "/servers?changes-since=2020-13-45",
        "/servers?sort_dir=sideways",
        "/os-migrations?limit=x",
        "/os-hypervisors?with_servers=perhaps",
        "/os-hypervisors?hypervisor_hostname_pattern=x&limit=1",
        "/servers/detail?name=%5B%28",
    ] {
        let r = h
            .raw(Method::GET, &format!("/compute/v2.1{q}"), &hdrs, None)
            .await;
        assert!(
            r.status == StatusCode::BAD_REQUEST || r.status == StatusCode::OK,
            "{q}: {}",
            r.status
        );
    }
    // Unknown paths and methods are Nova faults too.
    let r = h
        .raw(Method::GET, "/compute/v2.1/nothing-here", &hdrs, None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.get("itemNotFound").is_some());
    let r = h
        .raw(Method::DELETE, "/compute/v2.1/os-hypervisors", &hdrs, None)
        .await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    let r = h.get("/servers/not-a-server", &admin, "2.1").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = h
        .get(&format!("/servers/{id}/migrations/abc"), &admin, "2.80")
        .await;
    // Nova does not validate the id: it matches no row, so it is not found.
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        r.message(),
        format!("In-progress live migration abc is not found for server {id}.")
    );
    // The cloud still works.
    assert_eq!(
        h.get("/servers", &admin, "2.1").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn scale_option_generates_instances() {
    let h = harness(CloudConfig {
        instances: 10_050,
        speed: 1000.0,
        ..CloudConfig::default()
    });
    let admin = h.token("admin").await;
    let r = h.get("/servers?all_tenants=1", &admin, "2.1").await;
    assert_eq!(
        r.body["servers"].as_array().unwrap().len(),
        1000,
        "max_limit page"
    );
    assert!(r.body["servers_links"][0]["href"].is_string());
    let r = h
        .get("/servers?all_tenants=1&name=^gen-10000$", &admin, "2.1")
        .await;
    assert_eq!(names(&r).len(), 1);
    // The demo scenarios survive the scale-up.
    let id = h.server_id(&admin, "web-1").await;
    h.action(
        &id,
        &admin,
        "2.80",
        json!({"os-migrateLive": {"host": null, "block_migration": "auto"}}),
    )
    .await;
    h.wait_migration(&admin, &id, "error").await;
}

#[tokio::test]
async fn benchmark_hooks_count_calls_and_set_a_task() {
    let h = fast();
    let admin = h.token("admin").await;
    let id = h.server_id(&admin, "app-4").await;
    let stats = h
        .raw(
            Method::GET,
            "/_cloud/stats",
            &[("x-auth-token", &admin)],
            None,
        )
        .await;
    let before = stats.body["compute"].as_u64().unwrap();
    assert!(before >= 1, "{}", stats.body);
    h.get("/servers", &admin, "2.1").await;
    let stats = h
        .raw(
            Method::GET,
            "/_cloud/stats",
            &[("x-auth-token", &admin)],
            None,
        )
        .await;
    assert_eq!(stats.body["compute"].as_u64().unwrap(), before + 1);

    let path = format!("/_cloud/servers/{id}/state");
    let set = |body: &'static str| {
        let (h, admin, path) = (&h, admin.clone(), path.clone());
        async move {
            h.raw(
                Method::PUT,
                &path,
                &[("x-auth-token", &admin)],
                Some(body.as_bytes().to_vec()),
            )
            .await
        }
    };
    assert_eq!(
        set(r#"{"task_state": "migrating"}"#).await.status,
        StatusCode::OK
    );
    let r = h.get(&format!("/servers/{id}"), &admin, "2.1").await;
    assert_eq!(r.body["server"]["OS-EXT-STS:task_state"], "migrating");
    assert_eq!(set(r#"{"task_state": null}"#).await.status, StatusCode::OK);
    let r = h.get(&format!("/servers/{id}"), &admin, "2.1").await;
    assert!(r.body["server"]["OS-EXT-STS:task_state"].is_null());
    assert_eq!(
        set(r#"{"task_state": "deleting"}"#).await.status,
        StatusCode::BAD_REQUEST
    );
    let operator = h.token("operator").await;
    let r = h
        .raw(
            Method::GET,
            "/_cloud/stats",
            &[("x-auth-token", &operator)],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}
