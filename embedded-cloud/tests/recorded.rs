//! Replays what a real Keystone 30 / Nova 34 / Placement 16 answered (the
//! recordings in `fixtures/recorded/`, see its README) against the embedded
//! cloud, each in a fresh cloud brought to the same state with equivalent
//! objects (picked by role, not by the recorded ids), and compares status
//! codes, body shapes (keys and JSON types) and error texts modulo ids.
//!
//! Every recording is either replayed or listed in `NOT_REPLAYED` with the
//! reason, so a new recording fails here until someone decides. A missing
//! recordings folder fails the test.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use axum::http::{Method, StatusCode};
use common::shape::{compare, Allow};
use common::*;
use embedded_cloud::CloudConfig;
use regex::Regex;
use serde_json::{json, Value};

/// Recordings the embedded cloud cannot replay, and why.
const NOT_REPLAYED: &[(&str, &str)] = &[
    (
        "setup--boot-mv2.100",
        "the embedded Nova cannot create servers; its demo set is fixed",
    ),
    (
        "server-groups--create-mv2.64",
        "the embedded Nova cannot create server groups",
    ),
    (
        "server-groups--delete",
        "the embedded Nova cannot delete server groups",
    ),
    (
        "server-groups--show-created-mv2.64",
        "a group the recorder created; the anti-affinity show covers the shape",
    ),
];

/// Objects whose keys are data, not schema.
const FREE_FORM: &[&str] = &[
    "metadata",
    "extra_specs",
    "properties",
    "addresses",
    "inventories",
    "usages",
    "rules",
    "scheduler_hints",
];

/// Where the embedded cloud may answer null and the recording has a value.
const NULL_HERE: &[&str] = &[
    // The demo's servers have no key pair, description or lock reason.
    "key_name",
    "description",
    "locked_reason",
    // Idle servers have no task, and not every action event has failed.
    "OS-EXT-STS:task_state",
    "traceback",
    "details",
    "message",
    "finish_time",
    "result",
    // The recorded servers sat in a pinned zone; the demo's do not.
    "pinned_availability_zone",
    "disabled_reason",
    "OS-SRV-USG:terminated_at",
    "parent_provider_uuid",
];

/// Where the recording has null and the embedded cloud a value.
const NULL_THERE: &[&str] = &[
    // The recorded cloud ran Nova's fake virt driver, which never reports job
    // stats or a destination IP; libvirt does, and the embedded cloud models
    // libvirt (see lifecycle/live_migration.rs).
    "memory_total_bytes",
    "memory_processed_bytes",
    "memory_remaining_bytes",
    "disk_total_bytes",
    "disk_processed_bytes",
    "disk_remaining_bytes",
    "dest_host",
    // The recorded ERROR server failed to schedule at boot, so it was never
    // placed or launched; the demo's ERROR servers failed on a host.
    "OS-EXT-SRV-ATTR:host",
    "OS-EXT-SRV-ATTR:hypervisor_hostname",
    "OS-EXT-SRV-ATTR:root_device_name",
    "OS-SRV-USG:launched_at",
    // Demo servers have these set where the recorded ones had none.
    "locked_reason",
    "key_name",
    "description",
    "disabled_reason",
    "OS-EXT-STS:task_state",
    "traceback",
    "details",
    "message",
    "result",
    "finish_time",
    "pinned_availability_zone",
    "host",
    "hostId",
    "uptime",
    "password_expires_at",
    "parent_provider_uuid",
];

/// Keys present only in some states of an item.
const STATE_DEPENDENT: &[&str] = &[
    // os-migrations items carry links only while a live migration is in progress.
    "links",
    // A server has a fault only in ERROR.
    "fault",
    // progress only in ACTIVE/BUILD/REBUILD/RESIZE/VERIFY_RESIZE/MIGRATING.
    "progress",
    // Only servers with ports in security groups have it; the recorded
    // cloud's servers had no network, the demo's have one.
    "security_groups",
    // Next-page links come only with a full page; the two clouds hold
    // different numbers of servers and migrations.
    "servers_links",
    "migrations_links",
];

/// Recordings whose error text prints a request dict: Python keeps the
/// request's key order, serde_json (without preserve_order, which would change
/// every crate's JSON) sorts keys. The text is compared with that dict blanked.
const DICT_ORDER_ONLY: &[&str] = &["live-migration--start-mv2.68-force"];

fn recordings_dir() -> PathBuf {
    let dir = std::env::var_os("FERRY_RECORDED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/recorded"));
    assert!(
        dir.is_dir(),
        "recordings not found at {} (set FERRY_RECORDED)",
        dir.display()
    );
    dir
}

struct Rec {
    name: String,
    file: PathBuf,
    service: String,
    who: String,
    method: Method,
    base: String,
    path: String,
    mv: Option<String>,
    body: Option<Value>,
    status: u16,
    response: Value,
}

fn load(dir: &Path) -> Vec<Rec> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read recordings dir") {
            let p = e.expect("dir entry").path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "json")
                && !matches!(
                    p.file_name().and_then(|n| n.to_str()),
                    Some("index.json" | "cloud.json")
                )
            {
                files.push(p);
            }
        }
    }
    files.sort();
    files
        .into_iter()
        .map(|file| {
            let d: Value = serde_json::from_slice(&std::fs::read(&file).expect("read"))
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            let r = &d["request"];
            let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
            Rec {
                name: file
                    .file_stem()
                    .and_then(|n| n.to_str())
                    .unwrap_or_default()
                    .to_string(),
                service: s(&d["service"]),
                who: s(&d["as"]),
                method: Method::from_bytes(s(&r["method"]).as_bytes()).expect("method"),
                base: s(&r["base"]),
                path: s(&r["path"]),
                mv: r["microversion"].as_str().map(String::from),
                body: (!r["body"].is_null()).then(|| r["body"].clone()),
                status: d["response"]["status"].as_u64().expect("status") as u16,
                response: d["response"]["body"].clone(),
                file,
            }
        })
        .collect()
}

/// Recorded uuid → what it named (a server, host, group or provider name),
/// from every recorded body.
fn names(recs: &[Rec]) -> HashMap<String, String> {
    fn walk(v: &Value, out: &mut HashMap<String, String>) {
        match v {
            Value::Object(o) => {
                let id = o
                    .get("id")
                    .or_else(|| o.get("uuid"))
                    .and_then(Value::as_str);
                let name = o
                    .get("hypervisor_hostname")
                    .or_else(|| o.get("name"))
                    .or_else(|| o.get("host"))
                    .and_then(Value::as_str);
                if let (Some(id), Some(name)) = (id, name) {
                    out.entry(id.to_string()).or_insert(name.to_string());
                }
                o.values().for_each(|x| walk(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    // Servers first (they have a vm_state): hypervisor server lists and
    // instance actions name the same uuids differently (instance-0000000a).
    fn servers(v: &Value, out: &mut HashMap<String, String>) {
        match v {
            Value::Object(o) => {
                if let (Some(id), Some(name), true) = (
                    o.get("id").and_then(Value::as_str),
                    o.get("name").and_then(Value::as_str),
                    o.contains_key("OS-EXT-STS:vm_state") || o.contains_key("flavor"),
                ) {
                    out.insert(id.to_string(), name.to_string());
                }
                o.values().for_each(|x| servers(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| servers(x, out)),
            _ => {}
        }
    }
    let mut out = HashMap::new();
    for r in recs {
        servers(&r.response, &mut out);
    }
    for r in recs {
        walk(&r.response, &mut out);
    }
    out
}

/// The demo server playing each recorded server's part.
fn demo_server(recorded_name: &str, who: &str) -> Option<&'static str> {
    Some(match recorded_name {
        // ACTIVE, live-migrated by the recorder.
        "rec-live-1" => "app-1",
        "rec-live-2" => "app-2",
        // ACTIVE, cold-migrated and confirmed.
        "rec-cold-1" => "app-3",
        // SHUTOFF, cold-migrated and reverted.
        "rec-cold-2" => "web-stopped-1",
        "rec-error" => "etl-broken",
        "vm-active" => "app-4",
        "vm-stopped" => "spark-1",
        "vm-paused" => "web-paused-1",
        // A member of an anti-affinity group with no room left.
        "ag-1" => "web-1",
        // The recorded member and project manager share a project; here the
        // member is in analytics and the manager (operator) in web.
        "member-vm" if who == "operator" => "app-4",
        "member-vm" => "etl-3",
        _ => return None,
    })
}

fn demo_host(recorded: &str) -> Option<String> {
    let re = Regex::new(r"^compute-(\d+)$").expect("regex");
    re.captures(recorded).map(|c| format!("compute{}", &c[1]))
}

/// Everything a replay needs to know about its own cloud.
struct Scene {
    h: Harness,
    admin: String,
    tokens: HashMap<&'static str, String>,
    /// recorded uuid/id → embedded one
    ids: HashMap<String, String>,
    /// The migration id a recorded numeric migration id stands for.
    mid: Option<u64>,
    /// The instance action a recorded request id stands for.
    request_id: Option<String>,
    /// The recorded application-credential create request, to make the
    /// same credential here, and the recorded credential's id.
    appcred_create: Option<Value>,
    appcred_id: Option<String>,
    /// The recorded credential's owner, played by the embedded admin user
    /// (other recordings map the same recorded user to app-1's owner).
    appcred_owner: Option<String>,
    admin_user: String,
}

/// The secret the replay gives the credentials it makes itself (the
/// recordings' secrets are scrubbed).
const APPCRED_SECRET: &str = "replayed-application-credential-secret";
const APPCRED: &str = "keystone-application-credentials--";

fn live(host: &str) -> Value {
    json!({"os-migrateLive": {"host": host, "block_migration": "auto"}})
}

impl Scene {
    async fn new(recs: &[Rec], names: &HashMap<String, String>, who: &str) -> Scene {
        let h = harness(CloudConfig {
            speed: 200.0,
            ..CloudConfig::default()
        });
        let admin = h.token("admin").await;
        let mut tokens = HashMap::new();
        tokens.insert("admin", admin.clone());
        tokens.insert("member", h.token("member").await);
        tokens.insert("operator", h.token("operator").await);
        let mut ids = HashMap::new();
        // Hosts: hypervisor (= resource provider) and service uuids.
        let hv = h.get("/os-hypervisors/detail", &admin, "2.53").await;
        let mut host_ids: HashMap<String, (String, String)> = HashMap::new();
        for x in hv.body["hypervisors"]
            .as_array()
            .cloned()
            .unwrap_or_default()
        {
            let name = x["hypervisor_hostname"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            host_ids.insert(
                name,
                (
                    x["id"].as_str().unwrap_or_default().to_string(),
                    x["service"]["id"].as_str().unwrap_or_default().to_string(),
                ),
            );
        }
        let groups = h
            .get("/os-server-groups?all_projects=True", &admin, "2.64")
            .await;
        let web_group = groups.body["server_groups"]
            .as_array()
            .and_then(|a| a.iter().find(|g| g["name"] == "web"))
            .and_then(|g| g["id"].as_str())
            .unwrap_or_default()
            .to_string();
        for (uuid, name) in names {
            if let Some(server) = demo_server(name, who) {
                ids.insert(uuid.clone(), h.server_id(&admin, server).await);
            } else if let Some((hv, _)) = demo_host(name).and_then(|n| host_ids.get(&n)) {
                ids.insert(uuid.clone(), hv.clone());
            } else if name == "anti-affinity-group" {
                ids.insert(uuid.clone(), web_group.clone());
            }
        }
        // Services are named by host too, so look them up from their own list.
        for r in recs.iter().filter(|r| r.name.starts_with("services--list")) {
            for s in r.response["services"]
                .as_array()
                .cloned()
                .unwrap_or_default()
            {
                let (Some(id), Some(host)) = (s["id"].as_str(), s["host"].as_str()) else {
                    continue;
                };
                if let Some((_, svc)) = demo_host(host).and_then(|n| host_ids.get(&n)) {
                    ids.insert(id.to_string(), svc.clone());
                }
            }
        }
        // Projects and users of the recorded migrations: the admin's in the
        // recorded cloud, web/operator (app-1's owners) here.
        let app1 = h.show(&admin, &h.server_id(&admin, "app-1").await).await;
        let member_server = h.show(&admin, &h.server_id(&admin, "etl-3").await).await;
        for r in recs {
            if let Some(q) = r.path.split_once('?').map(|x| x.1) {
                for (k, v) in url::form_urlencoded::parse(q.as_bytes()) {
                    let target = match (k.as_ref(), r.who.as_str()) {
                        ("project_id", "operator") => &app1["tenant_id"],
                        ("project_id", _) => &app1["tenant_id"],
                        ("user_id", _) => &app1["user_id"],
                        _ => continue,
                    };
                    ids.insert(v.to_string(), target.as_str().unwrap_or_default().into());
                }
            }
        }
        let _ = member_server;
        // The recorded credential's owner is the admin user.
        let users = h
            .raw(
                Method::GET,
                "/identity/v3/users",
                &[("x-auth-token", &admin)],
                None,
            )
            .await;
        let admin_user = users.body["users"]
            .as_array()
            .and_then(|a| a.iter().find(|u| u["name"] == "admin"))
            .and_then(|u| u["id"].as_str())
            .unwrap_or_default()
            .to_string();
        let created = recs.iter().find(|r| r.name == format!("{APPCRED}create"));
        let recorded = created.map(|r| &r.response["application_credential"]);
        let appcred_owner = recorded
            .and_then(|c| c["user_id"].as_str())
            .map(String::from);
        let appcred_id = recorded.and_then(|c| c["id"].as_str()).map(String::from);
        let appcred_create = created.and_then(|r| r.body.clone());
        // Servers that appear in no recorded body, by the step that used them.
        let stopped = h.server_id(&admin, "web-stopped-1").await;
        for r in recs.iter().filter(|r| r.name.contains("shutoff")) {
            if let Some(u) = r.path.split('/').nth(2) {
                ids.entry(u.to_string()).or_insert(stopped.clone());
            }
        }
        Scene {
            h,
            admin,
            tokens,
            ids,
            mid: None,
            request_id: None,
            appcred_create,
            appcred_id,
            appcred_owner,
            admin_user,
        }
    }

    /// Make the recorded application credential (with a secret of ours)
    /// and stand its id in for the recorded one; `deleted`: delete it again.
    async fn appcred(&mut self, deleted: bool) {
        let Some(mut body) = self.appcred_create.clone() else {
            return;
        };
        body = appcred_body(body);
        body["application_credential"]["secret"] = json!(APPCRED_SECRET);
        let path = format!(
            "/identity/v3/users/{}/application_credentials",
            self.admin_user
        );
        let r = self
            .h
            .raw(
                Method::POST,
                &path,
                &[("x-auth-token", &self.admin)],
                Some(serde_json::to_vec(&body).expect("json")),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
        let here = r.body["application_credential"]["id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        if deleted {
            let r = self
                .h
                .raw(
                    Method::DELETE,
                    &format!("{path}/{here}"),
                    &[("x-auth-token", &self.admin)],
                    None,
                )
                .await;
            assert_eq!(r.status, StatusCode::NO_CONTENT, "{:?}", r.body);
        }
        if let Some(there) = self.appcred_id.clone() {
            self.ids.insert(there, here);
        }
    }

    async fn id_of(&self, name: &str) -> String {
        self.h.server_id(&self.admin, name).await
    }

    async fn behave(&self, id: &str, body: Value) {
        let r = self
            .h
            .raw(
                Method::PUT,
                &format!("/_cloud/servers/{id}/migration-behaviour"),
                &[("x-auth-token", &self.admin)],
                Some(serde_json::to_vec(&body).expect("json")),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    }

    /// Start a live migration of `name` and wait for `status`; its id.
    async fn live(&self, name: &str, dest: &str, converge: bool, status: &str) -> u64 {
        let id = self.id_of(name).await;
        self.behave(&id, json!({"converge": converge})).await;
        let r = self.h.action(&id, &self.admin, "2.80", live(dest)).await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{:?}", r.body);
        let m = self.h.wait_migration(&self.admin, &id, status).await;
        m["id"].as_u64().expect("id")
    }

    async fn migration_action(&self, name: &str, mid: u64, force: bool) {
        let id = self.id_of(name).await;
        let path = format!("/servers/{id}/migrations/{mid}");
        let r = if force {
            self.h
                .nova(
                    Method::POST,
                    &format!("{path}/action"),
                    &self.admin,
                    "2.80",
                    Some(json!({"force_complete": null})),
                )
                .await
        } else {
            self.h
                .nova(Method::DELETE, &path, &self.admin, "2.80", None)
                .await
        };
        assert_eq!(r.status, StatusCode::ACCEPTED, "{:?}", r.body);
    }

    async fn cold(&self, name: &str, status: &str) {
        let id = self.id_of(name).await;
        let r = self
            .h
            .action(&id, &self.admin, "2.80", json!({"migrate": null}))
            .await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{:?}", r.body);
        self.wait_server(&id, status).await;
    }

    async fn wait_server(&self, id: &str, status: &str) {
        self.h
            .wait(
                &format!("{id} {status}"),
                Duration::from_secs(10),
                || async {
                    let s = self.h.show(&self.admin, id).await;
                    (s["status"] == status
                        && (status == "RESIZE" || s["OS-EXT-STS:task_state"].is_null()))
                    .then_some(())
                },
            )
            .await;
    }

    async fn action_of(&self, name: &str, action: &str) -> String {
        let id = self.id_of(name).await;
        let r = self
            .h
            .get(
                &format!("/servers/{id}/os-instance-actions"),
                &self.admin,
                "2.84",
            )
            .await;
        r.body["instanceActions"]
            .as_array()
            .and_then(|a| a.iter().find(|x| x["action"] == action))
            .and_then(|x| x["request_id"].as_str())
            .unwrap_or_else(|| panic!("no {action} action on {name}: {:?}", r.body))
            .to_string()
    }
}

/// Bring a fresh cloud to the state the recording was made in.
async fn setup(s: &mut Scene, name: &str) {
    let step = name.split_once("--").map(|x| x.1).unwrap_or_default();
    if let Some(step) = name.strip_prefix(APPCRED) {
        if let Some(owner) = s.appcred_owner.clone() {
            s.ids.insert(owner, s.admin_user.clone());
        }
        match step {
            "create" => {}
            "show-deleted" | "issue-token-deleted" => s.appcred(true).await,
            _ => s.appcred(false).await,
        }
        return;
    }
    if let Some(step) = name.strip_prefix("live-migration--") {
        match step {
            s2 if s2.starts_with("in-progress") => {
                s.mid = Some(s.live("app-1", "compute3", false, "running").await);
            }
            s2 if s2.starts_with("finished")
                || s2.starts_with("abort-")
                || s2.starts_with("force-complete-") =>
            {
                if s2 == "abort-running" || s2 == "force-complete-running" {
                    s.mid = Some(s.live("app-2", "compute1", false, "running").await);
                } else {
                    s.mid = Some(s.live("app-1", "compute3", true, "completed").await);
                    let id = s.id_of("app-1").await;
                    s.wait_server(&id, "ACTIVE").await;
                }
            }
            s2 if s2.starts_with("own-host") => {
                s.mid = Some(s.live("app-1", "compute1", true, "error").await);
                s.request_id = Some(s.action_of("app-1", "live-migration").await);
            }
            s2 if s2.starts_with("anti-affinity") => {
                let id = s.id_of("web-1").await;
                let r =
                    s.h.action(
                        &id,
                        &s.admin,
                        "2.80",
                        json!({"os-migrateLive": {"host": null, "block_migration": "auto"}}),
                    )
                    .await;
                assert_eq!(r.status, StatusCode::ACCEPTED);
                s.h.wait_migration(&s.admin, &id, "error").await;
                s.request_id = Some(s.action_of("web-1", "live-migration").await);
            }
            "aborted-server" | "aborted-os-migrations" => {
                let mid = s.live("app-2", "compute1", false, "running").await;
                s.migration_action("app-2", mid, false).await;
                let id = s.id_of("app-2").await;
                s.h.wait_migration(&s.admin, &id, "cancelled").await;
                s.wait_server(&id, "ACTIVE").await;
            }
            "force-completed-os-migrations" => {
                let mid = s.live("app-2", "compute1", false, "running").await;
                s.migration_action("app-2", mid, true).await;
                let id = s.id_of("app-2").await;
                s.h.wait_migration(&s.admin, &id, "completed").await;
            }
            s2 if s2.starts_with("while-running") => {
                let first = s.live("app-2", "compute1", false, "running").await;
                s.migration_action("app-2", first, false).await;
                let id = s.id_of("app-2").await;
                s.h.wait_migration(&s.admin, &id, "cancelled").await;
                s.wait_server(&id, "ACTIVE").await;
                s.live("app-2", "compute3", false, "running").await;
                s.mid = Some(first);
            }
            _ => {}
        }
    } else if let Some(step) = name.strip_prefix("cold-migration--") {
        match step {
            "active-show-resize" => {
                s.h.cloud.set_speed(5.0);
                s.cold("app-3", "RESIZE").await;
            }
            "active-show-verify-resize"
            | "active-show-verify-resize-mv2.1"
            | "active-os-migrations-verify-resize"
            | "active-server-migrations"
            | "active-confirm" => s.cold("app-3", "VERIFY_RESIZE").await,
            "active-confirm-again" | "active-os-migrations-confirmed" => {
                s.cold("app-3", "VERIFY_RESIZE").await;
                let id = s.id_of("app-3").await;
                let r =
                    s.h.action(&id, &s.admin, "2.80", json!({"confirmResize": null}))
                        .await;
                assert_eq!(r.status, StatusCode::NO_CONTENT, "{:?}", r.body);
                s.wait_server(&id, "ACTIVE").await;
            }
            "mv2.55-os-migrations" => s.cold("app-3", "VERIFY_RESIZE").await,
            "shutoff-show-verify-resize" | "shutoff-revert" => {
                s.cold("web-stopped-1", "VERIFY_RESIZE").await
            }
            "shutoff-show-reverted" | "shutoff-os-migrations-reverted" => {
                s.cold("web-stopped-1", "VERIFY_RESIZE").await;
                let id = s.id_of("web-stopped-1").await;
                let r =
                    s.h.action(&id, &s.admin, "2.80", json!({"revertResize": null}))
                        .await;
                assert_eq!(r.status, StatusCode::ACCEPTED, "{:?}", r.body);
                s.wait_server(&id, "SHUTOFF").await;
            }
            _ => {}
        }
    } else if name.starts_with("instance-actions--migrated") {
        s.live("app-1", "compute3", true, "completed").await;
        s.request_id = Some(s.action_of("app-1", "live-migration").await);
    } else if name.starts_with("instance-actions--no-valid-host") {
        let id = s.id_of("web-1").await;
        let body = json!({"os-migrateLive": {"host": null, "block_migration": "auto"}});
        assert_eq!(
            s.h.action(&id, &s.admin, "2.80", body).await.status,
            StatusCode::ACCEPTED
        );
        s.h.wait_migration(&s.admin, &id, "error").await;
        s.request_id = Some(s.action_of("web-1", "live-migration").await);
    } else if name.starts_with("os-migrations--")
        || name.starts_with("policy-manager--os-migrations")
    {
        // Lists need items of each kind: a completed live migration and a
        // confirmed cold one, on top of the demo's finished cold migrations.
        s.live("app-1", "compute3", true, "completed").await;
        if step == "mv2.59-marker" {
            let r = s.h.get("/os-migrations?limit=2", &s.admin, "2.59").await;
            let marker = r.body["migrations"][1]["uuid"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            s.ids.insert("MARKER".into(), marker);
        }
    }
}

/// The embedded request for a recorded one: ids, hosts and names swapped.
fn map_path(s: &Scene, rec: &Rec) -> String {
    let uuid = Regex::new(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
        .expect("regex");
    let (path, query) = match rec.path.split_once('?') {
        Some((p, q)) => (p.to_string(), Some(q.to_string())),
        None => (rec.path.clone(), None),
    };
    let segs: Vec<&str> = path.split('/').collect();
    let mut out = Vec::new();
    for (i, seg) in segs.iter().enumerate() {
        let prev = if i > 0 { segs[i - 1] } else { "" };
        let mapped = if let Some(id) = s.ids.get(*seg) {
            id.clone()
        } else if prev == "migrations" && seg.parse::<u64>().is_ok() && *seg != "999999" {
            s.mid
                .map(|m| m.to_string())
                .unwrap_or_else(|| seg.to_string())
        } else if prev == "os-instance-actions" && !seg.starts_with("req-0000") {
            s.request_id.clone().unwrap_or_else(|| seg.to_string())
        } else {
            let _ = &uuid;
            seg.to_string()
        };
        out.push(mapped);
    }
    let mut path = out.join("/");
    if let Some(q) = query {
        let mut ser = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in url::form_urlencoded::parse(q.as_bytes()) {
            let v = if k == "marker" && s.ids.contains_key("MARKER") && !v.starts_with("00000000") {
                s.ids["MARKER"].clone()
            } else if k == "changes-before" && v.starts_with("2026") {
                // "Before a moment after the recording": here, after now.
                (chrono::Utc::now() + chrono::Duration::hours(1))
                    .format("%Y-%m-%dT%H:%M:%SZ")
                    .to_string()
            } else if let Some(id) = s.ids.get(v.as_ref()) {
                id.clone()
            } else if let Some(h) = demo_host(&v) {
                h
            } else {
                v.to_string()
            };
            ser.append_pair(&k, &v);
        }
        path = format!("{path}?{}", ser.finish());
    }
    path
}

fn map_body(s: &Scene, v: &Value) -> Value {
    match v {
        Value::String(x) => {
            if let Some(h) = demo_host(x) {
                json!(h)
            } else if let Some(id) = s.ids.get(x) {
                json!(id)
            } else {
                v.clone()
            }
        }
        Value::Array(a) => Value::Array(a.iter().map(|x| map_body(s, x)).collect()),
        Value::Object(o) => {
            Value::Object(o.iter().map(|(k, x)| (k.clone(), map_body(s, x))).collect())
        }
        _ => v.clone(),
    }
}

/// The recorded create request, due to expire a day from now (the
/// recorded expiry may have passed).
fn appcred_body(mut body: Value) -> Value {
    if body["application_credential"]["expires_at"].is_string() {
        let at = chrono::Utc::now() + chrono::Duration::days(1);
        body["application_credential"]["expires_at"] =
            json!(at.format("%Y-%m-%dT%H:%M:%SZ").to_string());
    }
    body
}

/// A recorded application-credential token request with the secret the
/// replay gave its credential (unless the step is about a wrong one).
fn appcred_auth(mut body: Value, wrong: bool) -> Value {
    let cred = &mut body["auth"]["identity"]["application_credential"];
    if cred.get("secret").is_some() && !wrong {
        cred["secret"] = json!(APPCRED_SECRET);
    }
    body
}

/// A Keystone password-auth body with the demo user's credentials.
fn demo_auth(body: &Value, wrong: bool) -> Value {
    let recorded_user = body["auth"]["identity"]["password"]["user"]["name"]
        .as_str()
        .unwrap_or("admin");
    let user = embedded_cloud::DEMO_USERS
        .iter()
        .find(|u| u.name == recorded_user)
        .unwrap_or(&embedded_cloud::DEMO_USERS[0]);
    let mut b = body.clone();
    b["auth"]["identity"]["password"]["user"]["name"] = json!(user.name);
    let password = if !wrong {
        user.password
    } else {
        "not-the-password"
    };
    b["auth"]["identity"]["password"]["user"]["password"] = json!(password);
    if b["auth"]["scope"]["project"].is_object() {
        b["auth"]["scope"]["project"]["name"] = json!(user.project);
    }
    b
}

/// Error text with everything that names a particular object blanked.
fn normalise(text: &str) -> String {
    let rules = [
        (
            r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
            "<uuid>",
        ),
        (r"req-<uuid>", "<req>"),
        (r"\b[0-9a-f]{32}\b", "<hex>"),
        (r"compute-?\d+", "<host>"),
        (r"\b\d+\b", "<n>"),
    ];
    let mut t = text.to_string();
    for (re, with) in rules {
        t = Regex::new(re)
            .expect("regex")
            .replace_all(&t, with)
            .into_owned();
    }
    t
}

fn fault_message(v: &Value) -> Option<String> {
    let o = v.as_object()?;
    if let Some(e) = o.get("error") {
        return e.get("message").and_then(Value::as_str).map(String::from);
    }
    if let Some(errs) = o.get("errors").and_then(Value::as_array) {
        return errs[0]
            .get("detail")
            .and_then(Value::as_str)
            .map(String::from);
    }
    if o.len() == 1 {
        return o
            .values()
            .next()?
            .get("message")?
            .as_str()
            .map(String::from);
    }
    None
}

async fn replay(rec: &Rec, recs: &[Rec], names: &HashMap<String, String>) -> Vec<String> {
    let mut s = Scene::new(recs, names, &rec.who).await;
    setup(&mut s, &rec.name).await;
    let token = s
        .tokens
        .get(rec.who.as_str())
        .cloned()
        .unwrap_or(s.admin.clone());
    let path = map_path(&s, rec);
    let mut headers: Vec<(String, String)> = Vec::new();
    let url = match (rec.service.as_str(), rec.base.as_str()) {
        ("compute", "root") => format!("/compute{}", path.trim_end_matches('/')),
        ("compute", _) => {
            if let Some(mv) = &rec.mv {
                headers.push(("openstack-api-version".into(), format!("compute {mv}")));
            }
            format!("/compute/v2.1{}", path.trim_end_matches('/'))
        }
        ("placement", _) => {
            if let Some(mv) = &rec.mv {
                headers.push(("openstack-api-version".into(), format!("placement {mv}")));
            }
            format!("/placement{}", path.trim_end_matches('/'))
        }
        ("identity", _) => format!("/identity/v3{path}"),
        (other, _) => return vec![format!("unknown service {other}")],
    };
    let url = if url.is_empty() { "/".to_string() } else { url };
    let mut body = rec.body.as_ref().map(|b| map_body(&s, b));
    if rec.name.starts_with(APPCRED) && rec.method == Method::POST {
        body = body.map(appcred_body);
    }
    if rec.name.contains("own-host") && !rec.name.contains("unknown") {
        // "Its own host" is wherever the demo server stands.
        let server = rec
            .path
            .split('/')
            .nth(2)
            .and_then(|u| s.ids.get(u))
            .cloned();
        if let (Some(b), Some(server)) = (body.as_mut(), server) {
            let host = s.h.show(&s.admin, &server).await["OS-EXT-SRV-ATTR:host"].clone();
            for action in ["migrate", "os-migrateLive"] {
                if b[action].get("host").is_some() {
                    b[action]["host"] = host.clone();
                }
            }
        }
    }
    if rec.service == "identity" && rec.path == "/auth/tokens" {
        match rec.method.as_str() {
            "POST" if rec.name.starts_with(APPCRED) => {
                let wrong = rec.name.ends_with("-wrong-secret");
                body = body.map(|b| appcred_auth(b, wrong));
            }
            "POST" => {
                let wrong = rec.name.ends_with("-wrong");
                body = body.as_ref().map(|b| demo_auth(b, wrong));
            }
            _ => {
                // Validate or revoke a member token of this cloud; the
                // "revoked" step revokes it first.
                let subject = s.h.token("member").await;
                if rec.name.ends_with("validate-revoked") {
                    let r =
                        s.h.raw(
                            Method::DELETE,
                            "/identity/v3/auth/tokens",
                            &[("x-auth-token", &s.admin), ("x-subject-token", &subject)],
                            None,
                        )
                        .await;
                    assert_eq!(r.status, StatusCode::NO_CONTENT);
                }
                headers.push(("x-subject-token".into(), subject));
            }
        }
    }
    let authenticated =
        !(rec.service == "identity" && rec.path == "/auth/tokens" && rec.method == Method::POST);
    if authenticated {
        headers.push(("x-auth-token".into(), token));
    }
    let hdrs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r =
        s.h.raw(
            rec.method.clone(),
            &url,
            &hdrs,
            body.map(|b| serde_json::to_vec(&b).expect("json")),
        )
        .await;
    let mut errs = Vec::new();
    if r.status.as_u16() != rec.status {
        errs.push(format!(
            "status {} where Nova said {} ({} {url}): {}",
            r.status.as_u16(),
            rec.status,
            rec.method,
            r.body
        ));
        return errs;
    }
    if rec.status >= 400 {
        let blank_dict = |t: String| {
            if DICT_ORDER_ONLY.contains(&rec.name.as_str()) {
                Regex::new(r"Value: \{.*\}\. ")
                    .expect("regex")
                    .replace(&t, "Value: {…}. ")
                    .into_owned()
            } else {
                t
            }
        };
        match (
            fault_message(&rec.response).map(blank_dict),
            fault_message(&r.body).map(blank_dict),
        ) {
            (Some(theirs), Some(mine)) if normalise(&theirs) != normalise(&mine) => {
                errs.push(format!("message {mine:?} where Nova said {theirs:?}"))
            }
            (Some(_), None) => errs.push(format!("no fault message in {}", r.body)),
            _ => {}
        }
    }
    let allow = Allow {
        free_form: FREE_FORM,
        null_here: NULL_HERE,
        null_there: NULL_THERE,
        state_dependent: STATE_DEPENDENT,
    };
    compare(&rec.response, &r.body, "$", "", &allow, &mut errs);
    errs
}

#[tokio::test]
async fn the_embedded_cloud_answers_like_the_recorded_nova() {
    let dir = recordings_dir();
    let recs = load(&dir);
    assert!(
        recs.len() > 100,
        "only {} recordings in {}",
        recs.len(),
        dir.display()
    );
    let names = names(&recs);
    let mut failures = Vec::new();
    let mut replayed = 0;
    for rec in &recs {
        if NOT_REPLAYED.iter().any(|(p, _)| rec.name.starts_with(p)) {
            continue;
        }
        let errs = replay(rec, &recs, &names).await;
        replayed += 1;
        if !errs.is_empty() {
            failures.push(format!(
                "{} ({}):\n  {}",
                rec.name,
                rec.file.display(),
                errs.join("\n  ")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {replayed} recordings differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn the_comparison_notices_a_changed_shape_status_and_text() {
    // The same machinery must fail on a difference, or the test above proves nothing.
    let allow = Allow {
        free_form: FREE_FORM,
        null_here: NULL_HERE,
        null_there: NULL_THERE,
        state_dependent: STATE_DEPENDENT,
    };
    let mut errs = Vec::new();
    compare(
        &json!({"migration": {"id": 1, "status": "running", "uuid": "x"}}),
        &json!({"migration": {"id": "1", "status": null, "extra": 1}}),
        "$",
        "",
        &allow,
        &mut errs,
    );
    assert_eq!(errs.len(), 4, "{errs:?}");
    assert_ne!(
        normalise(
            "Migration 12 state of instance 47a1de52-3272-42e6-93e4-49b61d5d84de is cancelled."
        ),
        normalise(
            "Migration 12 state of instance 47a1de52-3272-42e6-93e4-49b61d5d84de is running."
        )
    );
    assert_eq!(
        normalise("Compute host compute-1 could not be found."),
        normalise("Compute host compute10 could not be found.")
    );
}
