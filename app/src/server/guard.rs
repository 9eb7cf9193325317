//! The checks every migration call makes before anything reaches Nova.

use openstack_client::compute::{Compute, Server};

use super::{
    backend,
    session::{check_origin, current_session, Session},
    upstream::upstream_error,
    Backend,
};
use crate::{actions::Capabilities, error::AppError};

/// Origin, session, roles and a compute connection for an action on instance `id`.
pub async fn migration_context(
    id: &str,
) -> Result<(Backend, Session, Capabilities, Compute), AppError> {
    check_origin()?;
    check_id(id)?;
    let backend = backend()?;
    let session = current_session(&backend)?;
    let caps = Capabilities::from_roles(&session.roles);
    let compute = Compute::connect(&backend.transport, &session.compute_url, &session.token)
        .await
        .map_err(|e| upstream_error(e, "reach the Compute service"))?;
    Ok((backend, session, caps, compute))
}

/// Refuses with the Nova policy that would refuse, so the operator knows which role to ask for.
pub fn require(allowed: bool, policy: &str) -> Result<(), AppError> {
    if allowed {
        return Ok(());
    }
    let who = if policy.ends_with(":host") {
        "the admin role (choosing a destination host is admin-only)"
    } else if policy.contains("resize") {
        "the admin or the project manager role"
    } else {
        "the admin role, or the manager role in the instance's project"
    };
    Err(AppError::Forbidden(format!(
        "This needs {who}. Nova's policy {policy} does not allow it for your roles."
    )))
}

pub fn check_id(id: &str) -> Result<(), AppError> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(AppError::BadRequest(format!(
            "“{id}” is not an instance id."
        )))
    }
}

/// A destination host as typed or chosen; empty means "let the scheduler choose".
pub fn clean_host(host: Option<&str>) -> Result<Option<String>, AppError> {
    let Some(host) = host.map(str::trim).filter(|h| !h.is_empty()) else {
        return Ok(None);
    };
    let ok = host.len() <= 255
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':' | '@'));
    if ok {
        Ok(Some(host.to_string()))
    } else {
        Err(AppError::BadRequest(format!(
            "“{host}” is not a compute host name."
        )))
    }
}

/// One log line per action: who, which instance, from where to where, Nova's request id.
pub fn audit(
    session: &Session,
    action: &str,
    server: &Server,
    destination: Option<&str>,
    request_id: Option<&str>,
) {
    tracing::info!(
        action,
        user = %session.user,
        project = %session.project,
        instance = %server.id,
        instance_name = %server.name,
        source = server.host.as_deref().unwrap_or("-"),
        destination = destination.unwrap_or("scheduler"),
        request_id = request_id.unwrap_or("-"),
        "instance action accepted by Nova"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_and_ids_are_checked_before_anything_is_sent() {
        assert_eq!(clean_host(None).unwrap(), None);
        assert_eq!(clean_host(Some("  ")).unwrap(), None);
        assert_eq!(
            clean_host(Some("compute10")).unwrap().as_deref(),
            Some("compute10")
        );
        assert!(clean_host(Some("compute1; rm -rf /")).is_err());
        assert!(check_id("4a3c9f1e-0b7d-4c55-9a9e-2f6f3d1c8b7a").is_ok());
        assert!(check_id("../../etc").is_err());
    }

    #[test]
    fn refusals_name_the_policy_and_the_role() {
        let e = require(false, "os_compute_api:os-migrate-server:migrate_live:host").unwrap_err();
        let text = e.to_string();
        assert!(text.contains("migrate_live:host"), "{text}");
        assert!(text.contains("admin role"), "{text}");
        assert!(require(true, "x").is_ok());
    }
}
