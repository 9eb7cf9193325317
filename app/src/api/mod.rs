//! Server functions: the only way the browser reaches OpenStack. Each checks the session and
//! roles itself; hiding a button in the UI is never the only guard.

pub mod auth;
pub mod compute_hosts;
pub mod drains;
pub mod history;
pub mod instances;
pub mod live_migration;
pub mod migrations;
pub mod refresh;

pub use auth::*;
pub use compute_hosts::*;
pub use drains::*;
pub use history::*;
pub use instances::*;
pub use live_migration::*;
pub use migrations::*;
pub use refresh::*;
