//! Compute version discovery: `GET /compute/` and `GET /compute/v2.1`.

use axum::extract::State;
use axum::response::Response;
use serde_json::{json, Value};

use super::common::{ok, App};
use crate::microversion::{MAX_VERSION, MIN_VERSION};

fn v21(app: &App) -> Value {
    json!({
        "id": "v2.1",
        "links": [{"href": format!("{}/compute/v2.1/", app.base), "rel": "self"}],
        "status": "CURRENT",
        "version": MAX_VERSION,
        "min_version": MIN_VERSION,
        "updated": "2013-07-23T11:33:21Z",
    })
}

pub async fn list(State(app): State<App>) -> Response {
    ok(json!({"versions": [
        {
            "id": "v2.0",
            "links": [{"href": format!("{}/compute/v2/", app.base), "rel": "self"}],
            "status": "DEPRECATED",
            "version": "",
            "min_version": "",
            "updated": "2025-07-04T12:00:00Z",
        },
        v21(&app),
    ]}))
}

pub async fn show(State(app): State<App>) -> Response {
    let mut v = v21(&app);
    if let Some(obj) = v.as_object_mut() {
        obj.insert(
            "links".into(),
            json!([
                {"href": format!("{}/compute/v2.1/", app.base), "rel": "self"},
                {"href": "http://docs.openstack.org/", "rel": "describedby", "type": "text/html"},
            ]),
        );
        obj.insert(
            "media-types".into(),
            json!([{"base": "application/json", "type": "application/vnd.openstack.compute+json;version=2.1"}]),
        );
    }
    ok(json!({ "version": v }))
}
