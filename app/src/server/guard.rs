//! The checks every migration call makes before anything reaches Nova.

use openstack_client::compute::{Compute, Server};

use super::{
    backend,
    session::{check_origin, current_session, Session},
    upstream::upstream_error,
    Backend,
};
use crate::{
    actions::Capabilities,
    error::AppError,
    policy::{Action, Roles},
};

/// Origin, session, roles and a compute connection for an action on instance `id`.
pub async fn migration_context(
    id: &str,
) -> Result<(Backend, Session, Capabilities, Compute), AppError> {
    check_origin()?;
    check_id(id)?;
    let backend = backend()?;
    let session = current_session(&backend)?;
    let caps = Capabilities::of(&session.roles());
    let compute = Compute::connect(&backend.transport, &session.compute_url, &session.token)
        .await
        .map_err(|e| upstream_error(e, "reach the Compute service"))?;
    Ok((backend, session, caps, compute))
}

/// Refuses what `crate::policy` does not allow this session, naming the Nova policy, so the
/// operator knows which role to ask for.
pub fn require(session: &Session, action: Action) -> Result<(), AppError> {
    allow(&session.roles(), action)
}

pub fn allow(roles: &Roles, action: Action) -> Result<(), AppError> {
    if roles.allow(action) {
        Ok(())
    } else {
        Err(AppError::Forbidden(action.refusal()))
    }
}

/// Refuses an action the row's More menu would not offer for the instance's state, before Nova
/// is asked: the menu and the server decide alike (`crate::actions::allowed`).
pub fn require_state(
    action: crate::actions::RowAction,
    server: &Server,
    bare_metal: bool,
    caps: Capabilities,
) -> Result<(), AppError> {
    let status = server.status.as_str();
    if crate::actions::allowed(
        action,
        status,
        server.task_state.as_deref(),
        bare_metal,
        caps,
    ) {
        return Ok(());
    }
    let state = crate::labels::status_label(status);
    let why = match server.task_state.as_deref() {
        _ if bare_metal => "it runs on a bare-metal node".to_string(),
        Some(task) => format!(
            "it is {state} and Nova is busy with it ({})",
            crate::labels::task_label(Some(task))
        ),
        None => format!("it is {state}"),
    };
    Err(AppError::Conflict(format!(
        "{} is not possible for {} now: {why}.",
        action.label(),
        server.name
    )))
}

/// Whether the instance runs on an Ironic node (no migration then), from the cached host index.
pub async fn is_bare_metal(
    backend: &Backend,
    session: &Session,
    compute: &Compute,
    server: &Server,
) -> bool {
    let hosts = super::mapping::host_index(backend, session, compute).await;
    server
        .host
        .as_ref()
        .is_some_and(|h| hosts.bare_metal.contains(h))
}

/// The `project_id` filter a migration listing needs: none for a session that may list every
/// project's migrations, the session's own project otherwise (Nova refuses the listing without
/// it: `os-migrations:index:all_projects`).
pub fn project_filter(session: &Session) -> Option<String> {
    (!session.roles().allow(Action::ListAllMigrations)).then(|| session.project_id.clone())
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
        let manager = Roles::new(&["manager"]);
        let text = allow(&manager, Action::LiveMigrateToHost)
            .unwrap_err()
            .to_string();
        assert!(text.contains("migrate_live:host"), "{text}");
        assert!(text.contains("admin role"), "{text}");
        assert!(allow(&manager, Action::LiveMigrate).is_ok());
    }

    #[test]
    fn a_state_the_menu_does_not_offer_is_refused_before_nova() {
        let caps = Capabilities::of(&Roles::new(&["admin"]));
        let server = Server {
            name: "db".into(),
            status: "SHUTOFF".into(),
            ..Server::default()
        };
        let e = require_state(crate::actions::RowAction::LiveMigrate, &server, false, caps)
            .unwrap_err();
        assert_eq!(e.http_status(), 409);
        assert!(e.to_string().contains("Shutoff"), "{e}");
        assert!(require_state(crate::actions::RowAction::Migrate, &server, false, caps).is_ok());
        assert!(require_state(crate::actions::RowAction::Migrate, &server, true, caps).is_err());
    }
}
