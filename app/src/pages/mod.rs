//! One file per page.

pub mod drain_plan;
pub mod hosts;
pub mod instance_detail;
pub mod instances;
pub mod layout;
pub mod login;
pub mod migrations;

use leptos::prelude::*;
use leptos_router::components::Redirect;

use crate::{api::whoami, components::ErrorView, policy::Action};

/// `/`: admins go to the instance list; others are told what their roles allow.
#[component]
pub fn Home() -> impl IntoView {
    let me = Resource::new(|| (), |_| whoami());
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                match me.await {
                    Ok(info) if info.allows(Action::ListAllInstances) => {
                        view! { <Redirect path="/admin/instances" /> }.into_any()
                    }
                    Ok(info) if info.allows(Action::ListProjectInstances) => {
                        view! { <Redirect path="/project/instances" /> }.into_any()
                    }
                    Ok(info) => {
                        view! {
                            <section class="panel">
                                <h1>"Welcome, " {info.user.clone()}</h1>
                                <p>
                                    "You are logged in to project " <strong>{info.project.clone()}</strong>
                                    " with the roles " {info.roles.join(", ")} "."
                                </p>
                                <p>
                                    "Ferry's instance lists need the " <strong>"admin"</strong>
                                    " role (every project) or the " <strong>"manager"</strong>
                                    " role in a project (that project's instances)."
                                </p>
                            </section>
                        }
                            .into_any()
                    }
                    Err(e) => view! { <ErrorView error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(r) = use_context::<leptos_axum::ResponseOptions>() {
        r.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <main class="page">
            <section class="panel">
                <h1>"Page not found"</h1>
                <p>
                    <a href="/admin/instances">"Go to the instance list"</a>
                </p>
            </section>
        </main>
    }
}
