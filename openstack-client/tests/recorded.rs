//! Every body a real Keystone 30 / Nova 34 / Placement 16 answered (the
//! recordings in `fixtures/recorded/`, see its README) decodes with the
//! client's types, and the fields Ferry relies on come out as the values in
//! the recording, not as serde defaults. A missing recordings folder fails.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use openstack_client::compute::{
    parse_version_document, Flavor, Hypervisor, InstanceAction, InstanceActionDetail, Migration,
    Server, ServerGroup, ServerMigration, Service,
};
use openstack_client::identity::Token;
use openstack_client::parse_fault;
use openstack_client::placement::{parse_usages, Inventories, ResourceProvider};
use serde::de::DeserializeOwned;
use serde_json::Value;

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
    service: String,
    mv: Option<(u32, u32)>,
    status: u64,
    body: Value,
}

fn load(dir: &Path) -> Vec<Rec> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read dir") {
            let p = e.expect("entry").path();
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
        .iter()
        .map(|f| {
            let d: Value = serde_json::from_slice(&std::fs::read(f).expect("read"))
                .unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            let mv = d["request"]["microversion"].as_str().and_then(|v| {
                let (a, b) = v.split_once('.')?;
                Some((a.parse().ok()?, b.parse().ok()?))
            });
            Rec {
                name: f
                    .file_stem()
                    .and_then(|n| n.to_str())
                    .unwrap_or_default()
                    .into(),
                service: d["service"].as_str().unwrap_or_default().into(),
                mv,
                status: d["response"]["status"].as_u64().expect("status"),
                body: d["response"]["body"].clone(),
            }
        })
        .collect()
}

/// Decodes of each kind, so a renamed key cannot make a whole kind vanish.
#[derive(Default)]
struct Seen(BTreeMap<&'static str, usize>);

impl Seen {
    fn hit(&mut self, kind: &'static str) {
        *self.0.entry(kind).or_default() += 1;
    }
}

fn decode<T: DeserializeOwned>(rec: &Rec, v: &Value) -> T {
    serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{}: {e} in {v}", rec.name))
}

/// The recorded value of `key` as an optional string (ids may be integers).
fn text(v: &Value, key: &str) -> Option<String> {
    match &v[key] {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn items<'a>(body: &'a Value, one: &str, many: &str) -> Vec<&'a Value> {
    match (&body[one], &body[many]) {
        (Value::Object(_), _) => vec![&body[one]],
        (_, Value::Array(a)) => a.iter().collect(),
        _ => Vec::new(),
    }
}

fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && s.chars().enumerate().all(|(i, c)| {
            matches!(i, 8 | 13 | 18 | 23) == (c == '-') && (c == '-' || c.is_ascii_hexdigit())
        })
}

fn check_servers(rec: &Rec, seen: &mut Seen) {
    for raw in items(&rec.body, "server", "servers") {
        // servers (not detail) lists and create answers carry only id/links.
        if raw.get("status").is_none() {
            continue;
        }
        let s: Server = decode(rec, raw);
        seen.hit("server");
        let n = &rec.name;
        assert_eq!(Some(s.id.clone()), text(raw, "id"), "{n}");
        assert_eq!(Some(s.status.clone()), text(raw, "status"), "{n}");
        assert_eq!(s.vm_state, text(raw, "OS-EXT-STS:vm_state"), "{n}");
        assert_eq!(s.task_state, text(raw, "OS-EXT-STS:task_state"), "{n}");
        assert_eq!(s.host, text(raw, "OS-EXT-SRV-ATTR:host"), "{n}: host");
        assert_eq!(
            s.hypervisor_hostname,
            text(raw, "OS-EXT-SRV-ATTR:hypervisor_hostname"),
            "{n}"
        );
        assert_eq!(
            s.power_state.map(u64::from),
            raw["OS-EXT-STS:power_state"].as_u64(),
            "{n}"
        );
        assert_eq!(s.locked, raw["locked"].as_bool(), "{n}");
        if rec.mv.is_some_and(|mv| mv >= (2, 47)) {
            // The embedded flavor: Ferry shows its name and sizes.
            assert_eq!(
                s.flavor.original_name,
                text(&raw["flavor"], "original_name"),
                "{n}"
            );
            assert!(
                s.flavor.original_name.is_some(),
                "{n}: flavor name at 2.47+"
            );
            assert_eq!(s.flavor.ram, raw["flavor"]["ram"].as_u64(), "{n}");
            assert_eq!(
                s.flavor.vcpus.map(u64::from),
                raw["flavor"]["vcpus"].as_u64(),
                "{n}"
            );
        } else {
            assert_eq!(
                s.flavor.id,
                text(&raw["flavor"], "id"),
                "{n}: flavor id below 2.47"
            );
        }
        if raw.get("fault").is_some_and(Value::is_object) {
            let f = s.fault.as_ref().unwrap_or_else(|| panic!("{n}: fault"));
            assert_eq!(
                Some(f.message.clone()),
                text(&raw["fault"], "message"),
                "{n}"
            );
        }
        if let Some(p) = raw["progress"].as_u64() {
            assert_eq!(s.progress.map(u64::from), Some(p), "{n}");
        }
    }
}

fn check_migrations(rec: &Rec, seen: &mut Seen) {
    for raw in items(&rec.body, "migration", "migrations") {
        let n = &rec.name;
        if raw.get("server_uuid").is_some() {
            let m: ServerMigration = decode(rec, raw);
            seen.hit("server migration");
            assert_eq!(Some(m.id.to_string()), text(raw, "id"), "{n}");
            assert_eq!(Some(m.status.clone()), text(raw, "status"), "{n}");
            assert_eq!(Some(m.server_uuid.clone()), text(raw, "server_uuid"), "{n}");
            assert_eq!(m.source_compute, text(raw, "source_compute"), "{n}");
            assert_eq!(m.dest_compute, text(raw, "dest_compute"), "{n}");
            assert_eq!(m.uuid, text(raw, "uuid"), "{n}");
            assert_eq!(
                m.memory_total_bytes,
                raw["memory_total_bytes"].as_u64(),
                "{n}"
            );
            assert!(
                m.created_at.is_some() && m.updated_at.is_some(),
                "{n}: times"
            );
        } else {
            let m: Migration = decode(rec, raw);
            seen.hit("migration");
            assert_eq!(Some(m.id.to_string()), text(raw, "id"), "{n}");
            assert_eq!(Some(m.status.clone()), text(raw, "status"), "{n}");
            assert_eq!(
                Some(m.instance_uuid.clone()),
                text(raw, "instance_uuid"),
                "{n}"
            );
            assert_eq!(m.migration_type, text(raw, "migration_type"), "{n}");
            assert_eq!(m.source_compute, text(raw, "source_compute"), "{n}");
            assert_eq!(m.dest_compute, text(raw, "dest_compute"), "{n}");
            assert_eq!(m.source_node, text(raw, "source_node"), "{n}");
            assert_eq!(m.uuid, text(raw, "uuid"), "{n}");
            assert_eq!(m.user_id, text(raw, "user_id"), "{n}");
            assert!(m.created_at.is_some(), "{n}: created_at");
            if raw.get("migration_type").is_some() {
                assert!(m.type_kind().is_some(), "{n}: {:?}", m.migration_type);
            }
        }
    }
}

fn check_hypervisors(rec: &Rec, seen: &mut Seen) {
    for raw in items(&rec.body, "hypervisor", "hypervisors") {
        let h: Hypervisor = decode(rec, raw);
        seen.hit("hypervisor");
        let n = &rec.name;
        assert_eq!(Some(h.id.clone()), text(raw, "id"), "{n}");
        assert_eq!(
            Some(h.hypervisor_hostname.clone()),
            text(raw, "hypervisor_hostname"),
            "{n}"
        );
        assert_eq!(h.state, text(raw, "state"), "{n}");
        assert_eq!(h.status, text(raw, "status"), "{n}");
        if raw.get("service").is_some() {
            let svc = h.service.as_ref().unwrap_or_else(|| panic!("{n}: service"));
            assert_eq!(Some(svc.host.clone()), text(&raw["service"], "host"), "{n}");
            assert_eq!(Some(svc.id.clone()), text(&raw["service"], "id"), "{n}");
        }
        let mv = rec.mv.unwrap_or((2, 1));
        if mv >= (2, 53) {
            assert!(is_uuid(&h.id), "{n}: hypervisor id {} at 2.53+", h.id);
        }
        if mv >= (2, 88) {
            // Usage moved to Placement: nothing must pretend to be a zero.
            assert_eq!(h.vcpus, None, "{n}");
            assert_eq!(h.memory_mb_used, None, "{n}");
            assert_eq!(h.running_vms, None, "{n}");
        } else {
            assert_eq!(h.vcpus, raw["vcpus"].as_u64(), "{n}");
            assert!(h.vcpus.is_some(), "{n}: vcpus below 2.88");
            assert_eq!(h.memory_mb_used, raw["memory_mb_used"].as_u64(), "{n}");
        }
        if let Some(servers) = raw["servers"].as_array() {
            let decoded = h.servers.as_ref().unwrap_or_else(|| panic!("{n}: servers"));
            assert_eq!(decoded.len(), servers.len(), "{n}");
        }
    }
}

fn check_services(rec: &Rec, seen: &mut Seen) {
    for raw in items(&rec.body, "service", "services") {
        let s: Service = decode(rec, raw);
        seen.hit("service");
        let n = &rec.name;
        // The pre-2.53 disable/enable answers name the service by host only.
        if raw.get("id").is_some() {
            assert_eq!(Some(s.id.clone()), text(raw, "id"), "{n}");
        }
        assert_eq!(Some(s.host.clone()), text(raw, "host"), "{n}");
        assert_eq!(Some(s.binary.clone()), text(raw, "binary"), "{n}");
        assert_eq!(Some(s.status.clone()), text(raw, "status"), "{n}");
        assert_eq!(s.disabled_reason, text(raw, "disabled_reason"), "{n}");
        let mv = rec.mv.unwrap_or((2, 1));
        if mv >= (2, 53) && raw.get("id").is_some() {
            assert!(is_uuid(&s.id), "{n}: service id {} at 2.53+", s.id);
        }
        if mv >= (2, 11) && raw.get("forced_down").is_some() {
            assert_eq!(s.forced_down, raw["forced_down"].as_bool(), "{n}");
        }
        if raw.get("state").is_some() {
            assert_eq!(s.state, text(raw, "state"), "{n}");
        }
    }
}

fn check_groups(rec: &Rec, seen: &mut Seen) {
    for raw in items(&rec.body, "server_group", "server_groups") {
        let g: ServerGroup = decode(rec, raw);
        seen.hit("server group");
        let n = &rec.name;
        assert_eq!(Some(g.id.clone()), text(raw, "id"), "{n}");
        assert_eq!(Some(g.name.clone()), text(raw, "name"), "{n}");
        let policy = text(raw, "policy").or_else(|| text(&raw["policies"], "0"));
        let first = raw["policies"][0].as_str().map(String::from);
        assert_eq!(Some(g.policy.clone()), policy.or(first), "{n}: policy");
        assert_eq!(
            g.members.len(),
            raw["members"].as_array().map_or(0, Vec::len),
            "{n}"
        );
        if g.policy == "anti-affinity" {
            assert!(g.is_anti_affinity(), "{n}");
        }
    }
}

fn check_actions(rec: &Rec, seen: &mut Seen) {
    let n = &rec.name;
    if let Some(list) = rec.body["instanceActions"].as_array() {
        for raw in list {
            let a: InstanceAction = decode(rec, raw);
            seen.hit("instance action");
            assert_eq!(Some(a.action.clone()), text(raw, "action"), "{n}");
            assert_eq!(Some(a.request_id.clone()), text(raw, "request_id"), "{n}");
            assert_eq!(a.message, text(raw, "message"), "{n}");
            assert!(a.start_time.is_some(), "{n}: start_time");
        }
    }
    if rec.body["instanceAction"].is_object() {
        let raw = &rec.body["instanceAction"];
        let d: InstanceActionDetail = decode(rec, raw);
        seen.hit("instance action detail");
        assert_eq!(Some(d.action.action.clone()), text(raw, "action"), "{n}");
        let events = raw["events"].as_array().cloned().unwrap_or_default();
        assert_eq!(d.events.len(), events.len(), "{n}");
        for (e, r) in d.events.iter().zip(&events) {
            assert_eq!(Some(e.event.clone()), text(r, "event"), "{n}");
            assert_eq!(e.result, text(r, "result"), "{n}");
            assert_eq!(e.host, text(r, "host"), "{n}");
            assert_eq!(e.details, text(r, "details"), "{n}");
        }
    }
}

fn check_flavors(rec: &Rec, seen: &mut Seen) {
    for raw in items(&rec.body, "flavor", "flavors") {
        if raw.get("ram").is_none() {
            continue;
        }
        let f: Flavor = decode(rec, raw);
        seen.hit("flavor");
        let n = &rec.name;
        assert_eq!(Some(f.id.clone()), text(raw, "id"), "{n}");
        assert_eq!(Some(f.name.clone()), text(raw, "name"), "{n}");
        assert_eq!(Some(f.ram), raw["ram"].as_u64(), "{n}");
        assert_eq!(Some(u64::from(f.vcpus)), raw["vcpus"].as_u64(), "{n}");
        assert_eq!(Some(f.disk), raw["disk"].as_u64(), "{n}");
    }
}

fn check_identity(rec: &Rec, seen: &mut Seen) {
    if !rec.body["token"].is_object() {
        return;
    }
    let bytes = serde_json::to_vec(&rec.body).expect("json");
    let t = Token::from_body("recorded", &bytes).unwrap_or_else(|e| panic!("{}: {e}", rec.name));
    seen.hit("token");
    let raw = &rec.body["token"];
    assert_eq!(
        Some(t.user.name.clone()),
        text(&raw["user"], "name"),
        "{}",
        rec.name
    );
    if raw["project"].is_object() {
        let p = t.project.as_ref().expect("project");
        assert_eq!(
            Some(p.id.clone()),
            text(&raw["project"], "id"),
            "{}",
            rec.name
        );
    }
    let roles = raw["roles"].as_array().map_or(0, Vec::len);
    assert_eq!(t.roles.len(), roles, "{}", rec.name);
    assert!(t.expires_at > t.issued_at, "{}", rec.name);
    if raw["catalog"].is_array() {
        assert_eq!(
            t.catalog.0.len(),
            raw["catalog"].as_array().map_or(0, Vec::len)
        );
    }
}

fn check_placement(rec: &Rec, seen: &mut Seen) {
    let n = &rec.name;
    if rec.body["inventories"].is_object() {
        let inv: Inventories = decode(rec, &rec.body);
        seen.hit("inventories");
        for (rc, raw) in rec.body["inventories"].as_object().expect("object") {
            let i = inv.get(rc).unwrap_or_else(|| panic!("{n}: {rc}"));
            assert_eq!(Some(i.total), raw["total"].as_u64(), "{n} {rc}");
            assert_eq!(Some(i.reserved), raw["reserved"].as_u64(), "{n} {rc}");
            assert_eq!(
                Some(i.allocation_ratio),
                raw["allocation_ratio"].as_f64(),
                "{n} {rc}"
            );
        }
    }
    if rec.body["usages"].is_object() {
        let bytes = serde_json::to_vec(&rec.body).expect("json");
        let u = parse_usages(&bytes).unwrap_or_else(|e| panic!("{n}: {e}"));
        seen.hit("usages");
        for (rc, v) in rec.body["usages"].as_object().expect("object") {
            assert_eq!(u.get(rc).copied(), v.as_u64(), "{n} {rc}");
        }
    }
    let providers = match (&rec.body["resource_providers"], rec.body.get("uuid")) {
        (Value::Array(a), _) => a.iter().collect(),
        (_, Some(_)) => vec![&rec.body],
        _ => Vec::new(),
    };
    for raw in providers {
        let p: ResourceProvider = decode(rec, raw);
        seen.hit("resource provider");
        assert_eq!(Some(p.uuid.clone()), text(raw, "uuid"), "{n}");
        assert_eq!(Some(p.name.clone()), text(raw, "name"), "{n}");
        assert_eq!(p.generation, raw["generation"].as_u64(), "{n}");
    }
}

/// The recorded error text, wherever the service puts it.
fn recorded_message(body: &Value) -> Option<String> {
    let o = body.as_object()?;
    if let Some(e) = o.get("errors").and_then(Value::as_array) {
        return e.first()?.get("detail")?.as_str().map(String::from);
    }
    o.values()
        .find_map(|v| v.get("message").and_then(Value::as_str))
        .map(String::from)
}

#[test]
fn every_recorded_body_decodes_to_the_recorded_values() {
    let dir = recordings_dir();
    let recs = load(&dir);
    assert!(recs.len() > 100, "only {} recordings", recs.len());
    let mut seen = Seen::default();
    for rec in &recs {
        if rec.status >= 400 {
            // Ferry shows Nova's own words: parse_fault must find them.
            let bytes = serde_json::to_vec(&rec.body).expect("json");
            let got = parse_fault(&bytes)
                .unwrap_or_else(|| panic!("{}: no fault in {}", rec.name, rec.body));
            let want =
                recorded_message(&rec.body).unwrap_or_else(|| panic!("{}: {}", rec.name, rec.body));
            // parse_fault tidies whitespace (Placement pads its details).
            let squash = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
            assert_eq!(squash(&got), squash(&want), "{}", rec.name);
            seen.hit("fault");
            continue;
        }
        if rec.body.is_null() {
            continue;
        }
        match rec.service.as_str() {
            "identity" => check_identity(rec, &mut seen),
            "placement" => check_placement(rec, &mut seen),
            _ => {
                if rec.name.starts_with("nova-versions") {
                    let doc = &rec.body;
                    let mv = parse_version_document(doc)
                        .or_else(|| {
                            doc["versions"].as_array().and_then(|a| {
                                a.iter().find_map(|v| {
                                    parse_version_document(&serde_json::json!({"version": v}))
                                })
                            })
                        })
                        .unwrap_or_else(|| panic!("{}: no version in {doc}", rec.name));
                    assert_eq!((mv.major, mv.minor), (2, 104), "{}", rec.name);
                    seen.hit("version");
                    continue;
                }
                check_servers(rec, &mut seen);
                check_migrations(rec, &mut seen);
                check_hypervisors(rec, &mut seen);
                check_services(rec, &mut seen);
                check_groups(rec, &mut seen);
                check_actions(rec, &mut seen);
                check_flavors(rec, &mut seen);
            }
        }
    }
    for kind in [
        "server",
        "server migration",
        "migration",
        "hypervisor",
        "service",
        "server group",
        "instance action",
        "instance action detail",
        "flavor",
        "token",
        "inventories",
        "usages",
        "resource provider",
        "fault",
        "version",
    ] {
        assert!(
            seen.0.get(kind).copied().unwrap_or(0) > 0,
            "no recorded {kind} was decoded: {:?}",
            seen.0
        );
    }
}
