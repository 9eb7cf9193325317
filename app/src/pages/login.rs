//! The Keystone login page.

use leptos::prelude::*;
use leptos_router::{components::Redirect, hooks::use_query_map};

use crate::{
    api::{login_settings, safe_next, whoami, Login},
    components::HydrationMarker,
};

#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let expired = move || query.read().get("expired").is_some();
    let info = Resource::new(|| (), |_| login_settings());
    let pending = login.pending();
    // Already logged in (e.g. a form post without JavaScript came back here): go on.
    let me = Resource::new(|| (), |_| whoami());
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                me.await
                    .ok()
                    .map(|_| view! { <Redirect path=safe_next(&next()) /> })
            })}
        </Suspense>
        <main class="login">
            <HydrationMarker />
            <h1 class="brand">"Ferry"</h1>
            <p class="tagline">"Move instances between compute hosts."</p>
            <Suspense>
                {move || Suspend::new(async move {
                    info.await
                        .ok()
                        .map(|i| {
                            view! {
                                <p class="cloud">"Cloud: " <strong>{i.cloud_name}</strong></p>
                            }
                        })
                })}
            </Suspense>
            <Show when=expired>
                <p class="notice" role="status">
                    "Your session has expired. Please log in again."
                </p>
            </Show>
            <ActionForm action=login attr:class="form">
                <label>
                    "User name" <input name="user" autocomplete="username" required autofocus />
                </label>
                <label>
                    "Password"
                    <input type="password" name="password" autocomplete="current-password" required />
                </label>
                <label>"Project" <input name="project" required /></label>
                <label>
                    "Domain"
                    <Suspense fallback=|| {
                        view! { <input name="domain" value="Default" /> }
                    }>
                        {move || Suspend::new(async move {
                            let domain = info
                                .await
                                .map(|i| i.default_domain)
                                .unwrap_or_else(|_| "Default".into());
                            view! { <input name="domain" value=domain /> }
                        })}
                    </Suspense>
                </label>
                <input type="hidden" name="next" value=next />
                <button type="submit" class="primary" disabled=move || pending.get()>
                    {move || if pending.get() { "Logging in…" } else { "Log in" }}
                </button>
            </ActionForm>
            {move || {
                login
                    .value()
                    .get()
                    .and_then(|r| r.err())
                    .map(|e| {
                        view! {
                            <p class="error" role="alert">
                                {e.to_string()}
                            </p>
                        }
                    })
            }}
        </main>
    }
}
