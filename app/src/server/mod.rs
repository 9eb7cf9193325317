//! Server-only code of the app: the backend handle, sessions, and the mapping from the typed
//! OpenStack client to the UI's model. Compiled only with the `ssr` feature.

pub mod backend;
pub mod cache;
pub mod compute_hosts;
pub mod drain_plan;
pub mod drains;
pub mod failures;
pub mod filters;
pub mod guard;
pub mod history;
pub mod hosts;
pub mod limiter;
pub mod live_watch;
pub mod mapping;
pub mod security;
pub mod service_changes;
pub mod session;
pub mod upstream;

pub use backend::{backend, Backend, BackendConfig};
pub use cookie::Key as CookieKey;
