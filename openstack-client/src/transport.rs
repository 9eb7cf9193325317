//! The shared HTTP transport.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderValue, ACCEPT};
use reqwest::Method;
use serde::de::DeserializeOwned;

use crate::error::{Error, ErrorKind};

/// How to reach the cloud.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportConfig {
    /// Verify TLS certificates (`false` = accept anything; for labs only).
    pub verify: bool,
    /// An extra PEM bundle of trusted CA certificates.
    pub cacert: Option<PathBuf>,
    /// TCP+TLS connect timeout.
    pub connect_timeout: Duration,
    /// Whole-request timeout (connect, send, and read the full body).
    pub timeout: Duration,
    /// Requests under way at once, from every caller together; more wait their turn (within
    /// `timeout`). Bounds both the load put on the cloud and the memory their answers take.
    pub max_in_flight: usize,
}

impl Default for TransportConfig {
    fn default() -> Self {
        TransportConfig {
            verify: true,
            cacert: None,
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(30),
            max_in_flight: 32,
        }
    }
}

/// One shared rustls `reqwest::Client`; cheap to clone.
#[derive(Clone)]
pub struct Transport {
    client: reqwest::Client,
    config: Arc<TransportConfig>,
    in_flight: Arc<tokio::sync::Semaphore>,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("config", &self.config)
            .finish()
    }
}

pub(crate) const REQUEST_ID_HEADERS: [&str; 2] = ["x-openstack-request-id", "x-compute-request-id"];

impl Transport {
    /// How long one call may take, from the configuration.
    pub fn timeout(&self) -> Duration {
        self.config.timeout
    }

    pub fn new(config: &TransportConfig) -> Result<Transport, Error> {
        let op = "build HTTP client";
        let mut builder = reqwest::Client::builder()
            .use_rustls_tls()
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            .user_agent(concat!(
                "ferry-openstack-client/",
                env!("CARGO_PKG_VERSION")
            ))
            // Idle connections keep their read buffers (as large as the largest answer):
            // keep enough for the in-flight limit, and not for long.
            .pool_max_idle_per_host(config.max_in_flight.max(1))
            .pool_idle_timeout(Duration::from_secs(30))
            .danger_accept_invalid_certs(!config.verify);
        if let Some(path) = &config.cacert {
            let pem = std::fs::read(path).map_err(|e| {
                Error::new(
                    ErrorKind::Config,
                    "transport",
                    op,
                    format!("cannot read cacert {}: {e}", path.display()),
                )
            })?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
                Error::new(
                    ErrorKind::Config,
                    "transport",
                    op,
                    format!("cacert {} is not a PEM bundle: {e}", path.display()),
                )
            })?;
            if certs.is_empty() {
                return Err(Error::new(
                    ErrorKind::Config,
                    "transport",
                    op,
                    format!("cacert {} contains no certificate", path.display()),
                ));
            }
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        let client = builder.build().map_err(|e| {
            let mut err = Error::from_reqwest("transport", op, &e);
            err.kind = ErrorKind::Config;
            err
        })?;
        Ok(Transport {
            client,
            config: Arc::new(config.clone()),
            in_flight: Arc::new(tokio::sync::Semaphore::new(config.max_in_flight.max(1))),
        })
    }

    /// The underlying client (shared connection pool).
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    pub fn config(&self) -> &TransportConfig {
        &self.config
    }

    /// Sends one request; non-2xx answers become [`ErrorKind::Http`] errors.
    pub(crate) async fn execute(&self, req: Request<'_>) -> Result<Reply, Error> {
        let Request {
            service,
            operation,
            method,
            url,
            token,
            headers,
            body,
        } = req;
        let mut rb = self
            .client
            .request(method.clone(), &url)
            .header(ACCEPT, "application/json");
        if let Some(token) = token {
            rb = rb.header("X-Auth-Token", sensitive(token, service, &operation)?);
        }
        for (name, value, secret) in headers {
            let value = if secret {
                sensitive(&value, service, &operation)?
            } else {
                HeaderValue::from_str(&value).map_err(|_| {
                    Error::new(
                        ErrorKind::Unsupported,
                        service,
                        operation.clone(),
                        format!("invalid value for header {name}"),
                    )
                })?
            };
            rb = rb.header(name, value);
        }
        if let Some(body) = &body {
            rb = rb.json(body);
        }
        let started = Instant::now();
        // Waiting for a turn counts against the timeout; if it runs out, nothing was sent.
        let _turn = match tokio::time::timeout(self.config.timeout, self.in_flight.acquire()).await
        {
            Ok(Ok(permit)) => permit,
            _ => {
                return Err(Error::new(
                    ErrorKind::Connect,
                    service,
                    operation,
                    "too many requests already under way to the cloud; this one was not sent",
                ))
            }
        };
        let rb = rb.timeout(self.config.timeout.saturating_sub(started.elapsed()));
        let response = match rb.send().await {
            Ok(r) => r,
            Err(e) => {
                let err = Error::from_reqwest(service, operation, &e);
                tracing::debug!(service, %method, %url, error = %err, "request failed");
                return Err(err);
            }
        };
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let request_id = request_id(&headers);
        // The status and headers arrived, so the request did too: a failure now is never
        // "could not connect", whatever reqwest calls it.
        let bytes = response.bytes().await.map_err(|e| {
            let mut err = Error::from_reqwest(service, operation.clone(), &e)
                .with_request_id(request_id.clone());
            if err.kind != ErrorKind::Timeout {
                err.kind = ErrorKind::Interrupted;
            }
            err
        })?;
        tracing::debug!(
            service,
            %method,
            %url,
            status,
            request_id = request_id.as_deref().unwrap_or(""),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "openstack call"
        );
        if !(200..300).contains(&status) {
            return Err(Error::from_http(
                service, operation, status, &bytes, request_id,
            ));
        }
        Ok(Reply {
            service,
            operation,
            status,
            headers,
            body: bytes.to_vec(),
            request_id,
        })
    }
}

fn sensitive(value: &str, service: &'static str, operation: &str) -> Result<HeaderValue, Error> {
    let mut v = HeaderValue::from_str(value).map_err(|_| {
        Error::new(
            ErrorKind::Unsupported,
            service,
            operation,
            "token contains characters not allowed in an HTTP header",
        )
    })?;
    v.set_sensitive(true);
    Ok(v)
}

pub(crate) fn request_id(headers: &HeaderMap) -> Option<String> {
    REQUEST_ID_HEADERS
        .iter()
        .find_map(|h| headers.get(*h))
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

pub(crate) struct Request<'a> {
    pub service: &'static str,
    pub operation: String,
    pub method: Method,
    pub url: String,
    pub token: Option<&'a str>,
    /// (name, value, is_secret)
    pub headers: Vec<(&'static str, String, bool)>,
    pub body: Option<serde_json::Value>,
}

impl<'a> Request<'a> {
    pub fn new(service: &'static str, operation: String, method: Method, url: String) -> Self {
        Request {
            service,
            operation,
            method,
            url,
            token: None,
            headers: Vec::new(),
            body: None,
        }
    }
}

pub(crate) struct Reply {
    pub service: &'static str,
    pub operation: String,
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    pub request_id: Option<String>,
}

impl Reply {
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        serde_json::from_slice(&self.body).map_err(|e| {
            Error::new(
                ErrorKind::Decode,
                self.service,
                self.operation.clone(),
                format!("cannot decode response: {e}"),
            )
            .with_request_id(self.request_id.clone())
        })
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}
