//! `/admin/hosts/:host/drain`: what draining the host would do, before anything moves. Each
//! instance on exactly that host with its move and why, the capacity and server-group checks,
//! and the options (a plain GET form: change one, see the plan again). Server-rendered.

use leptos::prelude::*;
use leptos_router::{
    components::A,
    hooks::{use_params_map, use_query_map},
};

use crate::{
    api::drain_plan,
    components::ErrorView,
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
    let plan = Resource::new(move || (), {
        let host = host.clone();
        move |_| drain_plan(host.clone(), fields.clone())
    });
    view! {
        <p class="crumbs">
            <A href="/admin/hosts">"Compute hosts"</A>
            " / drain plan"
        </p>
        <div class="heading">
            <h1>"Drain " <span class="mono">{host.clone()}</span></h1>
            <p class="sub">"The plan: nothing moves yet"</p>
        </div>
        <Suspense fallback=|| view! { <p class="loading">"Reading the host's instances…"</p> }>
            {move || Suspend::new(async move {
                match plan.await {
                    Ok(p) => view! { <Plan p /> }.into_any(),
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
        <Options p=p.clone() />
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
            <button type="submit" class="primary">"Plan again"</button>
            {p.option_error.clone().map(|e| view! { <p class="error" role="alert">{e}" The plan below uses the defaults."</p> })}
        </form>
    }
}
