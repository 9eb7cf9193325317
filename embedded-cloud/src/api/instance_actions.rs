//! `GET /servers/{id}/os-instance-actions[/{request_id}]` (`instance_actions.py`).

use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use axum::Extension;
use serde_json::{json, Value};

use super::common::{ok, parse_changes, parse_limit, App, Query};
use super::servers::visible_instance;
use crate::clock;
use crate::context::Ctx;
use crate::fault::{ApiResult, Fault};
use crate::ids;
use crate::microversion::Mv;
use crate::model::InstanceAction;
use crate::policy;

fn view(a: &InstanceAction, mv: Mv) -> Value {
    let mut v = json!({
        "action": a.action,
        "instance_uuid": a.instance_uuid,
        "message": a.message,
        "project_id": a.project_id,
        "request_id": a.request_id,
        "start_time": clock::iso_micro(&a.start_time),
        "user_id": a.user_id,
    });
    if mv.at_least(58) {
        if let Some(o) = v.as_object_mut() {
            o.insert("updated_at".into(), json!(clock::iso_micro(&a.updated_at)));
        }
    }
    v
}

pub async fn index(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
    Extension(mv): Extension<Mv>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let q = Query::parse(raw.as_deref());
    let st = app.cloud.lock();
    let inst = visible_instance(&st, &ctx, &id)?;
    policy::enforce(
        policy::project_reader_or_admin(&ctx, &inst.project_id),
        "os_compute_api:os-instance-actions:list",
    )?;
    let paging = mv.at_least(58);
    let (since, before) = if paging {
        parse_changes(&q)?
    } else {
        (None, None)
    };
    let before = if mv.at_least(66) { before } else { None };
    let limit = if paging { parse_limit(&q)? } else { None };
    let mut found: Vec<&InstanceAction> = st
        .actions
        .iter()
        .filter(|a| a.instance_uuid == id)
        .filter(|a| since.is_none_or(|t| a.updated_at >= t))
        .filter(|a| before.is_none_or(|t| a.updated_at <= t))
        .collect();
    // Newest first, like Nova's created_at desc, id desc.
    found.sort_by(|a, b| b.start_time.cmp(&a.start_time).then(b.id.cmp(&a.id)));
    if let Some(marker) = q.get("marker").filter(|_| paging) {
        match found.iter().position(|a| a.request_id == marker) {
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
    let list: Vec<Value> = found.iter().map(|a| view(a, mv)).collect();
    let mut body = json!({ "instanceActions": list });
    if let (true, Some(l), Some(last)) = (full, limit, found.last()) {
        let link = super::common::next_link(
            &app,
            &format!("servers/{id}/os-instance-actions"),
            &q,
            l,
            &last.request_id,
        );
        if let Some(o) = body.as_object_mut() {
            o.insert("links".into(), link);
        }
    }
    Ok(ok(body))
}

pub async fn show(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
    Extension(mv): Extension<Mv>,
    Path((id, request_id)): Path<(String, String)>,
) -> ApiResult<Response> {
    let st = app.cloud.lock();
    let inst = visible_instance(&st, &ctx, &id)?;
    policy::enforce(
        policy::project_reader_or_admin(&ctx, &inst.project_id),
        "os_compute_api:os-instance-actions:show",
    )?;
    let Some(a) = st
        .actions
        .iter()
        .find(|a| a.instance_uuid == id && a.request_id == request_id)
    else {
        return Err(Fault::not_found(format!(
            // instance_actions.py show (recorded from Nova 34).
            "Action {request_id} not found"
        )));
    };
    let admin = ctx.is_admin();
    let mut v = view(a, mv);
    // Events: admins always; others from 2.51, without traceback or host.
    if admin || mv.at_least(51) {
        let events: Vec<Value> = a
            .events
            .iter()
            .map(|e| {
                let mut ev = json!({
                    "event": e.event,
                    "start_time": clock::iso_micro(&e.start_time),
                    "finish_time": e.finish_time.as_ref().map(clock::iso_micro),
                    "result": e.result,
                });
                if let Some(o) = ev.as_object_mut() {
                    if admin {
                        o.insert("traceback".into(), json!(e.traceback));
                    }
                    if mv.at_least(62) {
                        if admin {
                            o.insert("host".into(), json!(e.host));
                        }
                        o.insert("hostId".into(), json!(ids::host_id(&a.project_id, &e.host)));
                    }
                    if mv.at_least(84) && admin {
                        o.insert("details".into(), json!(e.details));
                    }
                }
                ev
            })
            .collect();
        if let Some(o) = v.as_object_mut() {
            o.insert("events".into(), json!(events));
        }
    }
    Ok(ok(json!({ "instanceAction": v })))
}
