//! The destination-host table of the migration dialogs: hypervisors with their compute
//! service's zone and state, capacity (Placement at ≥ 2.88, os-hypervisors below), and the
//! hosts that would break the instance's server-group policy.

use std::collections::{BTreeMap, BTreeSet};

use openstack_client::{
    compute::{Compute, Hypervisor, Server, ServerGroup},
    placement::Placement,
};
use tokio::task::JoinSet;

use super::{session::Session, upstream::upstream_error, Backend};
use crate::{error::AppError, hosts::Capacity, migration::HostChoice};

/// Used and total vCPU, RAM and disk of one hypervisor, as the dialog's host table and the
/// Compute Hosts page show them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    pub vcpus: Capacity,
    pub ram_mb: Capacity,
    pub disk_gb: Capacity,
}

pub async fn host_table(
    backend: &Backend,
    session: &Session,
    compute: &Compute,
    server: &Server,
) -> Result<(Vec<HostChoice>, Option<String>), AppError> {
    let (hypervisors, services, groups) = tokio::join!(
        compute.list_hypervisors_with_servers(),
        compute.list_services(Some("nova-compute")),
        compute.list_server_groups(true),
    );
    let hypervisors = hypervisors.map_err(|e| upstream_error(e, "list the hypervisors"))?;
    let services = services.map_err(|e| upstream_error(e, "list the compute services"))?;
    // Without groups the table still works; only the policy marks are missing.
    let groups = groups.unwrap_or_else(|e| {
        tracing::warn!(error = %e, "could not list server groups");
        Vec::new()
    });

    let hypervisors: Vec<Hypervisor> = hypervisors
        .into_iter()
        .filter(|h| !is_bare_metal(h))
        .collect();
    let usage = usage(backend, session, &hypervisors).await;
    let group = groups.iter().find(|g| g.members.contains(&server.id));
    let conflicts = match group {
        Some(g) => policy_conflicts(compute, g, server, &hypervisors).await,
        None => BTreeMap::new(),
    };

    let mut rows: Vec<HostChoice> = hypervisors
        .iter()
        .map(|h| {
            let host = h
                .service
                .as_ref()
                .map(|s| s.host.clone())
                .unwrap_or_else(|| h.hypervisor_hostname.clone());
            let service = services.iter().find(|s| s.host == host);
            let up = h
                .state
                .as_deref()
                .or(service.and_then(|s| s.state.as_deref()))
                == Some("up");
            let enabled =
                h.status.as_deref().or(service.map(|s| s.status.as_str())) == Some("enabled");
            let disabled_reason = h
                .service
                .as_ref()
                .and_then(|s| s.disabled_reason.clone())
                .or_else(|| service.and_then(|s| s.disabled_reason.clone()));
            let unavailable = if server.host.as_deref() == Some(host.as_str()) {
                Some("Current host".to_string())
            } else if !up {
                Some("Compute service is down".to_string())
            } else if !enabled {
                Some(match &disabled_reason {
                    Some(r) => format!("Disabled: {r}"),
                    None => "Disabled".to_string(),
                })
            } else {
                None
            };
            let Usage { vcpus, ram_mb, .. } = usage.get(&h.id).copied().unwrap_or_default();
            HostChoice {
                zone: service.and_then(|s| s.zone.clone()).unwrap_or_default(),
                up,
                enabled,
                disabled_reason,
                vcpus_used: vcpus.used,
                vcpus_total: vcpus.total,
                ram_used_mb: ram_mb.used,
                ram_total_mb: ram_mb.total,
                instances: h
                    .running_vms
                    .or_else(|| h.servers.as_ref().map(|s| s.len() as u64)),
                unavailable,
                policy_conflict: conflicts.get(&host).cloned(),
                host,
            }
        })
        .collect();
    rows.sort_by_key(|r| natural_key(&r.host));
    rows.dedup_by(|a, b| a.host == b.host);
    let group_label = group.map(|g| format!("{} ({})", g.name, g.policy));
    Ok((rows, group_label))
}

pub fn is_bare_metal(h: &Hypervisor) -> bool {
    h.hypervisor_type
        .as_deref()
        .is_some_and(|t| t.eq_ignore_ascii_case("ironic"))
}

/// `compute2` before `compute10`.
pub fn natural_key(s: &str) -> (String, u64) {
    let digits = s.len() - s.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    let (head, tail) = s.split_at(s.len() - digits);
    (head.to_string(), tail.parse().unwrap_or(0))
}

/// vCPU, RAM and disk per hypervisor id: from os-hypervisors when it still reports usage
/// (< 2.88), otherwise from Placement (capacity = (total − reserved) × allocation ratio),
/// fetched in parallel.
pub async fn usage(
    backend: &Backend,
    session: &Session,
    hypervisors: &[Hypervisor],
) -> BTreeMap<String, Usage> {
    let mut out = BTreeMap::new();
    let mut missing = Vec::new();
    for h in hypervisors {
        if h.vcpus.is_some() || h.memory_mb.is_some() {
            out.insert(
                h.id.clone(),
                Usage {
                    vcpus: Capacity {
                        used: h.vcpus_used,
                        total: h.vcpus,
                    },
                    ram_mb: Capacity {
                        used: h.memory_mb_used,
                        total: h.memory_mb,
                    },
                    disk_gb: Capacity {
                        used: h.local_gb_used,
                        total: h.local_gb,
                    },
                },
            );
        } else {
            missing.push(h.id.clone());
        }
    }
    let Some(url) = session.placement_url.clone() else {
        return out;
    };
    let placement = Placement::new(&backend.transport, &url, &session.token);
    let mut jobs = JoinSet::new();
    for id in missing {
        let placement = placement.clone();
        jobs.spawn(async move {
            let (inv, used) = tokio::join!(placement.inventories(&id), placement.usages(&id));
            (id, inv, used)
        });
    }
    while let Some(Ok((id, inv, used))) = jobs.join_next().await {
        let (Ok(inv), Ok(used)) = (inv, used) else {
            tracing::warn!(provider = %id, "could not read Placement usage");
            continue;
        };
        let class = |rc: &str| Capacity {
            used: used.get(rc).copied(),
            total: inv.capacity(rc),
        };
        out.insert(
            id,
            Usage {
                vcpus: class("VCPU"),
                ram_mb: class("MEMORY_MB"),
                disk_gb: class("DISK_GB"),
            },
        );
    }
    out
}

/// Hosts that would break the instance's server-group policy, with the reason.
async fn policy_conflicts(
    compute: &Compute,
    group: &ServerGroup,
    server: &Server,
    hypervisors: &[Hypervisor],
) -> BTreeMap<String, String> {
    let mut member_hosts: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut jobs = JoinSet::new();
    for member in group.members.iter().filter(|m| **m != server.id).take(50) {
        let compute = compute.clone();
        let member = member.clone();
        jobs.spawn(async move { compute.get_server(&member).await });
    }
    while let Some(Ok(result)) = jobs.join_next().await {
        if let Ok(s) = result {
            if let Some(h) = s.host {
                member_hosts.entry(h).or_default().push(s.name);
            }
        }
    }
    let hosts: BTreeSet<String> = hypervisors
        .iter()
        .filter_map(|h| h.service.as_ref().map(|s| s.host.clone()))
        .collect();
    let mut out = BTreeMap::new();
    let name = &group.name;
    match group.policy.as_str() {
        "anti-affinity" | "soft-anti-affinity" => {
            let soft = group.policy.starts_with("soft");
            for (host, members) in &member_hosts {
                out.insert(
                    host.clone(),
                    format!(
                        "{} {} here ({}anti-affinity group {name})",
                        members.join(", "),
                        if members.len() == 1 { "runs" } else { "run" },
                        if soft { "soft " } else { "" }
                    ),
                );
            }
        }
        "affinity" | "soft-affinity" if !member_hosts.is_empty() => {
            let soft = group.policy.starts_with("soft");
            for host in hosts.iter().filter(|h| !member_hosts.contains_key(*h)) {
                let together: Vec<&String> = member_hosts.keys().collect();
                out.insert(
                    host.clone(),
                    format!(
                        "{}affinity group {name} keeps its members on {}",
                        if soft { "soft " } else { "" },
                        together
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
            }
        }
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::natural_key;

    #[test]
    fn hosts_sort_naturally() {
        let mut hosts = vec!["compute10", "compute2", "compute1", "compute11"];
        hosts.sort_by_key(|h| natural_key(h));
        assert_eq!(
            hosts,
            vec!["compute1", "compute2", "compute10", "compute11"]
        );
    }
}
