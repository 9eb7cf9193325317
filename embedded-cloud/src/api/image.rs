//! Just enough Glance v2 for `openstack server list/show` to name images.

use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use serde_json::{json, Value};

use super::common::{ok, App, Query};
use crate::clock;
use crate::fault::keystone_error;
use crate::model::Image;

pub async fn versions(State(app): State<App>) -> Response {
    ok(json!({"versions": [{
        "id": "v2.16",
        "status": "CURRENT",
        "links": [{"rel": "self", "href": format!("{}/image/v2/", app.base)}],
    }]}))
}

fn view(i: &Image) -> Value {
    json!({
        "id": i.id,
        "name": i.name,
        "status": "active",
        "visibility": "public",
        "protected": false,
        "os_hidden": false,
        "size": i.size,
        "virtual_size": null,
        "disk_format": "qcow2",
        "container_format": "bare",
        "min_disk": 0,
        "min_ram": 0,
        "checksum": null,
        "os_hash_algo": null,
        "os_hash_value": null,
        "owner": null,
        "tags": [],
        "created_at": clock::iso_z(&i.created_at),
        "updated_at": clock::iso_z(&i.created_at),
        "self": format!("/v2/images/{}", i.id),
        "file": format!("/v2/images/{}/file", i.id),
        "schema": "/v2/schemas/image",
    })
}

/// Supports Glance's `id=in:a,b` and `name=` filters, which the client uses
/// to name the images of a server list.
pub async fn list(State(app): State<App>, RawQuery(raw): RawQuery) -> Response {
    let q = Query::parse(raw.as_deref());
    let ids: Option<Vec<String>> = q.get("id").map(|v| {
        v.strip_prefix("in:")
            .unwrap_or(v)
            .split(',')
            .map(|s| s.trim().trim_matches('"').to_string())
            .collect()
    });
    let st = app.cloud.lock();
    let images: Vec<Value> = st
        .images
        .iter()
        .filter(|i| ids.as_ref().is_none_or(|ids| ids.contains(&i.id)))
        .filter(|i| q.get("name").is_none_or(|n| n == i.name))
        .map(view)
        .collect();
    ok(json!({"images": images, "first": "/v2/images", "schema": "/v2/schemas/images"}))
}

pub async fn show(State(app): State<App>, Path(id): Path<String>) -> Response {
    let st = app.cloud.lock();
    match st.images.iter().find(|i| i.id == id) {
        Some(i) => ok(view(i)),
        None => keystone_error(
            axum::http::StatusCode::NOT_FOUND,
            "Not Found",
            &format!("No image found with ID {id}"),
        ),
    }
}
