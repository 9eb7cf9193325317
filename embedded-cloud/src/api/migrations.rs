//! `GET /os-migrations`: the migration history with its filters and the
//! 2.59 paging (`migrations.py`).

use axum::extract::{RawQuery, State};
use axum::response::Response;
use axum::Extension;
use serde_json::{json, Value};

use super::common::{next_link, ok, parse_bool, parse_changes, parse_limit, App, Query};
use crate::clock;
use crate::context::Ctx;
use crate::fault::{ApiResult, Fault};
use crate::microversion::Mv;
use crate::model::{Migration, LIVE_MIGRATION};
use crate::policy;

const IN_PROGRESS_LIVE: &[&str] = &["queued", "preparing", "running", "post-migrating"];

fn view(app: &App, m: &Migration, mv: Mv, show_hosts: bool) -> Value {
    let host = |v: Option<&str>| if show_hosts { json!(v) } else { Value::Null };
    let mut out = json!({
        "id": m.id,
        "instance_uuid": m.instance_uuid,
        "status": m.status,
        "source_compute": host(Some(&m.source_compute)),
        // The conductor sets a live migration's source_node together with its
        // destination; one that failed before choosing one has none
        // (recorded from Nova 34: own-host and NoValidHost failures).
        "source_node": if m.migration_type == LIVE_MIGRATION && m.dest_compute.is_none() {
            Value::Null
        } else {
            host(Some(&m.source_node))
        },
        "dest_compute": host(m.dest_compute.as_deref()),
        "dest_host": host(m.dest_host.as_deref()),
        "dest_node": host(m.dest_node.as_deref()),
        "old_instance_type_id": m.old_instance_type_id,
        "new_instance_type_id": m.new_instance_type_id,
        "created_at": clock::iso_micro(&m.created_at),
        "updated_at": clock::iso_micro(&m.updated_at),
    });
    let Some(obj) = out.as_object_mut() else {
        return out;
    };
    if mv.at_least(23) {
        obj.insert("migration_type".into(), json!(m.migration_type));
        if m.migration_type == LIVE_MIGRATION && IN_PROGRESS_LIVE.contains(&m.status) {
            obj.insert(
                "links".into(),
                app.links(&format!("servers/{}/migrations/{}", m.instance_uuid, m.id)),
            );
        }
    }
    if mv.at_least(59) {
        obj.insert("uuid".into(), json!(m.uuid));
    }
    if mv.at_least(80) {
        obj.insert("user_id".into(), json!(m.user_id));
        obj.insert("project_id".into(), json!(m.project_id));
    }
    out
}

pub async fn index(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
    Extension(mv): Extension<Mv>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let q = Query::parse(raw.as_deref());
    let admin = ctx.is_admin();
    policy::enforce(
        admin || ctx.has_role("manager"),
        "os_compute_api:os-migrations:index",
    )?;
    // Listing beyond one's own project needs index:all_projects (admin).
    let requested_project = if mv.at_least(80) {
        q.get("project_id")
    } else {
        None
    };
    let project = if admin {
        requested_project.map(String::from)
    } else {
        // migrations.py: no project_id, or another one, needs
        // index:all_projects (recorded from Nova 34: a manager's plain list is a 403).
        if requested_project.is_none_or(|p| p != ctx.project_id) {
            return Err(Fault::policy(
                "os_compute_api:os-migrations:index:all_projects",
            ));
        }
        Some(ctx.project_id.clone())
    };
    let paging = mv.at_least(59);
    let (since, before) = if paging {
        parse_changes(&q)?
    } else {
        (None, None)
    };
    let before = if mv.at_least(66) { before } else { None };
    let limit = if paging { parse_limit(&q)? } else { None };
    let hidden = match q.get("hidden") {
        Some(v) => parse_bool("hidden", v)?,
        None => false,
    };
    let user = if mv.at_least(80) {
        q.get("user_id")
    } else {
        None
    };

    let st = app.cloud.lock();
    let mut found: Vec<&Migration> = st
        .migrations
        .iter()
        .filter(|_| !hidden)
        .filter(|m| project.as_ref().is_none_or(|p| *p == m.project_id))
        .filter(|m| user.is_none_or(|u| u == m.user_id))
        .filter(|m| q.get("instance_uuid").is_none_or(|u| u == m.instance_uuid))
        .filter(|m| {
            q.get("source_compute")
                .is_none_or(|h| h == m.source_compute)
        })
        .filter(|m| {
            q.get("host")
                .is_none_or(|h| h == m.source_compute || m.dest_compute.as_deref() == Some(h))
        })
        .filter(|m| q.get("status").is_none_or(|s| s == m.status))
        .filter(|m| {
            q.get("migration_type")
                .is_none_or(|t| t == m.migration_type)
        })
        .filter(|m| since.is_none_or(|t| m.updated_at >= t))
        .filter(|m| before.is_none_or(|t| m.updated_at <= t))
        .collect();
    found.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
    if let Some(marker) = q.get("marker").filter(|_| paging) {
        match found.iter().position(|m| m.uuid == marker) {
            Some(p) => {
                found.drain(..=p);
            }
            None => {
                return Err(Fault::bad_request(format!(
                    "Marker {marker} could not be found."
                )))
            }
        }
    }
    let full = match limit {
        Some(l) => {
            let full = found.len() >= l;
            found.truncate(l);
            full
        }
        None => false,
    };
    let items: Vec<Value> = found.iter().map(|m| view(&app, m, mv, admin)).collect();
    let mut body = json!({ "migrations": items });
    if let (true, Some(l), Some(last)) = (full, limit, found.last()) {
        if let Some(obj) = body.as_object_mut() {
            obj.insert(
                "migrations_links".into(),
                next_link(&app, "os-migrations", &q, l, &last.uuid),
            );
        }
    }
    Ok(ok(body))
}
