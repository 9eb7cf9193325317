//! What became of one move, read from Nova alone: the instance (its host, status and task) and
//! the newest migration record Nova made for it since the move was asked. Never the 202: Nova
//! accepts a request and may still fail it seconds later in the scheduler or on the compute.
//!
//! Pure, so every case is a unit test.

use chrono::{DateTime, Utc};
use openstack_client::compute::{Migration, MigrationStatus, Server};

/// How long Nova may take to make the migration record after its 202 before the move is taken
/// as never started. Nova writes it in the conductor before scheduling, within a second or two.
pub const RECORD_GRACE_SECS: i64 = 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Live,
    Cold,
}

/// What the runner does next about an item in flight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Asked of Nova, which has not started it (queued at the source compute).
    Queued,
    Moving {
        destination: Option<String>,
    },
    /// A cold migration waits in Verify Resize on `destination`: confirm it (auto-confirm on).
    Confirm {
        destination: String,
    },
    /// In Verify Resize, auto-confirm off: the operator confirms (or reverts) it.
    AwaitConfirm {
        destination: String,
    },
    Moved {
        destination: String,
    },
    Failed {
        reason: String,
    },
    /// Deleted meanwhile: nothing left to move.
    Gone,
    /// No trace in Nova of the request: it never got there (Ferry stopped between recording
    /// the start and sending it). Safe to send, once the instance actions agree.
    NotSent,
}

/// `from`: the host the instance is leaving. `migration`: the newest record of this kind for the
/// instance made since the move was asked, if any. `asked_at`: when the runner recorded the
/// move as asked; `sent`: whether Nova answered that request (a request id was stored).
#[allow(clippy::too_many_arguments)] // each is one fact Nova gave; a struct would only rename them
pub fn observe(
    kind: Kind,
    from: &str,
    auto_confirm: bool,
    server: Option<&Server>,
    migration: Option<&Migration>,
    sent: bool,
    asked_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Verdict {
    let Some(s) = server else {
        return Verdict::Gone;
    };
    let status = s.status.to_ascii_uppercase();
    let host = s.host.clone().unwrap_or_default();
    let task = s.task_state.as_deref().filter(|t| !t.is_empty());
    let fault = || {
        s.fault
            .as_ref()
            .map(|f| f.message.clone())
            .filter(|m| !m.is_empty())
    };
    let migration_status = migration.map(|m| m.status_kind());
    let dest_of = |m: Option<&Migration>| m.and_then(|m| m.dest_compute.clone());

    if kind == Kind::Cold && status == "VERIFY_RESIZE" {
        if host.is_empty() || host == from {
            // Nova points the instance at its destination on entering Verify Resize.
            return Verdict::Moving {
                destination: dest_of(migration),
            };
        }
        return if auto_confirm && task.is_none() {
            Verdict::Confirm { destination: host }
        } else if auto_confirm {
            // Confirming already (task resize_confirming): wait for it.
            Verdict::Moving {
                destination: Some(host),
            }
        } else {
            Verdict::AwaitConfirm { destination: host }
        };
    }
    if let Some(task) = task {
        let queued = matches!(
            migration_status,
            Some(MigrationStatus::Accepted | MigrationStatus::Queued)
        ) || (migration.is_none() && task == "scheduling");
        return if queued {
            Verdict::Queued
        } else {
            Verdict::Moving {
                destination: dest_of(migration),
            }
        };
    }
    if status == "ERROR" {
        return Verdict::Failed {
            reason: fault().unwrap_or_else(|| "Nova put the instance in ERROR".into()),
        };
    }
    if !host.is_empty() && host != from {
        return Verdict::Moved { destination: host };
    }
    // Still on the host it was to leave, with nothing under way.
    match (migration, migration_status) {
        (Some(m), Some(st)) if st.is_failure() || st == MigrationStatus::Cancelled => {
            let what = if st == MigrationStatus::Cancelled {
                "was cancelled (aborted)".to_string()
            } else {
                format!("ended in “{}”", m.status)
            };
            Verdict::Failed {
                reason: match fault() {
                    Some(f) => format!("Nova's migration {what}: {f}"),
                    None => format!("Nova's migration {what}"),
                },
            }
        }
        (Some(_), Some(MigrationStatus::Reverted)) => Verdict::Failed {
            reason: "the cold migration was reverted".into(),
        },
        (Some(m), Some(st)) if st.is_terminal() => Verdict::Failed {
            reason: format!(
                "Nova's migration says “{}”, yet the instance is still on {from}",
                m.status
            ),
        },
        (Some(_), Some(MigrationStatus::Accepted | MigrationStatus::Queued)) => Verdict::Queued,
        (Some(m), _) => Verdict::Moving {
            destination: m.dest_compute.clone(),
        },
        (None, _) => {
            let age = asked_at
                .map(|t| (now - t).num_seconds())
                .unwrap_or(i64::MAX);
            if age < RECORD_GRACE_SECS {
                Verdict::Queued
            } else if !sent {
                Verdict::NotSent
            } else {
                Verdict::Failed {
                    reason: match fault() {
                        Some(f) => format!("Nova accepted the move but never started it: {f}"),
                        None => "Nova accepted the move but recorded no migration for it".into(),
                    },
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;
    use serde_json::json;

    fn server(status: &str, host: &str, task: Option<&str>, fault: Option<&str>) -> Server {
        let mut v = json!({
            "id": "i1", "name": "web-1", "status": status,
            "OS-EXT-SRV-ATTR:host": host, "OS-EXT-STS:task_state": task,
        });
        if let Some(f) = fault {
            v["fault"] = json!({"code": 500, "message": f});
        }
        serde_json::from_value(v).unwrap()
    }

    fn migration(status: &str, dest: &str) -> Migration {
        serde_json::from_value(json!({
            "id": 1, "instance_uuid": "i1", "status": status,
            "migration_type": "live-migration", "source_compute": "compute1", "dest_compute": dest,
        }))
        .unwrap()
    }

    fn look(kind: Kind, s: Option<&Server>, m: Option<&Migration>) -> Verdict {
        let now = Utc::now();
        observe(kind, "compute1", true, s, m, true, Some(now), now)
    }

    #[test]
    fn live_moves_are_read_from_the_instance_and_its_record() {
        use Kind::Live;
        let queued = migration("queued", "compute2");
        let running = migration("running", "compute2");
        let migrating = server("MIGRATING", "compute1", Some("migrating"), None);
        assert_eq!(look(Live, Some(&migrating), Some(&queued)), Verdict::Queued);
        assert_eq!(
            look(Live, Some(&migrating), Some(&running)),
            Verdict::Moving {
                destination: Some("compute2".into())
            }
        );
        let there = server("ACTIVE", "compute2", None, None);
        assert_eq!(
            look(
                Live,
                Some(&there),
                Some(&migration("completed", "compute2"))
            ),
            Verdict::Moved {
                destination: "compute2".into()
            }
        );
        let paused = server("PAUSED", "compute3", None, None);
        assert!(matches!(
            look(Live, Some(&paused), None),
            Verdict::Moved { .. }
        ));
    }

    #[test]
    fn failures_carry_novas_reason() {
        use Kind::Live;
        let back = server("ACTIVE", "compute1", None, Some("No valid host was found."));
        match look(Live, Some(&back), Some(&migration("error", "compute2"))) {
            Verdict::Failed { reason } => {
                assert!(
                    reason.contains("error") && reason.contains("No valid host"),
                    "{reason}"
                )
            }
            v => panic!("{v:?}"),
        }
        let aborted = server("ACTIVE", "compute1", None, None);
        assert!(matches!(
            look(Live, Some(&aborted), Some(&migration("cancelled", "compute2"))),
            Verdict::Failed { reason } if reason.contains("aborted")
        ));
        let broken = server("ERROR", "compute2", None, Some("libvirt said no"));
        assert_eq!(
            look(Live, Some(&broken), None),
            Verdict::Failed {
                reason: "libvirt said no".into()
            }
        );
        assert_eq!(look(Live, None, None), Verdict::Gone);
    }

    #[test]
    fn cold_moves_are_confirmed_only_on_a_new_host() {
        use Kind::Cold;
        let verify = server("VERIFY_RESIZE", "compute2", None, None);
        assert_eq!(
            look(Cold, Some(&verify), None),
            Verdict::Confirm {
                destination: "compute2".into()
            }
        );
        let now = Utc::now();
        assert_eq!(
            observe(
                Cold,
                "compute1",
                false,
                Some(&verify),
                None,
                true,
                Some(now),
                now
            ),
            Verdict::AwaitConfirm {
                destination: "compute2".into()
            }
        );
        let confirming = server("VERIFY_RESIZE", "compute2", Some("resize_confirming"), None);
        assert!(matches!(
            look(Cold, Some(&confirming), None),
            Verdict::Moving { .. }
        ));
        let odd = server("VERIFY_RESIZE", "compute1", None, None);
        assert!(matches!(
            look(Cold, Some(&odd), None),
            Verdict::Moving { .. }
        ));
        let done = server("SHUTOFF", "compute2", None, None);
        assert!(matches!(
            look(Cold, Some(&done), None),
            Verdict::Moved { .. }
        ));
        let reverted = server("SHUTOFF", "compute1", None, None);
        assert!(matches!(
            look(
                Cold,
                Some(&reverted),
                Some(&migration("reverted", "compute2"))
            ),
            Verdict::Failed { .. }
        ));
    }

    #[test]
    fn no_record_is_queued_then_not_sent_or_failed() {
        let idle = server("ACTIVE", "compute1", None, None);
        let now = Utc::now();
        let long_ago = Some(now - Duration::seconds(RECORD_GRACE_SECS + 1));
        let just_now = Some(now - Duration::seconds(2));
        let o = |sent, at| {
            observe(
                Kind::Live,
                "compute1",
                true,
                Some(&idle),
                None,
                sent,
                at,
                now,
            )
        };
        assert_eq!(o(true, just_now), Verdict::Queued);
        assert_eq!(o(false, long_ago), Verdict::NotSent);
        assert!(matches!(o(true, long_ago), Verdict::Failed { .. }));
    }
}
