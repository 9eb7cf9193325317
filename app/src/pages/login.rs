//! The Keystone login page.

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_router::{components::Redirect, hooks::use_query_map};

use crate::{
    api::{login, login_settings, safe_next, whoami, Login, LOGIN_REFUSED},
    components::HydrationMarker,
    error::AppError,
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
    // A refusal of a plain form post (no JavaScript) comes back in the URL; Leptos decodes it.
    // Anyone can write a URL, so only the kind of refusal is taken from it, in Ferry's words.
    let refused = ServerAction::<Login>::new()
        .value()
        .get_untracked()
        .and_then(|r| r.err())
        .map(|e| refusal_in_ferrys_words(&e).to_string());
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
                    let refused = refused.clone();
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
                            <LoginForm next domain refused=refused.clone() />
                        }
                    })
                }}
            </Suspense>
        </main>
        <HydrationMarker />
    }
}

/// What the login page says about a refusal that came back in its URL: a fixed sentence per
/// kind, never the text the URL carries.
pub fn refusal_in_ferrys_words(e: &AppError) -> &'static str {
    match e {
        AppError::LoginRefused(_) => LOGIN_REFUSED,
        AppError::BadRequest(_) => "User name, password and project are all needed.",
        AppError::Throttled(_) => {
            "Too many failed logins for this user from your address: wait a little and try again."
        }
        AppError::Upstream(f) if f.unreachable => {
            "Ferry could not log you in: Keystone (Identity) cannot be reached."
        }
        AppError::Upstream(_) => "Ferry could not log you in: Keystone (Identity) failed.",
        AppError::Forbidden(_) => "This login was refused: it did not come from Ferry's own page.",
        _ => "Ferry could not log you in. Please try again.",
    }
}

/// Works as a plain form post without JavaScript (a refusal then comes back in the URL, see
/// `LoginPage`). With it, the island sends the same server function itself, so a refusal shows in
/// place and the typed user, project and domain stay. Deliberately not `ActionForm`: with it this
/// island cost ~40 KB of gzipped WASM; without, ~8 KB.
#[island]
fn LoginForm(next: String, domain: String, refused: Option<String>) -> impl IntoView {
    let error = RwSignal::new(refused);
    let busy = RwSignal::new(false);
    let user = NodeRef::<leptos::html::Input>::new();
    let password = NodeRef::<leptos::html::Input>::new();
    let project = NodeRef::<leptos::html::Input>::new();
    let domain_input = NodeRef::<leptos::html::Input>::new();
    let go_to = safe_next(&next);
    let next_value = next.clone();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        let value = |r: NodeRef<leptos::html::Input>| r.get_untracked().map(|i| i.value());
        let (Some(u), Some(pw), Some(p), Some(d)) = (
            value(user),
            value(password),
            value(project),
            value(domain_input),
        ) else {
            return; // Not hydrated: the browser posts the form.
        };
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let (next, go_to) = (next.clone(), go_to.clone());
        leptos::task::spawn_local(async move {
            match login(u, pw, p, d, next).await {
                Ok(()) => {
                    let _ = window().location().set_href(&go_to);
                }
                Err(e) => {
                    error.set(Some(e.to_string()));
                    busy.set(false);
                }
            }
        });
    };
    view! {
        <form class="form" method="post" action=Login::url() on:submit=on_submit>
            <label>
                "User name"
                <input node_ref=user name="user" autocomplete="username" required autofocus />
            </label>
            <label>
                "Password"
                <input
                    node_ref=password
                    type="password"
                    name="password"
                    autocomplete="current-password"
                    required
                />
            </label>
            <label>"Project" <input node_ref=project name="project" required /></label>
            <label>"Domain" <input node_ref=domain_input name="domain" value=domain /></label>
            <input type="hidden" name="next" value=next_value />
            <button type="submit" class="primary" disabled=move || busy.get()>
                {move || if busy.get() { "Logging in…" } else { "Log in" }}
            </button>
        </form>
        {move || {
            error
                .get()
                .map(|e| {
                    view! {
                        <p class="error" role="alert">
                            {e}
                        </p>
                    }
                })
        }}
    }
}
