//! `GET /servers`, `/servers/detail` and `/servers/{id}` with Nova's filters,
//! sorting and paging.

use std::cmp::Ordering;

use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use axum::Extension;
use regex::RegexBuilder;
use serde_json::{json, Value};

use super::common::{
    invalid_query, next_link, ok, paginate, parse_bool, parse_changes, parse_limit, App, Query,
};
use super::server_view;
use crate::context::Ctx;
use crate::fault::{ApiResult, Fault};
use crate::microversion::Mv;
use crate::model::Instance;
use crate::policy;
use crate::state::State as CloudState;

const SORT_KEYS: &[&str] = &[
    "access_ip_v4",
    "access_ip_v6",
    "auto_disk_config",
    "availability_zone",
    "config_drive",
    "created_at",
    "display_description",
    "display_name",
    "host",
    "hostname",
    "image_ref",
    "instance_type_id",
    "kernel_id",
    "key_name",
    "launch_index",
    "launched_at",
    "locked",
    "locked_by",
    "node",
    "power_state",
    "progress",
    "project_id",
    "ramdisk_id",
    "root_device_name",
    "task_state",
    "terminated_at",
    "updated_at",
    "user_id",
    "uuid",
    "vm_state",
];

/// Sort keys a non-admin may not use; Nova silently drops them.
const ADMIN_SORT_KEYS: &[&str] = &["host", "node"];

pub async fn index(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
    Extension(mv): Extension<Mv>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    list(&app, &ctx, mv, &Query::parse(raw.as_deref()), false)
}

pub async fn detail(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
    Extension(mv): Extension<Mv>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    list(&app, &ctx, mv, &Query::parse(raw.as_deref()), true)
}

pub async fn show(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
    Extension(mv): Extension<Mv>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let st = app.cloud.lock();
    let inst = visible_instance(&st, &ctx, &id)?;
    policy::enforce(
        policy::project_reader_or_admin(&ctx, &inst.project_id),
        "os_compute_api:servers:show",
    )?;
    Ok(ok(
        json!({"server": server_view::detail(&app, &st, &ctx, mv, inst, true)}),
    ))
}

/// Nova scopes instance lookups to the caller's project unless admin, so
/// another project's server is simply not found.
pub fn visible_instance<'a>(st: &'a CloudState, ctx: &Ctx, id: &str) -> ApiResult<&'a Instance> {
    match st.instance(id) {
        Some(i) if ctx.is_admin() || i.project_id == ctx.project_id => Ok(i),
        _ => Err(Fault::instance_not_found(id)),
    }
}

struct Filters {
    project_id: Option<String>,
    host: Option<String>,
    node: Option<String>,
    name: Option<regex::Regex>,
    ip: Option<regex::Regex>,
    status: Option<Vec<String>>,
    flavor: Option<String>,
    image: Option<String>,
    user_id: Option<String>,
    /// A regular expression, like `name`: Nova's database matches every filter outside its
    /// exact-match list (`host`, `uuid`, `project_id`, …) that way, so `az1` also finds `az10`.
    zone: Option<regex::Regex>,
    locked: Option<bool>,
    vm_state: Option<Vec<String>>,
    task_state: Option<Vec<String>>,
    since: Option<crate::model::Time>,
    before: Option<crate::model::Time>,
}

fn regex_filter(param: &str, v: &str) -> ApiResult<regex::Regex> {
    // The query schema's `format: regex` is Python's re.compile, and the empty
    // string is refused too (recorded from Nova 34: `name=[` is a 400).
    let refused = || invalid_query(param, v, &format!("'{v}' is not a 'regex'"));
    if v.is_empty() {
        return Err(refused());
    }
    // MySQL's REGEXP under Nova's default collation ignores case.
    match RegexBuilder::new(v)
        .case_insensitive(true)
        .size_limit(1 << 20)
        .build()
    {
        Ok(r) => Ok(r),
        // Python accepts lookaround and backreferences, which this engine
        // lacks: match those patterns literally rather than refuse them.
        Err(_) if PYTHON_ONLY.iter().any(|p| v.contains(p)) => RegexBuilder::new(&regex::escape(v))
            .case_insensitive(true)
            .build()
            .map_err(|_| refused()),
        Err(_) => Err(refused()),
    }
}

const PYTHON_ONLY: &[&str] = &[
    "(?=", "(?!", "(?<=", "(?<!", "(?P=", "\\1", "\\2", "\\3", "\\4", "\\5", "\\6", "\\7", "\\8",
    "\\9",
];

/// Every status `common._STATE_MAP` can produce: a status filter naming none
/// of them is a 400 from 2.38 (an empty list before).
const KNOWN_STATUSES: &[&str] = &[
    "ACTIVE",
    "BUILD",
    "CONFIRMING_RESIZE",
    "DELETED",
    "ERROR",
    "HARD_REBOOT",
    "MIGRATING",
    "PASSWORD",
    "PAUSED",
    "POWER_OFF",
    "POWER_ON",
    "REBOOT",
    "REBUILD",
    "RESCUE",
    "RESIZE",
    "REVERT_RESIZE",
    "SHELVED",
    "SHELVED_OFFLOADED",
    "SHUTOFF",
    "SOFT_DELETED",
    "SUSPENDED",
    "UNKNOWN",
    "VERIFY_RESIZE",
];

fn filters(ctx: &Ctx, mv: Mv, q: &Query, detail: bool) -> ApiResult<Filters> {
    let admin = ctx.is_admin();
    let all_tenants = match q.get("all_tenants") {
        None => false,
        Some("") => true,
        Some(v) => parse_bool("all_tenants", v)?,
    };
    let project_id = if all_tenants {
        let rule = if detail {
            "os_compute_api:servers:detail:get_all_tenants"
        } else {
            "os_compute_api:servers:index:get_all_tenants"
        };
        policy::enforce(admin, rule)?;
        q.get("project_id").or(q.get("tenant_id")).map(String::from)
    } else {
        Some(ctx.project_id.clone())
    };
    let (since, before) = parse_changes(q)?;
    // Admin-only filters are dropped for everyone else (remove_invalid_options).
    let admin_only = |k: &str| {
        if admin {
            q.get(k).map(String::from)
        } else {
            None
        }
    };
    let user_filters = admin || mv.at_least(83);
    let list = |k: &str| -> Option<Vec<String>> {
        let v: Vec<String> = q.all(k).iter().map(|s| s.to_string()).collect();
        (!v.is_empty()).then_some(v)
    };
    let status = list("status");
    if let Some(st) = &status {
        let known = st
            .iter()
            .any(|s| KNOWN_STATUSES.iter().any(|k| k.eq_ignore_ascii_case(s)));
        if !known && mv.at_least(38) {
            return Err(Fault::bad_request("Invalid status value"));
        }
    }
    Ok(Filters {
        project_id,
        host: admin_only("host"),
        node: admin_only("node"),
        name: q.get("name").map(|v| regex_filter("name", v)).transpose()?,
        ip: q.get("ip").map(|v| regex_filter("ip", v)).transpose()?,
        status,
        flavor: q.get("flavor").map(String::from),
        image: q.get("image").map(String::from),
        user_id: if user_filters {
            q.get("user_id").map(String::from)
        } else {
            None
        },
        zone: if user_filters {
            q.get("availability_zone")
                .map(|v| regex_filter("availability_zone", v))
                .transpose()?
        } else {
            None
        },
        locked: match (mv.at_least(73), q.get("locked")) {
            (true, Some(v)) => Some(parse_bool("locked", v)?),
            _ => None,
        },
        vm_state: if user_filters { list("vm_state") } else { None },
        task_state: if user_filters {
            list("task_state")
        } else {
            None
        },
        since,
        before,
    })
}

fn matches(f: &Filters, i: &Instance) -> bool {
    f.project_id.as_ref().is_none_or(|p| *p == i.project_id)
        && f.host.as_ref().is_none_or(|h| *h == i.host)
        && f.node.as_ref().is_none_or(|n| *n == i.node)
        && f.name.as_ref().is_none_or(|r| r.is_match(&i.name))
        && f.ip
            .as_ref()
            .is_none_or(|r| i.addresses.iter().any(|a| r.is_match(&a.addr)))
        && f.status.as_ref().is_none_or(|s| {
            s.iter()
                .any(|s| s.eq_ignore_ascii_case(server_view::status(i)))
        })
        && f.flavor.as_ref().is_none_or(|x| *x == i.flavor.id)
        && f.image.as_ref().is_none_or(|x| *x == i.image_id)
        && f.user_id.as_ref().is_none_or(|x| *x == i.user_id)
        && f.zone.as_ref().is_none_or(|r| r.is_match(&i.zone))
        && f.locked.is_none_or(|x| x == i.locked)
        && f.vm_state
            .as_ref()
            .is_none_or(|v| v.iter().any(|s| s == i.vm_state))
        && f.task_state
            .as_ref()
            .is_none_or(|v| v.iter().any(|s| Some(s.as_str()) == i.task_state))
        && f.since.is_none_or(|t| i.updated >= t)
        && f.before.is_none_or(|t| i.updated <= t)
}

fn sort_spec(ctx: &Ctx, q: &Query) -> ApiResult<Vec<(String, bool)>> {
    let keys = q.all("sort_key");
    let dirs = q.all("sort_dir");
    for d in &dirs {
        if *d != "asc" && *d != "desc" {
            return Err(invalid_query(
                "sort_dir",
                d,
                &format!("'{d}' is not one of ['asc', 'desc']"),
            ));
        }
    }
    let mut spec = Vec::new();
    for (n, k) in keys.iter().enumerate() {
        if !SORT_KEYS.contains(k) {
            return Err(invalid_query(
                "sort_key",
                k,
                &format!("'{k}' is not one of {SORT_KEYS:?}"),
            ));
        }
        if !ctx.is_admin() && ADMIN_SORT_KEYS.contains(k) {
            continue;
        }
        let desc = dirs.get(n).or(dirs.last()).is_none_or(|d| *d == "desc");
        spec.push((k.to_string(), desc));
    }
    if spec.is_empty() {
        spec.push(("created_at".into(), true));
    }
    // Nova always appends the primary key so the order is total.
    if !spec.iter().any(|(k, _)| k == "uuid") {
        let desc = spec.last().is_none_or(|(_, d)| *d);
        spec.push(("uuid".into(), desc));
    }
    Ok(spec)
}

fn compare(a: &Instance, b: &Instance, key: &str) -> Ordering {
    match key {
        "created_at" => a.created.cmp(&b.created),
        "updated_at" => a.updated.cmp(&b.updated),
        "launched_at" => a.launched_at.cmp(&b.launched_at),
        "display_name" | "hostname" => a.name.cmp(&b.name),
        "host" => a.host.cmp(&b.host),
        "node" => a.node.cmp(&b.node),
        "vm_state" => a.vm_state.cmp(b.vm_state),
        "task_state" => a.task_state.cmp(&b.task_state),
        "power_state" => a.power_state.cmp(&b.power_state),
        "project_id" => a.project_id.cmp(&b.project_id),
        "user_id" => a.user_id.cmp(&b.user_id),
        "availability_zone" => a.zone.cmp(&b.zone),
        "instance_type_id" => a.flavor.internal_id.cmp(&b.flavor.internal_id),
        "image_ref" => a.image_id.cmp(&b.image_id),
        "key_name" => a.key_name.cmp(&b.key_name),
        "locked" => a.locked.cmp(&b.locked),
        "display_description" => a.description.cmp(&b.description),
        "uuid" => a.uuid.cmp(&b.uuid),
        _ => Ordering::Equal,
    }
}

fn list(app: &App, ctx: &Ctx, mv: Mv, q: &Query, detail: bool) -> ApiResult<Response> {
    policy::enforce(
        true,
        if detail {
            "os_compute_api:servers:detail"
        } else {
            "os_compute_api:servers:index"
        },
    )?;
    let f = filters(ctx, mv, q, detail)?;
    let spec = sort_spec(ctx, q)?;
    // Nova never returns more than max_limit (1000) servers per page.
    let limit = parse_limit(q)?.unwrap_or(1000);
    let st = app.cloud.lock();
    let mut found: Vec<&Instance> = st.instances.iter().filter(|i| matches(&f, i)).collect();
    found.sort_by(|a, b| {
        spec.iter()
            .map(|(k, desc)| {
                let o = compare(a, b, k);
                if *desc {
                    o.reverse()
                } else {
                    o
                }
            })
            .find(|o| *o != Ordering::Equal)
            .unwrap_or(Ordering::Equal)
    });
    let (page, full) = paginate(found, q.get("marker"), Some(limit), |i| i.uuid.clone())?;
    let servers: Vec<Value> = page
        .iter()
        .map(|i| {
            if detail {
                server_view::detail(app, &st, ctx, mv, i, false)
            } else {
                server_view::basic(app, i)
            }
        })
        .collect();
    let mut body = json!({ "servers": servers });
    if let (true, Some(last)) = (full, page.last()) {
        let collection = if detail { "servers/detail" } else { "servers" };
        if let Some(obj) = body.as_object_mut() {
            obj.insert(
                "servers_links".into(),
                next_link(app, collection, q, limit, &last.uuid),
            );
        }
    }
    Ok(ok(body))
}
