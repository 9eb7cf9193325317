//! Who may do what: the one decision every menu, page and server function asks.
//!
//! It follows Nova 34's default policies (`nova/policies/*.py`, rules from `base.py`) and
//! compares role names case-folded, as oslo.policy's `role:` check does (`Admin` is `admin`).
//! Ferry never offers more than Nova's default would allow; where it offers less, the action's
//! documentation says why. The server functions refuse with the policy's name, so an operator
//! knows which role to ask for.

use serde::{Deserialize, Serialize};

/// Nova's default check strings, reduced to what they test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// `role:admin`.
    Admin,
    /// `role:manager and project_id:%(project_id)s`, or admin.
    ProjectManagerOrAdmin,
    /// `role:member and project_id:%(project_id)s`, or admin.
    ProjectMemberOrAdmin,
}

/// Everything Ferry lets a person do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Action {
    /// `/admin/instances`: every project's instances, with hosts.
    ListAllInstances,
    /// `/project/instances`: the project's own instances, to move them.
    ListProjectInstances,
    /// Live migration, the scheduler choosing the host.
    LiveMigrate,
    /// Live migration to a host the operator chose.
    LiveMigrateToHost,
    /// Cold migration, the scheduler choosing the host.
    Migrate,
    /// Cold migration to a host the operator chose.
    MigrateToHost,
    ConfirmResize,
    RevertResize,
    /// The migration records of the session's project (`os-migrations?project_id=`).
    ListProjectMigrations,
    /// Every project's migration records.
    ListAllMigrations,
    /// Compute services and hypervisors: the destination-host table.
    ListComputeHosts,
    /// A live migration's progress (`GET /servers/{id}/migrations`).
    WatchLiveMigration,
    /// Abort a live migration (`DELETE /servers/{id}/migrations/{mid}`).
    AbortLiveMigration,
    /// Force a live migration to complete (pauses the guest, or switches to post-copy).
    ForceCompleteLiveMigration,
    /// Disable or enable a compute service (`PUT /os-services/{service_id}`), so the scheduler
    /// stops or resumes placing instances on its host.
    UpdateComputeService,
}

impl Action {
    /// Every action, for the role × action tests and the docs.
    pub const ALL: [Action; 15] = [
        Action::ListAllInstances,
        Action::ListProjectInstances,
        Action::LiveMigrate,
        Action::LiveMigrateToHost,
        Action::Migrate,
        Action::MigrateToHost,
        Action::ConfirmResize,
        Action::RevertResize,
        Action::ListProjectMigrations,
        Action::ListAllMigrations,
        Action::ListComputeHosts,
        Action::WatchLiveMigration,
        Action::AbortLiveMigration,
        Action::ForceCompleteLiveMigration,
        Action::UpdateComputeService,
    ];

    /// The Nova policy that decides this action.
    pub fn policy(self) -> &'static str {
        match self {
            Action::ListAllInstances => "os_compute_api:servers:detail:get_all_tenants",
            // The project list exists to move the project's instances (see `rule`).
            Action::ListProjectInstances => "os_compute_api:os-migrate-server:migrate",
            Action::LiveMigrate => "os_compute_api:os-migrate-server:migrate_live",
            Action::LiveMigrateToHost => "os_compute_api:os-migrate-server:migrate_live:host",
            Action::Migrate => "os_compute_api:os-migrate-server:migrate",
            Action::MigrateToHost => "os_compute_api:os-migrate-server:migrate:host",
            Action::ConfirmResize => "os_compute_api:servers:confirm_resize",
            Action::RevertResize => "os_compute_api:servers:revert_resize",
            Action::ListProjectMigrations => "os_compute_api:os-migrations:index",
            Action::ListAllMigrations => "os_compute_api:os-migrations:index:all_projects",
            Action::ListComputeHosts => "os_compute_api:os-hypervisors:list-detail",
            Action::WatchLiveMigration => "os_compute_api:servers:migrations:index",
            Action::AbortLiveMigration => "os_compute_api:servers:migrations:delete",
            Action::ForceCompleteLiveMigration => {
                "os_compute_api:servers:migrations:force_complete"
            }
            Action::UpdateComputeService => "os_compute_api:os-services:update",
        }
    }

    /// Nova 34's default rule for the policy.
    pub fn nova_rule(self) -> Rule {
        match self {
            Action::ListAllInstances
            | Action::LiveMigrateToHost
            | Action::MigrateToHost
            | Action::ListAllMigrations
            | Action::ListComputeHosts
            | Action::UpdateComputeService => Rule::Admin,
            Action::ListProjectInstances
            | Action::LiveMigrate
            | Action::Migrate
            | Action::ListProjectMigrations
            | Action::WatchLiveMigration
            | Action::AbortLiveMigration
            | Action::ForceCompleteLiveMigration => Rule::ProjectManagerOrAdmin,
            Action::ConfirmResize | Action::RevertResize => Rule::ProjectMemberOrAdmin,
        }
    }

    /// The rule Ferry applies: Nova's, or stricter where Ferry offers less.
    pub fn rule(self) -> Rule {
        match self {
            // Nova lets a member confirm or revert, but Ferry shows a migration waiting for
            // confirmation only on its instance lists, which need the manager (or admin) role.
            Action::ConfirmResize | Action::RevertResize => Rule::ProjectManagerOrAdmin,
            other => other.nova_rule(),
        }
    }

    /// Who may, in words, for refusals.
    fn who(self) -> &'static str {
        match (self, self.rule()) {
            (Action::ListAllInstances, _) => {
                "Administrator role required: this page shows every project's instances and hosts."
            }
            (Action::ListProjectInstances, _) => {
                "Project manager role required: this page lets you move your project's instances."
            }
            (Action::LiveMigrateToHost | Action::MigrateToHost, _) => {
                "This needs the admin role (choosing a destination host is admin-only)."
            }
            (_, Rule::Admin) => "This needs the admin role.",
            (_, Rule::ProjectManagerOrAdmin | Rule::ProjectMemberOrAdmin) => {
                "This needs the admin role, or the manager role in the instance's project."
            }
        }
    }

    /// The refusal a person reads: who may, and which Nova policy says so.
    pub fn refusal(self) -> String {
        format!(
            "{} Nova's policy {} does not allow it for your roles.",
            self.who(),
            self.policy()
        )
    }
}

/// A session's roles, case-folded once.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Roles(Vec<String>);

impl Roles {
    pub fn new<S: AsRef<str>>(names: &[S]) -> Self {
        Roles(
            names
                .iter()
                .map(|r| r.as_ref().trim().to_ascii_lowercase())
                .collect(),
        )
    }

    pub fn has(&self, role: &str) -> bool {
        self.0.iter().any(|r| r == role)
    }

    pub fn is_admin(&self) -> bool {
        self.has("admin")
    }

    /// Whether these roles, in their own project, allow `action`. Nova's project rules also
    /// require the target to be in the token's project; Nova enforces that itself (it never
    /// shows a non-admin another project's instance), and `allows_on` checks it where Ferry
    /// knows the target.
    pub fn allow(&self, action: Action) -> bool {
        match action.rule() {
            Rule::Admin => self.is_admin(),
            Rule::ProjectManagerOrAdmin => self.is_admin() || self.has("manager"),
            Rule::ProjectMemberOrAdmin => self.is_admin() || self.has("member"),
        }
    }

    /// `allow`, for a target in `target_project` when the session is scoped to `own_project`.
    pub fn allow_on(&self, action: Action, own_project: &str, target_project: &str) -> bool {
        self.allow(action)
            && (self.is_admin() || action.rule() == Rule::Admin || own_project == target_project)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action::*;

    fn roles(names: &[&str]) -> Roles {
        Roles::new(names)
    }

    #[test]
    fn every_role_and_action() {
        // The roles Keystone's implied-role rules give each demo persona, and a bare reader.
        let admin = roles(&["admin", "manager", "member", "reader"]);
        let manager = roles(&["manager", "member", "reader"]);
        let member = roles(&["member", "reader"]);
        let reader = roles(&["reader"]);
        let none = roles(&[]);
        // (action, admin, manager, member, reader)
        let table = [
            (ListAllInstances, true, false, false, false),
            (ListProjectInstances, true, true, false, false),
            (LiveMigrate, true, true, false, false),
            (LiveMigrateToHost, true, false, false, false),
            (Migrate, true, true, false, false),
            (MigrateToHost, true, false, false, false),
            (ConfirmResize, true, true, false, false),
            (RevertResize, true, true, false, false),
            (ListProjectMigrations, true, true, false, false),
            (ListAllMigrations, true, false, false, false),
            (ListComputeHosts, true, false, false, false),
            (WatchLiveMigration, true, true, false, false),
            (AbortLiveMigration, true, true, false, false),
            (ForceCompleteLiveMigration, true, true, false, false),
            (UpdateComputeService, true, false, false, false),
        ];
        assert_eq!(
            table.len(),
            Action::ALL.len(),
            "every action is in the table"
        );
        for (action, a, m, mem, r) in table {
            assert_eq!(admin.allow(action), a, "admin {action:?}");
            assert_eq!(manager.allow(action), m, "manager {action:?}");
            assert_eq!(member.allow(action), mem, "member {action:?}");
            assert_eq!(reader.allow(action), r, "reader {action:?}");
            assert!(!none.allow(action), "no roles {action:?}");
        }
    }

    #[test]
    fn role_names_are_case_folded_like_oslo_policy() {
        let upper = roles(&["Admin"]);
        assert!(upper.allow(ListAllInstances));
        assert!(upper.allow(LiveMigrateToHost));
        assert!(roles(&[" MANAGER "]).allow(LiveMigrate));
        assert!(!roles(&["administrator"]).allow(ListAllInstances));
    }

    #[test]
    fn ferry_is_never_looser_than_nova() {
        let rank = |r: Rule| match r {
            Rule::Admin => 2,
            Rule::ProjectManagerOrAdmin => 1,
            Rule::ProjectMemberOrAdmin => 0,
        };
        for action in Action::ALL {
            assert!(
                rank(action.rule()) >= rank(action.nova_rule()),
                "{action:?}"
            );
        }
    }

    #[test]
    fn project_rules_hold_only_in_the_own_project() {
        let manager = roles(&["manager"]);
        assert!(manager.allow_on(LiveMigrate, "p1", "p1"));
        assert!(!manager.allow_on(LiveMigrate, "p1", "p2"));
        assert!(roles(&["admin"]).allow_on(LiveMigrate, "p1", "p2"));
    }

    #[test]
    fn refusals_name_the_policy_and_who_may() {
        let text = LiveMigrateToHost.refusal();
        assert!(text.contains("migrate_live:host"), "{text}");
        assert!(text.contains("admin role"), "{text}");
        let text = ListAllMigrations.refusal();
        assert!(text.contains("os-migrations:index:all_projects"), "{text}");
        let text = LiveMigrate.refusal();
        assert!(text.contains("manager role"), "{text}");
        let text = UpdateComputeService.refusal();
        assert!(text.contains("os_compute_api:os-services:update"), "{text}");
        assert!(text.contains("admin role"), "{text}");
    }

    #[test]
    fn only_an_admin_disables_or_enables_a_compute_service() {
        // The operator persona (manager of its project) must not take hosts out of service.
        assert!(!roles(&["manager", "member", "reader"]).allow(UpdateComputeService));
        assert!(roles(&["ADMIN"]).allow(UpdateComputeService));
        assert_eq!(UpdateComputeService.nova_rule(), Rule::Admin);
    }
}
