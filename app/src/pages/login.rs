//! The Keystone login page.

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_router::{components::Redirect, hooks::use_query_map};

use crate::{
    api::{login_settings, refusal_words, safe_next, whoami, Login},
    components::HydrationMarker,
};

#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let next = query.read_untracked().get("next").unwrap_or_default();
    let expired = query.read_untracked().get("expired").is_some();
    let info = Resource::new(|| (), |_| login_settings());
    // Already logged in (e.g. a form post without JavaScript came back here): go on. Not when
    // a page just found the session expired: its cookie was removed, and an old copy of it
    // must not send the browser round in circles.
    let me = Resource::new(|| (), |_| whoami());
    let go_on = safe_next(&next);
    // A refused form post comes back with what was typed and the kind of refusal (see
    // `api::login`); the page says it in its own words.
    let typed = |k: &str| query.read_untracked().get(k).unwrap_or_default();
    let (user, project, typed_domain) = (typed("user"), typed("project"), typed("domain"));
    let refused = query
        .read_untracked()
        .get("refused")
        .and_then(|k| refusal_words(&k));
    view! {
        <Suspense>
            {move || {
                let go_on = go_on.clone();
                Suspend::new(async move {
                    (!expired)
                        .then_some(())
                        .and(me.await.ok())
                        .map(|_| view! { <Redirect path=go_on /> })
                })
            }}
        </Suspense>
        <main class="login">
            <h1 class="brand">"Ferry"</h1>
            <p class="tagline">"Move instances between compute hosts."</p>
            <Suspense>
                {move || {
                    let next = next.clone();
                    let (user, project, typed_domain) =
                        (user.clone(), project.clone(), typed_domain.clone());
                    Suspend::new(async move {
                        let (cloud, domain) = match info.await {
                            Ok(i) => (Some(i.cloud_name), i.default_domain),
                            Err(_) => (None, "Default".to_string()),
                        };
                        view! {
                            {cloud
                                .map(|c| {
                                    view! {
                                        <p class="cloud">"Cloud: " <strong>{c}</strong></p>
                                    }
                                })}
                            {expired
                                .then(|| {
                                    view! {
                                        <p class="notice" role="status">
                                            "Your session has expired. Please log in again."
                                        </p>
                                    }
                                })}
                            <LoginForm
                                next
                                user
                                project
                                domain=if typed_domain.is_empty() { domain } else { typed_domain }
                                refused
                            />
                        }
                    })
                }}
            </Suspense>
        </main>
        <HydrationMarker />
    }
}

/// A plain form post: Keystone's answer comes back as a new page, so the login page needs no
/// WASM of its own (the instance page's weight budget pays for every island).
#[component]
fn LoginForm(
    next: String,
    user: String,
    project: String,
    domain: String,
    refused: Option<&'static str>,
) -> impl IntoView {
    // The field left to fill gets the focus: the password after a refusal.
    let user_first = user.is_empty();
    view! {
        <form class="form" method="post" action=Login::url()>
            <label>
                "User name"
                <input name="user" autocomplete="username" required autofocus=user_first value=user />
            </label>
            <label>
                "Password"
                <input
                    type="password"
                    name="password"
                    autocomplete="current-password"
                    required
                    autofocus=!user_first
                />
            </label>
            <label>"Project" <input name="project" required value=project /></label>
            <label>"Domain" <input name="domain" value=domain /></label>
            <input type="hidden" name="next" value=next />
            <button type="submit" class="primary">
                "Log in"
            </button>
        </form>
        {refused.map(|e| view! { <p class="error" role="alert">{e}</p> })}
    }
}
