//! The plan: before anything moves, what will happen to each instance on the drained host and why,
//! whether it fits elsewhere, and which server groups will get in the way.
//!
//! Pure: the caller brings Nova's and Placement's answers (`servers?host=<h>&all_tenants=1`, every
//! project's server groups, the compute hosts with their free figures).

mod capacity;
mod groups;
mod options;

use std::collections::HashSet;

use openstack_client::compute::{Server, ServerGroup, ServerStatus};
use serde::{Deserialize, Serialize};

pub use capacity::{CapacityCheck, HostCapacity, Resources};
pub use options::{
    Destinations, DrainOptions, OptionError, PARALLEL_DEFAULT, PARALLEL_MAX, PARALLEL_MIN,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Move {
    Live,
    ColdThenConfirm,
    /// Why it stays, in words for the operator.
    Skip(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupRef {
    pub id: String,
    pub name: String,
    /// `affinity`, `anti-affinity`, `soft-affinity` or `soft-anti-affinity`.
    pub policy: String,
}

impl GroupRef {
    /// Hard or soft: the window never moves two members of either at once.
    pub fn is_anti_affinity(&self) -> bool {
        self.policy.ends_with("anti-affinity")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedInstance {
    pub id: String,
    pub name: String,
    pub project_id: String,
    pub status: String,
    #[serde(rename = "move")]
    pub move_: Move,
    pub group: Option<GroupRef>,
    pub vcpus: Option<u32>,
    pub ram_mb: Option<u64>,
    /// What it claims in Placement: root (none when booted from volume), ephemeral and swap.
    pub disk_gb: Option<u64>,
    /// A failed live migration may become a cold one: the operator allowed it and the instance
    /// is ACTIVE (Nova cold-migrates only ACTIVE or SHUTOFF instances, so a paused one cannot).
    pub cold_fallback: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub live: usize,
    pub cold: usize,
    pub skipped: usize,
    /// Servers passed in that are not on the drained host: never planned.
    pub ignored: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub host: String,
    /// In the order the window takes them (see [`plan`]).
    pub instances: Vec<PlannedInstance>,
    pub capacity: CapacityCheck,
    pub warnings: Vec<String>,
    pub counts: Counts,
}

/// Plans draining `host`. `servers` should be `servers?host=<host>&all_tenants=1`; any server
/// whose host is not exactly `host` is ignored and counted, since a LIKE-style hypervisor search
/// (novaclient, Horizon) would have brought `compute10`'s instances along with `compute1`'s.
pub fn plan(
    host: &str,
    host_is_bare_metal: bool,
    servers: &[Server],
    groups: &[ServerGroup],
    hosts: &[HostCapacity],
    options: &DrainOptions,
) -> Plan {
    let mut seen = HashSet::new();
    let mut ignored = 0;
    let mut on_host: Vec<&Server> = Vec::new();
    for s in servers {
        if s.host.as_deref() != Some(host) {
            ignored += 1;
        } else if seen.insert(s.id.as_str()) {
            // Paging while instances change can return one twice; it is one instance.
            on_host.push(s);
        }
    }
    let eligible: Vec<&HostCapacity> = hosts
        .iter()
        .filter(|h| capacity::is_eligible(h, host, options))
        .collect();
    let here: HashSet<&str> = on_host.iter().map(|s| s.id.as_str()).collect();

    let mut instances: Vec<PlannedInstance> = on_host
        .iter()
        .map(|s| {
            let group = groups.iter().find(|g| g.members.iter().any(|m| m == &s.id));
            let move_ = if host_is_bare_metal {
                Move::Skip("bare metal (Ironic) nodes cannot be migrated".into())
            } else {
                match state_rule(s) {
                    Move::Skip(why) => Move::Skip(why),
                    movable => {
                        match group.and_then(|g| groups::stuck_in_affinity(g, s, &on_host)) {
                            Some(why) => Move::Skip(why),
                            None => movable,
                        }
                    }
                }
            };
            planned(s, group, move_, options)
        })
        .collect();

    // Live moves first: running guests are the ones users feel, so they leave the host soonest;
    // the shut-off ones can wait. Within each, biggest RAM first: the largest need the largest
    // holes, which exist while the other hosts are emptiest, and the longest copies started first
    // finish the drain soonest (longest-job-first). Name, then id, keeps the order stable.
    instances.sort_by(|a, b| {
        rank(&a.move_)
            .cmp(&rank(&b.move_))
            .then(b.ram_mb.unwrap_or(0).cmp(&a.ram_mb.unwrap_or(0)))
            .then_with(|| a.name.cmp(&b.name))
            .then_with(|| a.id.cmp(&b.id))
    });

    let needs: Vec<capacity::Need> = instances
        .iter()
        .filter(|i| !matches!(i.move_, Move::Skip(_)))
        .map(|i| capacity::Need {
            name: i.name.clone(),
            vcpus: i.vcpus.map(u64::from),
            ram_mb: i.ram_mb,
            disk_gb: i.disk_gb,
        })
        .collect();
    let chosen_set = matches!(options.destinations, Destinations::Hosts(_));
    let capacity = capacity::check(&needs, &eligible, chosen_set);

    let mut warnings = Vec::new();
    if ignored > 0 {
        warnings.push(format!(
            "{ignored} of the instances given are not on {host} and were left out of the plan."
        ));
    }
    if hosts.iter().any(|h| h.host == host && !h.up) {
        warnings.push(format!(
            "{host}'s nova-compute service is down: migrations need it running. If the host is lost, evacuate its instances instead."
        ));
    }
    // On a bare metal node nothing moves, so what groups would do is moot.
    if !host_is_bare_metal {
        warnings.extend(groups::warnings(&instances, groups, &here, eligible.len()));
    }
    if !chosen_set {
        warnings.extend(zone_warning(host, hosts, &eligible, &needs));
    }

    let mut counts = Counts {
        ignored,
        ..Counts::default()
    };
    for i in &instances {
        match i.move_ {
            Move::Live => counts.live += 1,
            Move::ColdThenConfirm => counts.cold += 1,
            Move::Skip(_) => counts.skipped += 1,
        }
    }
    Plan {
        host: host.to_string(),
        instances,
        capacity,
        warnings,
        counts,
    }
}

fn rank(m: &Move) -> u8 {
    match m {
        Move::Live => 0,
        Move::ColdThenConfirm => 1,
        Move::Skip(_) => 2,
    }
}

fn planned(
    s: &Server,
    group: Option<&ServerGroup>,
    move_: Move,
    options: &DrainOptions,
) -> PlannedInstance {
    let f = &s.flavor;
    // Placement claims no root disk for an instance booted from volume (Nova sends image "").
    let root = if s.image.is_none() { Some(0) } else { f.disk };
    let swap_gb = f.swap.unwrap_or(0).div_ceil(1024);
    let cold_fallback =
        options.cold_fallback && move_ == Move::Live && s.status_kind() == ServerStatus::Active;
    PlannedInstance {
        id: s.id.clone(),
        name: s.name.clone(),
        project_id: s.tenant_id.clone(),
        status: s.status.clone(),
        move_,
        group: group.map(|g| GroupRef {
            id: g.id.clone(),
            name: g.name.clone(),
            policy: g.policy.clone(),
        }),
        vcpus: f.vcpus,
        ram_mb: f.ram,
        disk_gb: root.map(|r| r + f.ephemeral.unwrap_or(0) + swap_gb),
        cold_fallback,
    }
}

/// What the instance's own state allows. Nova live-migrates ACTIVE and PAUSED instances and
/// cold-migrates ACTIVE and SHUTOFF ones; everything else would only come back as a 409.
pub fn state_rule(s: &Server) -> Move {
    use ServerStatus::*;
    let skip = |why: &str| Move::Skip(why.to_string());
    // States that no waiting cures come first: they say what the operator must do.
    match s.status_kind() {
        VerifyResize => return skip("waiting in Verify Resize: confirm or revert it first"),
        Error => {
            return Move::Skip(match s.fault.as_ref().map(|f| f.message.trim()) {
                Some(m) if !m.is_empty() => format!(
                    "in Error ({m}): Nova will not move it until its state is reset, once the guest is known to be fine"
                ),
                _ => "in Error: Nova will not move it until its state is reset, once the guest is known to be fine".into(),
            })
        }
        Suspended => {
            return skip(
                "suspended: Nova cannot migrate a suspended instance; resume it to move it live, or shut it off to move it cold",
            )
        }
        Rescue => return skip("in rescue mode: unrescue it first"),
        Shelved => {
            return skip(
                "shelved: it runs nowhere; offload it (shelve offload) to free this host, or unshelve it",
            )
        }
        ShelvedOffloaded => return skip("shelved and offloaded: it is on no host, nothing moves"),
        Build => return skip("still being built: wait for it to finish, then plan again"),
        SoftDeleted => {
            return skip("deleted (soft): restore it to move it, or let Nova reclaim it")
        }
        Deleted => return skip("deleted"),
        Unknown => {
            return skip("its state is unknown: its cell or its compute service is not answering")
        }
        _ => {}
    }
    if let Some(task) = s.task_state.as_deref().filter(|t| !t.is_empty()) {
        return Move::Skip(format!("already busy: {}", task.replace('_', " ")));
    }
    if s.locked == Some(true) {
        return Move::Skip(match s.locked_reason.as_deref().map(str::trim) {
            Some(r) if !r.is_empty() => format!("locked ({r}): unlock it to move it"),
            _ => "locked (no reason given): unlock it to move it".into(),
        });
    }
    match s.status_kind() {
        Active | Paused => Move::Live,
        Shutoff => Move::ColdThenConfirm,
        // Nova sets a task for these; without one the record is half-updated: better to wait.
        Migrating | Resize | RevertResize => skip("already moving"),
        Reboot | HardReboot | Rebuild | Password => Move::Skip(format!(
            "busy: {}",
            s.status.to_lowercase().replace('_', " ")
        )),
        other => Move::Skip(format!(
            "in state {other}, which Ferry does not know how to move"
        )),
    }
}

/// Nova keeps an instance started in a named zone inside it; the plan cannot tell which were
/// (before 2.96), so it only says when the drained host's own zone is short of room.
fn zone_warning(
    host: &str,
    hosts: &[HostCapacity],
    eligible: &[&HostCapacity],
    needs: &[capacity::Need],
) -> Option<String> {
    let zone = hosts.iter().find(|h| h.host == host)?.zone.as_deref()?;
    if needs.is_empty() || eligible.iter().all(|h| h.zone.as_deref() == Some(zone)) {
        return None;
    }
    let same: Vec<&HostCapacity> = eligible
        .iter()
        .copied()
        .filter(|h| h.zone.as_deref() == Some(zone))
        .collect();
    let why = if same.is_empty() {
        format!("no other host in zone {zone} can take instances")
    } else if capacity::check(needs, &same, false).fits {
        return None;
    } else {
        format!("the other hosts in zone {zone} may not have room for all that must move")
    };
    Some(format!(
        "Nova keeps an instance started in a named zone inside it, and {why}: such instances may find no host."
    ))
}

#[cfg(test)]
mod tests;
