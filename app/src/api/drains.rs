//! Draining a host: its page (the drain if there is one, else the plan), Start, and the
//! changes to a running drain. All plain form posts answered with a redirect back to the page,
//! so they work without JavaScript and a reload sends nothing again. Admin only: a drain moves
//! every project's instances, to hosts the operator may choose, and disables the service.

use leptos::prelude::*;

use crate::{drain_job::DrainPageView, error::AppError};

/// The drain page's data: the host's drain (active, else latest), and the plan with the
/// options in `fields` when no drain holds the host.
#[server(endpoint = "drain_page")]
pub async fn drain_page(
    host: String,
    #[server(default)] fields: Vec<(String, String)>,
) -> Result<DrainPageView, AppError> {
    use crate::server::{drain_plan::plan_view, drains};

    let (backend, session, compute, host) = admin(&host).await?;
    if fields.len() > 64 {
        return Err(AppError::BadRequest("Too many plan options.".into()));
    }
    let svc = drains::service(&backend)?;
    let job = match drains::drain_of_host(svc, &host).await? {
        Some(d) => {
            let mut job = drains::job_view(svc, &d).await?;
            drains::attach_progress(&backend, &session, &compute, &mut job).await;
            Some(job)
        }
        None => None,
    };
    let plan = if job.as_ref().is_some_and(|j| j.active) {
        None
    } else {
        Some(plan_view(&backend, &session, &compute, &host, &fields).await?)
    };
    Ok(DrainPageView { job, plan })
}

/// Starts draining `host`: the plan is made again from Nova with these options, so what moves
/// is what Nova holds now, not what the page showed.
#[server(endpoint = "start_drain")]
pub async fn start_drain(
    host: String,
    reason: String,
    /// The chosen destination hosts, comma-separated; none: the scheduler chooses.
    #[server(default)]
    hosts: Option<String>,
    #[server(default)] parallel: Option<String>,
    #[server(default)] cold_fallback: Option<String>,
    #[server(default)] auto_confirm: Option<String>,
    #[server(default)] token: Option<String>,
) -> Result<String, AppError> {
    use crate::server::{
        drains,
        service_changes::{check_form_token, claim_form, settle_form},
        session::check_origin,
    };

    check_origin()?;
    let (backend, session, compute, host) = admin(&host).await?;
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut put = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            fields.push((k.into(), v));
        }
    };
    let hosts = hosts.filter(|h| !h.trim().is_empty());
    put(
        "destination",
        Some(
            if hosts.is_some() {
                "hosts"
            } else {
                "scheduler"
            }
            .into(),
        ),
    );
    put("parallel", parallel);
    put("cold_fallback", cold_fallback);
    put("auto_confirm", auto_confirm);
    for h in hosts
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|h| !h.is_empty())
    {
        fields.push(("host".into(), h.to_string()));
    }
    if fields.len() > 64 {
        return Err(AppError::BadRequest("Too many destination hosts.".into()));
    }
    if fields.is_empty() {
        // A form always sends the parallel field; nothing at all is a hand-made request.
        fields.push(("parallel".into(), String::new()));
    }
    let page = format!("/admin/hosts/{}/drain", url_segment(&host));
    let key = match token.as_deref() {
        Some(t) => {
            check_form_token(t)?;
            Some(format!("drain/{}/{host}/{t}", session.user_id))
        }
        None => None,
    };
    if let Some(key) = &key {
        if !claim_form(&backend, key).await {
            leptos_axum::redirect(&page);
            return Ok("This form was sent already; Ferry did not start a second drain.".into());
        }
    }
    let started = drains::start(&backend, &session, &compute, &host, &fields, &reason).await;
    if let Some(key) = &key {
        settle_form(&backend, key, started.is_ok());
    }
    let d = started?;
    leptos_axum::redirect(&page);
    Ok(format!("Draining {}: drain {} started.", d.host, d.id))
}

/// Pause, resume, cancel, retry failed, move back, or change the window (`op` = `parallel`
/// with `parallel`).
#[server(endpoint = "drain_control")]
pub async fn drain_control(
    drain: String,
    op: String,
    #[server(default)] parallel: Option<String>,
) -> Result<String, AppError> {
    use crate::server::{drains, session::check_origin};

    check_origin()?;
    let id = uuid::Uuid::parse_str(drain.trim())
        .map_err(|_| AppError::BadRequest("That is not a drain's id.".into()))?;
    let op = drains::Control::parse(&op, parallel.as_deref())?;
    let backend = crate::server::backend()?;
    let svc = drains::service(&backend)?;
    let host = svc
        .store
        .drain(id)
        .await
        .map_err(drains::store_error)?
        .map(|d| d.host)
        .ok_or_else(|| AppError::BadRequest("Ferry has no such drain.".into()))?;
    let (backend, session, compute, host) = admin(&host).await?;
    let d = drains::control(&backend, &session, &compute, id, op).await?;
    leptos_axum::redirect(&format!("/admin/hosts/{}/drain", url_segment(&host)));
    Ok(format!("Drain of {}: {}.", d.host, d.state))
}

/// Session, policy (what a drain's steps need: list hosts, live-migrate to a chosen host,
/// disable the service), the host's name, and a Nova client.
#[cfg(feature = "ssr")]
async fn admin(
    host: &str,
) -> Result<
    (
        crate::server::Backend,
        crate::server::session::Session,
        openstack_client::compute::Compute,
        String,
    ),
    AppError,
> {
    use crate::{
        policy::Action,
        server::{guard, session::current_session, upstream::upstream_error},
    };
    use openstack_client::compute::Compute;

    let backend = crate::server::backend()?;
    let session = current_session(&backend)?;
    guard::require(&session, Action::ListComputeHosts)?;
    guard::require(&session, Action::LiveMigrateToHost)?;
    guard::require(&session, Action::UpdateComputeService)?;
    let host = guard::clean_host(Some(host))?
        .ok_or_else(|| AppError::BadRequest("Which host? The request names none.".into()))?;
    let compute = Compute::connect(&backend.transport, &session.compute_url, &session.token)
        .await
        .map_err(|e| upstream_error(e, "reach the Compute service"))?;
    Ok((backend, session, compute, host))
}

#[cfg(feature = "ssr")]
fn url_segment(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
