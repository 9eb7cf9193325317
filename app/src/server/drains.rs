//! Drains as server functions see them: starting one (plan again from Nova, record it, give it
//! a credential, disable the service, hand it to the runner), changing one (pause, resume,
//! cancel, retry failed, move back, the window), and the page's view of one, read from the
//! drain database alone.

use std::sync::Arc;

use chrono::{Duration, Utc};
use drain::{
    plan::{Destinations, DrainOptions},
    runner::{item_state, planned_move, JobOptions, Runner, SecretBox, TOKEN_CREDENTIAL},
    store::{Drain, DrainState, ItemUpdate, NewDrain, StartedBy, Store, StoreError},
};
use openstack_client::{
    compute::{Compute, ServiceUpdate},
    identity::{create_application_credential, NewApplicationCredential},
};

use super::{session::Session, upstream::upstream_error, Backend};
use crate::{
    drain_job::{DrainJobView, JobItem, Totals},
    error::AppError,
};

/// A drain's application credential expires after this; a longer drain then waits for a login.
pub const CREDENTIAL_HOURS: i64 = 24;
/// The timeline lines a page shows.
const EVENTS_SHOWN: usize = 200;

/// The drain database and this server's runner.
#[derive(Clone)]
pub struct DrainService {
    pub store: Store,
    pub runner: Arc<Runner>,
    pub secrets: Arc<SecretBox>,
}

pub fn service(backend: &Backend) -> Result<&DrainService, AppError> {
    backend
        .drains
        .get()
        .ok_or_else(|| AppError::Internal("Ferry's drain database is not configured.".into()))
}

pub fn store_error(e: StoreError) -> AppError {
    match e {
        StoreError::HostAlreadyDraining { drain_id, started_by } => AppError::Conflict(format!(
            "Refused: this host is being drained already (drain {}, started by {started_by}); one drain of a host at a time. Nothing was changed.",
            &drain_id.to_string()[..8]
        )),
        StoreError::Invalid(m) => AppError::BadRequest(m),
        StoreError::DrainNotFound(_) | StoreError::ItemNotFound { .. } => {
            AppError::BadRequest("Ferry has no such drain.".into())
        }
        other => {
            tracing::error!(error = %other, "drain database");
            AppError::Internal("Ferry's drain database did not answer; nothing was changed.".into())
        }
    }
}

/// The operator's reason: required, and the service's disabled reason it goes into is at most
/// Nova's 255 characters, so the operator's own part is too.
pub fn clean_drain_reason(reason: &str) -> Result<String, AppError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AppError::BadRequest(
            "A reason is required to drain a host: it goes into the compute service's disabled reason, for every operator to read.".into(),
        ));
    }
    let n = reason.chars().count();
    if n > 255 {
        return Err(AppError::BadRequest(format!(
            "The reason is {n} characters long; Nova takes at most 255. Nothing was started: shorten it and start again."
        )));
    }
    Ok(reason.to_string())
}

/// "Ferry drain 1a2b3c4d by alice: <reason>", cut to Nova's 255 characters.
pub fn service_reason(id: &uuid::Uuid, user: &str, reason: &str) -> String {
    let short = &id.to_string()[..8];
    let full = format!("Ferry drain {short} by {user}: {reason}");
    if full.chars().count() <= 255 {
        full
    } else {
        let mut cut: String = full.chars().take(254).collect();
        cut.push('…');
        cut
    }
}

/// Starts draining `host` with `options`: a fresh plan from Nova, the record, a credential for
/// the drain, the service disabled with the drain's reason, then the runner.
pub async fn start(
    backend: &Backend,
    session: &Session,
    compute: &Compute,
    host: &str,
    fields: &[(String, String)],
    reason: &str,
) -> Result<Drain, AppError> {
    let svc = service(backend)?;
    let reason = clean_drain_reason(reason)?;
    if fields.is_empty() {
        return Err(AppError::BadRequest(
            "The drain's options are missing: start it from its plan page.".into(),
        ));
    }
    let planned = super::drain_plan::make_plan(backend, session, compute, host, fields).await?;
    if planned.bare_metal {
        return Err(AppError::BadRequest(format!(
            "{host} is a bare-metal node: Nova's migrations do not move its workload, so Ferry does not drain it."
        )));
    }
    if let Some(e) = planned.option_error {
        return Err(AppError::BadRequest(format!("{e} Nothing was started.")));
    }
    let options = planned.options;
    let p = planned.plan;
    if p.counts.live + p.counts.cold == 0 {
        let words = if p.instances.is_empty() {
            format!("Nova lists no instance on {host}: it is empty already, ready for maintenance.")
        } else {
            format!(
                "Nothing on {host} can move: every instance is skipped (see each one's reason)."
            )
        };
        return Err(AppError::BadRequest(words));
    }
    let items = p
        .instances
        .iter()
        .map(|i| drain::runner::new_item(host, i))
        .collect();
    let job = JobOptions {
        drain: options,
        compute_url: session.compute_url.clone(),
    };
    let new = NewDrain {
        host: host.to_string(),
        state: DrainState::Planned,
        reason: reason.clone(),
        started_by: StartedBy {
            user_name: session.user.clone(),
            user_id: session.user_id.clone(),
            project_id: session.project_id.clone(),
            project_name: session.project.clone(),
        },
        options: serde_json::to_value(&job).map_err(|e| AppError::Internal(e.to_string()))?,
        plan: serde_json::to_value(&p).map_err(|e| AppError::Internal(e.to_string()))?,
        items,
    };
    let drain = svc.store.create_drain(new).await.map_err(store_error)?;
    if let Err(e) = begin(backend, svc, session, compute, &drain, &reason).await {
        let words = format!("not started: {e}");
        let _ = svc
            .store
            .set_state(drain.id, DrainState::Failed, &words)
            .await;
        let _ = svc.store.clear_credential(drain.id).await;
        return Err(e);
    }
    svc.runner.wake();
    Ok(drain)
}

/// The credential, then the service disabled, then running: in this order, so a drain never
/// moves anything while the scheduler may still place new instances on the host.
async fn begin(
    backend: &Backend,
    svc: &DrainService,
    session: &Session,
    compute: &Compute,
    drain: &Drain,
    reason: &str,
) -> Result<(), AppError> {
    give_credential(backend, svc, session, drain).await?;
    let services = compute
        .list_services(Some("nova-compute"))
        .await
        .map_err(|e| upstream_error(e, "list the compute services"))?;
    let Some(service) = services.iter().find(|s| s.host == drain.host) else {
        return Err(AppError::BadRequest(format!(
            "Nova has no nova-compute service on {}.",
            drain.host
        )));
    };
    let words = service_reason(&drain.id, &session.user, reason);
    let before = service
        .disabled_reason
        .clone()
        .filter(|_| !service.is_enabled());
    compute
        .set_service(&service.id, &ServiceUpdate::disable(Some(&words)))
        .await
        .map_err(|e| super::upstream::action_error(e, "disable the compute service"))?;
    let line = match before {
        Some(b) => format!("compute service disabled: “{words}” (it was disabled already: “{b}”)"),
        None => format!("compute service disabled: “{words}”"),
    };
    svc.store
        .add_event(drain.id, "service", &line)
        .await
        .map_err(store_error)?;
    svc.store
        .set_state(
            drain.id,
            DrainState::Running,
            &format!(
                "started by {} ({}): {reason}",
                session.user, session.project
            ),
        )
        .await
        .map_err(store_error)?;
    tracing::info!(drain = %drain.id, host = %drain.host, user = %session.user, "drain started");
    Ok(())
}

/// Makes the drain its own Keystone application credential from the operator's token:
/// restricted (it cannot make others), expiring, named after the drain. Where Keystone refuses,
/// the operator's token is kept instead and the drain waits for a login when it expires.
pub async fn give_credential(
    backend: &Backend,
    svc: &DrainService,
    session: &Session,
    drain: &Drain,
) -> Result<(), AppError> {
    let id = drain.id.to_string();
    let expires = Utc::now() + Duration::hours(CREDENTIAL_HOURS);
    let new = NewApplicationCredential {
        // One per start, resume or move back: Keystone wants names unique per user.
        name: format!(
            "ferry-drain-{}-{}-{}",
            drain.host,
            &id[..8],
            &uuid::Uuid::new_v4().simple().to_string()[..6]
        ),
        description: Some(format!(
            "Ferry's drain of {} started by {}; deleted or left to expire when it ends",
            drain.host, drain.started_by.user_name
        )),
        expires_at: Some(expires),
        roles: session.roles.clone(),
        unrestricted: false,
        ..Default::default()
    };
    let seal = |plain: &str| {
        svc.secrets
            .seal(&id, plain)
            .map_err(|e| AppError::Internal(format!("cannot seal the drain's credential: {e}")))
    };
    match create_application_credential(
        &backend.transport,
        &backend.config.auth_url,
        &session.token,
        &session.user_id,
        &new,
    )
    .await
    {
        Ok(made) => {
            let sealed = seal(made.secret.expose())?;
            let until = made.credential.expires_at.unwrap_or(expires);
            svc.store
                .set_credential(drain.id, &made.credential.id, sealed, until)
                .await
                .map_err(store_error)?;
            svc.store
                .add_event(
                    drain.id,
                    "credential",
                    &format!(
                        "acts as {} with application credential {} (restricted, expires {})",
                        session.user,
                        new.name,
                        until.format("%Y-%m-%d %H:%M UTC")
                    ),
                )
                .await
                .map_err(store_error)?;
        }
        Err(e) if matches!(e.status(), Some(400 | 403 | 404 | 501)) => {
            let sealed = seal(&session.token)?;
            svc.store
                .set_credential(drain.id, TOKEN_CREDENTIAL, sealed, session.expires_at)
                .await
                .map_err(store_error)?;
            svc.store
                .add_event(
                    drain.id,
                    "credential",
                    &format!(
                        "Keystone refused an application credential ({}); the drain acts with {}'s token until {}, then waits for a login",
                        e.message,
                        session.user,
                        session.expires_at.format("%Y-%m-%d %H:%M UTC")
                    ),
                )
                .await
                .map_err(store_error)?;
        }
        Err(e) => return Err(upstream_error(e, "make the drain's application credential")),
    }
    Ok(())
}

/// What the page's buttons may do with a drain.
pub enum Control {
    Pause,
    Resume,
    Cancel,
    RetryFailed,
    MoveBack,
    Parallel(u8),
}

impl Control {
    pub fn parse(op: &str, parallel: Option<&str>) -> Result<Control, AppError> {
        Ok(match op {
            "pause" => Control::Pause,
            "resume" => Control::Resume,
            "cancel" => Control::Cancel,
            "retry" => Control::RetryFailed,
            "back" => Control::MoveBack,
            "parallel" => {
                let raw = parallel.unwrap_or_default();
                let o = DrainOptions::from_form([("parallel", raw)]).map_err(|e| {
                    AppError::BadRequest(format!("{e} The window was not changed."))
                })?;
                Control::Parallel(o.parallel)
            }
            _ => {
                return Err(AppError::BadRequest(
                    "Ferry does not know that drain action.".into(),
                ))
            }
        })
    }
}

pub async fn control(
    backend: &Backend,
    session: &Session,
    compute: &Compute,
    id: uuid::Uuid,
    op: Control,
) -> Result<Drain, AppError> {
    let svc = service(backend)?;
    let store = &svc.store;
    let drain = store
        .drain(id)
        .await
        .map_err(store_error)?
        .ok_or_else(|| AppError::BadRequest("Ferry has no such drain.".into()))?;
    let by = format!("{} ({})", session.user, session.project);
    let refuse = |what: &str| {
        Err(AppError::Conflict(format!(
            "This drain is {}: it cannot {what} now.",
            crate::drain_job::state_label(drain.state.as_str()).to_lowercase()
        )))
    };
    let items = store.items(id).await.map_err(store_error)?;
    let going_back = items
        .iter()
        .any(|i| planned_move::is_back(&i.planned_move) && i.state != item_state::MOVED);
    match op {
        Control::Pause => {
            if !matches!(drain.state, DrainState::Running | DrainState::MovingBack) {
                return refuse("be paused");
            }
            store
                .set_state(
                    id,
                    DrainState::Paused,
                    &format!("paused by {by}; the moves under way finish"),
                )
                .await
                .map_err(store_error)?;
        }
        Control::Resume => {
            if drain.state != DrainState::Paused {
                return refuse("be resumed");
            }
            if drain.needs_login.is_some() {
                give_credential(backend, svc, session, &drain).await?;
            }
            let next = if going_back {
                DrainState::MovingBack
            } else {
                DrainState::Running
            };
            store
                .set_state(id, next, &format!("resumed by {by}"))
                .await
                .map_err(store_error)?;
        }
        Control::Cancel => {
            if !matches!(
                drain.state,
                DrainState::Running | DrainState::Paused | DrainState::MovingBack
            ) {
                return refuse("be cancelled");
            }
            store
                .set_state(
                    id,
                    DrainState::Cancelling,
                    &format!("cancelled by {by}: nothing more starts; the moves under way finish"),
                )
                .await
                .map_err(store_error)?;
        }
        Control::RetryFailed => {
            // The failed ones, and (leaving the host, not coming back) the skipped ones: the
            // operator may have unlocked, confirmed or reset them meanwhile. The runner checks
            // each against Nova again and skips what still cannot move, with today's reason.
            let failed: Vec<_> = items
                .iter()
                .filter(|i| {
                    i.state == item_state::FAILED || (!going_back && i.state == item_state::SKIPPED)
                })
                .collect();
            if failed.is_empty() {
                return Err(AppError::Conflict(
                    "No instance of this drain has failed or was skipped.".into(),
                ));
            }
            let skipped = failed
                .iter()
                .filter(|i| i.state == item_state::SKIPPED)
                .count();
            if !matches!(
                drain.state,
                DrainState::Running | DrainState::Paused | DrainState::Failed
            ) {
                return refuse("retry");
            }
            if drain.state == DrainState::Failed {
                give_credential(backend, svc, session, &drain).await?;
            }
            for i in &failed {
                let back = planned_move::is_back(&i.planned_move);
                store
                    .update_item(
                        id,
                        &i.instance_id,
                        ItemUpdate {
                            state: Some(item_state::WAITING.into()),
                            attempts: Some(0),
                            detail: Some(format!("retry asked by {by}")),
                            planned_move: if back {
                                None
                            } else if i.planned_move == planned_move::SKIP {
                                // Live unless Nova shows it shut off when its turn comes.
                                Some(planned_move::LIVE.to_string())
                            } else {
                                (i.planned_move == planned_move::COLD)
                                    .then(|| planned_move::COLD.to_string())
                            },
                            ..Default::default()
                        },
                    )
                    .await
                    .map_err(store_error)?;
            }
            if drain.state != DrainState::Paused {
                let next = if going_back {
                    DrainState::MovingBack
                } else {
                    DrainState::Running
                };
                store
                    .set_state(
                        id,
                        next,
                        &match skipped {
                            0 => format!("{} failed instance(s) retried by {by}", failed.len()),
                            n => format!(
                                "{} failed and {n} skipped instance(s) retried by {by}",
                                failed.len() - n
                            ),
                        },
                    )
                    .await
                    .map_err(store_error)?;
            }
        }
        Control::MoveBack => {
            if !matches!(drain.state, DrainState::Done | DrainState::Failed)
                || going_back
                || items.iter().any(|i| planned_move::is_back(&i.planned_move))
            {
                return refuse("move instances back");
            }
            let services = compute
                .list_services(Some("nova-compute"))
                .await
                .map_err(|e| upstream_error(e, "list the compute services"))?;
            let enabled = services
                .iter()
                .any(|s| s.host == drain.host && s.is_enabled() && s.is_up());
            if !enabled {
                return Err(AppError::Conflict(format!(
                    "Enable {} first (and make sure it is up): Nova moves nothing to a disabled host.",
                    drain.host
                )));
            }
            let moved: Vec<_> = items
                .iter()
                .filter(|i| i.state == item_state::MOVED)
                .collect();
            if moved.is_empty() {
                return Err(AppError::Conflict(
                    "This drain moved no instance off the host.".into(),
                ));
            }
            give_credential(backend, svc, session, &drain).await?;
            for i in &moved {
                let back = if i.planned_move == planned_move::COLD {
                    planned_move::BACK_COLD
                } else {
                    planned_move::BACK_LIVE
                };
                store
                    .update_item(
                        id,
                        &i.instance_id,
                        ItemUpdate {
                            state: Some(item_state::WAITING.into()),
                            planned_move: Some(back.into()),
                            attempts: Some(0),
                            detail: Some(format!(
                                "on {}; going back to {}",
                                i.destination.clone().unwrap_or_default(),
                                i.origin_host
                            )),
                            ..Default::default()
                        },
                    )
                    .await
                    .map_err(store_error)?;
            }
            store
                .set_state(
                    id,
                    DrainState::MovingBack,
                    &format!(
                        "moving {} instance(s) back to {}, asked by {by}",
                        moved.len(),
                        drain.host
                    ),
                )
                .await
                .map_err(store_error)?;
        }
        Control::Parallel(n) => {
            if !drain.state.is_active() {
                return refuse("change its window");
            }
            let mut job: JobOptions = serde_json::from_value(drain.options.clone())
                .map_err(|e| AppError::Internal(format!("the drain's options do not read: {e}")))?;
            let was = job.drain.parallel;
            job.drain.parallel = n;
            let value =
                serde_json::to_value(&job).map_err(|e| AppError::Internal(e.to_string()))?;
            store
                .set_options(
                    id,
                    &value,
                    &format!("window changed from {was} to {n} by {by}"),
                )
                .await
                .map_err(store_error)?;
        }
    }
    svc.runner.wake();
    store
        .drain(id)
        .await
        .map_err(store_error)?
        .ok_or_else(|| AppError::BadRequest("Ferry has no such drain.".into()))
}

/// The drain of `host` the page shows: the active one, else the latest.
pub async fn drain_of_host(svc: &DrainService, host: &str) -> Result<Option<Drain>, AppError> {
    let mut all = svc.store.drains_for_host(host).await.map_err(store_error)?;
    all.sort_by_key(|d| d.created_at);
    Ok(all
        .iter()
        .find(|d| d.state.is_active())
        .or(all.last())
        .cloned())
}

pub async fn job_view(svc: &DrainService, drain: &Drain) -> Result<DrainJobView, AppError> {
    let items = svc.store.items(drain.id).await.map_err(store_error)?;
    let events = svc.store.events(drain.id, 0).await.map_err(store_error)?;
    let options: Option<JobOptions> = serde_json::from_value(drain.options.clone()).ok();
    let mut totals = Totals::default();
    for i in &items {
        match i.state.as_str() {
            item_state::WAITING => totals.waiting += 1,
            item_state::QUEUED | item_state::MOVING => totals.in_flight += 1,
            item_state::MOVED => totals.moved += 1,
            item_state::FAILED => totals.failed += 1,
            item_state::CANCELLED => totals.cancelled += 1,
            _ => totals.skipped += 1,
        }
    }
    let state_words = events
        .iter()
        .rev()
        .find(|e| e.kind == "state")
        .map(|e| e.message.clone())
        .unwrap_or_default();
    let (parallel, options_words) = match &options {
        Some(o) => (
            o.drain.parallel,
            format!(
                "{}; {} at a time; block migration auto; {}; {}",
                match &o.drain.destinations {
                    Destinations::Scheduler => "the scheduler chooses each destination".to_string(),
                    Destinations::Hosts(h) => format!("only to {}", h.join(", ")),
                },
                o.drain.parallel,
                if o.drain.cold_fallback {
                    "a live migration that fails twice is cold-migrated"
                } else {
                    "no cold fallback"
                },
                if o.drain.auto_confirm {
                    "cold migrations confirmed automatically"
                } else {
                    "cold migrations wait for you in Verify Resize"
                }
            ),
        ),
        None => (0, String::new()),
    };
    let back = items.iter().any(|i| planned_move::is_back(&i.planned_move));
    let any_failed = totals.failed > 0;
    let s = drain.state;
    let held = drain.lease_until.is_some_and(|t| t > Utc::now());
    Ok(DrainJobView {
        id: drain.id.to_string(),
        host: drain.host.clone(),
        state: s.as_str().into(),
        state_words,
        active: s.is_active(),
        reason: drain.reason.clone(),
        started_by: format!(
            "{} ({})",
            drain.started_by.user_name, drain.started_by.project_name
        ),
        started_at: drain.created_at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        needs_login: drain.needs_login.clone(),
        driver: drain.owner.clone().filter(|_| held),
        parallel,
        options_words,
        totals,
        items: items
            .iter()
            .map(|i| JobItem {
                id: i.instance_id.clone(),
                name: i.name.clone(),
                state: i.state.clone(),
                action: match i.planned_move.as_str() {
                    planned_move::LIVE => "Live migrate",
                    planned_move::COLD => "Cold migrate, then confirm",
                    planned_move::BACK_LIVE => "Move back (live)",
                    planned_move::BACK_COLD => "Move back (cold)",
                    _ => "Skip",
                }
                .into(),
                from: if planned_move::is_back(&i.planned_move) {
                    i.destination.clone().unwrap_or_default()
                } else {
                    i.origin_host.clone()
                },
                to: if planned_move::is_back(&i.planned_move) {
                    Some(i.origin_host.clone())
                } else {
                    i.destination.clone()
                },
                detail: i.detail.clone().filter(|d| !d.is_empty()),
                attempts: i.attempts,
                request_id: i.request_id.clone().filter(|r| !r.is_empty() && r != "-"),
                seconds: match (i.started_at, i.finished_at) {
                    (Some(a), Some(b)) if i.state == item_state::MOVED => {
                        Some((b - a).num_seconds().max(0))
                    }
                    _ => None,
                },
                progress: None,
            })
            .collect(),
        events: events
            .iter()
            .rev()
            .take(EVENTS_SHOWN)
            .map(|e| (e.at.format("%H:%M:%S").to_string(), e.message.clone()))
            .collect(),
        can_pause: matches!(s, DrainState::Running | DrainState::MovingBack),
        can_resume: s == DrainState::Paused,
        can_cancel: matches!(
            s,
            DrainState::Running | DrainState::Paused | DrainState::MovingBack
        ),
        can_retry: (any_failed || (!back && totals.skipped > 0))
            && matches!(
                s,
                DrainState::Running | DrainState::Paused | DrainState::Failed
            ),
        can_move_back: matches!(s, DrainState::Done | DrainState::Failed)
            && !back
            && totals.moved > 0,
    })
}

/// Live-migration progress for the drain's live moves under way (at most the window, so the
/// cost of watching a drain follows its window, not the instances already done).
pub async fn attach_progress(
    backend: &Backend,
    session: &super::session::Session,
    compute: &openstack_client::compute::Compute,
    job: &mut DrainJobView,
) {
    let ids: Vec<String> = job
        .items
        .iter()
        .filter(|i| i.state == item_state::MOVING && i.action.to_ascii_lowercase().contains("live"))
        .map(|i| i.id.clone())
        .collect();
    if ids.is_empty() {
        return;
    }
    for (id, progress) in super::history::task_progress(backend, session, compute, &ids).await {
        if let Some(item) = job.items.iter_mut().find(|i| i.id == id) {
            item.progress = progress;
        }
    }
}

/// Each row's latest drain, in words. The drain database failing leaves the column empty
/// rather than the page unusable (Nova's part of the page does not depend on it).
pub async fn mark_hosts(backend: &Backend, rows: &mut [crate::hosts::ComputeHostRow]) {
    let Ok(svc) = service(backend) else { return };
    let latest = match svc.store.latest_drains().await {
        Ok(l) => l,
        Err(e) => {
            tracing::warn!(error = %e, "drain database: the hosts page shows no drain states");
            return;
        }
    };
    for d in latest {
        let Some(row) = rows.iter_mut().find(|r| r.host == d.host) else {
            continue;
        };
        let words = match d.state {
            DrainState::Done if drain_words_back(svc, &d).await => "Done — moved back".to_string(),
            DrainState::Done => "Done — empty, ready for maintenance".to_string(),
            s if s.is_active() => {
                let items = svc.store.items(d.id).await.unwrap_or_default();
                let moving: Vec<_> = items
                    .iter()
                    .filter(|i| i.planned_move != planned_move::SKIP)
                    .collect();
                let moved = moving
                    .iter()
                    .filter(|i| i.state == item_state::MOVED)
                    .count();
                format!(
                    "{}: {moved} of {} moved",
                    crate::drain_job::state_label(s.as_str()),
                    moving.len()
                )
            }
            s => crate::drain_job::state_label(s.as_str()).to_string(),
        };
        row.drain = Some(crate::hosts::HostDrain {
            state: d.state.as_str().into(),
            words,
            active: d.state.is_active(),
            needs_login: d.needs_login.clone().filter(|_| d.state.is_active()),
        });
    }
}

async fn drain_words_back(svc: &DrainService, d: &Drain) -> bool {
    svc.store
        .items(d.id)
        .await
        .map(|items| items.iter().any(|i| planned_move::is_back(&i.planned_move)))
        .unwrap_or(false)
}
