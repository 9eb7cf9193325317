//! The scheduler's choice of a destination for a move: placement capacity,
//! ComputeFilter (enabled and up), server-group filters and weighers,
//! applied to every host or only to the one the caller asked for.

use crate::model::{Host, Instance};
use crate::state::State;

pub const NO_VALID_HOST_LIVE: &str =
    "No valid host was found. There are not enough hosts available.";
pub const NO_VALID_HOST_COLD: &str =
    "No valid host was found. No valid host found for cold migrate";

/// Pick a destination host name for `inst`, or say why none fits.
///
/// `requested`: the host the caller named (not forced: it still goes through
/// the filters, as Nova's `requested_destination` does). `forced`: the 2.30–2.67
/// `force` flag, which skips the scheduler but not the capacity claim.
pub fn select(
    st: &State,
    inst: &Instance,
    requested: Option<&str>,
    forced: bool,
    no_valid_host: &str,
) -> Result<String, String> {
    let usages = st.usages();
    if forced {
        let Some(h) = requested.and_then(|r| st.host(r)) else {
            return Err(no_valid_host.to_string());
        };
        return if st.fits(h, &inst.flavor, &usages) {
            Ok(h.host.clone())
        } else {
            Err(format!(
                "Migration pre-check error: Unable to move instance {} to host {}. There is not enough capacity on the host for the instance.",
                inst.uuid, h.host
            ))
        };
    }

    let group = st.groups.iter().find(|g| g.members.contains(&inst.uuid));
    // Hosts of the *other* members: the moving instance leaves its host.
    let member_hosts: Vec<&str> = group
        .map(|g| {
            g.members
                .iter()
                .filter(|m| **m != inst.uuid)
                .filter_map(|m| st.instance(m))
                .map(|i| i.host.as_str())
                .collect()
        })
        .unwrap_or_default();
    let members_on = |h: &Host| member_hosts.iter().filter(|x| **x == h.host).count() as u64;

    let mut candidates: Vec<&Host> = st
        .hosts
        .iter()
        .filter(|h| h.host != inst.host)
        .filter(|h| requested.is_none_or(|r| r == h.host))
        .filter(|h| h.is_up() && !h.disabled)
        .filter(|h| st.fits(h, &inst.flavor, &usages))
        .filter(|h| match group.map(|g| g.policy) {
            Some("anti-affinity") => {
                let max = group.and_then(|g| g.max_server_per_host).unwrap_or(1);
                members_on(h) < max
            }
            Some("affinity") => member_hosts.is_empty() || members_on(h) > 0,
            _ => true,
        })
        .collect();

    // Weigh: soft group policies first, then most free RAM (Nova's default
    // RAMWeigher spreads), then the name for a stable order.
    let free_ram = |h: &Host| {
        let used = usages
            .get(&h.node)
            .and_then(|u| u.get("MEMORY_MB"))
            .copied()
            .unwrap_or(0);
        let cap = h
            .inventories
            .iter()
            .find(|i| i.resource_class == "MEMORY_MB")
            .map(|i| i.capacity())
            .unwrap_or(0);
        cap.saturating_sub(used)
    };
    let soft = group.map(|g| g.policy);
    candidates.sort_by(|a, b| {
        let group_weight = |h: &Host| -> i64 {
            match soft {
                Some("soft-affinity") => -(members_on(h) as i64),
                Some("soft-anti-affinity") => members_on(h) as i64,
                _ => 0,
            }
        };
        group_weight(a)
            .cmp(&group_weight(b))
            .then(free_ram(b).cmp(&free_ram(a)))
            .then(a.host.cmp(&b.host))
    });
    candidates
        .first()
        .map(|h| h.host.clone())
        .ok_or_else(|| no_valid_host.to_string())
}
