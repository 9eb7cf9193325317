//! A drain's plan from Nova's state: the instances on exactly the host (`servers?host=` with
//! all_tenants, paged; never a hypervisor search, which Nova runs as SQL LIKE), the server
//! groups, and every compute host's free capacity as the Compute Hosts page counts it.

use drain::plan::{plan, Destinations, DrainOptions, HostCapacity, Move};
use openstack_client::compute::{Compute, Server, ServerQuery};

use super::{session::Session, upstream::upstream_error, Backend};
use crate::{
    drain_plan::{DrainPlanView, PlanRow},
    error::AppError,
    hosts::HostFilter,
};

/// Pages of this many servers; a hypervisor holds far fewer.
const PAGE: u32 = 500;

/// A plan from Nova's state now, with the options it was made with.
pub struct Planned {
    pub plan: drain::plan::Plan,
    pub options: DrainOptions,
    /// What was wrong with the options asked for (the plan then used the defaults).
    pub option_error: Option<String>,
    pub hosts: Vec<HostCapacity>,
    pub bare_metal: bool,
}

pub async fn plan_view(
    backend: &Backend,
    session: &Session,
    compute: &Compute,
    host: &str,
    fields: &[(String, String)],
) -> Result<DrainPlanView, AppError> {
    let planned = make_plan(backend, session, compute, host, fields).await?;
    Ok(view_of(host, planned))
}

pub async fn make_plan(
    backend: &Backend,
    session: &Session,
    compute: &Compute,
    host: &str,
    fields: &[(String, String)],
) -> Result<Planned, AppError> {
    let every_host = HostFilter::default();
    let (overview, groups) = tokio::join!(
        super::compute_hosts::overview(backend, session, compute, &every_host),
        compute.list_server_groups(true),
    );
    let overview = overview?;
    let groups = groups.map_err(|e| upstream_error(e, "list the server groups"))?;
    let bare_metal = overview.bare_metal.iter().any(|b| b.host == host);
    if !bare_metal && !overview.rows.iter().any(|r| r.host == host) {
        // A 400, not a 404: a new error kind would weigh on every island's WASM.
        return Err(AppError::BadRequest(format!(
            "Nova has no compute host “{host}”."
        )));
    }
    let free = |c: crate::hosts::Capacity| match (c.used, c.total) {
        (Some(u), Some(t)) => Some(t.saturating_sub(u)),
        _ => None,
    };
    let hosts: Vec<HostCapacity> = overview
        .rows
        .iter()
        .map(|r| HostCapacity {
            host: r.host.clone(),
            zone: Some(r.zone.clone()),
            enabled: r.enabled,
            up: r.up,
            bare_metal: false,
            vcpus_free: free(r.vcpus),
            ram_free_mb: free(r.ram_mb),
            disk_free_gb: free(r.disk_gb),
        })
        .chain(overview.bare_metal.iter().map(|b| HostCapacity {
            host: b.host.clone(),
            zone: Some(b.zone.clone()),
            enabled: b.enabled,
            up: b.up,
            bare_metal: true,
            vcpus_free: None,
            ram_free_mb: None,
            disk_free_gb: None,
        }))
        .collect();
    // The form's options; a mistake is shown, and the plan is made with the defaults.
    // No fields: the page's first load, with the defaults (a form would send its ticked boxes).
    let asked = if fields.is_empty() {
        Ok(DrainOptions::default())
    } else {
        DrainOptions::from_form(fields.iter().cloned())
    };
    let (options, option_error) = match asked.and_then(|o| o.validate(host, &hosts).map(|_| o)) {
        Ok(o) => (o, None),
        Err(e) => (DrainOptions::default(), Some(e.to_string())),
    };
    // Follows Nova's `next` links, never round in circles (the client stops when a marker does
    // not advance), at most 40 pages of 500.
    let servers = compute
        .list_all_servers(
            &ServerQuery {
                all_tenants: true,
                host: Some(host.to_string()),
                limit: Some(PAGE),
                ..ServerQuery::default()
            },
            40,
        )
        .await
        .map_err(|e| upstream_error(e, "list the instances on the host"))?;
    let servers = with_lock_reasons(compute, servers).await;
    let p = plan(host, bare_metal, &servers, &groups, &hosts, &options);
    Ok(Planned {
        plan: p,
        options,
        option_error,
        hosts,
        bare_metal,
    })
}

/// The list is asked at 2.47, which has no `locked_reason` (2.73 costs every list ~25 %, see
/// compute/versions.rs); the few locked instances are shown at 2.73 so the plan says why.
async fn with_lock_reasons(compute: &Compute, mut servers: Vec<Server>) -> Vec<Server> {
    use futures_util::StreamExt;
    let locked: Vec<usize> = servers
        .iter()
        .enumerate()
        .filter(|(_, s)| s.locked == Some(true) && s.locked_reason.is_none())
        .map(|(i, _)| i)
        .take(50)
        .collect();
    let shown: Vec<(usize, Option<String>)> = futures_util::stream::iter(locked)
        .map(|i| {
            let id = servers[i].id.clone();
            async move {
                let reason = compute
                    .get_server(&id)
                    .await
                    .ok()
                    .and_then(|s| s.locked_reason);
                (i, reason)
            }
        })
        .buffer_unordered(4)
        .collect()
        .await;
    for (i, reason) in shown {
        servers[i].locked_reason = reason;
    }
    servers
}

fn view_of(host: &str, planned: Planned) -> DrainPlanView {
    let Planned {
        plan: p,
        options,
        option_error,
        hosts,
        ..
    } = planned;
    let rows = p
        .instances
        .iter()
        .map(|i| {
            let (action, reason) = match &i.move_ {
                Move::Live => ("Live migrate".to_string(), None),
                Move::ColdThenConfirm => ("Cold migrate, then confirm".to_string(), None),
                Move::Skip(why) => ("Skip".to_string(), Some(why.clone())),
            };
            PlanRow {
                id: i.id.clone(),
                name: i.name.clone(),
                status: i.status.clone(),
                action,
                reason,
                group: i
                    .group
                    .as_ref()
                    .map(|g| format!("{} ({})", g.name, g.policy)),
            }
        })
        .collect();
    let mut candidates: Vec<String> = hosts
        .iter()
        .filter(|h| h.enabled && h.up && !h.bare_metal && h.host != host)
        .map(|h| h.host.clone())
        .collect();
    candidates.sort();
    DrainPlanView {
        host: host.to_string(),
        rows,
        live: p.counts.live,
        cold: p.counts.cold,
        skipped: p.counts.skipped,
        capacity_fits: p.capacity.fits,
        capacity_words: p.capacity.words.clone(),
        warnings: p.warnings.clone(),
        parallel: options.parallel,
        destinations: match &options.destinations {
            Destinations::Scheduler => Vec::new(),
            Destinations::Hosts(h) => h.clone(),
        },
        cold_fallback: options.cold_fallback,
        auto_confirm: options.auto_confirm,
        candidates,
        option_error,
    }
}
