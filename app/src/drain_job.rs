//! A drain as its page shows it: its state in words, who started it and why, the totals, every
//! instance's outcome, and the timeline. Read from Ferry's drain database only: watching a
//! drain costs Nova nothing, however many instances it has moved already.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DrainJobView {
    pub id: String,
    pub host: String,
    /// planned, running, paused, cancelling, moving_back, done, failed, cancelled.
    pub state: String,
    /// The state's last word from the timeline (e.g. "compute1 is empty — ready for maintenance").
    pub state_words: String,
    pub active: bool,
    pub reason: String,
    pub started_by: String,
    pub started_at: String,
    /// Why it waits for someone to log in, and who.
    pub needs_login: Option<String>,
    /// Which Ferry server drives it, if any holds it now.
    pub driver: Option<String>,
    pub parallel: u8,
    pub options_words: String,
    pub totals: Totals,
    pub items: Vec<JobItem>,
    /// The timeline, newest first (at most the last 200 lines).
    pub events: Vec<(String, String)>,
    pub can_pause: bool,
    pub can_resume: bool,
    pub can_cancel: bool,
    pub can_retry: bool,
    pub can_move_back: bool,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub waiting: usize,
    pub in_flight: usize,
    pub moved: usize,
    pub failed: usize,
    pub skipped: usize,
    pub cancelled: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JobItem {
    pub id: String,
    pub name: String,
    /// waiting, queued, moving, moved, failed, skipped, cancelled.
    pub state: String,
    /// "Live migrate", "Cold migrate, then confirm", "Move back (live)", "Skip".
    pub action: String,
    pub from: String,
    pub to: Option<String>,
    pub detail: Option<String>,
    pub attempts: i64,
    pub request_id: Option<String>,
    /// Seconds from asking Nova to the instance settling on its new host.
    pub seconds: Option<i64>,
    /// A live move under way: its phase and memory copied, as the instance list shows it.
    #[serde(default)]
    pub progress: Option<crate::history::TaskProgress>,
}

/// The drain page: a drain of the host (the active one, else the latest), and the plan when
/// no drain holds the host.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DrainPageView {
    pub job: Option<DrainJobView>,
    pub plan: Option<crate::drain_plan::DrainPlanView>,
}

/// The words of a drain state for a column.
pub fn state_label(state: &str) -> &'static str {
    match state {
        "planned" => "Planned",
        "running" => "Draining",
        "paused" => "Paused",
        "cancelling" => "Cancelling",
        "moving_back" => "Moving back",
        "done" => "Done",
        "failed" => "Finished, not empty",
        "cancelled" => "Cancelled",
        _ => "Unknown",
    }
}

/// What the drain page says about a Start or change refused, when the refusal came back in its
/// URL. Anyone can write a URL, so only the kind is taken from it, in Ferry's words.
pub fn drain_refusal_words(e: &crate::error::AppError) -> &'static str {
    use crate::error::AppError;
    match e {
        AppError::NotLoggedIn | AppError::SessionExpired => {
            "Your session has ended: log in again, then repeat it."
        }
        AppError::Forbidden(_) => {
            "Your roles do not allow this: a drain needs the admin role (it moves every project's instances and disables the compute service)."
        }
        AppError::BadRequest(_) => {
            "Nothing was started or changed: a drain needs a reason of 1–255 characters, 1–10 migrations at a time, and a compute host Nova knows (not bare metal) with something on it that can move."
        }
        AppError::Conflict(_) => {
            "Refused: this host is being drained already, or the drain is not in a state that allows that now. The page shows where it stands."
        }
        AppError::Upstream(f) if f.unreachable => {
            "OpenStack could not be reached, so nothing was started or changed."
        }
        _ => "OpenStack refused or failed; nothing was started. The page shows the host as it is.",
    }
}
