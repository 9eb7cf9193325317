//! `POST /servers/{id}/action`: migrate, os-migrateLive, confirmResize,
//! revertResize and the power/lock actions tests use to set up states.
//! Each checks schema, policy, lock and state in Nova's order and makes its
//! API-side state change under one lock, so racing requests see each other.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Extension;
use serde_json::{Map, Value};

use super::common::{accepted_as, invalid_body, no_content_as, py_repr, App};
use super::servers::visible_instance;
use crate::clock;
use crate::context::Ctx;
use crate::fault::{ApiResult, Fault};
use crate::lifecycle::{cold_migration, live_migration, sleep};
use crate::microversion::Mv;
use crate::model::*;
use crate::policy;
use crate::scheduler;
use crate::state::State as CloudState;
use crate::Cloud;

pub async fn action(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
    Extension(mv): Extension<Mv>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let parsed = serde_json::from_slice::<Value>(&body).ok();
    let result = match &parsed {
        None => Err(Fault::malformed_body()),
        Some(v) => dispatch(&app.cloud, &ctx, mv, &id, v),
    };
    let response = match result {
        Ok(r) => r,
        Err(f) => axum::response::IntoResponse::into_response(f),
    };
    record(
        &app.cloud,
        "POST",
        format!("/compute/v2.1/servers/{id}/action"),
        &headers,
        parsed,
        &body,
        response.status().as_u16(),
    );
    response
}

/// Ferry's tests read back exactly what was sent (see `/_cloud/requests`): server actions and
/// compute service updates, the requests that change something.
pub(crate) fn record(
    cloud: &Cloud,
    method: &str,
    path: String,
    headers: &HeaderMap,
    parsed: Option<Value>,
    raw: &Bytes,
    status: u16,
) {
    let microversion = headers
        .get("openstack-api-version")
        .or_else(|| headers.get("x-openstack-nova-api-version"))
        .and_then(|v| v.to_str().ok())
        .map(String::from);
    let body = parsed.unwrap_or_else(|| Value::String(String::from_utf8_lossy(raw).into_owned()));
    let mut st = cloud.lock();
    st.requests.push(RecordedRequest {
        method: method.into(),
        path,
        microversion,
        body,
        status,
        at: clock::iso_micro(&clock::now()),
    });
    // Bound memory for long-running demo clouds.
    if st.requests.len() > 10_000 {
        st.requests.drain(..1_000);
    }
}

fn dispatch(cloud: &Cloud, ctx: &Ctx, mv: Mv, id: &str, body: &Value) -> ApiResult<Response> {
    let Some(obj) = body.as_object() else {
        return Err(Fault::malformed_body());
    };
    if obj.len() != 1 {
        return Err(Fault::malformed_body());
    }
    let Some((name, args)) = obj.iter().next() else {
        return Err(Fault::malformed_body());
    };
    match name.as_str() {
        "os-migrateLive" => live_migrate(cloud, ctx, mv, id, args),
        "migrate" => migrate(cloud, ctx, mv, id, args),
        "confirmResize" => confirm_resize(cloud, ctx, id),
        "revertResize" => revert_resize(cloud, ctx, id),
        "os-start" => power(cloud, ctx, id, Power::Start),
        "os-stop" => power(cloud, ctx, id, Power::Stop),
        "pause" => power(cloud, ctx, id, Power::Pause),
        "unpause" => power(cloud, ctx, id, Power::Unpause),
        "lock" => lock(cloud, ctx, mv, id, args, true),
        "unlock" => lock(cloud, ctx, mv, id, args, false),
        "os-resetState" => reset_state(cloud, ctx, id, args),
        other => Err(Fault::bad_request(format!(
            "There is no such action: {other}"
        ))),
    }
}

/// `check_instance_lock`: admins bypass the lock.
fn check_lock(ctx: &Ctx, i: &Instance) -> ApiResult<()> {
    if i.locked && !ctx.is_admin() {
        Err(Fault::locked(&i.uuid))
    } else {
        Ok(())
    }
}

/// `check_instance_state`: vm_state first, then task_state must be None.
fn check_state(i: &Instance, action: &str, vm_states: &[&str]) -> ApiResult<()> {
    if !vm_states.contains(&i.vm_state) {
        return Err(Fault::invalid_state(
            action, &i.uuid, "vm_state", i.vm_state,
        ));
    }
    if let Some(t) = i.task_state {
        return Err(Fault::invalid_state(action, &i.uuid, "task_state", t));
    }
    Ok(())
}

/// `parameter_types.boolean`.
fn as_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" | "y" | "t" => Some(true),
            "false" | "0" | "no" | "off" | "n" | "f" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// `parameter_types.hostname`-ish: a non-empty string of at most 255 characters.
fn host_arg(field: &str, v: Option<&Value>) -> ApiResult<Option<String>> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s))
            if !s.is_empty() && s.len() <= 255 && !s.contains(char::is_whitespace) =>
        {
            Ok(Some(s.clone()))
        }
        Some(other) => Err(invalid_body(
            field,
            other,
            &format!(
                "{} is not valid under any of the given schemas",
                py_repr(other)
            ),
        )),
    }
}

fn check_properties(field: &str, args: &Map<String, Value>, allowed: &[&str]) -> ApiResult<()> {
    let extra: Vec<String> = args
        .keys()
        .filter(|k| !allowed.contains(&k.as_str()))
        .map(|k| format!("'{k}'"))
        .collect();
    if extra.is_empty() {
        Ok(())
    } else {
        let verb = if extra.len() == 1 { "was" } else { "were" };
        Err(invalid_body(
            field,
            &Value::Object(args.clone()),
            &format!(
                "Additional properties are not allowed ({} {verb} unexpected)",
                extra.join(", ")
            ),
        ))
    }
}

fn require(field: &str, args: &Map<String, Value>, key: &str) -> ApiResult<()> {
    if args.contains_key(key) {
        Ok(())
    } else {
        Err(invalid_body(
            field,
            &Value::Object(args.clone()),
            &format!("'{key}' is a required property"),
        ))
    }
}

struct LiveArgs {
    host: Option<String>,
    block_migration: Option<bool>,
    force: bool,
}

/// The os-migrateLive schema of each microversion range.
fn live_args(mv: Mv, args: &Value) -> ApiResult<LiveArgs> {
    const F: &str = "os-migrateLive";
    let Some(obj) = args.as_object() else {
        return Err(invalid_body(
            F,
            args,
            &format!("{} is not of type 'object'", py_repr(args)),
        ));
    };
    let allowed: &[&str] = if mv.at_least(25) && mv.between(30, 67) {
        &["host", "block_migration", "force"]
    } else if mv.at_least(25) {
        &["host", "block_migration"]
    } else {
        &["host", "block_migration", "disk_over_commit"]
    };
    check_properties(F, obj, allowed)?;
    require(F, obj, "block_migration")?;
    if !mv.at_least(25) {
        require(F, obj, "disk_over_commit")?;
    }
    require(F, obj, "host")?;
    let host = host_arg("host", obj.get("host"))?;
    let bm = obj.get("block_migration").unwrap_or(&Value::Null);
    let block_migration = match (bm, mv.at_least(25)) {
        (Value::String(s), true) if s == "auto" => None,
        (v, _) => Some(as_bool(v).ok_or_else(|| {
            invalid_body(
                "block_migration",
                v,
                &format!("{} is not valid under any of the given schemas", py_repr(v)),
            )
        })?),
    };
    if !mv.at_least(25) {
        let d = obj.get("disk_over_commit").unwrap_or(&Value::Null);
        as_bool(d).ok_or_else(|| {
            invalid_body(
                "disk_over_commit",
                d,
                &format!("{} is not valid under any of the given schemas", py_repr(d)),
            )
        })?;
    }
    let force = match obj.get("force") {
        None => false,
        Some(v) => as_bool(v).ok_or_else(|| {
            invalid_body(
                "force",
                v,
                &format!("{} is not valid under any of the given schemas", py_repr(v)),
            )
        })?,
    };
    if force && host.is_none() {
        return Err(Fault::bad_request(
            "Can't force to a non-provided destination",
        ));
    }
    Ok(LiveArgs {
        host,
        block_migration,
        force,
    })
}

fn compute_host_exists(st: &CloudState, host: &str) -> ApiResult<()> {
    if st.host(host).is_some() {
        Ok(())
    } else {
        Err(Fault::bad_request(format!(
            "Compute host {host} could not be found."
        )))
    }
}

#[allow(clippy::too_many_arguments)]
fn new_migration(
    st: &mut CloudState,
    ctx: &Ctx,
    inst: &Instance,
    kind: &'static str,
    status: &'static str,
    requested_host: Option<String>,
    forced: bool,
    block_migration: bool,
    request_id: String,
) -> u64 {
    let id = st.next_migration_id();
    let now = clock::now();
    st.migrations.push(Migration {
        id,
        uuid: crate::ids::random_uuid(),
        instance_uuid: inst.uuid.clone(),
        migration_type: kind,
        status,
        source_compute: inst.host.clone(),
        source_node: inst.node.clone(),
        dest_compute: None,
        dest_node: None,
        dest_host: None,
        old_instance_type_id: inst.flavor.internal_id,
        new_instance_type_id: inst.flavor.internal_id,
        created_at: now,
        updated_at: now,
        // 2.80: who asked for the migration, not who owns the instance.
        user_id: ctx.user_id.clone(),
        project_id: ctx.project_id.clone(),
        memory_total_bytes: 0,
        memory_processed_bytes: 0,
        memory_remaining_bytes: 0,
        disk_total_bytes: 0,
        disk_processed_bytes: 0,
        disk_remaining_bytes: 0,
        block_migration,
        abort_requested: false,
        force_complete_requested: false,
        requested_host,
        forced,
        request_id,
    });
    id
}

fn live_migrate(cloud: &Cloud, ctx: &Ctx, mv: Mv, id: &str, args: &Value) -> ApiResult<Response> {
    let args = live_args(mv, args)?;
    let mut st = cloud.lock();
    let inst = visible_instance(&st, ctx, id)?.clone();
    if args.host.is_some() {
        policy::enforce(
            ctx.is_admin(),
            "os_compute_api:os-migrate-server:migrate_live:host",
        )?;
    } else {
        policy::enforce(
            policy::project_manager_or_admin(ctx, &inst.project_id),
            "os_compute_api:os-migrate-server:migrate_live",
        )?;
    }
    check_lock(ctx, &inst)?;
    check_state(&inst, "os-migrateLive", &["active", "paused"])?;
    if let Some(h) = &args.host {
        compute_host_exists(&st, h)?;
    }
    // Before 2.34 the conductor's pre-checks answered synchronously.
    if !mv.at_least(34) {
        if args.host.as_deref() == Some(inst.host.as_str()) {
            return Err(Fault::bad_request(format!(
                "Unable to migrate instance ({}) to current host ({}).",
                inst.uuid, inst.host
            )));
        }
        scheduler::select(
            &st,
            &inst,
            args.host.as_deref(),
            args.force,
            scheduler::NO_VALID_HOST_LIVE,
        )
        .map_err(Fault::bad_request)?;
    }
    let request_id = st.record_action(&inst.uuid, "live-migration", &inst.project_id, &ctx.user_id);
    let answer_id = request_id.clone();
    let block = args.block_migration.unwrap_or(false);
    let mid = new_migration(
        &mut st,
        ctx,
        &inst,
        LIVE_MIGRATION,
        "accepted",
        args.host,
        args.force,
        block,
        request_id,
    );
    if let Some(i) = st.instance_mut(id) {
        i.task_state = Some("migrating");
        i.updated = clock::now();
    }
    drop(st);
    live_migration::spawn(cloud.clone(), mid);
    Ok(accepted_as(&answer_id))
}

fn migrate(cloud: &Cloud, ctx: &Ctx, mv: Mv, id: &str, args: &Value) -> ApiResult<Response> {
    let host = if mv.at_least(56) {
        match args {
            Value::Null => None,
            Value::Object(obj) => {
                check_properties("migrate", obj, &["host"])?;
                host_arg("host", obj.get("host"))?
            }
            other => {
                return Err(invalid_body(
                    "migrate",
                    other,
                    &format!("{} is not of type 'object', 'null'", py_repr(other)),
                ))
            }
        }
    } else {
        None
    };
    let mut st = cloud.lock();
    let inst = visible_instance(&st, ctx, id)?.clone();
    if host.is_some() {
        policy::enforce(
            ctx.is_admin(),
            "os_compute_api:os-migrate-server:migrate:host",
        )?;
    } else {
        policy::enforce(
            policy::project_manager_or_admin(ctx, &inst.project_id),
            "os_compute_api:os-migrate-server:migrate",
        )?;
    }
    check_lock(ctx, &inst)?;
    check_state(&inst, "migrate", &["active", "stopped"])?;
    if st.host(&inst.host).is_none_or(|h| !h.is_up()) {
        return Err(Fault::conflict("Service is unavailable at this time."));
    }
    if let Some(h) = &host {
        if *h == inst.host {
            return Err(Fault::bad_request(
                "Cannot migrate to the host where the server exists.",
            ));
        }
        compute_host_exists(&st, h)?;
    }
    let request_id = st.record_action(&inst.uuid, "migrate", &inst.project_id, &ctx.user_id);
    let answer_id = request_id.clone();
    st.start_event(&request_id, "conductor_migrate_server", "controller");
    st.start_event(&request_id, "cold_migrate", "controller");
    let mid = new_migration(
        &mut st,
        ctx,
        &inst,
        COLD_MIGRATION,
        "pre-migrating",
        host,
        false,
        false,
        request_id,
    );
    if let Some(i) = st.instance_mut(id) {
        i.task_state = Some("resize_prep");
        i.pre_resize_vm_state = Some(i.vm_state);
        i.updated = clock::now();
    }
    drop(st);
    cold_migration::spawn(cloud.clone(), mid);
    Ok(accepted_as(&answer_id))
}

/// The finished cold migration a confirm or revert acts on.
fn finished_migration(st: &CloudState, uuid: &str) -> ApiResult<u64> {
    st.migrations
        .iter()
        .rev()
        .find(|m| m.instance_uuid == uuid && m.status == "finished")
        .map(|m| m.id)
        .ok_or_else(|| Fault::bad_request("Instance has not been resized."))
}

fn confirm_resize(cloud: &Cloud, ctx: &Ctx, id: &str) -> ApiResult<Response> {
    let mut st = cloud.lock();
    let inst = visible_instance(&st, ctx, id)?.clone();
    policy::enforce(
        policy::project_member_or_admin(ctx, &inst.project_id),
        "os_compute_api:servers:confirm_resize",
    )?;
    check_lock(ctx, &inst)?;
    check_state(&inst, "confirmResize", &["resized"])?;
    let mid = finished_migration(&st, id)?;
    let request_id = st.record_action(&inst.uuid, "confirmResize", &inst.project_id, &ctx.user_id);
    let answer_id = request_id.clone();
    if let Some(m) = st.migration_mut(mid) {
        m.status = "confirming";
        m.updated_at = clock::now();
    }
    drop(st);
    cold_migration::spawn_confirm(cloud.clone(), mid, request_id);
    Ok(no_content_as(&answer_id))
}

fn revert_resize(cloud: &Cloud, ctx: &Ctx, id: &str) -> ApiResult<Response> {
    let mut st = cloud.lock();
    let inst = visible_instance(&st, ctx, id)?.clone();
    policy::enforce(
        policy::project_member_or_admin(ctx, &inst.project_id),
        "os_compute_api:servers:revert_resize",
    )?;
    check_lock(ctx, &inst)?;
    check_state(&inst, "revertResize", &["resized"])?;
    let mid = finished_migration(&st, id)?;
    let request_id = st.record_action(&inst.uuid, "revertResize", &inst.project_id, &ctx.user_id);
    let answer_id = request_id.clone();
    let now = clock::now();
    if let Some(m) = st.migration_mut(mid) {
        m.status = "reverting";
        m.updated_at = now;
    }
    if let Some(i) = st.instance_mut(id) {
        i.task_state = Some("resize_reverting");
        i.updated = now;
    }
    drop(st);
    cold_migration::spawn_revert(cloud.clone(), mid, request_id);
    Ok(accepted_as(&answer_id))
}

#[derive(Clone, Copy)]
enum Power {
    Start,
    Stop,
    Pause,
    Unpause,
}

impl Power {
    /// (action name, policy, allowed vm_states, transient task, final vm_state, final power_state, event)
    fn spec(
        self,
    ) -> (
        &'static str,
        &'static str,
        &'static [&'static str],
        &'static str,
        &'static str,
        u8,
        &'static str,
    ) {
        match self {
            Power::Start => (
                "start",
                "os_compute_api:servers:start",
                &["stopped"],
                "powering-on",
                "active",
                POWER_RUNNING,
                "compute_start_instance",
            ),
            Power::Stop => (
                "stop",
                "os_compute_api:servers:stop",
                &["active", "error"],
                "powering-off",
                "stopped",
                POWER_SHUTDOWN,
                "compute_stop_instance",
            ),
            Power::Pause => (
                "pause",
                "os_compute_api:os-pause-server:pause",
                &["active"],
                "pausing",
                "paused",
                POWER_PAUSED,
                "compute_pause_instance",
            ),
            Power::Unpause => (
                "unpause",
                "os_compute_api:os-pause-server:unpause",
                &["paused"],
                "unpausing",
                "active",
                POWER_RUNNING,
                "compute_unpause_instance",
            ),
        }
    }
}

fn power(cloud: &Cloud, ctx: &Ctx, id: &str, op: Power) -> ApiResult<Response> {
    let (action, rule, states, task, final_state, final_power, event) = op.spec();
    let mut st = cloud.lock();
    let inst = visible_instance(&st, ctx, id)?.clone();
    policy::enforce(policy::project_member_or_admin(ctx, &inst.project_id), rule)?;
    check_lock(ctx, &inst)?;
    check_state(&inst, action, states)?;
    let request_id = st.record_action(&inst.uuid, action, &inst.project_id, &ctx.user_id);
    let answer_id = request_id.clone();
    if let Some(i) = st.instance_mut(id) {
        i.task_state = Some(task);
        i.updated = clock::now();
    }
    drop(st);
    let cloud = cloud.clone();
    let uuid = id.to_string();
    tokio::spawn(async move {
        sleep(&cloud, 1.5).await;
        let mut st = cloud.lock();
        let host = match st.instance_mut(&uuid) {
            Some(i) if i.task_state == Some(task) => {
                i.vm_state = final_state;
                i.power_state = final_power;
                i.task_state = None;
                i.updated = clock::now();
                i.host.clone()
            }
            _ => return,
        };
        st.event(&request_id, event, &host, None);
    });
    Ok(accepted_as(&answer_id))
}

fn lock(
    cloud: &Cloud,
    ctx: &Ctx,
    mv: Mv,
    id: &str,
    args: &Value,
    locking: bool,
) -> ApiResult<Response> {
    let action = if locking { "lock" } else { "unlock" };
    let reason = match (locking, args) {
        (_, Value::Null) => None,
        (true, Value::Object(obj)) if mv.at_least(73) => {
            check_properties("lock", obj, &["locked_reason"])?;
            match obj.get("locked_reason") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) if s.len() <= 255 => Some(s.clone()),
                Some(other) => {
                    return Err(invalid_body(
                        "locked_reason",
                        other,
                        &format!("{} is not of type 'string'", py_repr(other)),
                    ))
                }
            }
        }
        (_, other) => {
            return Err(invalid_body(
                action,
                other,
                &format!("{} is not of type 'null'", py_repr(other)),
            ))
        }
    };
    let mut st = cloud.lock();
    let inst = visible_instance(&st, ctx, id)?.clone();
    policy::enforce(
        policy::project_member_or_admin(ctx, &inst.project_id),
        if locking {
            "os_compute_api:os-lock-server:lock"
        } else {
            "os_compute_api:os-lock-server:unlock"
        },
    )?;
    let request_id = st.record_action(&inst.uuid, action, &inst.project_id, &ctx.user_id);
    let answer_id = request_id.clone();
    let _ = request_id;
    if let Some(i) = st.instance_mut(id) {
        i.locked = locking;
        i.locked_reason = if locking { reason } else { None };
        i.updated = clock::now();
    }
    Ok(accepted_as(&answer_id))
}

/// `os-resetState` (admin): sets the vm state to `active` or `error` and clears the task, as
/// an operator does once a guest stuck in Error is known to be fine. Nothing else changes.
fn reset_state(cloud: &Cloud, ctx: &Ctx, id: &str, args: &Value) -> ApiResult<Response> {
    let state = match args {
        Value::Object(obj) => {
            check_properties("os-resetState", obj, &["state"])?;
            match obj.get("state") {
                Some(Value::String(s)) if s == "active" => "active",
                Some(Value::String(s)) if s == "error" => "error",
                Some(other) => {
                    return Err(invalid_body(
                        "state",
                        other,
                        &format!("{} is not one of ['active', 'error']", py_repr(other)),
                    ))
                }
                None => {
                    return Err(Fault::bad_request(
                        "Invalid input for field/attribute os-resetState. Value: {}. 'state' is a required property".to_string(),
                    ))
                }
            }
        }
        other => {
            return Err(invalid_body(
                "os-resetState",
                other,
                &format!("{} is not of type 'object'", py_repr(other)),
            ))
        }
    };
    let mut st = cloud.lock();
    let inst = visible_instance(&st, ctx, id)?.clone();
    policy::enforce(
        ctx.is_admin(),
        "os_compute_api:os-admin-actions:reset_state",
    )?;
    let request_id = st.record_action(&inst.uuid, "resetState", &inst.project_id, &ctx.user_id);
    if let Some(i) = st.instance_mut(id) {
        i.vm_state = state;
        i.task_state = None;
        i.updated = clock::now();
    }
    Ok(accepted_as(&request_id))
}
