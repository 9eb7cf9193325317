//! The checks Disable and Enable make before Nova is asked, and their log line.

use openstack_client::compute::Service;

use super::{session::Session, Backend};
use crate::{error::AppError, hosts::MAX_DISABLED_REASON};

/// A compute service id as Nova gives it from 2.53 (a uuid). Not echoed: it came from a form.
pub fn check_service_id(id: &str) -> Result<(), AppError> {
    let ok =
        !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(AppError::BadRequest(
            "This is not a compute service id; open the Compute Hosts page again and use its button."
                .into(),
        ))
    }
}

/// The reason to disable a host: required (the list shows it to every other operator, and a
/// host disabled for no stated reason gets enabled again by someone), at most Nova's 255
/// characters, checked here so that nothing reaches Nova that it would refuse.
pub fn clean_reason(reason: Option<&str>) -> Result<String, AppError> {
    let reason = reason.map(str::trim).unwrap_or_default();
    if reason.is_empty() {
        return Err(AppError::BadRequest(
            "A reason is required to disable a compute host: say why (it shows in the host list), \
             for example “Scheduled maintenance: DIMM replacement”."
                .into(),
        ));
    }
    let length = reason.chars().count();
    if length > MAX_DISABLED_REASON {
        return Err(AppError::BadRequest(format!(
            "The reason is {length} characters long; Nova takes at most {MAX_DISABLED_REASON}. \
             Nothing was sent: shorten it and disable the host again."
        )));
    }
    Ok(reason.to_string())
}

/// A one-time token for one rendering of a Disable / Enable form. Unique, not secret: it only
/// tells a second post of the same form (a double click) from a new one; the origin check and
/// the SameSite cookie keep other sites out.
pub fn form_token() -> String {
    use std::{
        collections::hash_map::RandomState,
        hash::{BuildHasher, Hasher},
        sync::atomic::{AtomicU64, Ordering},
        time::{SystemTime, UNIX_EPOCH},
    };
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    // Each RandomState is seeded afresh, so the halves differ, and so do other processes' tokens.
    let half = || {
        let mut h = RandomState::new().build_hasher();
        h.write_u64(n);
        h.write_u128(nanos);
        h.finish()
    };
    format!("{:016x}{:016x}", half(), half())
}

/// A form token as `form_token` makes them.
pub fn check_form_token(token: &str) -> Result<(), AppError> {
    if token.len() == 32 && token.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(AppError::BadRequest(
            "This form did not come from Ferry's Compute Hosts page; open the page again.".into(),
        ))
    }
}

/// Claims a posted form for this request: `true` for its first post, which goes on to Nova.
/// A second post of the same form (a double click) gets `false` once the first has its answer
/// (or after the upstream timeout), so the page it lands on shows the change.
pub async fn claim_form(backend: &Backend, key: &str) -> bool {
    if backend.sent_forms.insert_new(key, false) {
        return true;
    }
    let deadline = std::time::Instant::now() + backend.transport.timeout();
    while backend.sent_forms.get(key) == Some(false) && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    false
}

/// After the first post's answer: a form Nova refused may be sent again (nothing changed);
/// one it accepted, or whose answer never came (it may have been done), stays spent.
pub fn settle_form(backend: &Backend, key: &str, spent: bool) {
    if spent {
        backend.sent_forms.put(key, true);
    } else {
        backend.sent_forms.remove(key);
    }
}

/// One log line per change: who, which host, the reason, Nova's answer.
pub fn audit(session: &Session, action: &str, service: &Service, reason: Option<&str>) {
    tracing::info!(
        action,
        user = %session.user,
        project = %session.project,
        service = %service.id,
        host = %service.host,
        status = %service.status,
        reason = reason.unwrap_or("-"),
        "compute service change accepted by Nova"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reason_is_required_and_at_most_255_characters() {
        assert_eq!(clean_reason(Some("  DIMM  ")).unwrap(), "DIMM");
        for missing in [None, Some(""), Some("   ")] {
            let e = clean_reason(missing).unwrap_err();
            assert_eq!(e.http_status(), 400);
            assert!(e.to_string().contains("reason is required"), "{e}");
        }
        // Characters, not bytes: 255 of "é" are 510 bytes and still fine.
        assert!(clean_reason(Some(&"é".repeat(255))).is_ok());
        let e = clean_reason(Some(&"x".repeat(256))).unwrap_err();
        assert_eq!(e.http_status(), 400);
        assert!(e.to_string().contains("256 characters"), "{e}");
        assert!(e.to_string().contains("at most 255"), "{e}");
    }

    #[test]
    fn form_tokens_differ_and_pass_their_own_check() {
        let (a, b) = (form_token(), form_token());
        assert_ne!(a, b);
        assert!(check_form_token(&a).is_ok());
        assert!(check_form_token("not-a-token").is_err());
    }

    #[test]
    fn service_ids_are_uuids_and_never_echoed() {
        assert!(check_service_id("8a2c5e7b-1f3d-4b6a-9c0e-2d4f6a8b0c1e").is_ok());
        for bad in ["", "../../os-services", "<b>x</b>", &"a".repeat(65)] {
            let e = check_service_id(bad).unwrap_err();
            assert_eq!(e.http_status(), 400);
            if !bad.is_empty() {
                assert!(!e.to_string().contains(bad), "{e}");
            }
        }
    }
}
