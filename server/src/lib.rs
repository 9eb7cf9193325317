//! The `ferry` server: the Leptos app on axum, wired to a cloud (a configured one, or the
//! embedded one), with the headers every response carries.

pub mod config;
pub mod headers;
pub mod memory;
pub mod startup;

use app::{server::Backend, shell, App};
use axum::{response::IntoResponse, Router};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};

/// Runs each request to its end on its own task, even when the browser goes away (a click on
/// another link cancels the navigation). A Leptos render dropped halfway leaks its reactive
/// owner: about 100 KB per abandoned list page, measured by scripts/loadtest. Finishing costs at
/// most the upstream timeout and frees everything as a completed request does.
async fn finish_even_if_abandoned(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    memory::count_request();
    let done = tokio::spawn(async move {
        let response = next.run(req).await;
        memory::count_request();
        response
    });
    match done.await {
        Ok(response) => response,
        Err(e) => {
            tracing::error!(error = %e, "request handler failed");
            axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

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
        .layer(axum::middleware::from_fn(finish_even_if_abandoned))
        // Server-function bodies are small; a larger one is refused (413) before it is read.
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            app::error::MAX_REQUEST_BYTES,
        ))
        .layer(axum::middleware::from_fn(headers::defaults))
        // gzip for every answer a browser accepts it for: the WASM shrinks to a third, a page of
        // 50 rows to a tenth (figures in docs/PERFORMANCE.md).
        .layer(tower_http::compression::CompressionLayer::new())
        .with_state(options)
}
