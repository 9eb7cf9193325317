//! Fault injection for Ferry's resilience tests: one shared setting, read by
//! a middleware in front of each service. Changed through
//! `PUT /_cloud/faults` or `Cloud::set_faults`.

use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::fault::{keystone_error, Fault};
use crate::Cloud;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NovaFault {
    #[default]
    None,
    /// Every compute call answers 500 computeFault.
    Error500,
    /// Every compute call answers 503 serviceUnavailable.
    Unavailable503,
    /// Every compute call is delayed by `delay_ms` (real time, not scaled).
    Slow,
    /// Compute calls never answer.
    NoAnswer,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FaultInjection {
    pub nova: NovaFault,
    pub delay_ms: u64,
    pub keystone_down: bool,
}

pub async fn compute_layer(State(cloud): State<Cloud>, req: Request, next: Next) -> Response {
    let f = cloud.faults();
    match f.nova {
        NovaFault::None => next.run(req).await,
        NovaFault::Error500 => Fault::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Unexpected API Error. Please report this at http://bugs.launchpad.net/nova/ and attach the Nova API log if possible.\n<class 'oslo_db.exception.DBConnectionError'>",
        )
        .into_response(),
        NovaFault::Unavailable503 => {
            Fault::new(StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable").into_response()
        }
        NovaFault::Slow => {
            tokio::time::sleep(Duration::from_millis(f.delay_ms.min(600_000))).await;
            next.run(req).await
        }
        NovaFault::NoAnswer => std::future::pending().await,
    }
}

pub async fn identity_layer(State(cloud): State<Cloud>, req: Request, next: Next) -> Response {
    if cloud.faults().keystone_down {
        return keystone_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "Service Unavailable",
            "The server is currently unavailable. Please try again at a later time.",
        );
    }
    next.run(req).await
}
