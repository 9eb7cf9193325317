//! A live migration under way: abort it, or force it to complete. One server function for both
//! (the list's dialog and the instance page's forms post here), so the WASM carries one client
//! stub. Each checks its own policy, is sent once, and says what Nova will do; Nova's refusal
//! (the migration moved on, or is not running yet) comes back in plain words.

use leptos::prelude::*;

use crate::{error::AppError, migration::Accepted};

/// `force: false`: abort, `DELETE /servers/{id}/migrations/{migration}` (running, and from 2.65
/// queued or preparing). `force: true`: `POST …/{migration}/action {"force_complete": null}`
/// (running only).
#[server(endpoint = "live_migration_control")]
pub async fn control_live_migration(
    id: String,
    migration: u64,
    force: bool,
) -> Result<Accepted, AppError> {
    use crate::{
        policy::Action,
        server::{
            guard,
            upstream::{action_error, upstream_error},
        },
    };

    let (_backend, session, _caps, compute) = guard::migration_context(&id).await?;
    guard::require(
        &session,
        if force {
            Action::ForceCompleteLiveMigration
        } else {
            Action::AbortLiveMigration
        },
    )?;
    let (server, running, actions) = tokio::join!(
        compute.get_server(&id),
        compute.list_server_migrations(&id),
        compute.list_instance_actions(&id),
    );
    let server = server.map_err(|e| upstream_error(e, "read the instance"))?;
    // Nova records each abort and force-complete; one already sent for this migration (from
    // another tab, the list, a reload) is not sent again. Nova's own refusal covers the rest.
    if let (Ok(running), Ok(actions)) = (&running, &actions) {
        if let Some(m) = running.iter().find(|m| m.id == migration) {
            let (abort, forced) = crate::server::history::already_sent(m, actions);
            if let Some(words) = abort.or(if force { forced } else { None }) {
                return Err(AppError::Conflict(words));
            }
        }
    }
    if force {
        let accepted = compute
            .force_complete_migration(&id, migration)
            .await
            .map_err(|e| action_error(e, "force the live migration to complete"))?;
        guard::audit(
            &session,
            "live_migration_force_complete",
            &server,
            None,
            accepted.request_id.as_deref(),
        );
        return Ok(Accepted {
            message: format!(
                "Force complete sent: Nova pauses {} until the copy is done (or switches to post-copy where the cloud permits it).",
                server.name
            ),
            request_id: accepted.request_id,
        });
    }
    let accepted = compute
        .abort_migration(&id, migration)
        .await
        .map_err(|e| action_error(e, "abort the live migration"))?;
    guard::audit(
        &session,
        "live_migration_cancel",
        &server,
        None,
        accepted.request_id.as_deref(),
    );
    Ok(Accepted {
        message: format!(
            "Abort sent: {} stops moving and stays Active on {}.",
            server.name,
            server.host.as_deref().unwrap_or("its source host")
        ),
        request_id: accepted.request_id,
    })
}
