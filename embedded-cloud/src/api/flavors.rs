//! `GET /flavors[/detail|/{id}]`.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::Extension;
use serde_json::{json, Value};

use super::common::{ok, App};
use crate::fault::{ApiResult, Fault};
use crate::microversion::Mv;
use crate::model::Flavor;

fn view(app: &App, f: &Flavor, mv: Mv, detail: bool) -> Value {
    let links = app.links(&format!("flavors/{}", f.id));
    let mut v = json!({"id": f.id, "name": f.name, "links": links});
    if mv.at_least(55) {
        if let Some(o) = v.as_object_mut() {
            o.insert("description".into(), Value::Null);
        }
    }
    if !detail {
        return v;
    }
    if let Some(o) = v.as_object_mut() {
        o.insert("ram".into(), json!(f.ram));
        o.insert("disk".into(), json!(f.disk));
        o.insert("vcpus".into(), json!(f.vcpus));
        o.insert("OS-FLV-EXT-DATA:ephemeral".into(), json!(f.ephemeral));
        // views/flavors.py drops OS-FLV-DISABLED:disabled and rxtx_factor at
        // 2.102 (recorded from Nova 34: rxtx_factor is still there at 2.75).
        if !mv.at_least(102) {
            o.insert("OS-FLV-DISABLED:disabled".into(), json!(false));
            o.insert("rxtx_factor".into(), json!(1.0));
        }
        o.insert("os-flavor-access:is_public".into(), json!(true));
        // Before 2.75 a zero swap was the empty string.
        o.insert(
            "swap".into(),
            if f.swap == 0 && !mv.at_least(75) {
                json!("")
            } else {
                json!(f.swap)
            },
        );
        if mv.at_least(61) {
            o.insert("extra_specs".into(), json!(f.extra_specs));
        }
    }
    v
}

pub async fn index(State(app): State<App>, Extension(mv): Extension<Mv>) -> ApiResult<Response> {
    let st = app.cloud.lock();
    let list: Vec<Value> = st
        .flavors
        .iter()
        .map(|f| view(&app, f, mv, false))
        .collect();
    Ok(ok(json!({ "flavors": list })))
}

pub async fn detail(State(app): State<App>, Extension(mv): Extension<Mv>) -> ApiResult<Response> {
    let st = app.cloud.lock();
    let list: Vec<Value> = st.flavors.iter().map(|f| view(&app, f, mv, true)).collect();
    Ok(ok(json!({ "flavors": list })))
}

pub async fn show(
    State(app): State<App>,
    Extension(mv): Extension<Mv>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let st = app.cloud.lock();
    match st.flavors.iter().find(|f| f.id == id) {
        Some(f) => Ok(ok(json!({ "flavor": view(&app, f, mv, true) }))),
        None => Err(Fault::not_found(format!("Flavor {id} could not be found."))),
    }
}
