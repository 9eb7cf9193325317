//! Requests received per service, so a benchmark can say how many OpenStack calls one Ferry
//! page or refresh costs. Read through `GET /_cloud/stats`.

use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::{json, Value};

use crate::Cloud;

#[derive(Default)]
pub struct Counts {
    compute: AtomicU64,
    identity: AtomicU64,
    placement: AtomicU64,
    image: AtomicU64,
}

impl Counts {
    pub fn snapshot(&self) -> Value {
        json!({
            "compute": self.compute.load(Ordering::Relaxed),
            "identity": self.identity.load(Ordering::Relaxed),
            "placement": self.placement.load(Ordering::Relaxed),
            "image": self.image.load(Ordering::Relaxed),
        })
    }
}

pub async fn layer(State(cloud): State<Cloud>, req: Request, next: Next) -> Response {
    let c = &cloud.inner.counts;
    let path = req.uri().path();
    let counter = if path.starts_with("/compute") {
        Some(&c.compute)
    } else if path.starts_with("/identity") {
        Some(&c.identity)
    } else if path.starts_with("/placement") {
        Some(&c.placement)
    } else if path.starts_with("/image") {
        Some(&c.image)
    } else {
        None
    };
    if let Some(counter) = counter {
        counter.fetch_add(1, Ordering::Relaxed);
    }
    next.run(req).await
}
