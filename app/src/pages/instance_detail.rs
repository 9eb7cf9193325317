//! `/admin/instances/:id`: the instance's fields and its action log with events.

use leptos::prelude::*;
use leptos_meta::Meta;
use leptos_router::{
    components::A,
    hooks::{use_params_map, use_query_map},
};

use crate::{
    api::{get_instance, ControlLiveMigration},
    components::ErrorView,
    error::AppError,
    history::{kind_label, LiveProgress, MigrationRow},
    labels::{status_class, status_label},
    model::{ActionLogEntry, InstanceDetail, ListScope},
};

#[component]
pub fn InstanceDetailPage() -> impl IntoView {
    view! { <Detail scope=ListScope::AllProjects /> }
}

#[component]
pub fn ProjectInstanceDetailPage() -> impl IntoView {
    view! { <Detail scope=ListScope::MyProject /> }
}

#[component]
fn Detail(scope: ListScope) -> impl IntoView {
    let params = use_params_map();
    let confirm = use_query_map().read_untracked().get("confirm");
    // An Abort / Force complete posted without JavaScript and refused comes back here with the
    // error in the address (read where the router provides it, before any await); anyone can
    // write one, so only its kind is read, in Ferry's words.
    let refused = ServerAction::<ControlLiveMigration>::new()
        .value()
        .get_untracked()
        .and_then(|r| r.err())
        .map(|e| live_refusal_words(&e));
    let id = Memo::new(move |_| params.read().get("id").unwrap_or_default());
    let detail = Resource::new(move || id.get(), move |id| get_instance(id, scope));
    view! {
        <p class="crumbs">
            <A href=scope.base_path()>"Instances"</A>
            " / detail"
        </p>
        <Suspense fallback=|| view! { <p class="loading">"Loading instance…"</p> }>
            {move || {
                let confirm = confirm.clone();
                Suspend::new(async move {
                match detail.await {
                    Ok(d) => view! { <DetailBody detail=d confirm refused /> }.into_any(),
                    Err(e) => view! { <ErrorView error=e /> }.into_any(),
                }
                })
            }}
        </Suspense>
    }
}

#[component]
fn DetailBody(
    detail: InstanceDetail,
    confirm: Option<String>,
    refused: Option<&'static str>,
) -> impl IntoView {
    let row = detail.row;
    view! {
        <div class="heading">
            <h1>{row.name.clone()}</h1>
            <span class=status_class(&row.status)>{status_label(&row.status)}</span>
        </div>
        {refused.map(|w| view! { <p class="error" role="alert">{w}</p> })}
        {row
            .fault
            .clone()
            .map(|f| {
                view! {
                    <section class="panel failure" role="status">
                        <h2>"Fault"</h2>
                        <p>{f}</p>
                    </section>
                }
            })}
        <section class="panel">
            <h2>"Overview"</h2>
            <dl class="fields">
                {detail
                    .fields
                    .into_iter()
                    .map(|(k, v)| view! { <dt>{k}</dt> <dd>{v}</dd> })
                    .collect_view()}
            </dl>
        </section>
        {detail.live.map(|l| view! { <LiveMigration id=row.id.clone() live=l confirm /> })}
        <section class="panel">
            <h2>"Migrations"</h2>
            <MigrationHistory migrations=detail.migrations />
        </section>
        <section class="panel">
            <h2>"Action log"</h2>
            <ActionLog actions=detail.actions />
        </section>
    }
}

/// The live migration under way: phase, progress, and Abort / Force complete. The page reloads
/// itself every few seconds while it runs, so each action's confirmation is its own view
/// (`?confirm=abort|force`) that does not reload under the operator's hand; its plain form post
/// (no JavaScript needed) comes back here.
#[component]
fn LiveMigration(id: String, live: LiveProgress, confirm: Option<String>) -> impl IntoView {
    let route = |from: &Option<String>| from.clone().unwrap_or_else(|| "—".into());
    let mid = live.migration_id.to_string();
    let confirming = confirm
        .as_deref()
        .filter(|c| match *c {
            "abort" => live.can_abort,
            "force" => live.can_force_complete,
            _ => false,
        })
        .map(str::to_string);
    view! {
        {confirming.is_none().then(|| view! { <Meta http_equiv="refresh" content="5" /> })}
        <section class="panel live-migration" data-status=live.status.clone() data-migration=mid.clone()>
            <h2>"Live migration in progress"</h2>
            <p class="mono">{route(&live.source)} " → " {route(&live.destination)}</p>
            <p>{live.phase.clone()}</p>
            {live
                .memory_percent
                .map(|p| {
                    view! {
                        <label class="progress">
                            "Memory " {format!("{p} %")}
                            <progress max="100" value=p.to_string()></progress>
                            {live.memory_left.clone().map(|l| view! { <span class="hint">{l}</span> })}
                        </label>
                    }
                })}
            {live
                .disk_percent
                .map(|p| {
                    view! {
                        <label class="progress">
                            "Disk " {format!("{p} %")}
                            <progress max="100" value=p.to_string()></progress>
                        </label>
                    }
                })}
            {live.note.clone().map(|n| view! { <p class="rate">{n}</p> })}
            {live.warning.clone().map(|w| view! { <p class="flag" role="status">{w}</p> })}
            {live.sent.clone().map(|w| view! { <p class="notice" role="status">{w}</p> })}
            <p class="hint">
                "Nova last updated this record at " {live.updated.clone()}
                {confirming.is_none().then_some("; this page reloads every 5 s while the migration runs")} "."
            </p>
            <div class="live-actions">
                {match confirming.as_deref() {
                    Some("force") => view! {
                        <form method="post" action="/api/live_migration_control" class="confirm">
                            <p>
                                "Nova pauses the instance until the copy is done (or switches to post-copy where the cloud permits it, after which a network failure between the hosts means a reboot)."
                            </p>
                            <input type="hidden" name="id" value=id.clone() />
                            <input type="hidden" name="migration" value=mid.clone() />
                            <input type="hidden" name="force" value="true" />
                            <button type="submit" class="primary">"Force complete now"</button>
                            <a href="?" class="button">"Cancel"</a>
                        </form>
                    }.into_any(),
                    Some(_) => view! {
                        <form method="post" action="/api/live_migration_control" class="confirm">
                            <p>"The copy stops; the instance stays Active on its source host."</p>
                            <input type="hidden" name="id" value=id.clone() />
                            <input type="hidden" name="migration" value=mid.clone() />
                            <input type="hidden" name="force" value="false" />
                            <button type="submit" class="primary danger">"Abort the migration"</button>
                            <a href="?" class="button">"Cancel"</a>
                        </form>
                    }.into_any(),
                    None => view! {
                        {live.can_force_complete.then(|| view! {
                            <a class="button" href="?confirm=force">"Force complete…"</a>
                        })}
                        {live.can_abort.then(|| view! {
                            <a class="button" href="?confirm=abort">"Abort…"</a>
                        })}
                    }.into_any(),
                }}
            </div>
        </section>
    }
}

#[component]
fn MigrationHistory(migrations: Vec<MigrationRow>) -> impl IntoView {
    if migrations.is_empty() {
        return view! { <p class="empty">"This instance has not been migrated."</p> }.into_any();
    }
    view! {
        <table class="migrations">
            <thead>
                <tr>
                    <th scope="col">"Started"</th>
                    <th scope="col">"Type"</th>
                    <th scope="col">"From → to"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"Duration"</th>
                    <th scope="col">"Who"</th>
                    <th scope="col">"Steps"</th>
                </tr>
            </thead>
            <tbody>
                {migrations
                    .into_iter()
                    .map(|m| {
                        let bad = matches!(m.status.as_str(), "error" | "failed");
                        let user = m.user_name.clone().or_else(|| m.user_id.clone());
                        let project = m.project_name.clone().or_else(|| m.project_id.clone());
                        let who = match (user, project) {
                            (Some(u), Some(p)) => format!("{u} ({p})"),
                            (Some(u), None) => u,
                            _ => "—".into(),
                        };
                        view! {
                            <tr data-uuid=m.uuid.clone() data-status=m.status.clone()>
                                <td class="mono">{m.created.clone()}</td>
                                <td>{kind_label(&m.kind)}</td>
                                <td class="mono">
                                    {m.source.clone().unwrap_or_else(|| "—".into())} " → "
                                    {m.destination.clone().unwrap_or_else(|| "—".into())}
                                </td>
                                <td class:bad=bad>
                                    {m.status.clone()}
                                    {m.failure.clone().map(|f| view! { <div class="row-failure">{f}</div> })}
                                </td>
                                <td>{m.duration.clone().unwrap_or_else(|| "—".into())}</td>
                                <td class="mono">{who}</td>
                                <td>
                                    {event_list(m.events.into_iter().map(|e| (e.label, e.result, e.host)))}
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

#[component]
fn ActionLog(actions: Vec<ActionLogEntry>) -> impl IntoView {
    if actions.is_empty() {
        return view! { <p class="empty">"No actions recorded."</p> }.into_any();
    }
    view! {
        <table class="actions">
            <thead>
                <tr>
                    <th scope="col">"Action"</th>
                    <th scope="col">"Started"</th>
                    <th scope="col">"Request id"</th>
                    <th scope="col">"User"</th>
                    <th scope="col">"Message"</th>
                    <th scope="col">"Events"</th>
                </tr>
            </thead>
            <tbody>
                {actions
                    .into_iter()
                    .map(|a| {
                        view! {
                            <tr>
                                <td>{a.action}</td>
                                <td>{a.start_time}</td>
                                <td class="mono">{a.request_id}</td>
                                <td class="mono">{a.user_id}</td>
                                <td>{a.message.unwrap_or_default()}</td>
                                <td>
                                    {event_list(a.events.into_iter().map(|e| (e.event, e.result, e.host)))}
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// An action's events as a list: (what, result, host); a failed one stands out.
fn event_list(
    events: impl Iterator<Item = (String, Option<String>, Option<String>)>,
) -> impl IntoView {
    view! {
        <ul class="events">
            {events
                .map(|(what, result, host)| {
                    let failed = result.as_deref() == Some("Error");
                    view! {
                        <li class:bad=failed>
                            {what} " — " {result.unwrap_or_else(|| "in progress".into())}
                            {host.map(|h| format!(" on {h}"))}
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}

/// A refused Abort or Force complete, by kind (the page never shows text from its address).
fn live_refusal_words(e: &AppError) -> &'static str {
    match e {
        AppError::Forbidden(_) => {
            "Your roles do not allow this (Nova's policy os_compute_api:servers:migrations:delete or :force_complete)."
        }
        AppError::Conflict(_) => {
            "Nova refused: the migration no longer allows this (it finished, was aborted, or this was already asked)."
        }
        AppError::Upstream(f) if f.status == Some(409) => {
            "Nova refused: the migration no longer allows this (it finished, was aborted, or this was already asked)."
        }
        AppError::BadRequest(_) => {
            "Nova refused: Force complete needs a running migration, and this one is not running (yet)."
        }
        AppError::NotLoggedIn | AppError::SessionExpired => "Your session has ended: log in again.",
        _ => "Ferry could not send it to Nova; nothing was changed. Try again.",
    }
}
