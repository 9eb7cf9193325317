//! Which migration actions a row offers, from the instance's state and what `crate::policy`
//! lets the user do. One function decides, so the menu, the primary button and the server
//! functions agree.

use serde::{Deserialize, Serialize};

use crate::policy::{Action, Roles};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RowAction {
    LiveMigrate,
    Migrate,
    ConfirmResize,
    RevertResize,
    ForceCompleteLiveMigration,
    AbortLiveMigration,
}

impl RowAction {
    pub fn label(self) -> &'static str {
        match self {
            RowAction::LiveMigrate => "Live Migrate",
            RowAction::Migrate => "Migrate",
            RowAction::ConfirmResize => "Confirm Resize/Migrate",
            RowAction::RevertResize => "Revert Resize/Migrate",
            RowAction::ForceCompleteLiveMigration => "Force Complete Live Migration",
            RowAction::AbortLiveMigration => "Abort Live Migration",
        }
    }
}

/// What the user's roles allow on a row, as `crate::policy` decides it; worked out on the
/// server and handed to the table island, so the WASM carries no policy code.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capabilities {
    /// `migrate` / `migrate_live` without a host.
    pub migrate: bool,
    /// `migrate:host` / `migrate_live:host`.
    pub choose_host: bool,
    /// `confirm_resize` / `revert_resize`.
    pub confirm: bool,
}

impl Capabilities {
    pub fn from_roles(roles: &[String]) -> Self {
        Self::of(&Roles::new(roles))
    }

    pub fn of(roles: &Roles) -> Self {
        // Live and cold migration share their rules, with and without a host.
        debug_assert_eq!(Action::LiveMigrate.rule(), Action::Migrate.rule());
        debug_assert_eq!(
            Action::LiveMigrateToHost.rule(),
            Action::MigrateToHost.rule()
        );
        Capabilities {
            migrate: roles.allow(Action::LiveMigrate),
            choose_host: roles.allow(Action::LiveMigrateToHost),
            confirm: roles.allow(Action::ConfirmResize),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MenuEntry {
    pub action: RowAction,
    /// Shown but not clickable, with the reason as its description.
    pub disabled: Option<String>,
}

/// The migration entries of a row's More menu, in display order.
pub fn menu(
    status: &str,
    task: Option<&str>,
    bare_metal: bool,
    caps: Capabilities,
) -> Vec<MenuEntry> {
    let mut entries = Vec::new();
    if bare_metal {
        return entries;
    }
    let idle = task.is_none();
    if caps.confirm && status == "VERIFY_RESIZE" {
        let disabled = match task {
            None => None,
            Some("resize_confirming") => {
                Some("Nova is already confirming this migration.".to_string())
            }
            Some("resize_reverting") => {
                Some("Nova is already reverting this migration.".to_string())
            }
            Some(other) => Some(format!("Nova is busy with this instance ({other}).")),
        };
        for action in [RowAction::ConfirmResize, RowAction::RevertResize] {
            entries.push(MenuEntry {
                action,
                disabled: disabled.clone(),
            });
        }
    }
    if caps.migrate && idle {
        if matches!(status, "ACTIVE" | "PAUSED") {
            entries.push(MenuEntry {
                action: RowAction::LiveMigrate,
                disabled: None,
            });
        }
        if matches!(status, "ACTIVE" | "SHUTOFF") {
            entries.push(MenuEntry {
                action: RowAction::Migrate,
                disabled: None,
            });
        }
    }
    entries
}

/// The menu for a row as Ferry knows it: Nova's state plus what only the migration record shows
/// (a confirm Nova is carrying out; a live migration that may be aborted or force-completed, as
/// the server worked out from the record's status and the policy).
pub fn menu_for(row: &crate::model::InstanceRow, caps: Capabilities) -> Vec<MenuEntry> {
    let mut entries = menu(&row.status, row.task.as_deref(), row.bare_metal, caps);
    if let Some(p) = &row.progress {
        for (offered, action) in [
            (p.can_force_complete, RowAction::ForceCompleteLiveMigration),
            (p.can_abort, RowAction::AbortLiveMigration),
        ] {
            if offered {
                entries.push(MenuEntry {
                    action,
                    disabled: None,
                });
            }
        }
    }
    if row.confirming {
        for e in entries
            .iter_mut()
            .filter(|e| matches!(e.action, RowAction::ConfirmResize | RowAction::RevertResize))
        {
            e.disabled = Some("Nova is already confirming this migration.".to_string());
        }
    }
    entries
}

/// Whether the server must refuse `action` for this state (the UI never offers it then).
pub fn allowed(
    action: RowAction,
    status: &str,
    task: Option<&str>,
    bare_metal: bool,
    caps: Capabilities,
) -> bool {
    menu(status, task, bare_metal, caps)
        .iter()
        .any(|e| e.action == action && e.disabled.is_none())
}

#[cfg(test)]
mod tests {
    use super::*;
    use RowAction::*;

    const ADMIN: Capabilities = Capabilities {
        migrate: true,
        choose_host: true,
        confirm: true,
    };

    fn offered(status: &str, task: Option<&str>) -> Vec<(RowAction, bool)> {
        menu(status, task, false, ADMIN)
            .into_iter()
            .map(|e| (e.action, e.disabled.is_none()))
            .collect()
    }

    #[test]
    fn each_entry_appears_for_exactly_its_states() {
        // (status, task, the entries offered and whether each is enabled)
        type Case<'a> = (&'a str, Option<&'a str>, &'a [(RowAction, bool)]);
        let table: &[Case] = &[
            ("ACTIVE", None, &[(LiveMigrate, true), (Migrate, true)]),
            ("PAUSED", None, &[(LiveMigrate, true)]),
            ("SHUTOFF", None, &[(Migrate, true)]),
            (
                "VERIFY_RESIZE",
                None,
                &[(ConfirmResize, true), (RevertResize, true)],
            ),
            (
                "VERIFY_RESIZE",
                Some("resize_confirming"),
                &[(ConfirmResize, false), (RevertResize, false)],
            ),
            ("REVERT_RESIZE", Some("resize_reverting"), &[]),
            ("ACTIVE", Some("migrating"), &[]),
            ("MIGRATING", Some("migrating"), &[]),
            ("RESIZE", Some("resize_prep"), &[]),
            ("RESIZE", Some("resize_migrating"), &[]),
            ("ERROR", None, &[]),
            ("SUSPENDED", None, &[]),
            ("BUILD", Some("spawning"), &[]),
            ("SHELVED_OFFLOADED", None, &[]),
            ("ACTIVE", Some("powering-off"), &[]),
            ("SHUTOFF", Some("powering-on"), &[]),
            ("PAUSED", Some("unpausing"), &[]),
        ];
        for (status, task, expected) in table {
            assert_eq!(
                offered(status, *task),
                expected.to_vec(),
                "{status} / {task:?}"
            );
        }
    }

    #[test]
    fn bare_metal_gets_nothing() {
        for status in ["ACTIVE", "SHUTOFF", "PAUSED", "VERIFY_RESIZE"] {
            assert!(menu(status, None, true, ADMIN).is_empty());
        }
    }

    #[test]
    fn roles_decide() {
        let member = Capabilities::from_roles(&["member".into(), "reader".into()]);
        assert_eq!(member, Capabilities::default());
        assert!(menu("ACTIVE", None, false, member).is_empty());
        assert!(menu("VERIFY_RESIZE", None, false, member).is_empty());

        let manager = Capabilities::from_roles(&["manager".into(), "member".into()]);
        assert!(manager.migrate && !manager.choose_host && manager.confirm);
        assert_eq!(menu("ACTIVE", None, false, manager).len(), 2);

        let admin = Capabilities::from_roles(&["Admin".into()]);
        assert_eq!(admin, ADMIN);
    }

    #[test]
    fn a_confirm_under_way_disables_confirm_and_revert() {
        let row = crate::model::InstanceRow {
            id: "i".into(),
            name: "n".into(),
            project_id: "p".into(),
            project: "p".into(),
            host: Some("compute2".into()),
            addresses: vec![],
            flavor: "m1.small".into(),
            status: "VERIFY_RESIZE".into(),
            task: None,
            power_state: Some(1),
            locked: false,
            created: String::new(),
            age: String::new(),
            fault: None,
            bare_metal: false,
            confirming: true,
            progress: None,
        };
        let entries = menu_for(&row, ADMIN);
        assert_eq!(entries.len(), 2);
        assert!(entries
            .iter()
            .all(|e| e.disabled.as_deref() == Some("Nova is already confirming this migration.")));
        let idle = crate::model::InstanceRow {
            confirming: false,
            ..row
        };
        assert!(menu_for(&idle, ADMIN).iter().all(|e| e.disabled.is_none()));
    }

    #[test]
    fn the_server_refuses_what_the_menu_does_not_offer() {
        assert!(allowed(LiveMigrate, "PAUSED", None, false, ADMIN));
        assert!(!allowed(LiveMigrate, "SHUTOFF", None, false, ADMIN));
        assert!(!allowed(
            ConfirmResize,
            "VERIFY_RESIZE",
            Some("resize_confirming"),
            false,
            ADMIN
        ));
    }
}
