//! Placement: `GET /`, resource providers, their inventories and usages.
//! Inventories are the compute nodes' capacity; usages are derived from
//! where instances (and in-flight migrations) hold their flavors.

use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::{json, Map, Value};

use super::common::{ok, App, Query};
use crate::fault::placement_error;
use crate::model::Host;

pub const MAX_MICROVERSION: &str = "1.39";

pub async fn root(State(app): State<App>) -> Response {
    ok(json!({"versions": [{
        "id": "v1.0",
        "max_version": MAX_MICROVERSION,
        "min_version": "1.0",
        "status": "CURRENT",
        "links": [{"href": format!("{}/placement/", app.base), "rel": "self"}],
    }]}))
}

/// Echo the placement microversion the way placement does, rejecting versions it lacks.
pub async fn microversion(req: Request, next: Next) -> Response {
    let mut requested = None;
    for v in req.headers().get_all("openstack-api-version") {
        let Ok(s) = v.to_str() else { continue };
        for part in s.split(',') {
            let mut w = part.split_whitespace();
            if let (Some(svc), Some(ver)) = (w.next(), w.next()) {
                if svc.eq_ignore_ascii_case("placement") {
                    requested = Some(ver.to_string());
                }
            }
        }
    }
    let max_minor: u32 = 39;
    let minor = match requested.as_deref() {
        None => 0,
        Some("latest") => max_minor,
        Some(v) => match v
            .split_once('.')
            .map(|(a, b)| (a.parse::<u32>(), b.parse::<u32>()))
        {
            Some((Ok(1), Ok(m))) if m <= max_minor => m,
            Some((Ok(_), Ok(_))) => {
                return placement_error(
                    StatusCode::NOT_ACCEPTABLE,
                    "Not Acceptable",
                    &format!("Unacceptable version header: {v}"),
                )
            }
            _ => {
                return placement_error(
                    StatusCode::BAD_REQUEST,
                    "Bad Request",
                    &format!("invalid version string: {v}"),
                )
            }
        },
    };
    let mut resp = next.run(req).await;
    if let Ok(v) = HeaderValue::from_str(&format!("placement 1.{minor}")) {
        resp.headers_mut().insert("openstack-api-version", v);
    }
    resp.headers_mut()
        .insert("vary", HeaderValue::from_static("openstack-api-version"));
    resp
}

fn provider(app: &App, h: &Host) -> Value {
    let u = &h.node_uuid;
    let link = |suffix: &str, rel: &str| json!({"href": format!("/resource_providers/{u}{suffix}"), "rel": rel});
    let _ = app;
    json!({
        "uuid": u,
        "name": h.node,
        "generation": h.generation,
        "parent_provider_uuid": null,
        "root_provider_uuid": u,
        "links": [
            link("", "self"),
            link("/aggregates", "aggregates"),
            link("/inventories", "inventories"),
            link("/usages", "usages"),
            link("/traits", "traits"),
            link("/allocations", "allocations"),
        ],
    })
}

/// webob's 404 text, then Placement's explanation, then two spaces (recorded
/// from Placement 16). The usages handler chains NotFound's own message.
fn not_found(uuid: &str, chained: bool) -> Response {
    let why = format!("No resource provider with uuid {uuid} found");
    let detail = if chained {
        format!("The resource could not be found.\n\n {why}: {why}  ")
    } else {
        format!("The resource could not be found.\n\n {why}  ")
    };
    placement_error(StatusCode::NOT_FOUND, "Not Found", &detail)
}

pub async fn providers(State(app): State<App>, RawQuery(raw): RawQuery) -> Response {
    let q = Query::parse(raw.as_deref());
    let st = app.cloud.lock();
    let list: Vec<Value> = st
        .hosts
        .iter()
        .filter(|h| q.get("name").is_none_or(|n| n == h.node))
        .filter(|h| q.get("uuid").is_none_or(|u| u == h.node_uuid))
        .map(|h| provider(&app, h))
        .collect();
    ok(json!({ "resource_providers": list }))
}

pub async fn provider_show(State(app): State<App>, Path(uuid): Path<String>) -> Response {
    let st = app.cloud.lock();
    match st.host_by_node_uuid(&uuid) {
        Some(h) => ok(provider(&app, h)),
        None => not_found(&uuid, false),
    }
}

pub async fn inventories(State(app): State<App>, Path(uuid): Path<String>) -> Response {
    let st = app.cloud.lock();
    let Some(h) = st.host_by_node_uuid(&uuid) else {
        return not_found(&uuid, false);
    };
    let mut inv = Map::new();
    for i in &h.inventories {
        inv.insert(
            i.resource_class.to_string(),
            json!({
                "total": i.total,
                "reserved": i.reserved,
                "allocation_ratio": i.allocation_ratio,
                "min_unit": i.min_unit,
                "max_unit": i.max_unit,
                "step_size": i.step_size,
            }),
        );
    }
    ok(json!({"inventories": inv, "resource_provider_generation": h.generation}))
}

pub async fn usages(State(app): State<App>, Path(uuid): Path<String>) -> Response {
    let st = app.cloud.lock();
    let Some(h) = st.host_by_node_uuid(&uuid) else {
        return not_found(&uuid, true);
    };
    let all = st.usages();
    let mut out = Map::new();
    for i in &h.inventories {
        let used = all
            .get(&h.node)
            .and_then(|u| u.get(i.resource_class))
            .copied()
            .unwrap_or(0);
        out.insert(i.resource_class.to_string(), json!(used));
    }
    ok(json!({"usages": out, "resource_provider_generation": h.generation}))
}
