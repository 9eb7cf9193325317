//! The instance list's filters, checked before Nova sees them: a mistake in what the operator
//! typed is a 400 that says what is wrong, never Nova's failure, and no filter is longer than
//! Nova's own name limit.

use openstack_client::compute::ServerStatus;

use crate::{
    error::AppError,
    hosts::{HostFilter, HOST_STATES, HOST_STATUSES},
    model::InstanceQuery,
};

/// Nova's limit on names (and so on anything worth filtering by).
pub const MAX_FILTER: usize = 255;

pub fn check_query(q: &InstanceQuery) -> Result<(), AppError> {
    for (label, value) in [
        ("name", &q.name),
        ("host", &q.host),
        ("project", &q.project),
        ("status", &q.status),
        ("zone", &q.zone),
        ("marker", &q.marker),
        ("sort", &q.sort),
    ] {
        if value.chars().count() > MAX_FILTER {
            return Err(AppError::BadRequest(format!(
                "The {label} filter is longer than {MAX_FILTER} characters."
            )));
        }
    }
    if !q.status.is_empty() && matches!(ServerStatus::parse(&q.status), ServerStatus::Other(_)) {
        return Err(AppError::BadRequest(format!(
            "“{}” is not an instance status Nova knows; choose one from the list.",
            q.status
        )));
    }
    if !q.name.is_empty() {
        check_regex(&q.name)?;
    }
    if !q.host.is_empty() {
        crate::server::guard::clean_host(Some(&q.host))?;
    }
    check_zone(&q.zone)?;
    for (label, id) in [("project", &q.project), ("marker", &q.marker)] {
        let ok = id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !ok {
            return Err(AppError::BadRequest(format!("“{id}” is not a {label} id.")));
        }
    }
    Ok(())
}

/// The Compute Hosts page's filters: a zone, and states and statuses from its lists.
pub fn check_host_filter(f: &HostFilter) -> Result<(), AppError> {
    check_zone(&f.zone)?;
    let known =
        |v: &str, choices: &[(&str, &str)]| v.is_empty() || choices.iter().any(|(c, _)| *c == v);
    if !known(&f.state, &HOST_STATES) {
        return Err(AppError::BadRequest(
            "The state filter is either “up” or “down”.".into(),
        ));
    }
    if !known(&f.status, &HOST_STATUSES) {
        return Err(AppError::BadRequest(
            "The status filter is either “enabled” or “disabled”.".into(),
        ));
    }
    Ok(())
}

/// An availability zone as Nova allows its name: at most 255 characters, no `:` (Nova reads
/// `zone:host` as a forced host) and nothing unprintable. Empty means any zone.
pub fn check_zone(zone: &str) -> Result<(), AppError> {
    if zone.chars().count() > MAX_FILTER {
        return Err(AppError::BadRequest(format!(
            "The zone filter is longer than {MAX_FILTER} characters."
        )));
    }
    if zone.chars().any(|c| c == ':' || c.is_control()) {
        return Err(AppError::BadRequest(format!(
            "“{zone}” is not an availability zone name."
        )));
    }
    Ok(())
}

/// Nova matches the name filter as a regular expression (Python's `re`, or the database's
/// REGEXP). A pattern that cannot be parsed is the operator's mistake; constructs Python accepts
/// and Rust's parser does not (look-around, back-references) are passed on to Nova.
fn check_regex(pattern: &str) -> Result<(), AppError> {
    use regex_syntax::ast::{parse::Parser, ErrorKind};
    match Parser::new().parse(pattern) {
        Ok(_) => Ok(()),
        Err(e)
            if matches!(
                e.kind(),
                ErrorKind::UnsupportedLookAround | ErrorKind::UnsupportedBackreference
            ) =>
        {
            Ok(())
        }
        Err(e) => Err(AppError::BadRequest(format!(
            "The name filter “{pattern}” is not a valid regular expression: {}.",
            e.kind()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(f: impl FnOnce(&mut InstanceQuery)) -> InstanceQuery {
        let mut q = InstanceQuery::default();
        f(&mut q);
        q
    }

    #[test]
    fn what_the_operator_typed_wrong_is_a_bad_request() {
        assert!(check_query(&q(|_| {})).is_ok());
        assert!(check_query(&q(|q| q.name = "^web-[0-9]+$".into())).is_ok());
        assert!(check_query(&q(|q| q.name = "(?=web)".into())).is_ok());
        assert!(check_query(&q(|q| q.status = "VERIFY_RESIZE".into())).is_ok());
        for bad in [
            q(|q| q.name = "[".into()),
            q(|q| q.status = "FOO".into()),
            q(|q| q.name = "a".repeat(256)),
            q(|q| q.host = "compute1; drop".into()),
            q(|q| q.project = "../x".into()),
            q(|q| q.zone = "az1:compute1".into()),
            q(|q| q.zone = "z".repeat(256)),
        ] {
            let e = check_query(&bad).unwrap_err();
            assert_eq!(e.http_status(), 400, "{bad:?}");
        }
        let e = check_query(&q(|q| q.name = "a".repeat(70_000))).unwrap_err();
        assert!(e.to_string().len() < 200, "the input is not echoed back");
        assert!(check_query(&q(|q| q.zone = "az 1".into())).is_ok());
    }

    #[test]
    fn host_filters_take_only_their_lists() {
        let f = |zone: &str, state: &str, status: &str| HostFilter {
            zone: zone.into(),
            state: state.into(),
            status: status.into(),
        };
        assert!(check_host_filter(&f("", "", "")).is_ok());
        assert!(check_host_filter(&f("az1", "down", "disabled")).is_ok());
        for bad in [f("", "sideways", ""), f("", "", "maybe"), f("a:b", "", "")] {
            assert_eq!(
                check_host_filter(&bad).unwrap_err().http_status(),
                400,
                "{bad:?}"
            );
        }
    }
}
