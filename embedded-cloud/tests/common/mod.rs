//! Shared test harness: drive `Cloud::router` with tower's `oneshot`.
#![allow(dead_code)]

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use axum::Router;
use embedded_cloud::{Cloud, CloudConfig};
use serde_json::{json, Value};
use tower::ServiceExt;

pub mod shape;

pub const BASE: &str = "http://cloud.test";

pub struct Harness {
    pub cloud: Cloud,
    pub router: Router,
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Resp {
    /// Nova's fault message, whatever the fault's name.
    pub fn message(&self) -> String {
        self.body
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(|f| f.get("message"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    }
}

pub fn harness(config: CloudConfig) -> Harness {
    let cloud = Cloud::new(config);
    let router = cloud.router(BASE);
    Harness { cloud, router }
}

/// Fast clock: a live migration takes a few tens of milliseconds.
pub fn fast() -> Harness {
    harness(CloudConfig {
        speed: 1000.0,
        ..CloudConfig::default()
    })
}

/// Slow enough to observe a live migration while it runs (~1 s in `running`).
pub fn observable() -> Harness {
    harness(CloudConfig {
        speed: 20.0,
        ..CloudConfig::default()
    })
}

impl Harness {
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> Resp {
        let mut req = Request::builder().method(method).uri(path);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let has_body = body.is_some();
        if has_body {
            req = req.header("content-type", "application/json");
        }
        let req = req
            .body(body.map(Body::from).unwrap_or_else(Body::empty))
            .expect("request");
        let resp = self.router.clone().oneshot(req).await.expect("response");
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = axum::body::to_bytes(resp.into_body(), 64 << 20)
            .await
            .expect("body");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()))
        };
        Resp {
            status,
            headers,
            body,
        }
    }

    /// A compute call at a microversion, authenticated.
    pub async fn nova(
        &self,
        method: Method,
        path: &str,
        token: &str,
        mv: &str,
        body: Option<Value>,
    ) -> Resp {
        let header = format!("compute {mv}");
        self.raw(
            method,
            &format!("/compute/v2.1{path}"),
            &[("x-auth-token", token), ("openstack-api-version", &header)],
            body.map(|b| serde_json::to_vec(&b).expect("json")),
        )
        .await
    }

    pub async fn get(&self, path: &str, token: &str, mv: &str) -> Resp {
        self.nova(Method::GET, path, token, mv, None).await
    }

    pub async fn action(&self, id: &str, token: &str, mv: &str, body: Value) -> Resp {
        self.nova(
            Method::POST,
            &format!("/servers/{id}/action"),
            token,
            mv,
            Some(body),
        )
        .await
    }

    pub async fn token_for(&self, user: &str, password: &str, project: &str) -> Resp {
        let body = json!({"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": user, "domain": {"name": "Default"}, "password": password}}},
            "scope": {"project": {"name": project, "domain": {"id": "default"}}},
        }});
        self.raw(
            Method::POST,
            "/identity/v3/auth/tokens",
            &[],
            Some(serde_json::to_vec(&body).expect("json")),
        )
        .await
    }

    /// A token for one of the demo users: "admin", "operator" or "member".
    pub async fn token(&self, user: &str) -> String {
        let u = embedded_cloud::DEMO_USERS
            .iter()
            .find(|u| u.name == user)
            .expect("demo user");
        let r = self.token_for(u.name, u.password, u.project).await;
        assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
        r.headers
            .get("x-subject-token")
            .and_then(|v| v.to_str().ok())
            .expect("X-Subject-Token")
            .to_string()
    }

    /// The full admin view of a demo server found by exact name.
    pub async fn server(&self, admin: &str, name: &str) -> Value {
        let pattern = format!("^{}$", regex::escape(name));
        let q: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("all_tenants", "1")
            .append_pair("name", &pattern)
            .finish();
        let r = self
            .get(&format!("/servers/detail?{q}"), admin, "2.100")
            .await;
        r.body["servers"]
            .as_array()
            .and_then(|a| a.iter().find(|s| s["name"] == name))
            .cloned()
            .unwrap_or_else(|| panic!("server {name} not found"))
    }

    pub async fn server_id(&self, admin: &str, name: &str) -> String {
        self.server(admin, name).await["id"]
            .as_str()
            .expect("id")
            .to_string()
    }

    pub async fn show(&self, admin: &str, id: &str) -> Value {
        self.get(&format!("/servers/{id}"), admin, "2.100")
            .await
            .body["server"]
            .clone()
    }

    /// Poll `check` until it returns Some, or fail after `timeout`.
    pub async fn wait<T, F, Fut>(&self, what: &str, timeout: Duration, mut check: F) -> T
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Option<T>>,
    {
        let start = Instant::now();
        loop {
            if let Some(v) = check().await {
                return v;
            }
            if start.elapsed() > timeout {
                panic!("timed out waiting for {what}");
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Wait until a server reaches `status` with no task.
    pub async fn wait_status(&self, admin: &str, id: &str, status: &str) -> Value {
        self.wait(
            &format!("{id} to be {status}"),
            Duration::from_secs(10),
            || async {
                let s = self.show(admin, id).await;
                (s["status"] == status && s["OS-EXT-STS:task_state"].is_null()).then_some(s)
            },
        )
        .await
    }

    /// The newest migration of a server, from /os-migrations at 2.80.
    pub async fn last_migration(&self, admin: &str, id: &str) -> Value {
        let r = self
            .get(&format!("/os-migrations?instance_uuid={id}"), admin, "2.80")
            .await;
        r.body["migrations"][0].clone()
    }

    pub async fn wait_migration(&self, admin: &str, id: &str, status: &str) -> Value {
        self.wait(
            &format!("migration of {id} to be {status}"),
            Duration::from_secs(10),
            || async {
                let m = self.last_migration(admin, id).await;
                (m["status"] == status).then_some(m)
            },
        )
        .await
    }
}
