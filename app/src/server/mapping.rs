//! From the typed OpenStack client's structs to the UI's model, plus the cached lookups
//! (project names, compute hosts) the list needs beside Nova's server list.

use chrono::{DateTime, Utc};
use openstack_client::compute::{
    Compute, InstanceAction, InstanceActionDetail, MigrationQuery, Server, ServerPage, ServerQuery,
};

use super::{session::Session, Backend};
use crate::{
    actions::Capabilities,
    labels::{power_label, status_label, task_label},
    model::{
        ActionEvent, ActionLogEntry, InstanceDetail, InstancePage, InstanceQuery, InstanceRow,
        ListScope, ProjectChoice, SORT_KEYS,
    },
};

/// The statuses behind the "needs attention" filter: waiting for confirm/revert, or failed.
pub const ATTENTION_STATUSES: [&str; 2] = ["VERIFY_RESIZE", "ERROR"];

pub fn server_query(q: &InstanceQuery, scope: ListScope) -> ServerQuery {
    let all = scope == ListScope::AllProjects;
    let status = if q.attention {
        ATTENTION_STATUSES.iter().map(|s| s.to_string()).collect()
    } else if q.status.is_empty() {
        Vec::new()
    } else {
        vec![q.status.clone()]
    };
    let sort_key = SORT_KEYS
        .iter()
        .find(|(k, _, _)| *k == q.sort)
        .map(|(_, nova, _)| *nova);
    // Nova's default order is newest first; paging backwards needs the order spelled out.
    let (key, desc) = match sort_key {
        Some(k) => (Some(k), q.desc),
        None if q.prev => (Some("created_at"), true),
        None => (None, true),
    };
    let desc = if q.prev { !desc } else { desc };
    ServerQuery {
        all_tenants: all,
        name: non_empty(&q.name),
        // Host and project filters are admin-only in Nova; a project list has neither.
        host: if all { non_empty(&q.host) } else { None },
        project_id: if all { non_empty(&q.project) } else { None },
        status,
        limit: Some(q.page_size()),
        marker: non_empty(&q.marker),
        sort_key: key.map(str::to_string),
        sort_dir: key.map(|_| if desc { "desc" } else { "asc" }.to_string()),
        changes_since: None,
        // Admin-only like host: below 2.83 Nova drops this filter for anyone else, and the
        // zone list comes from os-services, which only an admin may read.
        availability_zone: if all { exact_zone(&q.zone) } else { None },
    }
}

/// Nova matches `availability_zone` as a regular expression (it is not among its database's
/// exact-match filters), so `az1` would also find `az10`: anchor the zone and escape it.
fn exact_zone(zone: &str) -> Option<String> {
    (!zone.is_empty()).then(|| format!("^{}$", regex_syntax::escape(zone)))
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

/// All projects' (id, name), from Keystone, cached for a minute.
/// User id → name, for "who" columns: admin only (Keystone's `identity:list_users`), cached a
/// minute like project names; anyone else gets their own name only.
pub async fn user_names(backend: &Backend, session: &Session) -> Vec<(String, String)> {
    let own = vec![(session.user_id.clone(), session.user.clone())];
    if !session.is_admin() {
        return own;
    }
    let key = backend.config.auth_url.clone();
    if let Some(hit) = backend.user_names.get(&key) {
        return hit;
    }
    match openstack_client::identity::list_users(
        &backend.transport,
        &backend.config.auth_url,
        &session.token,
    )
    .await
    {
        Ok(users) => {
            let names: Vec<(String, String)> = users.into_iter().map(|u| (u.id, u.name)).collect();
            backend.user_names.put(&key, names.clone());
            names
        }
        Err(e) => {
            tracing::warn!(error = %e, "could not list users; showing user ids");
            own
        }
    }
}

pub async fn project_names(backend: &Backend, session: &Session) -> Vec<(String, String)> {
    // Only an admin may list projects (and so fill the shared cache); anyone else sees one
    // project, whose name the token already gave us.
    if !session
        .roles()
        .allow(crate::policy::Action::ListAllInstances)
    {
        return vec![(session.project_id.clone(), session.project.clone())];
    }
    let key = backend.config.auth_url.clone();
    if let Some(hit) = backend.project_names.get(&key) {
        return hit;
    }
    match openstack_client::identity::list_projects(
        &backend.transport,
        &backend.config.auth_url,
        &session.token,
    )
    .await
    {
        Ok(projects) => {
            let mut names: Vec<(String, String)> =
                projects.into_iter().map(|p| (p.id, p.name)).collect();
            names.sort_by(|a, b| a.1.cmp(&b.1));
            backend.project_names.put(&key, names.clone());
            names
        }
        Err(e) => {
            // The list still works with project ids; say so in the log, not on the page.
            tracing::warn!(error = %e, "could not list projects; showing project ids");
            Vec::new()
        }
    }
}

/// The compute hosts (for the host filter) and which of them are Ironic (bare metal).
#[derive(Clone, Debug, Default)]
pub struct HostIndex {
    pub hosts: Vec<String>,
    pub bare_metal: Vec<String>,
    /// The compute services' availability zones (for the zone filter).
    pub zones: Vec<String>,
}

/// The host index, from os-services and os-hypervisors, cached for a minute.
pub async fn host_index(backend: &Backend, session: &Session, compute: &Compute) -> HostIndex {
    // Services and hypervisors are admin-only under Nova's default policy: don't ask (and be
    // refused) on every page of a project operator.
    if !session
        .roles()
        .allow(crate::policy::Action::ListComputeHosts)
    {
        return HostIndex::default();
    }
    let key = session.compute_url.clone();
    if let Some(hit) = backend.compute_hosts.get(&key) {
        return hit;
    }
    let (services, hypervisors) = tokio::join!(
        compute.list_services(Some("nova-compute")),
        compute.list_hypervisors()
    );
    let (services, hypervisors) = match (services, hypervisors) {
        (Ok(s), Ok(h)) => (s, h),
        (Err(e), _) | (_, Err(e)) => {
            tracing::warn!(error = %e, "could not list compute hosts for the host filter");
            return HostIndex::default();
        }
    };
    let mut zones: Vec<String> = services.iter().filter_map(|s| s.zone.clone()).collect();
    zones.sort_by_key(|z| super::hosts::natural_key(z));
    zones.dedup();
    let mut hosts: Vec<String> = services.into_iter().map(|s| s.host).collect();
    hosts.sort();
    hosts.dedup();
    let bare_metal = hypervisors
        .iter()
        .filter(|h| super::hosts::is_bare_metal(h))
        .filter_map(|h| h.service.as_ref().map(|s| s.host.clone()))
        .collect();
    let index = HostIndex {
        hosts,
        bare_metal,
        zones,
    };
    backend.compute_hosts.put(&key, index.clone());
    index
}

pub fn instance_page(
    query: &InstanceQuery,
    page: ServerPage,
    projects: Vec<(String, String)>,
    hosts: HostIndex,
    fetched_at: DateTime<Utc>,
    caps: Capabilities,
) -> InstancePage {
    let more = page.next_marker.is_some();
    let rows: Vec<InstanceRow> = page
        .servers
        .into_iter()
        .map(|s| row(s, &projects, &hosts))
        .collect();
    let first = rows.first().map(|r| r.id.clone());
    let last = rows.last().map(|r| r.id.clone());
    let (next_marker, prev_marker) = if query.prev {
        // We came backwards from a later page, so there is always a next one.
        (last, if more { first } else { None })
    } else {
        (
            if more { last } else { None },
            if query.marker.is_empty() { None } else { first },
        )
    };
    InstancePage {
        rows,
        next_marker,
        prev_marker,
        projects: projects
            .into_iter()
            .map(|(id, name)| ProjectChoice { id, name })
            .collect(),
        hosts: hosts.hosts,
        zones: hosts.zones,
        fetched_at: fetched_at.to_rfc3339(),
        caps,
        marker_lost: false,
    }
}

pub fn row(s: Server, projects: &[(String, String)], hosts: &HostIndex) -> InstanceRow {
    let project = projects
        .iter()
        .find(|(id, _)| *id == s.tenant_id)
        .map(|(_, name)| name.clone())
        .unwrap_or_else(|| s.tenant_id.clone());
    let mut addresses = Vec::new();
    for (network, addrs) in &s.addresses {
        for a in addrs {
            let floating = a.kind.as_deref() == Some("floating");
            addresses.push(if floating {
                format!("{} (floating, {network})", a.addr)
            } else {
                a.addr.clone()
            });
        }
    }
    InstanceRow {
        id: s.id.clone(),
        name: s.name.clone(),
        project_id: s.tenant_id.clone(),
        project,
        host: s.host.clone(),
        addresses,
        flavor: s
            .flavor
            .original_name
            .clone()
            .or_else(|| s.flavor.id.clone())
            .unwrap_or_else(|| "—".into()),
        status: s.status.clone(),
        task: s.task_state.clone(),
        power_state: s.power_state,
        locked: s.locked.unwrap_or(false),
        created: s.created.map(|c| c.to_rfc3339()).unwrap_or_default(),
        age: s.created.map(|c| age(c, Utc::now())).unwrap_or_default(),
        fault: s.fault.as_ref().map(|f| f.message.clone()),
        bare_metal: s
            .host
            .as_ref()
            .is_some_and(|h| hosts.bare_metal.contains(h)),
        confirming: false,
        progress: None,
    }
}

/// Marks the VERIFY_RESIZE rows whose migration Nova is confirming right now: one
/// `os-migrations?status=confirming` call, made only when such rows are on the page.
pub async fn mark_confirming(compute: &Compute, session: &Session, rows: &mut [InstanceRow]) {
    if !rows.iter().any(|r| r.status == "VERIFY_RESIZE") {
        return;
    }
    let query = MigrationQuery {
        status: Some("confirming".into()),
        project_id: super::guard::project_filter(session),
        ..MigrationQuery::default()
    };
    match compute.list_migrations(&query).await {
        Ok(page) => {
            for row in rows.iter_mut().filter(|r| r.status == "VERIFY_RESIZE") {
                row.confirming = page.migrations.iter().any(|m| m.instance_uuid == row.id);
            }
        }
        Err(e) => tracing::warn!(error = %e, "could not read confirming migrations"),
    }
}

/// Horizon-style "time since": the largest unit, and the next one when it is not zero.
pub fn age(then: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = (now - then).num_seconds().max(0);
    let units = [
        (secs / 86_400, "day"),
        (secs % 86_400 / 3_600, "hour"),
        (secs % 3_600 / 60, "minute"),
    ];
    let plural = |(n, name): (i64, &str)| format!("{n} {name}{}", if n == 1 { "" } else { "s" });
    match units.iter().position(|(n, _)| *n > 0) {
        None => "just now".into(),
        Some(i) => match units.get(i + 1) {
            Some(next) if next.0 > 0 => format!("{}, {}", plural(units[i]), plural(*next)),
            _ => plural(units[i]),
        },
    }
}

pub fn instance_detail(
    s: Server,
    actions: Vec<InstanceAction>,
    details: Vec<InstanceActionDetail>,
    projects: &[(String, String)],
    hosts: &HostIndex,
) -> InstanceDetail {
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut add = |k: &str, v: String| fields.push((k.to_string(), v));
    add("ID", s.id.clone());
    add("Name", s.name.clone());
    let project = projects
        .iter()
        .find(|(id, _)| *id == s.tenant_id)
        .map(|(_, n)| format!("{n} ({})", s.tenant_id))
        .unwrap_or_else(|| s.tenant_id.clone());
    add("Project", project);
    add("Host", s.host.clone().unwrap_or_else(|| "—".into()));
    add(
        "Hypervisor",
        s.hypervisor_hostname.clone().unwrap_or_else(|| "—".into()),
    );
    add(
        "Availability zone",
        s.availability_zone.clone().unwrap_or_else(|| "—".into()),
    );
    add("Status", status_label(&s.status));
    add("Task", task_label(s.task_state.as_deref()));
    add("Power state", power_label(s.power_state).to_string());
    let f = &s.flavor;
    add(
        "Flavor",
        format!(
            "{} ({} VCPU, {} MB RAM, {} GB disk)",
            f.original_name
                .clone()
                .or_else(|| f.id.clone())
                .unwrap_or_default(),
            f.vcpus.map(|v| v.to_string()).unwrap_or_else(|| "?".into()),
            f.ram.map(|v| v.to_string()).unwrap_or_else(|| "?".into()),
            f.disk.map(|v| v.to_string()).unwrap_or_else(|| "?".into()),
        ),
    );
    let locked = match (s.locked, s.locked_reason.clone()) {
        (Some(true), Some(reason)) => format!("Yes: {reason}"),
        (Some(true), None) => "Yes".into(),
        _ => "No".into(),
    };
    add("Locked", locked);
    if let Some(groups) = &s.server_groups {
        if !groups.is_empty() {
            add("Server groups", groups.join(", "));
        }
    }
    add(
        "Created",
        s.created.map(|c| c.to_rfc3339()).unwrap_or_default(),
    );
    add(
        "Updated",
        s.updated.map(|c| c.to_rfc3339()).unwrap_or_default(),
    );
    let actions = actions
        .into_iter()
        .map(|a| {
            let events = details
                .iter()
                .find(|d| d.action.request_id == a.request_id)
                .map(|d| {
                    d.events
                        .iter()
                        .map(|e| ActionEvent {
                            event: e.event.clone(),
                            start_time: e.start_time.map(|t| t.to_rfc3339()).unwrap_or_default(),
                            finish_time: e.finish_time.map(|t| t.to_rfc3339()),
                            result: e.result.clone(),
                            host: e.host.clone(),
                        })
                        .collect()
                })
                .unwrap_or_default();
            ActionLogEntry {
                request_id: a.request_id,
                action: a.action,
                start_time: a.start_time.map(|t| t.to_rfc3339()).unwrap_or_default(),
                user_id: a.user_id.unwrap_or_default(),
                message: a.message,
                events,
            }
        })
        .collect();
    InstanceDetail {
        row: row(s, projects, hosts),
        fields,
        actions,
        migrations: Vec::new(),
        live: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn age_reads_like_horizon() {
        let now = Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap();
        assert_eq!(age(now, now), "just now");
        assert_eq!(age(now - chrono::Duration::minutes(5), now), "5 minutes");
        assert_eq!(
            age(now - chrono::Duration::minutes(65), now),
            "1 hour, 5 minutes"
        );
        assert_eq!(
            age(now - chrono::Duration::hours(50), now),
            "2 days, 2 hours"
        );
        assert_eq!(age(now - chrono::Duration::days(3), now), "3 days");
    }

    #[test]
    fn attention_and_backwards_paging_become_nova_parameters() {
        let q = InstanceQuery {
            attention: true,
            status: "ACTIVE".into(),
            host: "compute1".into(),
            ..Default::default()
        };
        let s = server_query(&q, ListScope::AllProjects);
        assert_eq!(s.status, vec!["VERIFY_RESIZE", "ERROR"]);
        assert_eq!(s.host.as_deref(), Some("compute1"));
        assert!(s.all_tenants);
        let back = server_query(
            &InstanceQuery {
                prev: true,
                marker: "abc".into(),
                ..Default::default()
            },
            ListScope::AllProjects,
        );
        assert_eq!(back.sort_key.as_deref(), Some("created_at"));
        assert_eq!(back.sort_dir.as_deref(), Some("asc"));
        let by_name = server_query(
            &InstanceQuery {
                sort: "name".into(),
                ..Default::default()
            },
            ListScope::AllProjects,
        );
        let mine = server_query(
            &InstanceQuery {
                host: "compute1".into(),
                ..Default::default()
            },
            ListScope::MyProject,
        );
        assert!(!mine.all_tenants);
        assert_eq!(mine.host, None);
        assert_eq!(mine.availability_zone, None);
        assert_eq!(by_name.sort_key.as_deref(), Some("display_name"));
        assert_eq!(by_name.sort_dir.as_deref(), Some("asc"));
    }

    #[test]
    fn the_zone_filter_is_anchored_and_escaped_for_novas_regex_match() {
        let zoned = |zone: &str| {
            server_query(
                &InstanceQuery {
                    zone: zone.into(),
                    ..Default::default()
                },
                ListScope::AllProjects,
            )
            .availability_zone
        };
        assert_eq!(zoned("az1").as_deref(), Some("^az1$"));
        assert_eq!(zoned("eu-west.1").as_deref(), Some("^eu\\-west\\.1$"));
        assert_eq!(zoned(""), None);
    }
}
