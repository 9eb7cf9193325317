//! Asking Nova for one move, and where to. Every request is recorded as asked before it is sent
//! (so a restart knows to look before sending again) and its request id after.

use chrono::{Duration, Utc};
use openstack_client::compute::{
    BlockMigration, Compute, Hypervisor, LiveMigration, MigrationQuery, Server, Service,
};
use openstack_client::Error;

use super::item_state::*;
use super::observe::Kind;
use super::planned_move::{self, is_back};
use super::{JobOptions, RunError, Runner};
use crate::plan::Destinations;
use crate::store::{Drain, Item, ItemUpdate};

/// Instance actions this old or older than the move's start are someone else's.
const ACTION_SKEW_SECS: i64 = 120;

/// How an item moves now (its plan, or a fallback decided since).
pub fn kind_of(item: &Item) -> Kind {
    match item.planned_move.as_str() {
        planned_move::COLD | planned_move::BACK_COLD => Kind::Cold,
        _ => Kind::Live,
    }
}

/// The host the instance is leaving: the drained host, or where it went when moving back.
pub fn leaving<'a>(drain: &'a Drain, item: &'a Item) -> &'a str {
    if is_back(&item.planned_move) {
        item.destination.as_deref().unwrap_or(&item.origin_host)
    } else {
        &drain.host
    }
}

/// Nova's action names for a kind of move, in instance actions and migration records.
fn action_names(kind: Kind) -> (&'static str, &'static str) {
    match kind {
        Kind::Live => ("live-migration", "live-migration"),
        Kind::Cold => ("migrate", "migration"),
    }
}

impl Runner {
    /// The newest migration record of this kind for the instance since the move was asked.
    pub(super) async fn migration_since(
        &self,
        compute: &Compute,
        item: &Item,
    ) -> Result<Option<openstack_client::compute::Migration>, Error> {
        let (_, migration_type) = action_names(kind_of(item));
        let q = MigrationQuery {
            instance_uuid: Some(item.instance_id.clone()),
            migration_type: Some(migration_type.into()),
            ..Default::default()
        };
        let page = compute.list_migrations(&q).await?;
        let since = item
            .started_at
            .map(|t| t - Duration::seconds(ACTION_SKEW_SECS));
        Ok(page
            .migrations
            .into_iter()
            .filter(|m| match (since, m.created_at) {
                (Some(s), Some(c)) => c >= s,
                _ => true,
            })
            .max_by_key(|m| (m.created_at, m.id)))
    }

    /// Whether Nova holds this move's request after all (an instance action of its kind since
    /// the move was recorded as asked), and its request id.
    pub(super) async fn sent_after_all(
        &self,
        compute: &Compute,
        item: &Item,
    ) -> Result<Option<String>, Error> {
        let (action, _) = action_names(kind_of(item));
        let since = item
            .started_at
            .map(|t| t - Duration::seconds(ACTION_SKEW_SECS));
        let actions = compute.list_instance_actions(&item.instance_id).await?;
        Ok(actions
            .into_iter()
            .find(|a| {
                a.action == action
                    && match (since, a.start_time) {
                        (Some(s), Some(t)) => t >= s,
                        _ => false,
                    }
            })
            .map(|a| a.request_id))
    }

    /// Where to send the item: back to its origin, one of the operator's hosts, or the
    /// scheduler's choice. After a failure, never the host it just failed on: with the
    /// scheduler, Ferry then names another enabled, up host itself.
    pub(super) async fn target(
        &self,
        compute: &Compute,
        drain: &Drain,
        options: &JobOptions,
        item: &Item,
        busy: &[String],
    ) -> Result<Option<String>, Error> {
        if is_back(&item.planned_move) {
            return Ok(Some(item.origin_host.clone()));
        }
        let retry = item.attempts > 0;
        let failed_on = item.destination.as_deref().filter(|_| retry);
        let from = drain.host.as_str();
        let candidates: Vec<String> = match &options.drain.destinations {
            Destinations::Hosts(hosts) => hosts.clone(),
            Destinations::Scheduler if !retry => return Ok(None),
            Destinations::Scheduler => {
                let (services, hypervisors) = (
                    compute.list_services(Some("nova-compute")).await?,
                    compute.list_hypervisors().await?,
                );
                retry_candidates(&services, &hypervisors)
            }
        };
        let mut usable: Vec<&String> = candidates
            .iter()
            .filter(|h| h.as_str() != from && Some(h.as_str()) != failed_on)
            .collect();
        usable.sort();
        usable.dedup();
        // The least busy of them with Ferry's own moves, so a chosen set fills evenly.
        Ok(usable
            .into_iter()
            .min_by_key(|h| busy.iter().filter(|b| b == h).count())
            .cloned())
    }

    /// Starts one move: checks Nova's truth first (still there, still movable), records it
    /// as asked, sends it, and records Nova's request id.
    pub(super) async fn start(
        &self,
        compute: &Compute,
        drain: &Drain,
        options: &JobOptions,
        item: &Item,
        busy: &[String],
    ) -> Result<(), RunError> {
        let from = leaving(drain, item).to_string();
        let server = match compute.get_server(&item.instance_id).await {
            Ok(s) => s,
            Err(e) if e.status() == Some(404) => {
                return self
                    .settle(drain, item, SKIPPED, "deleted before its turn came", None)
                    .await
            }
            Err(e) => return Err(e.into()),
        };
        if let Some(reason) = not_movable(&server, &from) {
            return self.settle(drain, item, SKIPPED, &reason, None).await;
        }
        // The plan's rules again, on Nova's state now (an instance retried after a skip may
        // still be in Error, suspended, shelved…).
        if let crate::plan::Move::Skip(why) = crate::plan::state_rule(&server) {
            if server.host.as_deref() == Some(from.as_str()) {
                return self.settle(drain, item, SKIPPED, &why, None).await;
            }
        }
        let mut item = item.clone();
        if server.host.as_deref() != Some(from.as_str()) {
            let on = server.host.clone().unwrap_or_default();
            let words = format!("already on {on} when its turn came (moved by someone else)");
            return self.settle(drain, &item, MOVED, &words, Some(on)).await;
        }
        // Nova live-migrates only ACTIVE or PAUSED instances and cold-migrates ACTIVE or
        // SHUTOFF ones: a status changed since the plan changes the kind of move.
        let status = server.status.to_ascii_uppercase();
        let back = is_back(&item.planned_move);
        let kind = match (kind_of(&item), status.as_str()) {
            (_, "SHUTOFF") => Kind::Cold,
            (Kind::Cold, "ACTIVE") => Kind::Cold,
            (_, "ACTIVE" | "PAUSED") => Kind::Live,
            (_, other) => {
                let words = format!("its status became {other}, which Nova cannot migrate");
                return self.settle(drain, &item, SKIPPED, &words, None).await;
            }
        };
        item.planned_move = match (kind, back) {
            (Kind::Live, false) => planned_move::LIVE,
            (Kind::Cold, false) => planned_move::COLD,
            (Kind::Live, true) => planned_move::BACK_LIVE,
            (Kind::Cold, true) => planned_move::BACK_COLD,
        }
        .to_string();
        let host = self
            .target(compute, drain, options, &item, busy)
            .await
            .map_err(|e| RunError::Record(e.to_string()))?;
        if !back && item.attempts > 0 && host.is_none() {
            if let Destinations::Scheduler = options.drain.destinations {
                let words = "no other enabled, up compute host to retry on";
                return self.settle(drain, &item, FAILED, words, None).await;
            }
        }
        let attempt = item.attempts + 1;
        self.store
            .update_item(
                drain.id,
                &item.instance_id,
                ItemUpdate {
                    state: Some(QUEUED.into()),
                    planned_move: Some(item.planned_move.clone()),
                    attempts: Some(attempt),
                    // Empty until Nova answers: "asked, not yet known to be sent".
                    request_id: Some(String::new()),
                    detail: Some(String::new()),
                    started: true,
                    ..Default::default()
                },
            )
            .await?;
        let asked = match kind {
            Kind::Live => {
                let req = LiveMigration {
                    host: host.clone(),
                    block_migration: BlockMigration::Auto,
                    ..Default::default()
                };
                compute.live_migrate(&item.instance_id, &req).await
            }
            Kind::Cold => compute.migrate(&item.instance_id, host.as_deref()).await,
        };
        let what = match kind {
            Kind::Live => "live migration",
            Kind::Cold => "cold migration (it reboots)",
        };
        let to = host
            .as_deref()
            .map(|h| format!(" to {h}"))
            .unwrap_or_else(|| " (scheduler's choice)".into());
        match asked {
            Ok(accepted) => {
                let rid = accepted.request_id.unwrap_or_else(|| "-".into());
                self.store
                    .update_item(
                        drain.id,
                        &item.instance_id,
                        ItemUpdate {
                            request_id: Some(rid.clone()),
                            ..Default::default()
                        },
                    )
                    .await?;
                let again = if attempt > 1 {
                    format!(", attempt {attempt}")
                } else {
                    String::new()
                };
                self.store
                    .add_event(
                        drain.id,
                        "asked",
                        &format!(
                            "{}: {what}{to} asked of Nova{again}{}",
                            item.name,
                            request_words(Some(&rid))
                        ),
                    )
                    .await?;
                Ok(())
            }
            Err(e) if e.is_unauthorized() => {
                // Not taken: undo the record so the move is asked again once someone logs in.
                self.forget_client(drain.id).await;
                self.store
                    .update_item(
                        drain.id,
                        &item.instance_id,
                        ItemUpdate {
                            state: Some(WAITING.into()),
                            attempts: Some(item.attempts),
                            ..Default::default()
                        },
                    )
                    .await?;
                Err(RunError::Unauthorized)
            }
            Err(e) if matches!(e.status(), Some(400 | 403 | 404 | 409)) => {
                let reason = format!("Nova refused the {what}{to}: {}", e.message);
                self.failed(drain, options, &item, &reason, host).await
            }
            // No answer, or a 5xx: Nova may have it. The item stays asked-but-unanswered;
            // the next look settles it from Nova's migration records and instance actions.
            Err(e) => {
                self.store
                    .add_event(
                        drain.id,
                        "asked",
                        &format!("{}: {what}{to} asked; Nova's answer was lost ({e}); watching Nova for it", item.name),
                    )
                    .await?;
                Ok(())
            }
        }
    }

    /// Nova's own words for why this attempt failed (its instance action's failed event, e.g.
    /// "No valid host was found"); the record and the instance's fault rarely say.
    pub(super) async fn failure_words(
        &self,
        compute: &Compute,
        drain: &Drain,
        item: &Item,
    ) -> Option<String> {
        let rid = item.request_id.as_deref().filter(|r| !r.is_empty())?;
        let detail = compute
            .get_instance_action(&item.instance_id, rid)
            .await
            .ok()?;
        let words = one_line(&detail.failure_words()?, 300);
        // A hard group policy is the usual reason no host is valid: name it.
        let group = drain
            .plan
            .get("instances")
            .and_then(|v| v.as_array())
            .and_then(|all| {
                all.iter()
                    .find(|p| p.get("id").and_then(|i| i.as_str()) == Some(&item.instance_id))
            })
            .and_then(|p| p.get("group"))
            .filter(|g| {
                matches!(
                    g.get("policy").and_then(|p| p.as_str()),
                    Some("anti-affinity" | "affinity")
                )
            })
            .map(|g| {
                format!(
                    " ({} group “{}”)",
                    g["policy"].as_str().unwrap_or_default(),
                    g.get("name").and_then(|n| n.as_str()).unwrap_or_default()
                )
            })
            .unwrap_or_default();
        Some(format!("{words}{group}"))
    }

    /// After a failure: retry a live move on another host (once), then cold-migrate it if the
    /// operator allowed that and Nova can (ACTIVE), else the item has failed.
    pub(super) async fn failed(
        &self,
        drain: &Drain,
        options: &JobOptions,
        item: &Item,
        reason: &str,
        failed_on: Option<String>,
    ) -> Result<(), RunError> {
        let live = kind_of(item) == Kind::Live && !is_back(&item.planned_move);
        let retry = live && item.attempts < 2;
        let fallback =
            live && !retry && options.drain.cold_fallback && self.cold_allowed(drain, item);
        if retry || fallback {
            let (next, words) = if retry {
                (
                    planned_move::LIVE,
                    format!("{reason}; retrying on another host"),
                )
            } else {
                (
                    planned_move::COLD,
                    format!("{reason}; live migration failed twice, so cold-migrating it (it reboots), as the drain's options allow"),
                )
            };
            self.store
                .update_item(
                    drain.id,
                    &item.instance_id,
                    ItemUpdate {
                        state: Some(WAITING.into()),
                        planned_move: Some(next.into()),
                        destination: failed_on,
                        detail: Some(words.clone()),
                        ..Default::default()
                    },
                )
                .await?;
            self.store
                .add_event(drain.id, "retry", &format!("{}: {words}", item.name))
                .await?;
            return Ok(());
        }
        self.settle(drain, item, FAILED, reason, failed_on).await
    }

    /// Whether the plan allowed this instance a cold fallback (ACTIVE when planned).
    fn cold_allowed(&self, drain: &Drain, item: &Item) -> bool {
        drain
            .plan
            .get("instances")
            .and_then(|v| v.as_array())
            .and_then(|all| {
                all.iter()
                    .find(|p| p.get("id").and_then(|i| i.as_str()) == Some(&item.instance_id))
            })
            .and_then(|p| p.get("cold_fallback"))
            .and_then(|b| b.as_bool())
            .unwrap_or(false)
    }

    /// Ends an item (moved, failed, skipped), with a timeline line.
    pub(super) async fn settle(
        &self,
        drain: &Drain,
        item: &Item,
        state: &str,
        words: &str,
        destination: Option<String>,
    ) -> Result<(), RunError> {
        let took = item
            .started_at
            .filter(|_| state == MOVED)
            .map(|t| (Utc::now() - t).num_seconds().max(0));
        let line = match (state, &destination, took) {
            (MOVED, Some(to), Some(s)) if words.is_empty() && is_back(&item.planned_move) => {
                format!(
                    "{}: moved back {} → {to} in {s} s",
                    item.name,
                    leaving(drain, item)
                )
            }
            (MOVED, Some(to), Some(s)) if words.is_empty() => {
                format!(
                    "{}: moved {} → {to} in {s} s",
                    item.name,
                    leaving(drain, item)
                )
            }
            _ => format!("{}: {state}: {words}", item.name),
        };
        self.store
            .update_item(
                drain.id,
                &item.instance_id,
                ItemUpdate {
                    state: Some(state.into()),
                    // Moving back, it keeps the host it came back from.
                    destination: destination.filter(|_| !is_back(&item.planned_move)),
                    detail: Some(words.into()),
                    finished: true,
                    ..Default::default()
                },
            )
            .await?;
        self.store.add_event(drain.id, state, &line).await?;
        Ok(())
    }
}

/// Hosts a failed live migration may be retried on, Ferry choosing: enabled, up compute
/// services, but not Ironic's, which are enabled and up too though no migration can land on a
/// bare-metal node.
fn retry_candidates(services: &[Service], hypervisors: &[Hypervisor]) -> Vec<String> {
    let bare_metal: Vec<&str> = hypervisors
        .iter()
        .filter(|h| {
            h.hypervisor_type
                .as_deref()
                .is_some_and(|t| t.eq_ignore_ascii_case("ironic"))
        })
        .filter_map(|h| h.service_host())
        .collect();
    services
        .iter()
        .filter(|s| s.is_enabled() && s.is_up() && !bare_metal.contains(&s.host.as_str()))
        .map(|s| s.host.clone())
        .collect()
}

/// Why Nova would refuse to move it now, in words; None when it may go.
fn not_movable(s: &Server, from: &str) -> Option<String> {
    if s.locked == Some(true) {
        return Some(match s.locked_reason.as_deref().filter(|r| !r.is_empty()) {
            Some(r) => format!("locked: {r}"),
            None => "locked".into(),
        });
    }
    if let Some(task) = s.task_state.as_deref().filter(|t| !t.is_empty()) {
        return Some(format!("busy in Nova ({task}) when its turn came"));
    }
    if s.host.as_deref() == Some(from) && s.status.eq_ignore_ascii_case("VERIFY_RESIZE") {
        return Some("waiting in Verify Resize for someone to confirm or revert it".into());
    }
    None
}

/// " (request req-…)" when Nova named the request, else nothing.
pub fn request_words(id: Option<&str>) -> String {
    match id.filter(|r| !r.is_empty() && *r != "-") {
        Some(r) => format!(" (request {r})"),
        None => String::new(),
    }
}

/// The first line of `text`, at most `max` characters (Nova's details can carry a traceback).
fn one_line(text: &str, max: usize) -> String {
    let line = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    match line.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &line[..at]),
        None => line.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use openstack_client::compute::HypervisorService;

    fn service(host: &str, status: &str, state: &str) -> Service {
        Service {
            host: host.into(),
            binary: "nova-compute".into(),
            status: status.into(),
            state: Some(state.into()),
            ..Default::default()
        }
    }

    fn hypervisor(host: &str, kind: &str) -> Hypervisor {
        Hypervisor {
            hypervisor_hostname: format!("{host}.node"),
            hypervisor_type: Some(kind.into()),
            service: Some(HypervisorService {
                host: host.into(),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn a_retry_never_goes_to_bare_metal_or_a_host_that_cannot_take_it() {
        let services = [
            service("compute2", "enabled", "up"),
            service("compute3", "disabled", "up"),
            service("compute4", "enabled", "down"),
            service("ironic-conductor1", "enabled", "up"),
            service("compute5", "enabled", "up"),
        ];
        let hypervisors = [
            hypervisor("compute2", "QEMU"),
            hypervisor("ironic-conductor1", "ironic"),
            hypervisor("compute5", "QEMU"),
        ];
        assert_eq!(
            retry_candidates(&services, &hypervisors),
            ["compute2", "compute5"]
        );
    }
}
