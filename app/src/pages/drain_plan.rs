//! `/admin/hosts/:host/drain`: what draining the host would do, before anything moves. Each
//! instance on exactly that host with its move and why, the capacity and server-group checks,
//! and the options (a plain GET form: change one, see the plan again). Server-rendered.

use leptos::prelude::*;
use leptos_router::{
    components::A,
    hooks::{use_params_map, use_query_map},
};

use leptos_meta::Meta;

use crate::{
    api::{drain_page, DrainControl, StartDrain},
    components::ErrorView,
    drain_job::{drain_refusal_words, state_label, DrainJobView, JobItem},
    drain_plan::{DrainPlanView, PlanRow},
};

/// The option fields the plan reads from the address.
const FIELDS: [&str; 5] = [
    "destination",
    "host",
    "parallel",
    "cold_fallback",
    "auto_confirm",
];

#[component]
pub fn DrainPlanPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let host = params.read_untracked().get("host").unwrap_or_default();
    // Before the form was sent the defaults apply (an unticked checkbox sends nothing, so an
    // absent `auto_confirm` would otherwise read as "off").
    let fields: Vec<(String, String)> = query.with_untracked(|q| {
        if q.get("planned").is_none() {
            return Vec::new();
        }
        FIELDS
            .iter()
            .flat_map(|k| {
                q.get_all(k)
                    .unwrap_or_default()
                    .into_iter()
                    .map(move |v| (k.to_string(), v))
            })
            .collect()
    });
    let page = Resource::new(move || (), {
        let host = host.clone();
        move |_| drain_page(host.clone(), fields.clone())
    });
    // A refused Start or change comes back in the URL (the form was posted by the browser).
    let refused = ServerAction::<StartDrain>::new()
        .value()
        .get_untracked()
        .and_then(|r| r.err())
        .or_else(|| {
            ServerAction::<DrainControl>::new()
                .value()
                .get_untracked()
                .and_then(|r| r.err())
        })
        .map(|e| drain_refusal_words(&e));
    view! {
        <p class="crumbs">
            <A href="/admin/hosts">"Compute hosts"</A>
            " / drain plan"
        </p>
        <div class="heading">
            <h1>"Drain " <span class="mono">{host.clone()}</span></h1>
        </div>
        {refused.map(|text| view! { <p class="error" role="alert">{text}</p> })}
        <Suspense fallback=|| view! { <p class="loading">"Reading the host's instances…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(v) => view! {
                        {v.job.map(|j| view! { <Job j /> })}
                        {v.plan.map(|p| view! { <Plan p /> })}
                    }.into_any(),
                    Err(e) => view! { <ErrorView error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Plan(p: DrainPlanView) -> impl IntoView {
    let empty = p.rows.is_empty();
    let summary = format!(
        "{} to live-migrate, {} to cold-migrate and confirm, {} skipped.",
        p.live, p.cold, p.skipped
    );
    view! {
        <p class="sub">"The plan: nothing moves until you start it"</p>
        <Options p=p.clone() />
        {(!empty && p.live + p.cold > 0).then(|| view! { <Start p=p.clone() /> })}
        <section class="panel">
            <h2>"Instances on " <span class="mono">{p.host.clone()}</span></h2>
            <p>{summary}</p>
            <p class:flag=!p.capacity_fits class="capacity">{p.capacity_words.clone()}</p>
            {p.warnings.iter().map(|w| view! { <p class="flag" role="status">{w.clone()}</p> }).collect_view()}
            {if empty {
                view! { <p class="empty">"Nova lists no instance on this host: it is empty, ready for maintenance."</p> }.into_any()
            } else {
                view! {
                    <table class="drain-plan">
                        <thead>
                            <tr>
                                <th scope="col">"Instance"</th>
                                <th scope="col">"Status"</th>
                                <th scope="col">"Plan"</th>
                                <th scope="col">"Server group"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {p.rows.into_iter().map(|r| view! { <Row r /> }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn Row(r: PlanRow) -> impl IntoView {
    let skip = r.reason.is_some();
    view! {
        <tr data-id=r.id.clone() data-action=r.action.clone() class:skip=skip>
            <td class="name"><a href=format!("/admin/instances/{}", r.id)>{r.name.clone()}</a></td>
            <td>{r.status.clone()}</td>
            <td>
                {r.action.clone()}
                {r.reason.clone().map(|w| view! { <div class="hint">{w}</div> })}
            </td>
            <td>{r.group.clone().unwrap_or_else(|| "—".into())}</td>
        </tr>
    }
}

#[component]
fn Options(p: DrainPlanView) -> impl IntoView {
    let scheduler = p.destinations.is_empty();
    view! {
        <form method="GET" action="" class="filters drain-options">
            <input type="hidden" name="planned" value="1" />
            <fieldset>
                <legend>"Destination"</legend>
                <label class="check">
                    <input type="radio" name="destination" value="scheduler" checked=scheduler />
                    "Let the scheduler choose"
                </label>
                <label class="check">
                    <input type="radio" name="destination" value="hosts" checked=!scheduler />
                    "Only these hosts:"
                </label>
                {p.candidates
                    .iter()
                    .map(|h| {
                        let on = p.destinations.contains(h);
                        view! {
                            <label class="check mono">
                                <input type="checkbox" name="host" value=h.clone() checked=on />
                                {h.clone()}
                            </label>
                        }
                    })
                    .collect_view()}
            </fieldset>
            <div class="more-options">
                <label>
                    "Parallel migrations (1–10)"
                    <input name="parallel" inputmode="numeric" value=p.parallel.to_string() size="3" />
                </label>
                <label class="check">
                    <input type="checkbox" name="cold_fallback" value="on" checked=p.cold_fallback />
                    "If a live migration fails twice, cold-migrate it (the instance reboots)"
                </label>
                <label class="check">
                    <input type="checkbox" name="auto_confirm" value="on" checked=p.auto_confirm />
                    "Confirm cold migrations once Nova shows them in Verify Resize"
                </label>
            </div>
            <button type="submit" class="primary">"Plan again"</button>
            {p.option_error.clone().map(|e| view! { <p class="error" role="alert">{e}" The plan below uses the defaults."</p> })}
        </form>
    }
}

/// Start: the options the plan was made with go along (hidden), the reason is asked for.
#[component]
fn Start(p: DrainPlanView) -> impl IntoView {
    let token = form_token();
    view! {
        <form method="post" action="/api/start_drain" class="confirm drain-start">
            <input type="hidden" name="host" value=p.host.clone() />
            <input type="hidden" name="hosts" value=p.destinations.join(",") />
            <input type="hidden" name="parallel" value=p.parallel.to_string() />
            {p.cold_fallback.then(|| view! { <input type="hidden" name="cold_fallback" value="on" /> })}
            {p.auto_confirm.then(|| view! { <input type="hidden" name="auto_confirm" value="on" /> })}
            <input type="hidden" name="token" value=token />
            <label>
                "Why (required; it becomes the compute service's disabled reason)"
                <input type="text" name="reason" required=true maxlength="255"
                    placeholder="e.g. Firmware update, ticket OPS-1234" />
            </label>
            <p class="hint">
                "Start disables " {p.host.clone()} " first (the scheduler places nothing new there), then moves "
                {format!("{} instance(s), {} at a time, as planned below.", p.live + p.cold, p.parallel)}
            </p>
            <button type="submit" class="primary danger">{format!("Start draining {}", p.host)}</button>
        </form>
    }
}

#[cfg(feature = "ssr")]
fn form_token() -> String {
    crate::server::service_changes::form_token()
}

#[cfg(not(feature = "ssr"))]
fn form_token() -> String {
    String::new()
}

/// A drain: its state, totals, controls, every instance, and the timeline. Reloads itself every
/// 5 s while it runs (a meta refresh: no script, and watching costs Nova nothing).
#[component]
fn Job(j: DrainJobView) -> impl IntoView {
    let t = j.totals;
    let totals = format!(
        "{} moved, {} moving, {} waiting, {} failed, {} skipped{}",
        t.moved,
        t.in_flight,
        t.waiting,
        t.failed,
        t.skipped,
        if t.cancelled > 0 {
            format!(", {} cancelled", t.cancelled)
        } else {
            String::new()
        }
    );
    let control = |op: &'static str, label: &'static str, danger: bool| {
        let id = j.id.clone();
        view! {
            <form method="post" action="/api/drain_control" class="inline">
                <input type="hidden" name="drain" value=id />
                <input type="hidden" name="op" value=op />
                <button type="submit" class:danger=danger>{label}</button>
            </form>
        }
    };
    let back = j.items.iter().any(|i| i.action.starts_with("Move back"));
    let empty = j.state == "done" && !back;
    // Skipped ones are checked against Nova again: the operator may have fixed them.
    let retry_label = match (t.failed > 0, t.skipped > 0 && !back) {
        (true, true) => "Retry failed and skipped",
        (false, true) => "Retry skipped",
        _ => "Retry failed",
    };
    view! {
        {j.active.then(|| view! { <Meta http_equiv="refresh" content="5" /> })}
        <section class="panel drain-job" data-state=j.state.clone() data-drain=j.id.clone()>
            <h2>
                "Drain " <span class="mono">{j.id[..8].to_string()}</span> ": "
                <span class="drain-state">{state_label(&j.state)}</span>
            </h2>
            {empty.then(|| view! { <p class="ok" role="status">{format!("{} is empty — ready for maintenance.", j.host)}</p> })}
            <p class="state-words">{j.state_words.clone()}</p>
            {j.needs_login.clone().map(|w| view! { <p class="flag" role="alert">{w}</p> })}
            <p>{format!("Started by {} at {}: “{}”", j.started_by, j.started_at, j.reason)}</p>
            <p class="hint">
                {(!j.options_words.is_empty()).then(|| format!("{}.", j.options_words))}
                {j.driver.clone().map(|d| format!(" Driven by {d}."))}
            </p>
            <p class="totals">{totals}</p>
            <div class="actions">
                {j.can_pause.then(|| control("pause", "Pause", false))}
                {j.can_resume.then(|| control("resume", "Resume", false))}
                {j.can_retry.then(|| control("retry", retry_label, false))}
                {j.can_move_back.then(|| control("back", "Move back", false))}
                {j.can_cancel.then(|| control("cancel", "Cancel the rest", true))}
                {j.active.then(|| {
                    let id = j.id.clone();
                    view! {
                        <form method="post" action="/api/drain_control" class="inline">
                            <input type="hidden" name="drain" value=id />
                            <input type="hidden" name="op" value="parallel" />
                            <label>"At a time "
                                <input name="parallel" inputmode="numeric" size="2" value=j.parallel.to_string() />
                            </label>
                            <button type="submit">"Change"</button>
                        </form>
                    }
                })}
            </div>
            <table class="drain-items">
                <thead>
                    <tr>
                        <th scope="col">"Instance"</th>
                        <th scope="col">"Move"</th>
                        <th scope="col">"State"</th>
                        <th scope="col">"From → to"</th>
                        <th scope="col">"Details"</th>
                    </tr>
                </thead>
                <tbody>{j.items.into_iter().map(|i| view! { <JobRow i /> }).collect_view()}</tbody>
            </table>
            <h3>"Timeline"</h3>
            <ol class="timeline" reversed=true>
                {j.events.into_iter().map(|(at, m)| view! { <li><span class="mono">{at}</span>" "{m}</li> }).collect_view()}
            </ol>
        </section>
    }
}

#[component]
fn JobRow(i: JobItem) -> impl IntoView {
    let route = match &i.to {
        Some(to) => format!("{} → {to}", i.from),
        None => i.from.clone(),
    };
    let mut details = Vec::new();
    if let Some(d) = &i.detail {
        details.push(d.clone());
    }
    if let Some(s) = i.seconds {
        details.push(format!("{s} s"));
    }
    if i.attempts > 1 {
        details.push(format!("attempt {}", i.attempts));
    }
    if let Some(r) = &i.request_id {
        details.push(format!("request {r}"));
    }
    view! {
        <tr data-id=i.id.clone() data-state=i.state.clone()>
            <td class="name"><a href=format!("/admin/instances/{}", i.id)>{i.name.clone()}</a></td>
            <td>{i.action.clone()}</td>
            <td class="item-state">
                {i.state.clone()}
                {i.progress.clone().map(crate::components::instance_table::task_progress)}
            </td>
            <td class="mono">{route}</td>
            <td class="hint">{details.join(" · ")}</td>
        </tr>
    }
}
