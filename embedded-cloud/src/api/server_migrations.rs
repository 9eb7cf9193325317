//! In-progress live migrations of one server (`server_migrations.py`):
//! list, show, force-complete and abort.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::Extension;
use serde_json::{json, Value};

use super::common::{accepted, invalid_body, ok, parse_body, py_repr, App};
use super::servers::visible_instance;
use crate::clock;
use crate::context::Ctx;
use crate::fault::{ApiResult, Fault};
use crate::microversion::Mv;
use crate::model::{Migration, LIVE_MIGRATION};
use crate::policy;

const IN_PROGRESS: &[&str] = &["queued", "preparing", "running", "post-migrating"];

fn in_progress_live(m: &Migration) -> bool {
    m.migration_type == LIVE_MIGRATION && IN_PROGRESS.contains(&m.status)
}

fn view(m: &Migration, mv: Mv, show_hosts: bool) -> Value {
    let host = |v: Option<&str>| if show_hosts { json!(v) } else { Value::Null };
    // The counters are NULL columns until libvirt's monitor first saves the
    // job's stats, which happens once the migration is running.
    let started = !matches!(m.status, "accepted" | "queued" | "preparing");
    let counter = |v: u64| if started { json!(v) } else { Value::Null };
    let mut out = json!({
        "id": m.id,
        "server_uuid": m.instance_uuid,
        "status": m.status,
        "created_at": clock::iso_micro(&m.created_at),
        "updated_at": clock::iso_micro(&m.updated_at),
        "source_compute": host(Some(&m.source_compute)),
        "source_node": host(Some(&m.source_node)),
        "dest_compute": host(m.dest_compute.as_deref()),
        "dest_host": host(m.dest_host.as_deref()),
        "dest_node": host(m.dest_node.as_deref()),
        "memory_total_bytes": counter(m.memory_total_bytes),
        "memory_processed_bytes": counter(m.memory_processed_bytes),
        "memory_remaining_bytes": counter(m.memory_remaining_bytes),
        "disk_total_bytes": counter(m.disk_total_bytes),
        "disk_processed_bytes": counter(m.disk_processed_bytes),
        "disk_remaining_bytes": counter(m.disk_remaining_bytes),
    });
    if let Some(obj) = out.as_object_mut() {
        if mv.at_least(59) {
            obj.insert("uuid".into(), json!(m.uuid));
        }
        if mv.at_least(80) {
            obj.insert("user_id".into(), json!(m.user_id));
            obj.insert("project_id".into(), json!(m.project_id));
        }
    }
    out
}

fn require_version(mv: Mv, minor: u32) -> ApiResult<()> {
    if mv.at_least(minor) {
        Ok(())
    } else {
        Err(Fault::not_found("The resource could not be found."))
    }
}

/// Nova does not validate the path id: it goes into the SQL query as is, so
/// an id that is not a number matches no row and ends as "not found" (MySQL
/// compares it as 0, and migration ids start at 1). `None` = no such row.
fn parse_mid(mid: &str) -> Option<u64> {
    mid.parse::<u64>().ok()
}

fn find<'a>(
    st: &'a crate::state::State,
    mid: Option<u64>,
    instance_uuid: &str,
) -> Option<&'a Migration> {
    let mid = mid?;
    st.migrations
        .iter()
        .find(|m| m.id == mid && m.instance_uuid == instance_uuid)
}

pub async fn index(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
    Extension(mv): Extension<Mv>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    require_version(mv, 23)?;
    let st = app.cloud.lock();
    let inst = visible_instance(&st, &ctx, &id)?;
    policy::enforce(
        policy::project_manager_or_admin(&ctx, &inst.project_id),
        "os_compute_api:servers:migrations:index",
    )?;
    let list: Vec<Value> = st
        .migrations
        .iter()
        .filter(|m| m.instance_uuid == id && in_progress_live(m))
        .map(|m| view(m, mv, ctx.is_admin()))
        .collect();
    Ok(ok(json!({ "migrations": list })))
}

pub async fn show(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
    Extension(mv): Extension<Mv>,
    Path((id, mid)): Path<(String, String)>,
) -> ApiResult<Response> {
    require_version(mv, 23)?;
    let st = app.cloud.lock();
    visible_instance(&st, &ctx, &id)?;
    policy::enforce(ctx.is_admin(), "os_compute_api:servers:migrations:show")?;
    // server_migrations.py show: three different 404 texts.
    match find(&st, parse_mid(&mid), &id) {
        None => Err(Fault::not_found(format!(
            "In-progress live migration {mid} is not found for server {id}."
        ))),
        Some(m) if m.migration_type != LIVE_MIGRATION => Err(Fault::not_found(format!(
            "Migration {mid} for server {id} is not live-migration."
        ))),
        Some(m) if !in_progress_live(m) => Err(Fault::not_found(format!(
            "Live migration {mid} for server {id} is not in progress."
        ))),
        Some(m) => Ok(ok(json!({ "migration": view(m, mv, true) }))),
    }
}

/// `POST /servers/{id}/migrations/{mid}/action {"force_complete": null}` (2.22).
pub async fn action(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
    Extension(mv): Extension<Mv>,
    Path((id, mid)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    require_version(mv, 22)?;
    let body = parse_body(&body)?;
    match body.as_object() {
        Some(obj) if obj.len() == 1 && obj.get("force_complete") == Some(&Value::Null) => {}
        Some(obj) if obj.len() == 1 && obj.contains_key("force_complete") => {
            let v = obj.get("force_complete").unwrap_or(&Value::Null);
            return Err(invalid_body(
                "force_complete",
                v,
                &format!("{} is not of type 'null'", py_repr(v)),
            ));
        }
        _ => return Err(Fault::malformed_body()),
    }
    let mut st = app.cloud.lock();
    let inst = visible_instance(&st, &ctx, &id)?.clone();
    policy::enforce(
        policy::project_manager_or_admin(&ctx, &inst.project_id),
        "os_compute_api:servers:migrations:force_complete",
    )?;
    // live_migrate_force_complete: @check_instance_lock, then
    // @check_instance_state(vm_state=[ACTIVE], task_state=[MIGRATING]); the
    // API maps InstanceIsLocked to 409 with its own text.
    if inst.locked && !ctx.is_admin() {
        return Err(Fault::locked(&id));
    }
    if inst.vm_state != "active" {
        return Err(Fault::invalid_state(
            "force_complete",
            &id,
            "vm_state",
            inst.vm_state,
        ));
    }
    if inst.task_state != Some("migrating") {
        return Err(Fault::invalid_state(
            "force_complete",
            &id,
            "task_state",
            inst.task_state.unwrap_or("None"),
        ));
    }
    // MigrationNotFoundForInstance and InvalidMigrationState are both 400 here.
    let Some(m) = find(&st, parse_mid(&mid), &id).cloned() else {
        return Err(Fault::bad_request(format!(
            "Migration {mid} not found for instance {id}"
        )));
    };
    if m.status != "running" {
        return Err(Fault::bad_request(format!(
            "Migration {mid} state of instance {id} is {}. Cannot force complete while the migration is in this state.",
            m.status
        )));
    }
    let request_id = st.record_action(
        &id,
        "live_migration_force_complete",
        &inst.project_id,
        &ctx.user_id,
    );
    st.event(
        &request_id,
        "compute_live_migration_force_complete",
        &inst.host,
        None,
    );
    if let Some(m) = st.migration_mut(m.id) {
        m.force_complete_requested = true;
    }
    Ok(accepted())
}

/// `DELETE /servers/{id}/migrations/{mid}` (2.24): abort.
pub async fn abort(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
    Extension(mv): Extension<Mv>,
    Path((id, mid)): Path<(String, String)>,
) -> ApiResult<Response> {
    require_version(mv, 24)?;
    let mut st = app.cloud.lock();
    let inst = visible_instance(&st, &ctx, &id)?.clone();
    policy::enforce(
        policy::project_manager_or_admin(&ctx, &inst.project_id),
        "os_compute_api:servers:migrations:delete",
    )?;
    // InstanceIsLocked is an InstanceInvalidState without attr/state, and the
    // delete handler turns every InstanceInvalidState into this generic text.
    if inst.locked && !ctx.is_admin() {
        return Err(Fault::conflict(format!(
            "Instance {id} is in an invalid state for 'abort live migration'"
        )));
    }
    if inst.task_state != Some("migrating") {
        return Err(Fault::invalid_state(
            "abort live migration",
            &id,
            "task_state",
            inst.task_state.unwrap_or("None"),
        ));
    }
    let Some(m) = find(&st, parse_mid(&mid), &id).cloned() else {
        return Err(Fault::not_found(format!(
            "Migration {mid} not found for instance {id}"
        )));
    };
    // live_migrate_abort checks the status only, whatever the migration type.
    let abortable =
        m.status == "running" || (mv.at_least(65) && matches!(m.status, "queued" | "preparing"));
    if !abortable {
        return Err(Fault::bad_request(format!(
            "Migration {mid} state of instance {id} is {}. Cannot abort live migration while the migration is in this state.",
            m.status
        )));
    }
    let request_id = st.record_action(&id, "live_migration_cancel", &inst.project_id, &ctx.user_id);
    st.event(
        &request_id,
        "compute_live_migration_abort",
        &inst.host,
        None,
    );
    if let Some(m) = st.migration_mut(m.id) {
        m.abort_requested = true;
    }
    Ok(accepted())
}
