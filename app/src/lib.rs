//! Ferry's web app: routes, pages and server functions. The same code renders on the server
//! (feature `ssr`) and hydrates in the browser (feature `hydrate`).

// Built together (e.g. `cargo build --workspace`), the server would run browser-only code on every
// page and answer 500. Say so at compile time instead.
#[cfg(all(feature = "ssr", feature = "hydrate"))]
compile_error!(
    "the app was built with both its `ssr` and `hydrate` features: build Ferry with \
     `cargo leptos build --release` (or `cargo build --release --bin ferry` for the server alone; \
     the browser crate `frontend` is built by cargo-leptos)"
);

pub mod actions;
pub mod api;
pub mod components;
pub mod drain_job;
pub mod drain_plan;
pub mod error;
pub mod history;
pub mod hosts;
pub mod labels;
pub mod migration;
pub mod model;
pub mod pages;
pub mod policy;
#[cfg(feature = "ssr")]
pub mod server;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{ParentRoute, Route, Router, Routes},
    path, SsrMode,
};

use pages::{
    drain_plan::DrainPlanPage,
    hosts::ComputeHostsPage,
    instance_detail::{InstanceDetailPage, ProjectInstanceDetailPage},
    instances::{AdminInstances, ProjectInstances},
    layout::Layout,
    login::LoginPage,
    migrations::MigrationsPage,
    Home, NotFound,
};

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    server::security::set_page_headers();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" href="data:," />
                <AutoReload options=options.clone() />
                <HydrationScripts options islands=true />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/ferry.css" />
        <Title text="Ferry" />
        <Router>
            <Routes fallback=|| view! { <NotFound /> }>
                // Async: the whole page, data included, is in the first HTML (no JS needed to read
                // it), and redirects and status codes are real HTTP ones.
                <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async />
                <ParentRoute path=path!("") view=Layout ssr=SsrMode::Async>
                    <Route path=path!("") view=Home ssr=SsrMode::Async />
                    <Route path=path!("admin/instances") view=AdminInstances ssr=SsrMode::Async />
                    <Route
                        path=path!("admin/instances/:id")
                        view=InstanceDetailPage
                        ssr=SsrMode::Async
                    />
                    <Route path=path!("admin/migrations") view=MigrationsPage ssr=SsrMode::Async />
                    <Route path=path!("admin/hosts") view=ComputeHostsPage ssr=SsrMode::Async />
                    <Route path=path!("admin/hosts/:host/drain") view=DrainPlanPage ssr=SsrMode::Async />
                    <Route path=path!("project/instances") view=ProjectInstances ssr=SsrMode::Async />
                    <Route
                        path=path!("project/instances/:id")
                        view=ProjectInstanceDetailPage
                        ssr=SsrMode::Async
                    />
                </ParentRoute>
            </Routes>
        </Router>
    }
}
