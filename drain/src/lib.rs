//! Draining a compute host: a durable job that moves every instance off exactly one host, with a
//! plan made first, a sliding window of migrations, server groups respected, and a record that
//! outlives the browser and the Ferry process that drives it.
//!
//! - `plan`: from Nova's state, what will happen to each instance and why (pure).
//! - `window`: which waiting instances may start now (pure).
//! - `store`: the drain's record in SQLite (default) or PostgreSQL, with the lease that lets
//!   exactly one Ferry server drive a drain at a time.

pub mod plan;
pub mod runner;
pub mod store;
pub mod window;
