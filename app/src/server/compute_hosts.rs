//! The Compute Hosts page's data: each nova-compute service with its hypervisors, their usage
//! (the migrate dialog's figures, `super::hosts::usage`), the instances on them and the
//! migrations in flight in and out; Ironic nodes apart.
//!
//! Every match on a host is exact: instances come from `os-hypervisors/detail?with_servers`
//! (by compute node) and migrations are compared with their `source_compute`/`dest_compute`.
//! Nova's `hypervisor_hostname_pattern` is a SQL LIKE, so `compute1` would also find
//! `compute10`; it is never used.

use std::collections::{BTreeMap, BTreeSet};

use openstack_client::compute::{
    Compute, Hypervisor, Migration, MigrationQuery, MigrationStatus, Service,
};
use tokio::task::JoinSet;

use super::{
    hosts::{is_bare_metal, natural_key, usage, Usage},
    session::Session,
    upstream::upstream_error,
    Backend,
};
use crate::{
    error::AppError,
    hosts::{BareMetalRow, Capacity, ComputeHostRow, HostFilter, HostMigration, HostsPage},
    policy::Action,
};

/// The statuses of a migration that has not ended, across live, cold and evacuate flows.
/// `os-migrations` takes one status per request, so the page asks for each (in parallel).
pub const IN_FLIGHT: [MigrationStatus; 10] = [
    MigrationStatus::Accepted,
    MigrationStatus::Queued,
    MigrationStatus::Preparing,
    MigrationStatus::Running,
    MigrationStatus::PostMigrating,
    MigrationStatus::PreMigrating,
    MigrationStatus::Migrating,
    MigrationStatus::Finished,
    MigrationStatus::Confirming,
    MigrationStatus::Reverting,
];

pub async fn overview(
    backend: &Backend,
    session: &Session,
    compute: &Compute,
    filter: &HostFilter,
) -> Result<HostsPage, AppError> {
    let (services, hypervisors, migrations) = tokio::join!(
        compute.list_services(Some("nova-compute")),
        compute.list_hypervisors_with_servers(),
        in_flight(compute),
    );
    let services = services.map_err(|e| upstream_error(e, "list the compute services"))?;
    let hypervisors = hypervisors.map_err(|e| upstream_error(e, "list the hypervisors"))?;
    let (bare, virtual_nodes): (Vec<Hypervisor>, Vec<Hypervisor>) =
        hypervisors.into_iter().partition(is_bare_metal);
    let usage = usage(backend, session, &virtual_nodes).await;
    let names = instance_names(bare.iter().chain(&virtual_nodes));
    let bare_hosts: BTreeSet<&str> = bare.iter().map(host_of).collect();
    let migrations_unknown = migrations.is_none();
    let migrations = migrations.unwrap_or_default();

    let compute_services: Vec<&Service> = services
        .iter()
        .filter(|s| !bare_hosts.contains(s.host.as_str()))
        .collect();
    let mut zones: Vec<String> = compute_services
        .iter()
        .filter_map(|s| s.zone.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    zones.sort_by_key(|z| natural_key(z));
    let total = compute_services.len();
    let mut rows: Vec<ComputeHostRow> = compute_services
        .into_iter()
        .map(|s| {
            let nodes: Vec<&Hypervisor> = virtual_nodes
                .iter()
                .filter(|h| host_of(h) == s.host)
                .collect();
            host_row(s, &nodes, &usage, &migrations, &names)
        })
        .filter(|r| filter.matches(&r.zone, r.up, r.enabled))
        .collect();
    rows.sort_by_key(|r| natural_key(&r.host));

    let mut bare_metal: Vec<BareMetalRow> = bare
        .iter()
        .map(|h| {
            let host = host_of(h).to_string();
            let service = services.iter().find(|s| s.host == host);
            BareMetalRow {
                node: h.hypervisor_hostname.clone(),
                zone: service.and_then(|s| s.zone.clone()).unwrap_or_default(),
                up: h.is_up(),
                enabled: h.is_enabled(),
                instances: h
                    .servers
                    .iter()
                    .flatten()
                    .map(|s| (s.uuid.clone(), s.name.clone()))
                    .collect(),
                host,
            }
        })
        .filter(|r| filter.matches(&r.zone, r.up, r.enabled))
        .collect();
    bare_metal.sort_by_key(|r| natural_key(&r.node));

    Ok(HostsPage {
        rows,
        bare_metal,
        zones,
        total,
        migrations_unknown,
        can_update: session.roles().allow(Action::UpdateComputeService),
        form_token: super::service_changes::form_token(),
    })
}

/// The compute service host a hypervisor belongs to (what `os-migrations` and the server's
/// `OS-EXT-SRV-ATTR:host` name), its node name if Nova left the service out.
fn host_of(h: &Hypervisor) -> &str {
    h.service_host().unwrap_or(&h.hypervisor_hostname)
}

fn host_row(
    s: &Service,
    nodes: &[&Hypervisor],
    usage: &BTreeMap<String, Usage>,
    migrations: &[Migration],
    names: &BTreeMap<String, String>,
) -> ComputeHostRow {
    let mut total = Usage::default();
    for n in nodes {
        if let Some(u) = usage.get(&n.id) {
            total.vcpus = add(total.vcpus, u.vcpus);
            total.ram_mb = add(total.ram_mb, u.ram_mb);
            total.disk_gb = add(total.disk_gb, u.disk_gb);
        }
    }
    // From 2.88 only `with_servers` counts instances; before, `running_vms` does too.
    let counts: Vec<u64> = nodes
        .iter()
        .filter_map(|n| n.servers.as_ref().map(|s| s.len() as u64).or(n.running_vms))
        .collect();
    let moving = |m: &Migration, other: Option<&String>| HostMigration {
        instance_id: m.instance_uuid.clone(),
        instance_name: names.get(&m.instance_uuid).cloned(),
        other_host: other.cloned(),
        status: m.status.clone(),
        kind: m.migration_type.clone().unwrap_or_default(),
        moving: m.status_kind() != MigrationStatus::Finished,
    };
    let is = |h: &Option<String>| h.as_deref() == Some(s.host.as_str());
    ComputeHostRow {
        host: s.host.clone(),
        service_id: s.id.clone(),
        zone: s.zone.clone().unwrap_or_default(),
        up: s.is_up(),
        forced_down: s.forced_down.unwrap_or(false),
        enabled: s.is_enabled(),
        disabled_reason: s.disabled_reason.clone().filter(|_| !s.is_enabled()),
        updated: s
            .updated_at
            .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string()),
        vcpus: total.vcpus,
        ram_mb: total.ram_mb,
        disk_gb: total.disk_gb,
        instances: (!counts.is_empty()).then(|| counts.iter().sum()),
        incoming: migrations
            .iter()
            .filter(|m| is(&m.dest_compute))
            .map(|m| moving(m, m.source_compute.as_ref()))
            .collect(),
        outgoing: migrations
            .iter()
            .filter(|m| is(&m.source_compute))
            .map(|m| moving(m, m.dest_compute.as_ref()))
            .collect(),
        drain: None,
    }
}

/// Two nodes of one host add up; an unknown figure stays unknown only if no node knows it.
fn add(a: Capacity, b: Capacity) -> Capacity {
    let sum = |x: Option<u64>, y: Option<u64>| match (x, y) {
        (None, None) => None,
        (x, y) => Some(x.unwrap_or(0) + y.unwrap_or(0)),
    };
    Capacity {
        used: sum(a.used, b.used),
        total: sum(a.total, b.total),
    }
}

/// Instance names by uuid, from the hypervisors' server lists (`os-migrations` gives uuids only).
fn instance_names<'a>(nodes: impl Iterator<Item = &'a Hypervisor>) -> BTreeMap<String, String> {
    nodes
        .flat_map(|h| h.servers.iter().flatten())
        .map(|s| (s.uuid.clone(), s.name.clone()))
        .collect()
}

/// Every migration that has not ended, one `os-migrations?status=` call per status, in
/// parallel; `None` if Nova would not list them (the page then says the columns are unknown).
async fn in_flight(compute: &Compute) -> Option<Vec<Migration>> {
    let mut jobs = JoinSet::new();
    for status in IN_FLIGHT {
        let compute = compute.clone();
        jobs.spawn(async move {
            let query = MigrationQuery {
                status: Some(status.as_str().to_string()),
                ..MigrationQuery::default()
            };
            compute.list_migrations(&query).await
        });
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    while let Some(joined) = jobs.join_next().await {
        match joined {
            Ok(Ok(page)) => {
                // A migration that changed status between two of the calls is listed twice.
                out.extend(page.migrations.into_iter().filter(|m| seen.insert(m.id)));
            }
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "could not list the migrations in flight");
                return None;
            }
            Err(e) => {
                tracing::warn!(error = %e, "listing the migrations in flight failed");
                return None;
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use openstack_client::compute::{HypervisorServer, HypervisorService};

    #[test]
    fn in_flight_means_not_ended() {
        for s in IN_FLIGHT {
            assert!(!s.is_terminal(), "{s}");
        }
    }

    fn node(id: &str, host: &str, servers: &[&str]) -> Hypervisor {
        Hypervisor {
            id: id.into(),
            hypervisor_hostname: host.into(),
            service: Some(HypervisorService {
                host: host.into(),
                ..Default::default()
            }),
            servers: Some(
                servers
                    .iter()
                    .map(|s| HypervisorServer {
                        name: s.to_string(),
                        uuid: format!("uuid-{s}"),
                    })
                    .collect(),
            ),
            ..Default::default()
        }
    }

    fn migration(id: u64, instance: &str, from: &str, to: &str, status: &str) -> Migration {
        Migration {
            id,
            instance_uuid: format!("uuid-{instance}"),
            source_compute: Some(from.into()),
            dest_compute: Some(to.into()),
            status: status.into(),
            migration_type: Some("live-migration".into()),
            ..Default::default()
        }
    }

    #[test]
    fn a_host_row_matches_its_host_exactly() {
        let service = Service {
            id: "svc-1".into(),
            binary: "nova-compute".into(),
            host: "compute1".into(),
            zone: Some("az1".into()),
            status: "disabled".into(),
            state: Some("up".into()),
            disabled_reason: Some("DIMM".into()),
            ..Default::default()
        };
        let c1 = node("n1", "compute1", &["a", "b"]);
        let c10 = node("n10", "compute10", &["c"]);
        let names = instance_names([&c1, &c10].into_iter());
        let mut usage = BTreeMap::new();
        usage.insert(
            "n1".to_string(),
            Usage {
                vcpus: Capacity {
                    used: Some(4),
                    total: Some(128),
                },
                ..Usage::default()
            },
        );
        let migrations = [
            migration(1, "c", "compute10", "compute2", "running"),
            migration(2, "a", "compute1", "compute2", "running"),
            migration(3, "x", "compute3", "compute1", "finished"),
        ];
        let row = host_row(&service, &[&c1], &usage, &migrations, &names);
        assert_eq!(row.instances, Some(2));
        assert_eq!(row.vcpus.label(""), "4 / 128");
        assert_eq!(row.disabled_reason.as_deref(), Some("DIMM"));
        assert_eq!(
            row.outgoing.len(),
            1,
            "compute10's migration is not compute1's"
        );
        assert_eq!(row.outgoing[0].instance_name.as_deref(), Some("a"));
        assert_eq!(row.outgoing[0].other_host.as_deref(), Some("compute2"));
        assert_eq!(row.incoming.len(), 1);
        assert!(!row.incoming[0].moving, "finished waits for a confirm");
        assert!(row.moving());
    }

    #[test]
    fn capacities_of_two_nodes_add_up() {
        let a = Capacity {
            used: Some(1),
            total: Some(10),
        };
        let b = Capacity {
            used: None,
            total: Some(5),
        };
        assert_eq!(
            add(a, b),
            Capacity {
                used: Some(1),
                total: Some(15)
            }
        );
        assert_eq!(
            add(Capacity::default(), Capacity::default()),
            Capacity::default()
        );
    }
}
