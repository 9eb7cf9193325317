//! The destination-host table of the migration dialogs: "let the scheduler choose", or a host,
//! with each host's zone, state, capacity and why it cannot (or should not) be chosen.

use leptos::prelude::*;

use crate::migration::{HostChoice, MigrationKind, MigrationTarget};

/// MiB as GiB with one decimal, in integers: float formatting would add ~15 KB to the WASM.
fn gib(mb: Option<u64>) -> String {
    mb.map(|m| {
        let tenths = (m * 10 + 512) / 1024;
        format!("{}.{}", tenths / 10, tenths % 10)
    })
    .unwrap_or_else(|| "?".into())
}

fn used_of(used: Option<u64>, total: Option<u64>, show: fn(Option<u64>) -> String) -> String {
    if used.is_none() && total.is_none() {
        "—".into()
    } else {
        format!("{} / {}", show(used), show(total))
    }
}

fn plain(n: Option<u64>) -> String {
    n.map(|v| v.to_string()).unwrap_or_else(|| "?".into())
}

#[component]
pub fn HostPicker(
    target: MigrationTarget,
    kind: MigrationKind,
    chosen: RwSignal<String>,
) -> impl IntoView {
    if !target.can_choose_host {
        return view! {
            <p class="explain">
                "The scheduler chooses the destination. Choosing a host yourself needs the admin role."
            </p>
        }
        .into_any();
    }
    if kind == MigrationKind::Cold && !target.cold_host_supported {
        return view! {
            <p class="explain">
                "The scheduler chooses the destination: this cloud's Nova (older than 2.56) cannot take a host for a cold migration."
            </p>
        }
        .into_any();
    }
    let filter = RwSignal::new(String::new());
    let hosts = target.hosts.clone();
    view! {
        <fieldset class="hosts">
            <legend>"Destination host"</legend>
            <label class="check scheduler">
                <input
                    type="radio"
                    name="destination"
                    value=""
                    prop:checked=move || chosen.get().is_empty()
                    on:change=move |_| chosen.set(String::new())
                />
                "Let the scheduler choose"
            </label>
            {target
                .server_group
                .clone()
                .map(|g| view! { <p class="hint">"Server group: " {g}</p> })}
            <label class="filter">
                "Filter hosts"
                <input
                    type="search"
                    prop:value=move || filter.get()
                    on:input=move |ev| filter.set(event_target_value(&ev))
                />
            </label>
            <div class="host-table-wrap">
                <table class="hosts">
                    <thead>
                        <tr>
                            <th scope="col">"Host"</th>
                            <th scope="col">"Zone"</th>
                            <th scope="col">"State"</th>
                            <th scope="col">"Status"</th>
                            <th scope="col">"vCPUs used"</th>
                            <th scope="col">"RAM used (GiB)"</th>
                            <th scope="col">"Instances"</th>
                            <th scope="col">"Notes"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {hosts
                            .into_iter()
                            .map(|h| view! { <HostRow h chosen filter /> })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
        </fieldset>
    }
    .into_any()
}

#[component]
fn HostRow(h: HostChoice, chosen: RwSignal<String>, filter: RwSignal<String>) -> impl IntoView {
    let unavailable = h.unavailable.clone();
    let conflict = h.policy_conflict.clone();
    let host = h.host.clone();
    let haystack = format!("{} {}", h.host, h.zone).to_ascii_lowercase();
    let radio_id = format!("dest-{}", h.host);
    let value = h.host.clone();
    let notes = match (&unavailable, &conflict) {
        (Some(u), Some(c)) => format!("{u}. {c}"),
        (Some(u), None) => u.clone(),
        (None, Some(c)) => c.clone(),
        (None, None) => String::new(),
    };
    view! {
        <tr
            class:unavailable=unavailable.is_some()
            class:conflict=conflict.is_some()
            data-host=h.host.clone()
            hidden=move || {
                let f = filter.get().to_ascii_lowercase();
                !f.is_empty() && !haystack.contains(f.trim())
            }
        >
            <td>
                <input
                    type="radio"
                    id=radio_id.clone()
                    name="destination"
                    value=value.clone()
                    disabled=unavailable.is_some()
                    prop:checked=move || chosen.get() == host
                    on:change=move |_| chosen.set(value.clone())
                />
                <label for=radio_id class="mono">
                    {h.host.clone()}
                </label>
            </td>
            <td>{h.zone.clone()}</td>
            <td>{if h.up { "up" } else { "down" }}</td>
            <td>{if h.enabled { "enabled" } else { "disabled" }}</td>
            <td>{used_of(h.vcpus_used, h.vcpus_total, plain)}</td>
            <td>{used_of(h.ram_used_mb, h.ram_total_mb, gib)}</td>
            <td>{plain(h.instances)}</td>
            <td class="notes">{notes}</td>
        </tr>
    }
}
