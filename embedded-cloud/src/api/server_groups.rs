//! `GET /os-server-groups[/{id}]` (`server_groups.py`).

use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use axum::Extension;
use serde_json::{json, Value};

use super::common::{ok, paginate, parse_bool, parse_limit, App, Query};
use crate::context::Ctx;
use crate::fault::{ApiResult, Fault};
use crate::microversion::Mv;
use crate::model::ServerGroup;
use crate::policy;

fn view(g: &ServerGroup, mv: Mv) -> Value {
    let mut v = json!({"id": g.uuid, "name": g.name, "members": g.members});
    if let Some(o) = v.as_object_mut() {
        if mv.at_least(64) {
            o.insert("policy".into(), json!(g.policy));
            let rules = match g.max_server_per_host {
                Some(n) => json!({"max_server_per_host": n}),
                None => json!({}),
            };
            o.insert("rules".into(), rules);
        } else {
            o.insert("policies".into(), json!([g.policy]));
            o.insert("metadata".into(), json!({}));
        }
        if mv.at_least(13) {
            o.insert("project_id".into(), json!(g.project_id));
            o.insert("user_id".into(), json!(g.user_id));
        }
    }
    v
}

pub async fn index(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
    Extension(mv): Extension<Mv>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let q = Query::parse(raw.as_deref());
    policy::enforce(true, "os_compute_api:os-server-groups:index")?;
    let all = match q.get("all_projects") {
        None => false,
        Some("") => true,
        Some(v) => parse_bool("all_projects", v)?,
    };
    // index:all_projects is checked with fatal=False: for a non-admin
    // all_projects is ignored and the own project's groups come back
    // (recorded from Nova 34: a member's all_projects=True is a 200).
    let all = all && ctx.is_admin();
    let limit = parse_limit(&q)?;
    let offset = match q.get("offset") {
        None => 0,
        Some(v) => v.parse::<usize>().map_err(|_| {
            super::common::invalid_query("offset", v, &format!("'{v}' does not match '^[0-9]*$'"))
        })?,
    };
    let st = app.cloud.lock();
    let groups: Vec<&ServerGroup> = st
        .groups
        .iter()
        .filter(|g| all || g.project_id == ctx.project_id)
        .skip(offset)
        .collect();
    let (page, _) = paginate(groups, None, limit, |g| g.uuid.clone())?;
    let list: Vec<Value> = page.iter().map(|g| view(g, mv)).collect();
    Ok(ok(json!({ "server_groups": list })))
}

pub async fn show(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
    Extension(mv): Extension<Mv>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let st = app.cloud.lock();
    let found = st
        .groups
        .iter()
        .find(|g| g.uuid == id && (ctx.is_admin() || g.project_id == ctx.project_id));
    let Some(g) = found else {
        return Err(Fault::not_found(format!(
            "Instance group {id} could not be found."
        )));
    };
    policy::enforce(
        policy::project_reader_or_admin(&ctx, &g.project_id),
        "os_compute_api:os-server-groups:show",
    )?;
    Ok(ok(json!({ "server_group": view(g, mv) })))
}
