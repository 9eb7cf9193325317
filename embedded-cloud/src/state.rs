//! The whole cloud's state behind one mutex. Every API call and every state
//! machine step takes the lock briefly and never across an await, so requests
//! are serialised per step: two racing actions on one instance see each other.

use std::collections::{BTreeMap, HashMap};

use crate::clock;
use crate::model::*;

#[derive(Default)]
pub struct State {
    pub hosts: Vec<Host>,
    pub control_services: Vec<ControlService>,
    pub flavors: Vec<Flavor>,
    pub images: Vec<Image>,
    pub instances: Vec<Instance>,
    index: HashMap<String, usize>,
    pub migrations: Vec<Migration>,
    pub actions: Vec<InstanceAction>,
    pub groups: Vec<ServerGroup>,
    pub projects: Vec<Project>,
    pub roles: Vec<Role>,
    pub users: Vec<User>,
    pub tokens: HashMap<String, Token>,
    pub application_credentials: Vec<ApplicationCredential>,
    pub requests: Vec<RecordedRequest>,
    /// Per-instance live-migration behaviour; instances not listed converge.
    pub migration_behaviour: HashMap<String, MigrationBehaviour>,
    next_migration_id: u64,
    next_action_id: u64,
}

pub type Usage = BTreeMap<&'static str, u64>;

impl State {
    pub fn add_instance(&mut self, instance: Instance) {
        self.index
            .insert(instance.uuid.clone(), self.instances.len());
        self.instances.push(instance);
    }

    pub fn instance(&self, uuid: &str) -> Option<&Instance> {
        self.index.get(uuid).and_then(|i| self.instances.get(*i))
    }

    pub fn instance_mut(&mut self, uuid: &str) -> Option<&mut Instance> {
        match self.index.get(uuid) {
            Some(i) => self.instances.get_mut(*i),
            None => None,
        }
    }

    pub fn host(&self, host: &str) -> Option<&Host> {
        self.hosts.iter().find(|h| h.host == host)
    }

    pub fn host_mut(&mut self, host: &str) -> Option<&mut Host> {
        self.hosts.iter_mut().find(|h| h.host == host)
    }

    pub fn host_by_node_uuid(&self, uuid: &str) -> Option<&Host> {
        self.hosts.iter().find(|h| h.node_uuid == uuid)
    }

    pub fn migration(&self, id: u64) -> Option<&Migration> {
        self.migrations.iter().find(|m| m.id == id)
    }

    pub fn migration_mut(&mut self, id: u64) -> Option<&mut Migration> {
        self.migrations.iter_mut().find(|m| m.id == id)
    }

    pub fn behaviour(&self, instance_uuid: &str) -> MigrationBehaviour {
        self.migration_behaviour
            .get(instance_uuid)
            .copied()
            .unwrap_or_default()
    }

    pub fn application_credential(&self, id: &str) -> Option<&ApplicationCredential> {
        self.application_credentials.iter().find(|c| c.id == id)
    }

    /// The roles a user holds on a project: the demo assigns each user its
    /// roles on its own project, and admin's on every project.
    pub fn user_roles_on(&self, user_id: &str, project_id: &str) -> Vec<&'static str> {
        self.users
            .iter()
            .find(|u| u.id == user_id)
            .filter(|u| u.project_id == project_id || u.roles.contains(&"admin"))
            .map(|u| u.roles.clone())
            .unwrap_or_default()
    }

    /// The roles a token carries. From an application credential: those of
    /// its roles the user still holds on the project, by role id, as
    /// Keystone's token model computes them at every validation.
    pub fn token_roles(&self, t: &Token) -> Vec<&Role> {
        let held = self.user_roles_on(&t.user_id, &t.project_id);
        let Some(cred_id) = t.application_credential_id.as_deref() else {
            return held
                .iter()
                .filter_map(|n| self.roles.iter().find(|r| r.name == *n))
                .collect();
        };
        match self.application_credential(cred_id) {
            Some(c) => {
                let mut ids: Vec<&String> = c.role_ids.iter().collect();
                ids.sort();
                ids.into_iter()
                    .filter_map(|id| self.roles.iter().find(|r| &r.id == id))
                    .filter(|r| held.contains(&r.name))
                    .collect()
            }
            None => Vec::new(),
        }
    }

    pub fn next_migration_id(&mut self) -> u64 {
        self.next_migration_id += 1;
        self.next_migration_id
    }

    /// Placement usage of every compute node: each instance counts where it
    /// is, and an unfinished migration also holds its flavor on the other end
    /// (Nova keeps the migration's allocation there until confirm/complete).
    pub fn usages(&self) -> HashMap<String, Usage> {
        let mut out: HashMap<String, Usage> = self
            .hosts
            .iter()
            .map(|h| (h.node.clone(), Usage::new()))
            .collect();
        let mut add = |node: &str, flavor: &Flavor| {
            if let Some(u) = out.get_mut(node) {
                for (rc, amount) in flavor.resources() {
                    *u.entry(rc).or_insert(0) += amount;
                }
            }
        };
        for i in &self.instances {
            add(&i.node, &i.flavor);
        }
        for m in self.migrations.iter().filter(|m| m.in_progress()) {
            let Some(i) = self.instance(&m.instance_uuid) else {
                continue;
            };
            let other = if i.node == m.source_node {
                m.dest_node.as_deref()
            } else {
                Some(m.source_node.as_str())
            };
            if let Some(node) = other {
                add(node, &i.flavor);
            }
        }
        out
    }

    /// Whether a flavor still fits on a host given current usage.
    pub fn fits(&self, host: &Host, flavor: &Flavor, usages: &HashMap<String, Usage>) -> bool {
        let empty = Usage::new();
        let used = usages.get(&host.node).unwrap_or(&empty);
        flavor.resources().into_iter().all(|(rc, amount)| {
            host.inventories
                .iter()
                .find(|inv| inv.resource_class == rc)
                .is_some_and(|inv| {
                    amount <= inv.max_unit
                        && used.get(rc).copied().unwrap_or(0) + amount <= inv.capacity()
                })
        })
    }

    /// `_record_action_start`: every mutating server action leaves a trace.
    pub fn record_action(
        &mut self,
        instance_uuid: &str,
        action: &'static str,
        project_id: &str,
        user_id: &str,
    ) -> String {
        let now = clock::now();
        self.next_action_id += 1;
        let request_id = crate::ids::request_id();
        self.actions.push(InstanceAction {
            id: self.next_action_id,
            request_id: request_id.clone(),
            instance_uuid: instance_uuid.to_string(),
            action,
            project_id: project_id.to_string(),
            user_id: user_id.to_string(),
            start_time: now,
            updated_at: now,
            message: None,
            events: Vec::new(),
        });
        request_id
    }

    pub fn action_mut(&mut self, request_id: &str) -> Option<&mut InstanceAction> {
        self.actions
            .iter_mut()
            .rev()
            .find(|a| a.request_id == request_id)
    }

    pub fn start_event(&mut self, request_id: &str, event: &str, host: &str) {
        if let Some(a) = self.action_mut(request_id) {
            let now = clock::now();
            a.updated_at = now;
            a.events.push(ActionEvent {
                event: event.to_string(),
                start_time: now,
                finish_time: None,
                result: None,
                traceback: None,
                host: host.to_string(),
                details: None,
            });
        }
    }

    /// Close an event; a failure also marks the whole action "Error" like
    /// Nova's EventReporter does.
    pub fn finish_event(&mut self, request_id: &str, event: &str, error: Option<(&str, &str)>) {
        if let Some(a) = self.action_mut(request_id) {
            let now = clock::now();
            a.updated_at = now;
            if let Some(e) = a
                .events
                .iter_mut()
                .rev()
                .find(|e| e.event == event && e.finish_time.is_none())
            {
                e.finish_time = Some(now);
                match error {
                    None => e.result = Some("Success"),
                    Some((details, traceback)) => {
                        e.result = Some("Error");
                        e.details = Some(details.to_string());
                        e.traceback = Some(traceback.to_string());
                    }
                }
            }
            if error.is_some() {
                a.message = Some("Error".to_string());
            }
        }
    }

    /// An event that starts and ends in one step.
    pub fn event(
        &mut self,
        request_id: &str,
        event: &str,
        host: &str,
        error: Option<(&str, &str)>,
    ) {
        self.start_event(request_id, event, host);
        self.finish_event(request_id, event, error);
    }
}
