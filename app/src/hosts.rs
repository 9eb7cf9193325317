//! The Compute Hosts page: what it shows of Nova's compute services, hypervisors, Placement
//! usage and migrations in flight, and its filters as they appear in its URL.

use serde::{Deserialize, Serialize};

use crate::{error::AppError, model::encode_component};

/// The state filter's choices: (value, label).
pub const HOST_STATES: [(&str, &str); 2] = [("up", "Up"), ("down", "Down")];
/// The status filter's choices: (value, label).
pub const HOST_STATUSES: [(&str, &str); 2] = [("enabled", "Enabled"), ("disabled", "Disabled")];

/// Nova's limit on a disabled reason (the `os-services` schema's maxLength). Skyline stops at
/// 64, which refuses reasons Nova would take.
pub const MAX_DISABLED_REASON: usize = 255;

/// How often the page reloads itself while a migration on it moves, in seconds.
pub const REFRESH_SECONDS: u32 = 5;

/// The page's filters, as in its URL. Nova's `os-services` filters only by host and binary, so
/// Ferry filters the (small) list itself.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HostFilter {
    /// Availability zone, exact.
    pub zone: String,
    /// `up` or `down`.
    pub state: String,
    /// `enabled` or `disabled`.
    pub status: String,
}

impl HostFilter {
    pub fn to_query_string(&self) -> String {
        [
            ("zone", &self.zone),
            ("state", &self.state),
            ("status", &self.status),
        ]
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", encode_component(v)))
        .collect::<Vec<_>>()
        .join("&")
    }

    /// The page's address with these filters (and nothing else).
    pub fn href(&self) -> String {
        let q = self.to_query_string();
        if q.is_empty() {
            "/admin/hosts".into()
        } else {
            format!("/admin/hosts?{q}")
        }
    }

    /// This page with the confirmation of `service`'s Disable or Enable open in `host`'s row
    /// (scrolled to it).
    pub fn confirm_href(&self, service: &str, host: &str) -> String {
        let q = self.to_query_string();
        let sep = if q.is_empty() { "" } else { "&" };
        format!(
            "/admin/hosts?{q}{sep}confirm={}#{}",
            encode_component(service),
            row_anchor(host)
        )
    }

    /// Whether a host (or bare-metal node) in `zone`, up or not, enabled or not, is shown.
    pub fn matches(&self, zone: &str, up: bool, enabled: bool) -> bool {
        (self.zone.is_empty() || self.zone == zone)
            && match self.state.as_str() {
                "up" => up,
                "down" => !up,
                _ => true,
            }
            && match self.status.as_str() {
                "enabled" => enabled,
                "disabled" => !enabled,
                _ => true,
            }
    }
}

/// The HTML id of a host's row, so links and redirects can land on it.
pub fn row_anchor(host: &str) -> String {
    format!("host-{}", encode_component(host))
}

/// Used and total of one resource class; either may be unknown.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capacity {
    pub used: Option<u64>,
    pub total: Option<u64>,
}

impl Capacity {
    /// "12 / 128", "— / 128" or "—".
    pub fn label(&self, unit: &str) -> String {
        let n = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_else(|| "—".into());
        match (self.used, self.total) {
            (None, None) => "—".into(),
            (used, total) => format!("{} / {}{unit}", n(used), n(total)),
        }
    }
}

/// A migration in flight that starts or ends on a host.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HostMigration {
    pub instance_id: String,
    pub instance_name: Option<String>,
    /// The host at the other end, when Nova knows it yet.
    pub other_host: Option<String>,
    /// Nova's status, e.g. `running`.
    pub status: String,
    /// Nova's migration type, e.g. `live-migration`.
    pub kind: String,
    /// False for a migration that only waits for its confirm (`finished`): it holds resources
    /// on both hosts but nothing moves until someone confirms or reverts.
    pub moving: bool,
}

/// One compute host (its nova-compute service and the hypervisors it runs).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ComputeHostRow {
    pub host: String,
    /// The service's id (a uuid from 2.53), which Disable and Enable address.
    pub service_id: String,
    pub zone: String,
    pub up: bool,
    /// Down because an operator (or a fencing tool) said so, not because it stopped reporting.
    pub forced_down: bool,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    /// The service record's `updated_at` (UTC): Nova keeps no "disabled at", and its database
    /// service group refreshes this on every heartbeat, so for a down host it is the last sign
    /// of life and for a disabled one an upper bound of when that happened.
    pub updated: Option<String>,
    pub vcpus: Capacity,
    pub ram_mb: Capacity,
    pub disk_gb: Capacity,
    /// Instances on its compute nodes (exact host), when Nova says.
    pub instances: Option<u64>,
    pub incoming: Vec<HostMigration>,
    pub outgoing: Vec<HostMigration>,
    /// The host's latest drain, from Ferry's drain database.
    pub drain: Option<HostDrain>,
}

/// A drain as the hosts list shows it: its state and how far it got.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HostDrain {
    /// The drain state (`running`, `done`…).
    pub state: String,
    /// "Draining: 3 of 7 moved", "Done — empty, ready for maintenance".
    pub words: String,
    pub active: bool,
    /// The drain waits for a login: who must log in, and why.
    #[serde(default)]
    pub needs_login: Option<String>,
}

impl ComputeHostRow {
    /// Something on it moves: a migration, or a drain under way.
    pub fn moving(&self) -> bool {
        self.incoming.iter().chain(&self.outgoing).any(|m| m.moving)
            || self.drain.as_ref().is_some_and(|d| d.active)
    }
}

/// A bare-metal (Ironic) node: it cannot be a migration's source or destination, so it gets
/// its own section without capacity or Disable.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BareMetalRow {
    pub node: String,
    /// The nova-compute host (Ironic's conductor side) that manages the node.
    pub host: String,
    pub zone: String,
    pub up: bool,
    pub enabled: bool,
    /// (id, name) of the instance on the node.
    pub instances: Vec<(String, String)>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HostsPage {
    /// The compute hosts the filters let through, in natural order (`compute2` before
    /// `compute10`).
    pub rows: Vec<ComputeHostRow>,
    pub bare_metal: Vec<BareMetalRow>,
    /// Every compute host's zone, for the zone filter.
    pub zones: Vec<String>,
    /// Compute hosts before filtering.
    pub total: usize,
    /// Nova could not list the migrations: the in/out columns are unknown, not empty.
    pub migrations_unknown: bool,
    /// The session may disable and enable compute services.
    pub can_update: bool,
    /// The one-time token this rendering's Disable / Enable form carries.
    pub form_token: String,
}

impl HostsPage {
    /// Something on the page is moving, so it reloads itself.
    pub fn moving(&self) -> bool {
        self.rows.iter().any(ComputeHostRow::moving)
    }
}

/// What Disable or Enable answers a client that is not a plain form.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServiceChanged {
    pub message: String,
    /// False when the same form had been sent already (a double click): Nova was not asked again.
    pub sent: bool,
}

/// What the page says about a Disable or Enable refused, when the refusal came back in its URL
/// (a plain form post is answered with a redirect). Anyone can write a URL, so only the kind of
/// refusal is taken from it, in Ferry's words; the text it carries is never shown.
pub fn refusal_in_ferrys_words(e: &AppError) -> &'static str {
    match e {
        AppError::NotLoggedIn | AppError::SessionExpired => {
            "Your session has ended: log in again, then repeat the change."
        }
        AppError::Forbidden(_) => {
            "Your roles do not allow this: changing a compute service needs the admin role \
             (Nova's policy os_compute_api:os-services:update)."
        }
        AppError::BadRequest(_) => {
            "Nothing was sent to Nova: disabling a host needs a reason of at most 255 characters."
        }
        AppError::Upstream(f) if f.maybe_started => {
            "Nova did not answer in time, so the change may or may not have been made: the list \
             below shows Nova's current state. Ferry did not send it again."
        }
        AppError::Upstream(f) if f.status == Some(404) => {
            "Nova no longer knows this compute service (it may have been deleted); the list below \
             is current."
        }
        AppError::Upstream(f) if f.unreachable => {
            "Nova (Compute) could not be reached, so nothing was changed."
        }
        AppError::Upstream(f) if f.status.is_some_and(|s| s < 500) => {
            "Nova refused the change; the list below shows the service as it is."
        }
        _ => "Nova (Compute) failed while changing the service; the list below shows it as it is.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(zone: &str, up: bool, enabled: bool) -> ComputeHostRow {
        ComputeHostRow {
            host: "compute1".into(),
            service_id: "s".into(),
            zone: zone.into(),
            up,
            forced_down: false,
            enabled,
            disabled_reason: None,
            updated: None,
            vcpus: Capacity::default(),
            ram_mb: Capacity::default(),
            disk_gb: Capacity::default(),
            instances: None,
            incoming: Vec::new(),
            outgoing: Vec::new(),
            drain: None,
        }
    }

    #[test]
    fn filters_match_exactly() {
        let f = HostFilter {
            zone: "az1".into(),
            ..Default::default()
        };
        assert!(f.matches("az1", true, true));
        assert!(!f.matches("az10", true, true), "a zone is not a prefix");
        let down = HostFilter {
            state: "down".into(),
            ..Default::default()
        };
        assert!(down.matches("az1", false, true));
        assert!(!down.matches("az1", true, true));
        let disabled = HostFilter {
            status: "disabled".into(),
            ..Default::default()
        };
        assert!(disabled.matches("az1", true, false));
        assert!(!disabled.matches("az1", true, true));
    }

    #[test]
    fn links_keep_the_filters_and_encode_them() {
        let f = HostFilter {
            zone: "zone a&b".into(),
            state: "up".into(),
            status: String::new(),
        };
        assert_eq!(f.href(), "/admin/hosts?zone=zone%20a%26b&state=up");
        assert_eq!(HostFilter::default().href(), "/admin/hosts");
        assert_eq!(
            HostFilter::default().confirm_href("4f1c-9", "compute1"),
            "/admin/hosts?confirm=4f1c-9#host-compute1"
        );
        assert_eq!(
            f.confirm_href("x", "compute1"),
            "/admin/hosts?zone=zone%20a%26b&state=up&confirm=x#host-compute1"
        );
    }

    #[test]
    fn only_moving_migrations_make_the_page_reload() {
        let waiting = HostMigration {
            instance_id: "i".into(),
            instance_name: None,
            other_host: None,
            status: "finished".into(),
            kind: "migration".into(),
            moving: false,
        };
        let mut r = row("az1", true, true);
        r.outgoing.push(waiting.clone());
        assert!(!r.moving());
        r.incoming.push(HostMigration {
            status: "running".into(),
            moving: true,
            ..waiting
        });
        assert!(r.moving());
    }

    #[test]
    fn capacity_reads_as_used_of_total() {
        let c = Capacity {
            used: Some(12),
            total: Some(128),
        };
        assert_eq!(c.label(""), "12 / 128");
        assert_eq!(Capacity::default().label(" GB"), "—");
        let half = Capacity {
            used: None,
            total: Some(1000),
        };
        assert_eq!(half.label(" GB"), "— / 1000 GB");
    }

    #[test]
    fn refusals_from_the_url_are_told_in_ferrys_words_only() {
        let e = AppError::BadRequest("<script>anything the URL says</script>".into());
        let text = refusal_in_ferrys_words(&e);
        assert!(!text.contains("script"));
        assert!(text.contains("255"));
        let e = AppError::Forbidden("x".into());
        assert!(refusal_in_ferrys_words(&e).contains("os-services:update"));
    }
}
