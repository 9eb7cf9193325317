//! `GET /os-hypervisors[/detail|/{id}]` (`hypervisors.py`): admin only.
//! 2.53 switches ids to UUIDs and adds `with_servers` and
//! `hypervisor_hostname_pattern`; 2.88 drops the usage fields.

use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use axum::Extension;
use serde_json::{json, Map, Value};

use super::common::{invalid_query, next_link, ok, parse_bool, parse_limit, App, Query};
use crate::context::Ctx;
use crate::fault::{ApiResult, Fault};
use crate::microversion::Mv;
use crate::model::Host;
use crate::policy;
use crate::state::{State as CloudState, Usage};

fn id_of(h: &Host, mv: Mv) -> Value {
    if mv.at_least(53) {
        json!(h.node_uuid)
    } else {
        json!(h.node_id)
    }
}

fn total(h: &Host, rc: &str) -> u64 {
    h.inventories
        .iter()
        .find(|i| i.resource_class == rc)
        .map(|i| i.total)
        .unwrap_or(0)
}

fn view(
    st: &CloudState,
    h: &Host,
    mv: Mv,
    detail: bool,
    with_servers: bool,
    usage: Option<&Usage>,
) -> Value {
    let mut o = Map::new();
    o.insert("id".into(), id_of(h, mv));
    o.insert("hypervisor_hostname".into(), json!(h.node));
    o.insert("state".into(), json!(if h.is_up() { "up" } else { "down" }));
    o.insert(
        "status".into(),
        json!(if h.disabled { "disabled" } else { "enabled" }),
    );
    if detail {
        o.insert("hypervisor_type".into(), json!(h.hypervisor_type));
        o.insert("hypervisor_version".into(), json!(h.hypervisor_version));
        o.insert("host_ip".into(), json!(h.host_ip));
        let service_id = if mv.at_least(53) {
            json!(h.service_uuid)
        } else {
            json!(h.service_id)
        };
        o.insert(
            "service".into(),
            json!({"id": service_id, "host": h.host, "disabled_reason": h.disabled_reason}),
        );
        if mv.at_least(88) {
            o.insert(
                "uptime".into(),
                if h.is_up() {
                    json!(" 08:32:11 up 93 days, 18:25, 12 users,  load average: 0.20, 0.12, 0.14")
                } else {
                    Value::Null
                },
            );
        } else {
            let empty = Usage::new();
            let used = usage.unwrap_or(&empty);
            let get = |rc: &str| used.get(rc).copied().unwrap_or(0);
            let (vcpus, ram, disk) = (total(h, "VCPU"), total(h, "MEMORY_MB"), total(h, "DISK_GB"));
            let running = st.instances.iter().filter(|i| i.node == h.node).count();
            o.insert("vcpus".into(), json!(vcpus));
            o.insert("memory_mb".into(), json!(ram));
            o.insert("local_gb".into(), json!(disk));
            o.insert("vcpus_used".into(), json!(get("VCPU")));
            o.insert("memory_mb_used".into(), json!(get("MEMORY_MB")));
            o.insert("local_gb_used".into(), json!(get("DISK_GB")));
            o.insert(
                "free_ram_mb".into(),
                json!(ram as i64 - get("MEMORY_MB") as i64),
            );
            o.insert(
                "free_disk_gb".into(),
                json!(disk as i64 - get("DISK_GB") as i64),
            );
            o.insert("current_workload".into(), json!(0));
            o.insert("running_vms".into(), json!(running));
            o.insert(
                "disk_available_least".into(),
                json!(disk as i64 - get("DISK_GB") as i64),
            );
            let cpu = json!({
                "arch": "x86_64",
                "model": "Cascadelake-Server",
                "vendor": "Intel",
                "features": ["pge", "clflush", "avx512f"],
                "topology": {"cores": 8, "threads": 2, "sockets": 2},
            });
            o.insert(
                "cpu_info".into(),
                if mv.at_least(28) {
                    cpu
                } else {
                    json!(cpu.to_string())
                },
            );
        }
    }
    if with_servers {
        let servers: Vec<Value> = st
            .instances
            .iter()
            .filter(|i| i.node == h.node)
            .map(|i| json!({"name": i.name, "uuid": i.uuid}))
            .collect();
        // Before 2.75 an empty list was omitted.
        if !servers.is_empty() || mv.at_least(75) {
            o.insert("servers".into(), json!(servers));
        }
    }
    Value::Object(o)
}

pub async fn index(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
    Extension(mv): Extension<Mv>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    policy::enforce(ctx.is_admin(), "os_compute_api:os-hypervisors:list")?;
    list(&app, mv, &Query::parse(raw.as_deref()), false)
}

pub async fn detail(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
    Extension(mv): Extension<Mv>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    policy::enforce(ctx.is_admin(), "os_compute_api:os-hypervisors:list-detail")?;
    list(&app, mv, &Query::parse(raw.as_deref()), true)
}

fn with_servers(mv: Mv, q: &Query) -> ApiResult<bool> {
    match q.get("with_servers") {
        Some(v) if mv.at_least(53) => parse_bool("with_servers", v),
        _ => Ok(false),
    }
}

fn list(app: &App, mv: Mv, q: &Query, detail: bool) -> ApiResult<Response> {
    let servers = with_servers(mv, q)?;
    let pattern = q
        .get("hypervisor_hostname_pattern")
        .filter(|_| mv.at_least(53));
    let paging = mv.at_least(33);
    if pattern.is_some() && (q.has("limit") || q.has("marker")) {
        return Err(Fault::bad_request(
            "Paging over hypervisors with the hypervisor_hostname_pattern query parameter is not supported.",
        ));
    }
    let limit = if paging { parse_limit(q)? } else { None };
    let st = app.cloud.lock();
    let usages = st.usages();
    let mut hosts: Vec<&Host> = st
        .hosts
        .iter()
        // LIKE '%pattern%': substring, which is why compute1 also finds compute10.
        .filter(|h| pattern.is_none_or(|p| h.node.contains(p)))
        .collect();
    if pattern.is_some() && hosts.is_empty() {
        return Err(Fault::not_found(format!(
            "No hypervisor matching '{}' could be found.",
            pattern.unwrap_or_default()
        )));
    }
    if let Some(marker) = q.get("marker").filter(|_| paging) {
        let pos = hosts
            .iter()
            .position(|h| id_of(h, mv).to_string().trim_matches('"') == marker);
        match pos {
            Some(p) => {
                hosts.drain(..=p);
            }
            None => return Err(Fault::bad_request(format!("marker [{marker}] not found"))),
        }
    }
    let full = match limit {
        Some(l) => {
            let full = hosts.len() >= l;
            hosts.truncate(l);
            full
        }
        None => false,
    };
    let items: Vec<Value> = hosts
        .iter()
        .map(|h| view(&st, h, mv, detail, servers, usages.get(&h.node)))
        .collect();
    let mut body = json!({ "hypervisors": items });
    if let (true, Some(l), Some(last)) = (full, limit, hosts.last()) {
        let marker = id_of(last, mv).to_string().trim_matches('"').to_string();
        let coll = if detail {
            "os-hypervisors/detail"
        } else {
            "os-hypervisors"
        };
        if let Some(obj) = body.as_object_mut() {
            obj.insert(
                "hypervisors_links".into(),
                next_link(app, coll, q, l, &marker),
            );
        }
    }
    Ok(ok(body))
}

pub async fn show(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
    Extension(mv): Extension<Mv>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    policy::enforce(ctx.is_admin(), "os_compute_api:os-hypervisors:show")?;
    let q = Query::parse(raw.as_deref());
    let servers = with_servers(mv, &q)?;
    let st = app.cloud.lock();
    let found = if mv.at_least(53) {
        if uuid::Uuid::parse_str(&id).is_err() {
            return Err(invalid_query("id", &id, &format!("Invalid uuid {id}")));
        }
        st.hosts.iter().find(|h| h.node_uuid == id)
    } else {
        st.hosts.iter().find(|h| h.node_id.to_string() == id)
    };
    let Some(h) = found else {
        return Err(Fault::not_found(format!(
            "Hypervisor with ID '{id}' could not be found."
        )));
    };
    let usages = st.usages();
    Ok(ok(
        json!({"hypervisor": view(&st, h, mv, true, servers, usages.get(&h.node))}),
    ))
}
