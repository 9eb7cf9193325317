//! Keystone application credentials: a secret a long-running job can log in
//! with after the operator's token has expired, without keeping a password.
//! Keystone answers the secret once, on create; after that only its owner
//! knows it.

use chrono::{DateTime, Utc};
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{issue_token, normalise_auth_url, Credentials, NamedRef, Secret, Token, SERVICE};
use crate::de;
use crate::error::{Error, ErrorKind};
use crate::transport::{Reply, Request, Transport};

/// What a token from the credential may call (`service` is a catalog type,
/// `path` may use `*` and `**`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AccessRule {
    /// Empty when asking for a new rule; Keystone assigns one.
    #[serde(
        deserialize_with = "de::string",
        skip_serializing_if = "String::is_empty"
    )]
    pub id: String,
    #[serde(deserialize_with = "de::string")]
    pub service: String,
    #[serde(deserialize_with = "de::string")]
    pub path: String,
    #[serde(deserialize_with = "de::string")]
    pub method: String,
}

/// An application credential as Keystone shows it (never with its secret).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ApplicationCredential {
    #[serde(deserialize_with = "de::string")]
    pub id: String,
    #[serde(deserialize_with = "de::string")]
    pub name: String,
    #[serde(deserialize_with = "de::opt_string")]
    pub description: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub user_id: String,
    /// The project every token from it is scoped to.
    #[serde(deserialize_with = "de::string")]
    pub project_id: String,
    /// None: it does not expire.
    #[serde(deserialize_with = "de::opt_time")]
    pub expires_at: Option<DateTime<Utc>>,
    /// Only an unrestricted one may create or delete application credentials.
    #[serde(deserialize_with = "de::bool_or_false")]
    pub unrestricted: bool,
    #[serde(deserialize_with = "de::vec_or_empty")]
    pub roles: Vec<NamedRef>,
    #[serde(deserialize_with = "de::vec_or_empty")]
    pub access_rules: Vec<AccessRule>,
}

/// A credential to create. Empty `roles` means all of the creating token's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewApplicationCredential {
    pub name: String,
    pub description: Option<String>,
    /// None: Keystone generates one (64 random bytes).
    pub secret: Option<Secret>,
    pub expires_at: Option<DateTime<Utc>>,
    /// Role names; Keystone adds the roles they imply.
    pub roles: Vec<String>,
    pub unrestricted: bool,
    /// Empty: the token may call anything its roles allow.
    pub access_rules: Vec<AccessRule>,
}

impl NewApplicationCredential {
    /// The `POST` body. The secret is in it, so it is built only to be sent.
    fn body(&self) -> Value {
        let mut c = json!({ "name": self.name, "unrestricted": self.unrestricted });
        if let Some(d) = &self.description {
            c["description"] = json!(d);
        }
        if let Some(s) = &self.secret {
            c["secret"] = json!(s.expose());
        }
        if let Some(t) = &self.expires_at {
            c["expires_at"] = json!(t.format("%Y-%m-%dT%H:%M:%SZ").to_string());
        }
        if !self.roles.is_empty() {
            c["roles"] = self.roles.iter().map(|r| json!({ "name": r })).collect();
        }
        if !self.access_rules.is_empty() {
            c["access_rules"] = json!(self.access_rules);
        }
        json!({ "application_credential": c })
    }
}

/// The answer to a create: the credential and its secret, which Keystone
/// never shows again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedApplicationCredential {
    pub credential: ApplicationCredential,
    pub secret: Secret,
}

#[derive(Deserialize)]
struct Created {
    application_credential: CreatedBody,
}

#[derive(Deserialize)]
struct CreatedBody {
    #[serde(flatten)]
    credential: ApplicationCredential,
    #[serde(default, deserialize_with = "de::opt_string")]
    secret: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Listed {
    #[serde(deserialize_with = "de::vec_or_empty")]
    application_credentials: Vec<ApplicationCredential>,
}

fn collection(auth_url: &str, user_id: &str) -> String {
    format!(
        "{}/users/{}/application_credentials",
        normalise_auth_url(auth_url),
        segment(user_id)
    )
}

/// One path segment, encoded as the compute and placement clients do.
fn segment(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn decode_error(reply: &Reply, message: &str) -> Error {
    Error::new(ErrorKind::Decode, SERVICE, reply.operation.clone(), message)
        .with_request_id(reply.request_id.clone())
}

/// `POST /v3/users/{user_id}/application_credentials` with a token of that
/// user, scoped to the project the credential is for.
pub async fn create_application_credential(
    t: &Transport,
    auth_url: &str,
    token: &str,
    user_id: &str,
    new: &NewApplicationCredential,
) -> Result<CreatedApplicationCredential, Error> {
    let op = format!("create application credential {}", new.name);
    let mut req = Request::new(SERVICE, op, Method::POST, collection(auth_url, user_id));
    req.token = Some(token);
    req.body = Some(new.body());
    let reply = t.execute(req).await?;
    let created: Created = reply.json()?;
    let body = created.application_credential;
    let secret = body
        .secret
        .filter(|s| !s.is_empty())
        .ok_or_else(|| decode_error(&reply, "the created application credential has no secret"))?;
    if body.credential.id.is_empty() {
        return Err(decode_error(
            &reply,
            "the created application credential has no id",
        ));
    }
    Ok(CreatedApplicationCredential {
        credential: body.credential,
        secret: Secret::from(secret),
    })
}

/// `GET /v3/users/{user_id}/application_credentials`, only those named
/// `name` if given.
pub async fn list_application_credentials(
    t: &Transport,
    auth_url: &str,
    token: &str,
    user_id: &str,
    name: Option<&str>,
) -> Result<Vec<ApplicationCredential>, Error> {
    let mut url = collection(auth_url, user_id);
    if let Some(n) = name {
        let q: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("name", n)
            .finish();
        url = format!("{url}?{q}");
    }
    let mut req = Request::new(
        SERVICE,
        "list application credentials".into(),
        Method::GET,
        url,
    );
    req.token = Some(token);
    let listed: Listed = t.execute(req).await?.json()?;
    Ok(listed.application_credentials)
}

/// `DELETE /v3/users/{user_id}/application_credentials/{id}`; its tokens
/// stop working.
pub async fn delete_application_credential(
    t: &Transport,
    auth_url: &str,
    token: &str,
    user_id: &str,
    id: &str,
) -> Result<(), Error> {
    let url = format!("{}/{}", collection(auth_url, user_id), segment(id));
    let op = format!("delete application credential {id}");
    let mut req = Request::new(SERVICE, op, Method::DELETE, url);
    req.token = Some(token);
    t.execute(req).await?;
    Ok(())
}

/// A token from an application credential: scoped to its project, with its
/// roles, with the catalog, and never outliving the credential.
pub async fn authenticate_application_credential(
    t: &Transport,
    auth_url: &str,
    id: &str,
    secret: &Secret,
) -> Result<Token, Error> {
    let c = Credentials::ApplicationCredential {
        id: id.to_string(),
        secret: secret.clone(),
    };
    issue_token(t, auth_url, &c).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_has_what_was_asked_and_debug_hides_the_secret() {
        let new = NewApplicationCredential {
            name: "drain".into(),
            secret: Some("s3cr3t".into()),
            roles: vec!["member".into()],
            expires_at: DateTime::parse_from_rfc3339("2030-01-02T03:04:05Z")
                .ok()
                .map(|t| t.with_timezone(&Utc)),
            ..Default::default()
        };
        assert_eq!(
            new.body(),
            json!({"application_credential": {"name": "drain", "unrestricted": false,
                "secret": "s3cr3t", "roles": [{"name": "member"}],
                "expires_at": "2030-01-02T03:04:05Z"}})
        );
        assert!(!format!("{new:?}").contains("s3cr3t"));
    }

    #[test]
    fn a_created_answer_keeps_the_secret_apart_and_tolerates_unknown_fields() {
        let body: Created = serde_json::from_value(json!({"application_credential": {
            "id": "c5", "name": "drain", "secret": "s3cr3t", "expires_at": "2026-12-02T20:32:23.000000",
            "unrestricted": null, "roles": [{"id": "r1", "name": "member", "options": {}}],
            "system": null, "links": {"self": "x"}, "something_new": 1}}))
        .expect("decodes");
        let c = body.application_credential;
        assert_eq!(c.secret.as_deref(), Some("s3cr3t"));
        assert_eq!(c.credential.roles[0].name, "member");
        assert!(!c.credential.unrestricted);
        assert!(c.credential.expires_at.is_some());
    }
}
