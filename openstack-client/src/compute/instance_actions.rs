//! A server's action history (`/servers/{id}/os-instance-actions`).
//! Nova: `instance_actions.py`.

use chrono::{DateTime, Utc};
use reqwest::Method;
use serde::{Deserialize, Serialize};

use super::{enc, versions, Compute};
use crate::de;
use crate::error::Error;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct InstanceAction {
    /// e.g. `live-migration`, `migrate`, `confirmResize`.
    #[serde(deserialize_with = "de::string")]
    pub action: String,
    #[serde(deserialize_with = "de::string")]
    pub instance_uuid: String,
    #[serde(deserialize_with = "de::opt_string")]
    pub message: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub project_id: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub request_id: String,
    #[serde(deserialize_with = "de::opt_time")]
    pub start_time: Option<DateTime<Utc>>,
    /// 2.58+.
    #[serde(deserialize_with = "de::opt_time")]
    pub updated_at: Option<DateTime<Utc>>,
    #[serde(deserialize_with = "de::opt_string")]
    pub user_id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct InstanceActionDetail {
    #[serde(flatten)]
    pub action: InstanceAction,
    #[serde(deserialize_with = "de::vec_or_empty")]
    pub events: Vec<InstanceActionEvent>,
}

impl InstanceActionDetail {
    /// Why the action failed, in Nova's words: the failed event's `details` (2.84, e.g. "No
    /// valid host was found. …"), else the last line of its traceback (admins), else the
    /// action's message. None while nothing has failed.
    pub fn failure_words(&self) -> Option<String> {
        self.events
            .iter()
            .filter(|e| e.result.as_deref() == Some("Error"))
            .find_map(|e| {
                e.details
                    .clone()
                    .filter(|d| !d.trim().is_empty())
                    .or_else(|| {
                        e.traceback
                            .as_deref()
                            .and_then(|t| t.lines().rev().find(|l| !l.trim().is_empty()))
                            .map(|l| l.rsplit(": ").next().unwrap_or(l).trim().to_string())
                    })
            })
            .or_else(|| self.action.message.clone().filter(|m| !m.trim().is_empty()))
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct InstanceActionEvent {
    #[serde(deserialize_with = "de::string")]
    pub event: String,
    #[serde(deserialize_with = "de::opt_time")]
    pub start_time: Option<DateTime<Utc>>,
    #[serde(deserialize_with = "de::opt_time")]
    pub finish_time: Option<DateTime<Utc>>,
    /// `Success`, `Error`, or `None` while running.
    #[serde(deserialize_with = "de::opt_string")]
    pub result: Option<String>,
    /// Admins only.
    #[serde(deserialize_with = "de::opt_string")]
    pub traceback: Option<String>,
    /// 2.62+.
    #[serde(deserialize_with = "de::opt_string")]
    pub host: Option<String>,
    /// 2.62+.
    #[serde(rename = "hostId", deserialize_with = "de::opt_string")]
    pub host_id: Option<String>,
    /// 2.84+.
    #[serde(deserialize_with = "de::opt_string")]
    pub details: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct InstanceActionList {
    #[serde(rename = "instanceActions", deserialize_with = "de::vec_or_empty")]
    pub instance_actions: Vec<InstanceAction>,
}

#[derive(Deserialize)]
struct InstanceActionOne {
    #[serde(rename = "instanceAction")]
    pub instance_action: InstanceActionDetail,
}

impl Compute {
    pub async fn list_instance_actions(&self, id: &str) -> Result<Vec<InstanceAction>, Error> {
        let reply = self
            .call(
                Method::GET,
                &format!("/servers/{}/os-instance-actions", enc(id)),
                self.version_for(versions::INSTANCE_ACTIONS),
                None,
                format!("list actions of server {id}"),
            )
            .await?;
        Ok(reply.json::<InstanceActionList>()?.instance_actions)
    }

    pub async fn get_instance_action(
        &self,
        id: &str,
        request_id: &str,
    ) -> Result<InstanceActionDetail, Error> {
        let reply = self
            .call(
                Method::GET,
                &format!(
                    "/servers/{}/os-instance-actions/{}",
                    enc(id),
                    enc(request_id)
                ),
                self.version_for(versions::INSTANCE_ACTIONS),
                None,
                format!("show action {request_id} of server {id}"),
            )
            .await?;
        Ok(reply.json::<InstanceActionOne>()?.instance_action)
    }
}
