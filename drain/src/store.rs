//! The drain's record: the plan, who started it and why, every instance's outcome with Nova's
//! request ids, and a timeline. It lives in SQLite by default (a file under Ferry's data
//! directory) or in PostgreSQL when several Ferry servers share it; a lease in the row decides
//! which one of them drives a drain, and lets another take over when that one dies.
//!
//! Both databases go through sqlx's `Any` driver: one set of queries and one set of migrations,
//! with the few differences (the clock expressions) kept in `clock`. The price is that `Any`
//! carries only plain types, so times, JSON and ids are text, converted in `rows`.

mod clock;
mod connect;
mod credential;
mod drains;
mod error;
mod events;
mod items;
mod lease;
mod records;
mod rows;

pub use error::StoreError;
pub use records::{
    Credential, Drain, DrainState, Event, Item, ItemUpdate, NewDrain, NewItem, StartedBy,
};

use clock::Dialect;
use sqlx::AnyPool;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A connection pool to the drain database. Cheap to clone: clones share the pool.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    dialect: Dialect,
}
