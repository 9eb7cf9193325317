//! How every page shows a failure: plain words first, the upstream's message and request id
//! under "details"; a lost session goes back to the login page and returns afterwards.

use leptos::prelude::*;
use leptos_router::{components::Redirect, hooks::use_location};

use crate::{
    error::{service_title, AppError},
    model::encode_component,
};

#[component]
pub fn ErrorView(error: AppError) -> impl IntoView {
    let location = use_location();
    if error.needs_login() {
        set_status(&error);
        let path = location.pathname.get_untracked();
        let mut here = format!("{path}{}", location.search.get_untracked().pipe_query());
        if here.len() > crate::api::MAX_NEXT {
            // The login page would not follow it back; the page itself will do.
            here = path;
        }
        let expired = matches!(error, AppError::SessionExpired);
        let path = format!(
            "/login?next={}{}",
            encode_component(&here),
            if expired { "&expired=1" } else { "" }
        );
        return view! { <Redirect path=path /> }.into_any();
    }
    set_status(&error);
    match error {
        AppError::Forbidden(message) => view! {
            <section class="panel refusal" role="alert">
                <h2>"Not allowed"</h2>
                <p>{message}</p>
            </section>
        }
        .into_any(),
        AppError::Upstream(failure) => {
            let heading = if failure.unreachable {
                format!("{} is not answering", service_title(&failure.service))
            } else {
                format!("{} refused or failed", service_title(&failure.service))
            };
            view! {
                <section class="panel failure" role="alert" data-service=failure.service.clone()>
                    <h2>{heading}</h2>
                    <p>{failure.summary.clone()}</p>
                    <details>
                        <summary>"Details"</summary>
                        <dl>
                            <dt>"Service"</dt>
                            <dd>{failure.service.clone()}</dd>
                            <dt>"HTTP status"</dt>
                            <dd>
                                {failure
                                    .status
                                    .map(|s| s.to_string())
                                    .unwrap_or_else(|| "no answer".into())}
                            </dd>
                            <dt>"Message"</dt>
                            <dd>{failure.message.clone()}</dd>
                            <dt>"Request id"</dt>
                            <dd class="mono">{failure.request_id.clone().unwrap_or_else(|| "—".into())}</dd>
                        </dl>
                    </details>
                </section>
            }
            .into_any()
        }
        other => {
            let heading = match other {
                AppError::BadRequest(_) | AppError::TooLarge(_) => "Not a valid request",
                AppError::Conflict(_) => "Not possible now",
                AppError::Throttled(_) => "Please wait",
                _ => "Something went wrong",
            };
            view! {
                <section class="panel failure" role="alert">
                    <h2>{heading}</h2>
                    <p>{other.to_string()}</p>
                </section>
            }
            .into_any()
        }
    }
}

trait PipeQuery {
    fn pipe_query(self) -> String;
}

impl PipeQuery for String {
    /// `location.search` comes with or without its leading `?` depending on the side.
    fn pipe_query(self) -> String {
        match self.as_str() {
            "" | "?" => String::new(),
            s if s.starts_with('?') => s.to_string(),
            s => format!("?{s}"),
        }
    }
}

/// On the server, give the response the HTTP status that matches the error (and end a session
/// Keystone no longer accepts).
fn set_status(_error: &AppError) {
    #[cfg(feature = "ssr")]
    crate::server::session::respond_to_error(_error, true);
}
