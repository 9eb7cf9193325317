//! Compute hosts: the Compute Hosts page's data, and Disable / Enable of a host's compute
//! service. Both changes are plain form posts (they work without JavaScript): each checks the
//! policy and its input before Nova is asked, is sent once, and answers a browser with a
//! redirect back to the page, so a reload does not send it again.

use leptos::prelude::*;

use crate::{
    error::AppError,
    hosts::{HostFilter, HostsPage, ServiceChanged},
};

/// Every compute host with its state, usage, instances and migrations in flight.
#[server(endpoint = "compute_hosts")]
pub async fn compute_hosts(filter: HostFilter) -> Result<HostsPage, AppError> {
    use crate::{
        policy::Action,
        server::{
            compute_hosts::overview, filters::check_host_filter, guard, session::current_session,
            upstream::upstream_error,
        },
    };
    use openstack_client::compute::Compute;

    let backend = crate::server::backend()?;
    let session = current_session(&backend)?;
    guard::require(&session, Action::ListComputeHosts)?;
    check_host_filter(&filter)?;
    let compute = Compute::connect(&backend.transport, &session.compute_url, &session.token)
        .await
        .map_err(|e| upstream_error(e, "reach the Compute service"))?;
    let mut page = overview(&backend, &session, &compute, &filter).await?;
    crate::server::drains::mark_hosts(&backend, &mut page.rows).await;
    Ok(page)
}

/// `PUT /os-services/{service_id}` `{"status": "disabled", "disabled_reason": …}`: the
/// scheduler stops placing instances on the host; those on it keep running.
#[server(endpoint = "disable_compute_service")]
pub async fn disable_compute_service(
    service: String,
    reason: Option<String>,
    token: Option<String>,
    back: Option<HostFilter>,
) -> Result<ServiceChanged, AppError> {
    use crate::server::service_changes::clean_reason;
    use openstack_client::compute::ServiceUpdate;

    let body = clean_reason(reason.as_deref()).map(|r| ServiceUpdate::disable(Some(&r)));
    change_service(service, token, back, body).await
}

/// `PUT /os-services/{service_id}` `{"status": "enabled"}` (Nova clears the reason).
#[server(endpoint = "enable_compute_service")]
pub async fn enable_compute_service(
    service: String,
    token: Option<String>,
    back: Option<HostFilter>,
) -> Result<ServiceChanged, AppError> {
    use openstack_client::compute::ServiceUpdate;

    change_service(service, token, back, Ok(ServiceUpdate::enable())).await
}

/// What Disable and Enable share: origin, session and policy first (a refusal names
/// `os_compute_api:os-services:update`), then the input (`body` holds its check's outcome),
/// then one call to Nova, once per form token (the page's forms carry one; a client without
/// it is not deduplicated).
#[cfg(feature = "ssr")]
async fn change_service(
    service: String,
    token: Option<String>,
    back: Option<HostFilter>,
    body: Result<openstack_client::compute::ServiceUpdate, AppError>,
) -> Result<ServiceChanged, AppError> {
    use crate::{
        hosts::row_anchor,
        policy::Action,
        server::{
            filters::check_host_filter,
            guard,
            service_changes::{audit, check_form_token, check_service_id, claim_form, settle_form},
            session::{check_origin, current_session},
            upstream::{action_error, upstream_error},
        },
    };
    use openstack_client::compute::Compute;

    check_origin()?;
    let backend = crate::server::backend()?;
    let session = current_session(&backend)?;
    guard::require(&session, Action::UpdateComputeService)?;
    check_service_id(&service)?;
    let body = body?;
    let disabling = body.enabled == Some(false);
    let back = back
        .filter(|b| check_host_filter(b).is_ok())
        .unwrap_or_default();
    let sent_key = match token.as_deref() {
        Some(t) => {
            check_form_token(t)?;
            Some(format!(
                "{}/{}/{service}/{t}",
                session.user_id, session.project_id
            ))
        }
        None => None,
    };
    let compute = Compute::connect(&backend.transport, &session.compute_url, &session.token)
        .await
        .map_err(|e| upstream_error(e, "reach the Compute service"))?;
    if let Some(key) = &sent_key {
        if !claim_form(&backend, key).await {
            // The same form again, from a double click: the first post went to Nova.
            leptos_axum::redirect(&back.href());
            return Ok(ServiceChanged {
                message: "This form was sent already; Ferry did not send it again.".into(),
                sent: false,
            });
        }
    }
    let doing = if disabling {
        "disable the compute service"
    } else {
        "enable the compute service"
    };
    let answer = compute
        .set_service(&service, &body)
        .await
        .map_err(|e| action_error(e, doing));
    if let Some(key) = &sent_key {
        settle_form(
            &backend,
            key,
            answer
                .as_ref()
                .map_or_else(AppError::maybe_started, |_| true),
        );
    }
    let changed = answer?;
    let reason = body.disabled_reason.as_deref();
    audit(
        &session,
        if disabling { "disable" } else { "enable" },
        &changed,
        reason,
    );
    // Back to the page the form was on, at the host's row; the filters are rebuilt from their
    // fields, so nothing else the form carried can steer the redirect.
    let host = changed.host.clone();
    leptos_axum::redirect(&format!("{}#{}", back.href(), row_anchor(&host)));
    let message = match reason {
        Some(r) => format!(
            "{host} is disabled: the scheduler places no new instances there (reason: {r})."
        ),
        None => format!("{host} is enabled: the scheduler may place instances there again."),
    };
    Ok(ServiceChanged {
        message,
        sent: true,
    })
}

/// What draining `host` would do, with the options in `fields` (the plan form's fields, as
/// `drain::plan::DrainOptions::from_form` reads them). Nothing moves.
#[server(endpoint = "drain_plan")]
pub async fn drain_plan(
    host: String,
    #[server(default)] fields: Vec<(String, String)>,
) -> Result<crate::drain_plan::DrainPlanView, AppError> {
    use crate::{
        policy::Action,
        server::{
            drain_plan::plan_view, guard, session::current_session, upstream::upstream_error,
        },
    };
    use openstack_client::compute::Compute;

    let backend = crate::server::backend()?;
    let session = current_session(&backend)?;
    // Draining moves every project's instances to hosts the operator may choose: admin only.
    guard::require(&session, Action::ListComputeHosts)?;
    guard::require(&session, Action::LiveMigrateToHost)?;
    let host = guard::clean_host(Some(&host))?
        .ok_or_else(|| AppError::BadRequest("Which host? The address names none.".into()))?;
    if fields.len() > 64 {
        return Err(AppError::BadRequest("Too many plan options.".into()));
    }
    let compute = Compute::connect(&backend.transport, &session.compute_url, &session.token)
        .await
        .map_err(|e| upstream_error(e, "reach the Compute service"))?;
    plan_view(&backend, &session, &compute, &host, &fields).await
}
