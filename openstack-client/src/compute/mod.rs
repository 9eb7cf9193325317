//! Nova (compute v2.1) with per-call microversions, capped by the cloud's
//! advertised maximum (discovered once per endpoint URL, process-wide).
//!
//! One file per Nova resource, named like Nova's `nova/api/openstack/compute/`
//! (and the embedded cloud's `api/`): each holds that resource's types and its
//! calls. This file keeps the client and the request plumbing they share.

mod flavors;
mod hypervisors;
mod instance_actions;
mod migrations;
mod server_actions;
mod server_groups;
mod server_migrations;
mod servers;
mod services;
pub mod versions;

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, SecondsFormat, Utc};
use reqwest::Method;
use serde_json::Value;

pub use flavors::*;
pub use hypervisors::*;
pub use instance_actions::*;
pub use migrations::*;
pub use server_actions::*;
pub use server_groups::*;
pub use server_migrations::*;
pub use servers::*;
pub use services::*;
pub use versions::{forget_cached_microversion, parse_version_document, Microversion};

use crate::error::{Error, ErrorKind};
use crate::transport::{Reply, Request, Transport};

const SERVICE: &str = "compute";

/// `202 Accepted` (or `204`) answer of an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    pub request_id: Option<String>,
    pub status: u16,
}

fn normalise_endpoint(endpoint: &str) -> String {
    endpoint.trim().trim_end_matches('/').to_string()
}

struct Inner {
    transport: Transport,
    endpoint: String,
    token: String,
    max: Microversion,
}

/// A Nova client bound to one endpoint and token. Cheap to clone.
#[derive(Clone)]
pub struct Compute {
    inner: Arc<Inner>,
}

impl fmt::Debug for Compute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Compute")
            .field("endpoint", &self.inner.endpoint)
            .field("token", &"***")
            .field("max_microversion", &self.inner.max.to_string())
            .finish()
    }
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn ts(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

impl Compute {
    /// Binds to `endpoint` (from the catalog, e.g. `…/v2.1` or
    /// `…/v2.1/<project_id>`), discovering the cloud's maximum microversion
    /// with a GET on the endpoint's version document the first time this
    /// endpoint URL is seen in this process.
    pub async fn connect(t: &Transport, endpoint: &str, token: &str) -> Result<Compute, Error> {
        let endpoint = normalise_endpoint(endpoint);
        let max = versions::cloud_max(t, &endpoint, token).await?;
        Ok(Compute::with_max_microversion(t, &endpoint, token, max))
    }

    /// Binds without discovery, trusting `max` (tests, or a known cloud).
    pub fn with_max_microversion(
        t: &Transport,
        endpoint: &str,
        token: &str,
        max: Microversion,
    ) -> Compute {
        Compute {
            inner: Arc::new(Inner {
                transport: t.clone(),
                endpoint: normalise_endpoint(endpoint),
                token: token.to_string(),
                max,
            }),
        }
    }

    /// The same endpoint and microversion with another token.
    pub fn with_token(&self, token: &str) -> Compute {
        Compute::with_max_microversion(
            &self.inner.transport,
            &self.inner.endpoint,
            token,
            self.inner.max,
        )
    }

    pub fn max_microversion(&self) -> Microversion {
        self.inner.max
    }

    pub fn endpoint(&self) -> &str {
        &self.inner.endpoint
    }

    /// `min(cloud max, preferred)`.
    pub fn version_for(&self, preferred: Microversion) -> Microversion {
        self.inner.max.min(preferred)
    }

    fn require(&self, min: Microversion, op: &str, what: &str) -> Result<(), Error> {
        if self.inner.max < min {
            Err(Error::new(
                ErrorKind::Unsupported,
                SERVICE,
                op,
                format!(
                    "{what} needs compute API microversion {min} but this cloud supports at most {}",
                    self.inner.max
                ),
            ))
        } else {
            Ok(())
        }
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        mv: Microversion,
        body: Option<Value>,
        op: String,
    ) -> Result<Reply, Error> {
        let url = format!("{}{}", self.inner.endpoint, path);
        let mut req = Request::new(SERVICE, op, method, url);
        req.token = Some(&self.inner.token);
        req.headers
            .push(("OpenStack-API-Version", format!("compute {mv}"), false));
        req.headers
            .push(("X-OpenStack-Nova-API-Version", mv.to_string(), false));
        req.body = body;
        self.inner.transport.execute(req).await
    }

    async fn action(
        &self,
        id: &str,
        mv: Microversion,
        body: Value,
        op: String,
    ) -> Result<Accepted, Error> {
        let reply = self
            .call(
                Method::POST,
                &format!("/servers/{}/action", enc(id)),
                mv,
                Some(body),
                op,
            )
            .await?;
        Ok(Accepted {
            request_id: reply.request_id,
            status: reply.status,
        })
    }
}
