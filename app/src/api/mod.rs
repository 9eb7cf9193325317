//! Server functions: the only way the browser reaches OpenStack. Each checks the session and
//! roles itself; hiding a button in the UI is never the only guard.

pub mod auth;
pub mod instances;

pub use auth::*;
pub use instances::*;
