//! Ferry's slim, typed client for Keystone v3, Nova v2.1 and Placement.
//!
//! * One shared [`Transport`] (a rustls `reqwest::Client`, cheap to clone) with
//!   connect and request timeouts on every call.
//! * One [`Error`] type that carries the HTTP status, the upstream's own fault
//!   message, the request id, the service and the operation.
//! * Response structs are tolerant: unknown fields are ignored, missing fields
//!   and `null`s become defaults, unknown status strings survive as strings
//!   (with helper enums that keep unknown values as `Other(String)`).
//! * Secrets (tokens, passwords, application-credential secrets) are never
//!   logged and never shown by `Debug` (`***`).

mod de;
mod error;
mod transport;

pub mod compute;
pub mod identity;
pub mod placement;

pub use error::{parse_fault, Error, ErrorKind};
pub use transport::{Transport, TransportConfig};
