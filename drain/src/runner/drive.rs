//! One pass over one drain: look at the moves in flight, then, as the drain's state says, start
//! the next ones, cancel the waiting ones, or end the drain.

use std::collections::HashMap;

use chrono::Utc;
use openstack_client::compute::{Compute, Server, ServerQuery};

use super::access::Refused;
use super::item_state::*;
use super::moves::{kind_of, leaving};
use super::observe::{observe, Verdict};
use super::{JobOptions, RunError, Runner};
use crate::store::{Drain, DrainState, Item, ItemUpdate};
use crate::window::{next_to_start, ItemState, WindowItem};

/// At most this many names in a "still on the host" line.
const NAMES_SHOWN: usize = 10;

impl Runner {
    pub(super) async fn drive(&self, drain: Drain) -> Result<(), RunError> {
        let options: JobOptions = serde_json::from_value(drain.options.clone())
            .map_err(|e| RunError::Record(format!("the drain's options do not read: {e}")))?;
        let compute = match self.compute_for(&drain, &options).await {
            Ok(c) => c,
            Err(Refused::NeedsLogin(why)) => return self.needs_login(&drain, &why).await,
            Err(Refused::Unavailable(why)) => {
                return Err(RunError::Record(format!("cannot reach the cloud: {why}")))
            }
        };
        match self.pass(&compute, &drain, &options).await {
            Err(RunError::Unauthorized) => self.refused_token(&drain).await,
            other => other,
        }
    }

    /// Nova refused the token mid-pass. An application credential gets a new token at the
    /// next tick (and if Keystone refuses that, the drain waits for a login then); a kept
    /// operator's token cannot be renewed, so the drain waits for a login now.
    async fn refused_token(&self, drain: &Drain) -> Result<(), RunError> {
        self.forget_client(drain.id).await;
        let stored = self.store.credential(drain.id).await?;
        if stored.is_some_and(|c| c.id != super::TOKEN_CREDENTIAL) {
            return Ok(());
        }
        let who = &drain.started_by.user_name;
        self.needs_login(
            drain,
            &format!(
                "Nova no longer accepts {who}'s token (it expired or was revoked); {who} (or another admin) must log in and resume it."
            ),
        )
        .await
    }

    /// One look at the drain: its moves under way, the window, and the end when nothing is left.
    async fn pass(
        &self,
        compute: &Compute,
        drain: &Drain,
        options: &JobOptions,
    ) -> Result<(), RunError> {
        for item in self.store.items(drain.id).await? {
            if in_flight(&item.state) {
                self.watch(compute, drain, options, &item).await?;
            }
        }
        let items = self.store.items(drain.id).await?;
        match drain.state {
            DrainState::Running | DrainState::MovingBack => {
                self.fill_window(compute, drain, options, &items).await?;
                let items = self.store.items(drain.id).await?;
                if !items
                    .iter()
                    .any(|i| i.state == WAITING || in_flight(&i.state))
                {
                    self.finish(compute, drain, &items).await?;
                }
            }
            DrainState::Cancelling => {
                for item in items.iter().filter(|i| i.state == WAITING) {
                    self.settle(drain, item, CANCELLED, "cancelled before its turn", None)
                        .await?;
                }
                if !items.iter().any(|i| in_flight(&i.state)) {
                    let moved = items.iter().filter(|i| i.state == MOVED).count();
                    self.store
                        .set_state(
                            drain.id,
                            DrainState::Cancelled,
                            &format!(
                                "cancelled with {moved} of {} moved; the compute service stays disabled until someone enables it",
                                items.len()
                            ),
                        )
                        .await?;
                    self.store.clear_credential(drain.id).await?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Starts what the window allows now, never two members of one anti-affinity group at once.
    async fn fill_window(
        &self,
        compute: &Compute,
        drain: &Drain,
        options: &JobOptions,
        items: &[Item],
    ) -> Result<(), RunError> {
        let groups = anti_affinity_groups(drain);
        let window: Vec<WindowItem> = items
            .iter()
            .map(|i| WindowItem {
                id: i.instance_id.clone(),
                state: window_state(&i.state),
                anti_affinity_group: groups.get(i.instance_id.as_str()).cloned(),
            })
            .collect();
        let start = next_to_start(&window, options.drain.parallel);
        if start.is_empty() {
            return Ok(());
        }
        // About to send: make sure this server still holds the drain.
        if !self
            .store
            .renew(drain.id, &self.config.owner, self.config.lease)
            .await?
        {
            return Err(RunError::LostLease);
        }
        let mut busy: Vec<String> = items
            .iter()
            .filter(|i| in_flight(&i.state) || i.state == MOVED)
            .filter_map(|i| i.destination.clone())
            .collect();
        for id in start {
            let Some(item) = items.iter().find(|i| i.instance_id == id) else {
                continue;
            };
            self.start(compute, drain, options, item, &busy).await?;
            if let Some(d) = &item.destination {
                busy.push(d.clone());
            }
        }
        Ok(())
    }

    /// Reads one move's outcome from Nova and records it.
    async fn watch(
        &self,
        compute: &Compute,
        drain: &Drain,
        options: &JobOptions,
        item: &Item,
    ) -> Result<(), RunError> {
        let server = match compute.get_server(&item.instance_id).await {
            Ok(s) => Some(s),
            Err(e) if e.status() == Some(404) => None,
            Err(e) if e.is_unauthorized() => return Err(RunError::Unauthorized),
            // Nova did not answer: look again at the next tick.
            Err(_) => return Ok(()),
        };
        // The record is needed to tell queued from moving, and failed from not started; a
        // move Nova shows under way (a task) needs only the instance.
        let need_record = server.as_ref().is_some_and(|s| {
            s.task_state.as_deref().is_none_or(str::is_empty) || item.state == QUEUED
        });
        let migration = if need_record {
            match self.migration_since(compute, item).await {
                Ok(m) => m,
                Err(e) if e.is_unauthorized() => return Err(RunError::Unauthorized),
                Err(_) => return Ok(()),
            }
        } else {
            None
        };
        let from = leaving(drain, item).to_string();
        let sent = item.request_id.as_deref().is_some_and(|r| !r.is_empty());
        let verdict = observe(
            kind_of(item),
            &from,
            options.drain.auto_confirm,
            server.as_ref(),
            migration.as_ref(),
            sent,
            item.started_at,
            Utc::now(),
        );
        // Moving back, `destination` keeps the host it left from (where the drain sent it).
        let back = super::planned_move::is_back(&item.planned_move);
        let record =
            |state: &str, destination: Option<String>, detail: Option<String>| ItemUpdate {
                state: Some(state.into()),
                destination: destination.filter(|_| !back),
                migration_id: migration.as_ref().and_then(|m| i64::try_from(m.id).ok()),
                migration_uuid: migration.as_ref().and_then(|m| m.uuid.clone()),
                detail,
                ..Default::default()
            };
        match verdict {
            Verdict::Queued if item.state != QUEUED => {
                self.store
                    .update_item(drain.id, &item.instance_id, record(QUEUED, None, None))
                    .await?;
            }
            Verdict::Queued => {}
            Verdict::Moving { destination } => {
                let changed = item.state != MOVING
                    || (destination.is_some() && destination != item.destination);
                if changed {
                    self.store
                        .update_item(
                            drain.id,
                            &item.instance_id,
                            record(MOVING, destination, None),
                        )
                        .await?;
                }
            }
            Verdict::Confirm { destination } => {
                if item.detail.as_deref() != Some(CONFIRMING) {
                    // Once: a tick that sees Verify Resize again before Nova's task shows
                    // the confirmation must not send a second one.
                    self.store
                        .update_item(
                            drain.id,
                            &item.instance_id,
                            record(MOVING, Some(destination.clone()), Some(CONFIRMING.into())),
                        )
                        .await?;
                    let line = match compute.confirm_resize(&item.instance_id).await {
                        Ok(a) => format!(
                            "{}: in Verify Resize on {destination}; confirmed{}",
                            item.name,
                            super::moves::request_words(a.request_id.as_deref())
                        ),
                        Err(e) => format!(
                            "{}: in Verify Resize on {destination}; Nova refused the confirmation: {}",
                            item.name, e.message
                        ),
                    };
                    self.store.add_event(drain.id, "confirm", &line).await?;
                }
            }
            Verdict::AwaitConfirm { destination } => {
                let words = format!(
                    "in Verify Resize on {destination}: confirm or revert it (automatic confirmation is off)"
                );
                if item.detail.as_deref() != Some(words.as_str()) {
                    self.store
                        .update_item(
                            drain.id,
                            &item.instance_id,
                            record(MOVING, Some(destination), Some(words)),
                        )
                        .await?;
                }
            }
            Verdict::Moved { destination } => {
                self.settle(drain, item, MOVED, "", Some(destination))
                    .await?;
            }
            Verdict::Failed { reason } => {
                let failed_on = migration.as_ref().and_then(|m| m.dest_compute.clone());
                let reason = match self.failure_words(compute, drain, item).await {
                    Some(words) if !reason.contains(&words) => format!("{reason}: {words}"),
                    _ => reason,
                };
                self.failed(drain, options, item, &reason, failed_on)
                    .await?;
            }
            Verdict::Gone => {
                self.settle(drain, item, SKIPPED, "deleted during the drain", None)
                    .await?;
            }
            Verdict::NotSent => match self.sent_after_all(compute, item).await {
                Ok(Some(rid)) => {
                    self.store
                        .update_item(
                            drain.id,
                            &item.instance_id,
                            ItemUpdate {
                                request_id: Some(rid),
                                ..Default::default()
                            },
                        )
                        .await?;
                }
                Ok(None) => {
                    // Recorded as asked, never sent (a server stopped in between): ask again.
                    self.store
                        .update_item(
                            drain.id,
                            &item.instance_id,
                            ItemUpdate {
                                state: Some(WAITING.into()),
                                attempts: Some((item.attempts - 1).max(0)),
                                ..Default::default()
                            },
                        )
                        .await?;
                    self.store
                        .add_event(
                            drain.id,
                            "resend",
                            &format!(
                                "{}: Nova has no trace of the move recorded as asked; it goes back in the queue",
                                item.name
                            ),
                        )
                        .await?;
                }
                Err(_) => {}
            },
        }
        Ok(())
    }

    /// Nothing waits and nothing moves: done only when Nova lists no instance on the host
    /// (asked twice, a second apart), else failed with what is left.
    async fn finish(
        &self,
        compute: &Compute,
        drain: &Drain,
        items: &[Item],
    ) -> Result<(), RunError> {
        if drain.state == DrainState::MovingBack {
            let back = items
                .iter()
                .filter(|i| super::planned_move::is_back(&i.planned_move))
                .collect::<Vec<_>>();
            let home = back.iter().filter(|i| i.state == MOVED).count();
            self.store
                .set_state(
                    drain.id,
                    DrainState::Done,
                    &format!(
                        "moved back: {home} of {} instances are on {} again",
                        back.len(),
                        drain.host
                    ),
                )
                .await?;
            self.store.clear_credential(drain.id).await?;
            return Ok(());
        }
        let mut left = self.on_host(compute, &drain.host).await?;
        if left.is_empty() {
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            left = self.on_host(compute, &drain.host).await?;
        }
        if self.plan_arrivals(compute, drain, items, &left).await? {
            return Ok(());
        }
        let left: Vec<String> = left.into_iter().map(|s| s.name).collect();
        if left.is_empty() {
            self.store
                .set_state(
                    drain.id,
                    DrainState::Done,
                    &format!("{} is empty — ready for maintenance", drain.host),
                )
                .await?;
        } else {
            let mut names: Vec<String> = left.iter().take(NAMES_SHOWN).cloned().collect();
            if left.len() > NAMES_SHOWN {
                names.push(format!("and {} more", left.len() - NAMES_SHOWN));
            }
            self.store
                .set_state(
                    drain.id,
                    DrainState::Failed,
                    &format!(
                        "{} instance(s) still on {}: {} (each one's reason is in its row; Retry failed tries again)",
                        left.len(),
                        drain.host,
                        names.join(", ")
                    ),
                )
                .await?;
        }
        self.store.clear_credential(drain.id).await?;
        Ok(())
    }

    /// Instances on the host the drain has never seen (someone put them there by hand while it
    /// ran, or a migration back landed): planned by the same rules and added to the drain, so
    /// the window moves them too. True when there were any. Each is added once: if it cannot
    /// move, the drain ends naming it.
    async fn plan_arrivals(
        &self,
        compute: &Compute,
        drain: &Drain,
        items: &[Item],
        left: &[Server],
    ) -> Result<bool, RunError> {
        let known: std::collections::HashSet<&str> =
            items.iter().map(|i| i.instance_id.as_str()).collect();
        let arrived: Vec<Server> = left
            .iter()
            .filter(|s| !known.contains(s.id.as_str()))
            .cloned()
            .collect();
        if arrived.is_empty() {
            return Ok(false);
        }
        let options: JobOptions = serde_json::from_value(drain.options.clone())
            .map_err(|e| RunError::Record(format!("the drain's options do not read: {e}")))?;
        let groups = compute.list_server_groups(true).await?;
        let p = crate::plan::plan(&drain.host, false, &arrived, &groups, &[], &options.drain);
        let mut whole: crate::plan::Plan = serde_json::from_value(drain.plan.clone())
            .map_err(|e| RunError::Record(format!("the drain's plan does not read: {e}")))?;
        let new: Vec<_> = p
            .instances
            .iter()
            .map(|i| super::new_item(&drain.host, i))
            .collect();
        let words: Vec<String> = p
            .instances
            .iter()
            .map(|i| match &i.move_ {
                crate::plan::Move::Live => format!("{} (live migrate)", i.name),
                crate::plan::Move::ColdThenConfirm => format!("{} (cold migrate)", i.name),
                crate::plan::Move::Skip(why) => format!("{} (skipped: {why})", i.name),
            })
            .collect();
        whole.instances.extend(p.instances);
        let plan = serde_json::to_value(&whole)
            .map_err(|e| RunError::Record(format!("the drain's plan: {e}")))?;
        self.store
            .add_items(
                drain.id,
                &plan,
                &new,
                &format!(
                    "{} instance(s) came to {} during the drain, planned and added: {}",
                    new.len(),
                    drain.host,
                    words.join(", ")
                ),
            )
            .await?;
        Ok(true)
    }

    /// The instances Nova lists on exactly `host` (never a LIKE search).
    async fn on_host(&self, compute: &Compute, host: &str) -> Result<Vec<Server>, RunError> {
        let q = ServerQuery {
            all_tenants: true,
            host: Some(host.to_string()),
            limit: Some(500),
            ..Default::default()
        };
        let servers = compute.list_all_servers(&q, 40).await.map_err(|e| {
            if e.is_unauthorized() {
                RunError::Unauthorized
            } else {
                RunError::Record(format!("cannot list the host's instances: {e}"))
            }
        })?;
        Ok(servers
            .into_iter()
            .filter(|s| s.host.as_deref() == Some(host))
            .collect())
    }

    async fn needs_login(&self, drain: &Drain, why: &str) -> Result<(), RunError> {
        if drain.needs_login.as_deref() == Some(why) {
            return Ok(());
        }
        self.store.set_needs_login(drain.id, Some(why)).await?;
        if drain.state == DrainState::Paused {
            self.store.add_event(drain.id, "login", why).await?;
        } else {
            self.store
                .set_state(drain.id, DrainState::Paused, why)
                .await?;
        }
        Ok(())
    }
}

/// The marker of a confirmation sent, in an item's detail.
pub const CONFIRMING: &str = "confirming the cold migration";

fn window_state(s: &str) -> ItemState {
    match s {
        WAITING => ItemState::Waiting,
        QUEUED => ItemState::Queued,
        MOVING => ItemState::Moving,
        MOVED => ItemState::Moved,
        FAILED => ItemState::Failed,
        CANCELLED => ItemState::Cancelled,
        _ => ItemState::Skipped,
    }
}

/// Instance id → anti-affinity group id, from the plan the drain was started with.
fn anti_affinity_groups(drain: &Drain) -> HashMap<String, String> {
    let plan: Option<crate::plan::Plan> = serde_json::from_value(drain.plan.clone()).ok();
    plan.map(|p| {
        p.instances
            .iter()
            .filter_map(|i| {
                let g = i.group.as_ref().filter(|g| g.is_anti_affinity())?;
                Some((i.id.clone(), g.id.clone()))
            })
            .collect()
    })
    .unwrap_or_default()
}
