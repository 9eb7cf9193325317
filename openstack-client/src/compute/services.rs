//! Compute services (`/os-services`): listing, enable/disable, forced down.
//! Nova: `services.py`.

use chrono::{DateTime, Utc};
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{enc, versions, Compute, SERVICE};
use crate::de;
use crate::error::{Error, ErrorKind};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Service {
    /// An integer (as text) before 2.53, a uuid from 2.53. Empty for a
    /// service in a down cell (2.69+).
    #[serde(deserialize_with = "de::string")]
    pub id: String,
    #[serde(deserialize_with = "de::string")]
    pub binary: String,
    #[serde(deserialize_with = "de::string")]
    pub host: String,
    #[serde(deserialize_with = "de::opt_string")]
    pub zone: Option<String>,
    /// `enabled`, `disabled` (or `UNKNOWN` in a down cell).
    #[serde(deserialize_with = "de::string")]
    pub status: String,
    /// `up` or `down`.
    #[serde(deserialize_with = "de::opt_string")]
    pub state: Option<String>,
    #[serde(deserialize_with = "de::opt_time")]
    pub updated_at: Option<DateTime<Utc>>,
    #[serde(deserialize_with = "de::opt_string")]
    pub disabled_reason: Option<String>,
    /// 2.11+.
    #[serde(deserialize_with = "de::opt_bool")]
    pub forced_down: Option<bool>,
}

impl Service {
    pub fn is_up(&self) -> bool {
        self.state.as_deref() == Some("up")
    }

    pub fn is_enabled(&self) -> bool {
        self.status == "enabled"
    }
}

/// `PUT /os-services/{id}` (2.53+). At least one field must be set; a
/// `disabled_reason` is only allowed with `enabled: Some(false)`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceUpdate {
    /// `Some(true)` → `"status": "enabled"`, `Some(false)` → `"disabled"`.
    pub enabled: Option<bool>,
    pub disabled_reason: Option<String>,
    pub forced_down: Option<bool>,
}

impl ServiceUpdate {
    pub fn enable() -> Self {
        ServiceUpdate {
            enabled: Some(true),
            ..Default::default()
        }
    }

    pub fn disable(reason: Option<&str>) -> Self {
        ServiceUpdate {
            enabled: Some(false),
            disabled_reason: reason.map(str::to_string),
            ..Default::default()
        }
    }

    pub fn forced_down(down: bool) -> Self {
        ServiceUpdate {
            forced_down: Some(down),
            ..Default::default()
        }
    }
}

#[derive(Deserialize)]
struct ServiceList {
    #[serde(default, deserialize_with = "de::vec_or_empty")]
    pub services: Vec<Service>,
}

#[derive(Deserialize)]
struct ServiceOne {
    pub service: Service,
}

/// The `PUT /os-services/{id}` body; validated like Nova does.
pub fn service_update_body(u: &ServiceUpdate) -> Result<Value, String> {
    let mut body = serde_json::Map::new();
    match u.enabled {
        Some(true) => {
            if u.disabled_reason.is_some() {
                return Err("a disabled_reason is only allowed when disabling".into());
            }
            body.insert("status".into(), json!("enabled"));
        }
        Some(false) => {
            body.insert("status".into(), json!("disabled"));
            if let Some(r) = &u.disabled_reason {
                if r.chars().count() > 255 {
                    return Err("disabled_reason is longer than 255 characters".into());
                }
                body.insert("disabled_reason".into(), json!(r));
            }
        }
        None => {
            if u.disabled_reason.is_some() {
                return Err("a disabled_reason is only allowed when disabling".into());
            }
        }
    }
    if let Some(f) = u.forced_down {
        body.insert("forced_down".into(), json!(f));
    }
    if body.is_empty() {
        return Err("nothing to update".into());
    }
    Ok(Value::Object(body))
}

impl Compute {
    /// `GET /os-services[?binary=..]`.
    pub async fn list_services(&self, binary: Option<&str>) -> Result<Vec<Service>, Error> {
        let path = match binary {
            Some(b) => format!("/os-services?binary={}", enc(b)),
            None => "/os-services".to_string(),
        };
        let reply = self
            .call(
                Method::GET,
                &path,
                self.version_for(versions::SERVICES),
                None,
                "list services".into(),
            )
            .await?;
        Ok(reply.json::<ServiceList>()?.services)
    }

    /// `PUT /os-services/{uuid}` (2.53+).
    pub async fn set_service(&self, id: &str, update: &ServiceUpdate) -> Result<Service, Error> {
        let op = format!("update compute service {id}");
        self.require(
            versions::SERVICE_UPDATE_MIN,
            &op,
            "updating a service by id",
        )?;
        let body = service_update_body(update)
            .map_err(|m| Error::new(ErrorKind::Unsupported, SERVICE, op.clone(), m))?;
        let reply = self
            .call(
                Method::PUT,
                &format!("/os-services/{}", enc(id)),
                self.version_for(versions::SERVICES),
                Some(body),
                op,
            )
            .await?;
        Ok(reply.json::<ServiceOne>()?.service)
    }
}
