//! The `ferry` server: the Leptos app on axum, wired to a cloud (a configured one, or the
//! embedded one), with the headers every response carries.

pub mod config;
pub mod headers;
pub mod startup;

use app::{server::Backend, shell, App};
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};

/// The whole HTTP surface: pages, server functions, static files.
pub fn router(options: LeptosOptions, backend: Backend) -> Router {
    let routes = generate_route_list(App);
    let context_backend = backend.clone();
    Router::new()
        .route("/healthz", axum::routing::get(|| async { "ok" }))
        .leptos_routes_with_context(
            &options,
            routes,
            move || provide_context(context_backend.clone()),
            {
                let options = options.clone();
                move || shell(options.clone())
            },
        )
        .fallback(leptos_axum::file_and_error_handler(shell))
        .layer(axum::middleware::from_fn(headers::defaults))
        .with_state(options)
}
