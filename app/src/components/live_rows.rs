//! Rows that refresh themselves. Only rows in flux are watched: fast (every 1.5 s) while Nova is
//! moving them, backing off to 30 s while they only wait for the operator (Verify Resize), and not
//! at all when nothing moves. One `changes-since` call per cycle covers the whole page. A row whose
//! menu is open keeps its state until the menu closes.

use std::{
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

use leptos::{prelude::*, task::spawn_local};

use crate::{
    api::refresh_rows,
    components::Toasts,
    history::TaskProgress,
    labels::in_flux,
    model::{InstanceRow, ListScope},
};

/// One row's live state on the page.
#[derive(Clone, Copy)]
pub struct LiveRow {
    pub row: RwSignal<InstanceRow>,
    pub menu_open: RwSignal<bool>,
    pub gone: RwSignal<bool>,
    /// A migration that Nova accepted and then failed, shown on the row.
    pub failure: RwSignal<Option<String>>,
}

impl LiveRow {
    pub fn new(row: InstanceRow) -> Self {
        LiveRow {
            row: RwSignal::new(row),
            menu_open: RwSignal::new(false),
            gone: RwSignal::new(false),
            failure: RwSignal::new(None),
        }
    }
}

const TICK: Duration = Duration::from_millis(500);
const FAST: Duration = Duration::from_millis(1500);
const SLOW_STEP: Duration = Duration::from_millis(2500);
const SLOW_MAX: Duration = Duration::from_secs(30);
/// After an action, a row is watched fast even before Nova shows it moving.
const KICK_WINDOW: Duration = Duration::from_secs(15);

#[derive(Default)]
struct Clock {
    /// Milliseconds since the loop started.
    now: u64,
    last_poll: u64,
    /// Polls in a row that changed nothing (the back-off counter).
    quiet: u32,
    /// (row id, when): a page has at most a few hundred rows, so plain lists (no hash map code
    /// in the WASM).
    kicked: Vec<(String, u64)>,
    /// Updates held back while the row's menu is open, newest per row.
    pending: Vec<InstanceRow>,
}

/// Watches `rows` until the page goes away. Call `kick(id)` after an action on a row.
#[derive(Clone)]
pub struct LiveRows {
    rows: Arc<Vec<(String, LiveRow)>>,
    clock: Arc<Mutex<Clock>>,
    alive: Arc<AtomicBool>,
    since: Arc<Mutex<String>>,
    scope: ListScope,
}

impl LiveRows {
    pub fn start(
        rows: Vec<(String, LiveRow)>,
        since: String,
        scope: ListScope,
        toasts: Toasts,
    ) -> Self {
        let live = LiveRows {
            scope,
            rows: Arc::new(rows),
            clock: Arc::new(Mutex::new(Clock::default())),
            alive: Arc::new(AtomicBool::new(true)),
            since: Arc::new(Mutex::new(since)),
        };
        let alive = live.alive.clone();
        on_cleanup(move || alive.store(false, Ordering::Relaxed));
        // Effects run only in the browser: the server never polls.
        let starter = live.clone();
        Effect::new(move |_| starter.clone().schedule(toasts));
        live
    }

    pub fn kick(&self, id: &str) {
        let mut c = self.clock.lock().unwrap_or_else(|e| e.into_inner());
        let now = c.now;
        c.kicked.retain(|(k, _)| k != id);
        c.kicked.push((id.to_string(), now));
        c.quiet = 0;
        c.last_poll = 0;
    }

    fn schedule(self, toasts: Toasts) {
        set_timeout(
            move || {
                if self.alive.load(Ordering::Relaxed) {
                    spawn_local(self.tick(toasts));
                }
            },
            TICK,
        );
    }

    async fn tick(self, toasts: Toasts) {
        let due = self.due();
        if let Some((ids, flux)) = due {
            let since = self.since.lock().unwrap_or_else(|e| e.into_inner()).clone();
            let watched = self.migrating();
            match refresh_rows(ids, flux, watched, since, self.scope).await {
                Ok(refresh) if self.alive.load(Ordering::Relaxed) => {
                    *self.since.lock().unwrap_or_else(|e| e.into_inner()) = refresh.now.clone();
                    let changed = self.apply(refresh, toasts);
                    let mut c = self.clock.lock().unwrap_or_else(|e| e.into_inner());
                    c.quiet = if changed {
                        0
                    } else {
                        c.quiet.saturating_add(1)
                    };
                }
                Ok(_) => return,
                Err(e) if e.needs_login() => {
                    // The page will send the user to login on its next load; stop polling.
                    return;
                }
                Err(e) => {
                    leptos::logging::warn!("live refresh failed: {e}");
                    let mut c = self.clock.lock().unwrap_or_else(|e| e.into_inner());
                    c.quiet = c.quiet.saturating_add(1);
                }
            }
        }
        if self.alive.load(Ordering::Relaxed) {
            self.schedule(toasts);
        }
    }

    /// Which rows to ask about now, if any: (all visible ids, ids that were in flux).
    fn due(&self) -> Option<(Vec<String>, Vec<String>)> {
        let mut c = self.clock.lock().unwrap_or_else(|e| e.into_inner());
        c.now += TICK.as_millis() as u64;
        let now = c.now;
        c.kicked
            .retain(|(_, at)| now.saturating_sub(*at) < KICK_WINDOW.as_millis() as u64);
        // Updates held back while a menu was open.
        for row in std::mem::take(&mut c.pending) {
            match self.rows.iter().find(|(i, _)| *i == row.id) {
                Some((_, live)) if live.menu_open.get_untracked() => c.pending.push(row),
                Some((_, live)) => live.row.set(row),
                None => {}
            }
        }
        let mut moving = false;
        let mut waiting = false;
        let mut flux = Vec::new();
        let mut ids = Vec::new();
        for (id, live) in self.rows.iter() {
            if live.gone.get_untracked() {
                continue;
            }
            ids.push(id.clone());
            let (status, task, confirming) = live
                .row
                .with_untracked(|r| (r.status.clone(), r.task.clone(), r.confirming));
            // A confirm under way is Nova at work, even though the instance shows no task.
            if in_flux(&status, task.as_deref())
                || confirming
                || c.kicked.iter().any(|(k, _)| k == id)
            {
                moving = true;
                flux.push(id.clone());
            } else if status == "VERIFY_RESIZE" {
                waiting = true;
            }
        }
        let interval = if moving {
            FAST
        } else if waiting {
            (SLOW_STEP * (c.quiet + 1)).min(SLOW_MAX)
        } else {
            return None;
        };
        if now.saturating_sub(c.last_poll) < interval.as_millis() as u64 {
            return None;
        }
        c.last_poll = now;
        Some((ids, flux))
    }

    /// Rows live-migrating: their progress is read from their migration records.
    fn migrating(&self) -> Vec<String> {
        self.rows
            .iter()
            .filter(|(_, l)| {
                !l.gone.get_untracked() && l.row.with_untracked(|r| r.status == "MIGRATING")
            })
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// Applies a refresh; true if anything on the page changed.
    fn apply(&self, refresh: crate::model::RowRefresh, toasts: Toasts) -> bool {
        let mut changed = false;
        // Progress of rows Nova did not list becomes a row update like any other, so it too
        // waits while the row's menu is open (the menu keeps still under the pointer).
        let mut rows = refresh.rows;
        for (id, progress) in refresh.progress {
            if let Some((_, live)) = self.rows.iter().find(|(i, _)| *i == id) {
                let mut row = live.row.get_untracked();
                row.progress = progress;
                rows.push(row);
            }
        }
        let mut c = self.clock.lock().unwrap_or_else(|e| e.into_inner());
        for mut row in rows {
            let Some((_, live)) = self.rows.iter().find(|(id, _)| *id == row.id) else {
                continue;
            };
            row.progress = forward(live, row.progress.take());
            if live.row.with_untracked(|r| *r == row) {
                continue;
            }
            changed = true;
            if live.menu_open.get_untracked() {
                c.pending.retain(|r| r.id != row.id);
                c.pending.push(row);
            } else {
                live.row.set(row);
            }
        }
        for id in refresh.gone {
            if let Some((_, live)) = self.rows.iter().find(|(i, _)| *i == id) {
                live.gone.set(true);
                changed = true;
            }
        }
        for failure in refresh.failures {
            if let Some((_, live)) = self.rows.iter().find(|(i, _)| *i == failure.id) {
                live.failure.set(Some(failure.message.clone()));
            }
            c.kicked.retain(|(k, _)| *k != failure.id);
            toasts.failure(
                failure.message,
                failure.request_id.map(|r| format!("Request id: {r}")),
            );
            changed = true;
        }
        changed
    }
}

/// The new progress, never behind what this row already showed of the same migration (two Ferry
/// servers behind a balancer may have seen different lows).
fn forward(live: &LiveRow, new: Option<TaskProgress>) -> Option<TaskProgress> {
    let mut new = new?;
    live.row.with_untracked(|r| {
        if let Some(old) = r.progress.as_ref().filter(|o| o.migration == new.migration) {
            new.percent = new.percent.max(old.percent);
        }
    });
    Some(new)
}
