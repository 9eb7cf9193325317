//! The drain plan as the page shows it: what would happen to each instance on a host and why,
//! the capacity and server-group checks, and the options it was made with. Made on the server
//! from `drain::plan` (which the browser build never sees).

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DrainPlanView {
    pub host: String,
    pub rows: Vec<PlanRow>,
    pub live: usize,
    pub cold: usize,
    pub skipped: usize,
    pub capacity_fits: bool,
    pub capacity_words: String,
    pub warnings: Vec<String>,
    /// The options as understood, for the form.
    pub parallel: u8,
    /// Empty: the scheduler chooses.
    pub destinations: Vec<String>,
    pub cold_fallback: bool,
    pub auto_confirm: bool,
    /// Enabled, up compute hosts other than this one: the destinations the form offers.
    pub candidates: Vec<String>,
    /// What is wrong with the options given (the plan then uses the defaults).
    pub option_error: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanRow {
    pub id: String,
    pub name: String,
    pub status: String,
    /// "Live migrate", "Cold migrate, then confirm", "Skip".
    pub action: String,
    /// Why it is skipped, in words.
    pub reason: Option<String>,
    /// "web (anti-affinity)".
    pub group: Option<String>,
}
