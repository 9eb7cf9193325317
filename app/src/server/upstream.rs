//! Turns the typed client's errors into what a person reads: which service, what it said, and the
//! request id to quote, without ever passing on a token or a backtrace.

use openstack_client::{Error, ErrorKind};

use crate::error::{service_title, AppError, UpstreamFailure};

/// The longest upstream message passed on to the page; Nova's own are a sentence or two, and a
/// message that echoes a request must not grow the answer without bound.
const MAX_MESSAGE: usize = 1000;

/// What a person may read of the error: the service's own message for an HTTP answer; for a
/// failure on the way (timeout, refused connection, broken answer) Ferry's words, since the
/// client library's text names internal URLs. The full error goes to the log.
fn readable(e: &Error) -> String {
    let message = match e.kind {
        ErrorKind::Http(_) | ErrorKind::Unsupported => e.message.clone(),
        ErrorKind::Timeout => "no answer within Ferry's upstream timeout".into(),
        ErrorKind::Connect => "the connection could not be made".into(),
        ErrorKind::Interrupted => "the connection broke before the answer was complete".into(),
        ErrorKind::Decode => "the answer could not be decoded".into(),
        ErrorKind::Config => "Ferry's connection settings for this cloud are unusable".into(),
    };
    if !matches!(e.kind, ErrorKind::Http(_) | ErrorKind::Unsupported) {
        tracing::warn!(error = %e, "OpenStack call failed");
    }
    if message.chars().count() > MAX_MESSAGE {
        let mut short: String = message.chars().take(MAX_MESSAGE).collect();
        short.push('…');
        short
    } else {
        message
    }
}

/// For a request that changes something (a migration, confirm, revert): a timeout does not mean
/// it failed, so say so, and never send it again.
pub fn action_error(e: Error, doing: &str) -> AppError {
    if matches!(e.kind, ErrorKind::Timeout | ErrorKind::Interrupted) {
        let service = service_title(e.service);
        let what = if e.kind == ErrorKind::Timeout {
            "did not answer in time"
        } else {
            "connection broke before its answer arrived"
        };
        return AppError::Upstream(UpstreamFailure {
            summary: format!(
                "The {service} service {what}, so Ferry cannot tell whether it will {doing}. \
                 It may have started: the row's status will update. Ferry did not send it again."
            ),
            service: e.service.to_string(),
            status: None,
            message: readable(&e),
            request_id: e.request_id,
            unreachable: e.kind == ErrorKind::Timeout,
            maybe_started: true,
        });
    }
    upstream_error(e, doing)
}

/// `doing` completes the sentence "Ferry could not …", e.g. "list instances".
pub fn upstream_error(e: Error, doing: &str) -> AppError {
    let service = service_title(e.service);
    let (status, unreachable) = match e.kind {
        ErrorKind::Http(code) => (Some(code), false),
        ErrorKind::Timeout | ErrorKind::Connect => (None, true),
        _ => (None, false),
    };
    if status == Some(401) {
        return AppError::SessionExpired;
    }
    let message = readable(&e);
    let summary = match (&e.kind, status) {
        (ErrorKind::Timeout, _) => {
            format!("Ferry could not {doing}: the {service} service did not answer in time.")
        }
        (ErrorKind::Connect, _) => {
            format!("Ferry could not {doing}: the {service} service cannot be reached.")
        }
        (ErrorKind::Interrupted, _) => format!(
            "Ferry could not {doing}: the connection to the {service} service broke before its answer arrived."
        ),
        (ErrorKind::Decode, _) => format!(
            "Ferry could not {doing}: the {service} service sent an answer Ferry cannot read."
        ),
        (_, Some(403)) => format!("The {service} service refused to {doing}: {message}"),
        (_, Some(404)) => format!("Ferry could not {doing}: {message}"),
        (_, Some(409)) => format!(
            "The {service} service cannot {doing} in the instance's current state: {message}"
        ),
        (_, Some(code)) if code >= 500 => {
            format!("The {service} service failed while Ferry tried to {doing} (HTTP {code}).")
        }
        _ => format!("Ferry could not {doing}: {message}"),
    };
    AppError::Upstream(UpstreamFailure {
        summary,
        service: e.service.to_string(),
        status,
        message,
        request_id: e.request_id,
        unreachable,
        maybe_started: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_timed_out_action_may_have_started_and_is_not_resent() {
        let e = Error::new(
            ErrorKind::Timeout,
            "compute",
            "live-migrate server x",
            "timed out",
        );
        let text = action_error(e, "live-migrate the instance").to_string();
        assert!(text.contains("may have started"), "{text}");
        assert!(text.contains("did not send it again"), "{text}");
    }

    #[test]
    fn an_action_whose_answer_broke_off_may_have_started_too() {
        let e = Error::new(
            ErrorKind::Interrupted,
            "compute",
            "migrate server x",
            "connection reset",
        );
        let err = action_error(e.clone(), "migrate the instance");
        assert!(err.maybe_started());
        let text = err.to_string();
        assert!(text.contains("connection broke"), "{text}");
        assert!(text.contains("may have started"), "{text}");
        assert!(text.contains("did not send it again"), "{text}");
        let text = upstream_error(e, "list instances").to_string();
        assert!(text.contains("broke before its answer arrived"), "{text}");
    }

    #[test]
    fn no_internal_url_or_unbounded_echo_reaches_the_page() {
        let e = Error::new(
            ErrorKind::Connect,
            "compute",
            "list servers",
            "error sending request for url (http://10.0.0.1:8774/v2.1/servers/detail?name=x)",
        );
        let err = upstream_error(e, "list instances");
        let all = format!("{err} {}", err.details().unwrap_or_default());
        assert!(!all.contains("10.0.0.1"), "{all}");
        assert!(!all.contains("http://"), "{all}");
        let e = Error::new(ErrorKind::Http(400), "compute", "x", "v".repeat(50_000));
        let err = upstream_error(e, "list instances");
        assert!(err.details().unwrap().len() < 1200);
    }

    #[test]
    fn refusals_name_the_service_and_expired_tokens_mean_login() {
        let mut e = Error::new(ErrorKind::Http(409), "compute", "x", "Instance is locked");
        e.request_id = Some("req-1".into());
        match upstream_error(e, "migrate the instance") {
            AppError::Upstream(f) => {
                assert!(f.summary.contains("Nova (Compute)"), "{}", f.summary);
                assert!(f.summary.contains("Instance is locked"));
                assert_eq!(f.request_id.as_deref(), Some("req-1"));
                assert!(!f.unreachable);
            }
            other => panic!("{other:?}"),
        }
        let e = Error::new(ErrorKind::Http(401), "identity", "x", "expired");
        assert_eq!(
            upstream_error(e, "list instances"),
            AppError::SessionExpired
        );
        let e = Error::new(ErrorKind::Connect, "identity", "x", "refused");
        match upstream_error(e, "log in") {
            AppError::Upstream(f) => {
                assert!(f.unreachable);
                assert!(f.summary.contains("cannot be reached"));
            }
            other => panic!("{other:?}"),
        }
    }
}
