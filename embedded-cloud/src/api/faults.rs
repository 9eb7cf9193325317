//! Fault injection for Ferry's resilience tests: one shared setting, read by
//! a middleware in front of each service. Changed through
//! `PUT /_cloud/faults` or `Cloud::set_faults`.

use std::time::Duration;

use axum::body::{Body, Bytes};
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
    /// Every compute call is carried out at once but answered `delay_ms` late (real time,
    /// not scaled), as when the answer is stuck behind a proxy: a client that gives up
    /// early has still started the action.
    Slow,
    /// Compute calls never answer.
    NoAnswer,
    /// Nova does the work, sends its status and headers and half of the body, then the
    /// connection drops: like a proxy or load balancer dying mid-response.
    DropMidResponse,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FaultInjection {
    pub nova: NovaFault,
    pub delay_ms: u64,
    pub keystone_down: bool,
    /// The Nova fault hits only server actions (`POST /servers/{id}/action`), so an action
    /// can fail while the pages around it work.
    pub actions_only: bool,
    /// Keystone refuses to make application credentials (403, as a policy that forbids
    /// `identity:create_application_credential` does); everything else works.
    pub refuse_application_credentials: bool,
}

pub async fn compute_layer(State(cloud): State<Cloud>, req: Request, next: Next) -> Response {
    let f = cloud.faults();
    let is_action =
        req.method() == axum::http::Method::POST && req.uri().path().ends_with("/action");
    if f.actions_only && !is_action {
        return next.run(req).await;
    }
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
            // Spawned so the work is done even if the client hangs up while waiting.
            let work = tokio::spawn(next.run(req));
            tokio::time::sleep(Duration::from_millis(f.delay_ms.min(600_000))).await;
            work.await.unwrap_or_else(|_| {
                Fault::new(StatusCode::INTERNAL_SERVER_ERROR, "handler failed").into_response()
            })
        }
        NovaFault::NoAnswer => std::future::pending().await,
        NovaFault::DropMidResponse => drop_mid_response(next.run(req).await).await,
    }
}

/// Chunked, so the client cannot know the length: it sees half the body, then a reset.
async fn drop_mid_response(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let half = bytes.slice(..bytes.len() / 2);
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    let chunks: [Result<Bytes, std::io::Error>; 2] = [
        Ok(half),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "fault injection: connection dropped mid-response",
        )),
    ];
    Response::from_parts(parts, Body::from_stream(futures_util::stream::iter(chunks)))
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
