//! Human wording for Nova's states, as Horizon words them (operators know these phrases).

/// Display text for a Nova server status.
pub fn status_label(status: &str) -> String {
    match status {
        "ACTIVE" => "Active".into(),
        "BUILD" => "Build".into(),
        "SHUTOFF" => "Shutoff".into(),
        "PAUSED" => "Paused".into(),
        "SUSPENDED" => "Suspended".into(),
        "ERROR" => "Error".into(),
        "RESIZE" => "Resize/Migrate".into(),
        "VERIFY_RESIZE" => "Verify Resize/Migrate".into(),
        "REVERT_RESIZE" => "Revert Resize/Migrate".into(),
        "MIGRATING" => "Migrating".into(),
        "REBOOT" => "Reboot".into(),
        "HARD_REBOOT" => "Hard Reboot".into(),
        "SHELVED" => "Shelved".into(),
        "SHELVED_OFFLOADED" => "Shelved Offloaded".into(),
        "RESCUE" => "Rescue".into(),
        "DELETED" => "Deleted".into(),
        "SOFT_DELETED" => "Soft Deleted".into(),
        other => title_case(other),
    }
}

/// Display text for a Nova task state.
pub fn task_label(task: Option<&str>) -> String {
    let Some(task) = task else {
        return "None".into();
    };
    match task {
        "resize_prep" => "Preparing Resize or Migrate".into(),
        "resize_migrating" => "Resizing or Migrating".into(),
        "resize_migrated" => "Resized or Migrated".into(),
        "resize_finish" => "Finishing Resize or Migrate".into(),
        "resize_reverting" => "Reverting Resize or Migrate".into(),
        "resize_confirming" => "Confirming Resize or Migrate".into(),
        "migrating" => "Migrating".into(),
        "scheduling" => "Scheduling".into(),
        "spawning" => "Spawning".into(),
        "powering-off" => "Powering Off".into(),
        "powering-on" => "Powering On".into(),
        "pausing" => "Pausing".into(),
        "unpausing" => "Resuming".into(),
        "deleting" => "Deleting".into(),
        other => title_case(other),
    }
}

/// Display text for Nova's numeric power state.
pub fn power_label(power: Option<u8>) -> &'static str {
    match power {
        Some(0) | None => "No State",
        Some(1) => "Running",
        Some(3) => "Paused",
        Some(4) => "Shut Down",
        Some(6) => "Crashed",
        Some(7) => "Suspended",
        Some(_) => "Unknown",
    }
}

/// A row is "in flux" while Nova is still moving it: it should refresh itself.
pub fn in_flux(status: &str, task: Option<&str>) -> bool {
    task.is_some() || matches!(status, "MIGRATING" | "RESIZE" | "REVERT_RESIZE" | "BUILD")
}

/// A row needs the operator: confirm/revert, or a failure.
pub fn needs_attention(status: &str) -> bool {
    matches!(status, "VERIFY_RESIZE" | "ERROR")
}

/// The CSS class for a status badge.
pub fn status_class(status: &str) -> &'static str {
    match status {
        "ACTIVE" => "badge ok",
        "ERROR" => "badge bad",
        "VERIFY_RESIZE" => "badge attention",
        "MIGRATING" | "RESIZE" | "REVERT_RESIZE" | "BUILD" => "badge busy",
        _ => "badge",
    }
}

fn title_case(s: &str) -> String {
    s.split(['_', '-'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            // Nova's states are ASCII; the ASCII case maps keep Unicode's tables out of the WASM.
            let lower = w.to_ascii_lowercase();
            let mut chars = lower.chars();
            match chars.next() {
                Some(c) => c.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migration_states_read_like_horizon() {
        assert_eq!(status_label("VERIFY_RESIZE"), "Verify Resize/Migrate");
        assert_eq!(
            task_label(Some("resize_prep")),
            "Preparing Resize or Migrate"
        );
        assert_eq!(task_label(None), "None");
        assert_eq!(power_label(Some(4)), "Shut Down");
    }

    #[test]
    fn unknown_values_are_shown_readably_not_dropped() {
        assert_eq!(status_label("SOME_NEW_STATE"), "Some New State");
        assert_eq!(
            task_label(Some("block_device_mapping")),
            "Block Device Mapping"
        );
    }

    #[test]
    fn flux_and_attention() {
        assert!(in_flux("ACTIVE", Some("migrating")));
        assert!(in_flux("RESIZE", None));
        assert!(!in_flux("VERIFY_RESIZE", None));
        assert!(needs_attention("VERIFY_RESIZE"));
        assert!(!needs_attention("ACTIVE"));
    }
}
