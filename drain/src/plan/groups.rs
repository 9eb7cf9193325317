//! Server groups: which members cannot move at all, and which groups will fail or scatter.
//!
//! The plan only sees the drained host's servers; the other members' hosts are unknown to it,
//! so the anti-affinity check counts every member against the hosts that may take one.

use std::collections::HashSet;

use openstack_client::compute::{Server, ServerGroup};

use super::{Move, PlannedInstance};

/// Nova moves one instance at a time and, for a hard affinity group, accepts only a host that
/// already holds another member. When every other member is on the drained host, no move can
/// succeed, and trying each one would only fail (or, with the cold fallback, reboot it for
/// nothing): skip them all with the reason, and warn once for the group.
pub(super) fn stuck_in_affinity(
    g: &ServerGroup,
    s: &Server,
    on_host: &[&Server],
) -> Option<String> {
    if g.policy != "affinity" {
        return None;
    }
    let others: Vec<&str> = g
        .members
        .iter()
        .map(String::as_str)
        .filter(|m| *m != s.id)
        .collect();
    if others.is_empty() {
        return None;
    }
    let mut names = Vec::new();
    for m in &others {
        names.push(on_host.iter().find(|o| o.id == *m)?.name.clone());
    }
    Some(format!(
        "affinity group “{}” keeps it on one host with {}: Nova moves one instance at a time and will place none apart from the others",
        g.name,
        names.join(", ")
    ))
}

pub(super) fn warnings(
    instances: &[PlannedInstance],
    groups: &[ServerGroup],
    here: &HashSet<&str>,
    eligible_hosts: usize,
) -> Vec<String> {
    let mut out = Vec::new();
    let mut done = HashSet::new();
    for i in instances {
        let Some(gref) = &i.group else { continue };
        if !done.insert(gref.id.as_str()) {
            continue;
        }
        let Some(g) = groups.iter().find(|g| g.id == gref.id) else {
            continue;
        };
        let members: Vec<&PlannedInstance> = instances
            .iter()
            .filter(|o| o.group.as_ref().is_some_and(|r| r.id == g.id))
            .collect();
        let moving: Vec<&str> = members
            .iter()
            .filter(|m| !matches!(m.move_, Move::Skip(_)))
            .map(|m| m.name.as_str())
            .collect();
        let elsewhere = g
            .members
            .iter()
            .filter(|m| !here.contains(m.as_str()))
            .count();
        match g.policy.as_str() {
            "anti-affinity" if !moving.is_empty() => {
                let per_host = g.max_server_per_host().unwrap_or(1).max(1);
                let total = g.members.len() as u64;
                if (eligible_hosts as u64) * per_host < total {
                    let each = if per_host == 1 {
                        "one member per host".to_string()
                    } else {
                        format!("at most {per_host} members per host")
                    };
                    out.push(format!(
                        "Anti-affinity group “{}” has {total} members and only {} can take them ({each}): {} may find no host and fail.",
                        g.name,
                        hosts_words(eligible_hosts),
                        moving.join(", ")
                    ));
                }
            }
            // Every member is here (the condition of `stuck_in_affinity`): none can leave.
            "affinity" if elsewhere == 0 && g.members.len() > 1 => out.push(format!(
                "Affinity group “{}” ({}) is skipped: its members must stay together, and Nova can only move them one at a time.",
                g.name,
                names(&members)
            )),
            "affinity" if !moving.is_empty() && elsewhere > 0 => out.push(format!(
                "Affinity group “{}”: {} can only go to the host holding its other members.",
                g.name,
                moving.join(", ")
            )),
            "soft-affinity" if g.members.len() > 1 && !moving.is_empty() => {
                out.push(format!(
                    "Soft-affinity group “{}”: {} move one at a time and may end up on different hosts.",
                    g.name,
                    moving.join(", ")
                ))
            }
            // Soft anti-affinity is only a preference: the scheduler packs members if it must.
            _ => {}
        }
    }
    out
}

fn names(members: &[&PlannedInstance]) -> String {
    members
        .iter()
        .map(|m| m.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn hosts_words(n: usize) -> String {
    match n {
        0 => "no host".into(),
        1 => "1 host".into(),
        n => format!("{n} hosts"),
    }
}
