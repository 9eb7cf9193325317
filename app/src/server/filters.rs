//! The instance list's filters, checked before Nova sees them: a mistake in what the operator
//! typed is a 400 that says what is wrong, never Nova's failure, and no filter is longer than
//! Nova's own name limit.

use openstack_client::compute::ServerStatus;

use crate::{error::AppError, model::InstanceQuery};

/// Nova's limit on names (and so on anything worth filtering by).
pub const MAX_FILTER: usize = 255;

pub fn check_query(q: &InstanceQuery) -> Result<(), AppError> {
    for (label, value) in [
        ("name", &q.name),
        ("host", &q.host),
        ("project", &q.project),
        ("status", &q.status),
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
    for (label, id) in [("project", &q.project), ("marker", &q.marker)] {
        let ok = id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !ok {
            return Err(AppError::BadRequest(format!("“{id}” is not a {label} id.")));
        }
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
        ] {
            let e = check_query(&bad).unwrap_err();
            assert_eq!(e.http_status(), 400, "{bad:?}");
        }
        let e = check_query(&q(|q| q.name = "a".repeat(70_000))).unwrap_err();
        assert!(e.to_string().len() < 200, "the input is not echoed back");
    }
}
