//! The HTTP surface: one router, devstack-style path prefixes per service.

mod application_credential_auth;
mod application_credential_schema;
mod application_credentials;
pub mod common;
pub mod counts;
pub mod faults;
mod flavors;
mod hypervisors;
mod identity;
mod image;
mod instance_actions;
mod keystone_errors;
mod migrations;
mod placement;
mod server_actions;
mod server_groups;
mod server_migrations;
mod server_view;
mod servers;
mod services;
mod test_hooks;
mod versions;

use axum::http::{StatusCode, Uri};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::Router;

use crate::context::{require_token, AuthState};
use crate::fault::Fault;
use crate::Cloud;
use common::App;

const C: &str = "/compute/v2.1";

pub fn router(cloud: Cloud, base: String) -> Router {
    let app = App {
        cloud: cloud.clone(),
        base: base.clone(),
    };
    let auth = AuthState {
        cloud: cloud.clone(),
        base_url: base.clone(),
    };

    let identity = Router::new()
        .route("/identity", get(identity::versions))
        .route("/identity/", get(identity::versions))
        .route("/identity/v3", get(identity::version))
        .route("/identity/v3/", get(identity::version))
        .route(
            "/identity/v3/auth/tokens",
            post(identity::issue)
                .get(identity::validate)
                .head(identity::validate)
                .delete(identity::revoke),
        )
        .route("/identity/v3/auth/projects", get(identity::auth_projects))
        .route("/identity/v3/auth/catalog", get(identity::catalog))
        .route("/identity/v3/projects", get(identity::projects))
        .route("/identity/v3/users", get(identity::users))
        .route(
            "/identity/v3/users/{user_id}/application_credentials",
            get(application_credentials::list).post(application_credentials::create),
        )
        .route(
            "/identity/v3/users/{user_id}/application_credentials/{id}",
            get(application_credentials::show).delete(application_credentials::delete),
        )
        .layer(from_fn_with_state(cloud.clone(), faults::identity_layer));

    let compute_discovery = Router::new()
        .route("/compute", get(versions::list))
        .route("/compute/", get(versions::list))
        .route(C, get(versions::show))
        .route(&format!("{C}/"), get(versions::show));

    let compute = Router::new()
        .route(&format!("{C}/servers"), get(servers::index))
        .route(&format!("{C}/servers/detail"), get(servers::detail))
        .route(&format!("{C}/servers/{{id}}"), get(servers::show))
        .route(
            &format!("{C}/servers/{{id}}/action"),
            post(server_actions::action),
        )
        .route(
            &format!("{C}/servers/{{id}}/migrations"),
            get(server_migrations::index),
        )
        .route(
            &format!("{C}/servers/{{id}}/migrations/{{mid}}"),
            get(server_migrations::show).delete(server_migrations::abort),
        )
        .route(
            &format!("{C}/servers/{{id}}/migrations/{{mid}}/action"),
            post(server_migrations::action),
        )
        .route(
            &format!("{C}/servers/{{id}}/os-instance-actions"),
            get(instance_actions::index),
        )
        .route(
            &format!("{C}/servers/{{id}}/os-instance-actions/{{rid}}"),
            get(instance_actions::show),
        )
        .route(&format!("{C}/os-migrations"), get(migrations::index))
        .route(&format!("{C}/os-hypervisors"), get(hypervisors::index))
        .route(
            &format!("{C}/os-hypervisors/detail"),
            get(hypervisors::detail),
        )
        .route(
            &format!("{C}/os-hypervisors/{{id}}"),
            get(hypervisors::show),
        )
        .route(&format!("{C}/os-services"), get(services::index))
        .route(&format!("{C}/os-services/{{id}}"), put(services::update))
        .route(&format!("{C}/os-server-groups"), get(server_groups::index))
        .route(
            &format!("{C}/os-server-groups/{{id}}"),
            get(server_groups::show),
        )
        .route(&format!("{C}/flavors"), get(flavors::index))
        .route(&format!("{C}/flavors/detail"), get(flavors::detail))
        .route(&format!("{C}/flavors/{{id}}"), get(flavors::show))
        .layer(from_fn(crate::microversion::layer))
        .layer(from_fn_with_state(auth.clone(), require_token))
        .layer(from_fn_with_state(cloud.clone(), faults::compute_layer));

    let placement_public = Router::new()
        .route("/placement", get(placement::root))
        .route("/placement/", get(placement::root));
    let placement = Router::new()
        .route("/placement/resource_providers", get(placement::providers))
        .route(
            "/placement/resource_providers/{uuid}",
            get(placement::provider_show),
        )
        .route(
            "/placement/resource_providers/{uuid}/inventories",
            get(placement::inventories),
        )
        .route(
            "/placement/resource_providers/{uuid}/usages",
            get(placement::usages),
        )
        .layer(from_fn(placement::microversion))
        .layer(from_fn_with_state(auth.clone(), require_token));

    let image_public = Router::new()
        .route("/image", get(image::versions))
        .route("/image/", get(image::versions));
    let image = Router::new()
        .route("/image/v2/images", get(image::list))
        .route("/image/v2/images/{id}", get(image::show))
        .layer(from_fn_with_state(auth, require_token));

    let hooks = Router::new()
        .route("/_cloud/requests", get(test_hooks::requests))
        .route("/_cloud/speed", axum::routing::put(test_hooks::put_speed))
        .route("/_cloud/stats", get(test_hooks::stats))
        .route(
            "/_cloud/clock",
            get(test_hooks::get_clock).put(test_hooks::put_clock),
        )
        .route(
            "/_cloud/servers/{id}/state",
            axum::routing::put(test_hooks::put_server_state),
        )
        .route(
            "/_cloud/servers/{id}/migration-behaviour",
            axum::routing::put(test_hooks::put_migration_behaviour),
        )
        .route("/_cloud/hosts/{host}", put(test_hooks::put_host))
        .route(
            "/_cloud/faults",
            get(test_hooks::get_faults).put(test_hooks::put_faults),
        );

    Router::new()
        .merge(identity)
        .merge(compute_discovery)
        .merge(placement_public)
        .merge(placement)
        .merge(image_public)
        .merge(image)
        .merge(hooks)
        .merge(compute)
        .fallback(not_found)
        .method_not_allowed_fallback(bad_method)
        .layer(from_fn_with_state(cloud.clone(), counts::layer))
        .with_state(app)
}

async fn bad_method(uri: Uri) -> Response {
    if uri.path().starts_with("/compute") {
        return Fault::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "The method specified is not allowed for this resource.",
        )
        .into_response();
    }
    crate::fault::keystone_error(
        StatusCode::METHOD_NOT_ALLOWED,
        "Method Not Allowed",
        "The method specified is not allowed for this resource.",
    )
}

/// Unknown paths: Nova's fault body under /compute, Keystone-style elsewhere.
async fn not_found(uri: Uri) -> Response {
    if uri.path().starts_with("/compute") {
        return Fault::not_found("The resource could not be found.").into_response();
    }
    (
        StatusCode::NOT_FOUND,
        axum::Json(serde_json::json!({"error": {"code": 404, "title": "Not Found", "message": format!("{} could not be found.", uri.path())}})),
    )
        .into_response()
}
