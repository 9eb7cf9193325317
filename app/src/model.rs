//! The data that crosses the wire between server functions and the browser.
//! These are Ferry's own shapes, not Nova's: the browser never sees a token or a raw upstream body.

use serde::{Deserialize, Serialize};

/// Who is logged in, as far as the UI needs to know. Never carries the token.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub user: String,
    pub project: String,
    pub domain: String,
    pub roles: Vec<String>,
    /// Seconds until the Keystone token expires.
    pub expires_in: i64,
}

impl SessionInfo {
    /// What `crate::policy` lets this session do.
    pub fn allows(&self, action: crate::policy::Action) -> bool {
        crate::policy::Roles::new(&self.roles).allow(action)
    }
}

/// Whose instances a list shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ListScope {
    /// Every project's (admin): `/admin/instances`.
    #[default]
    AllProjects,
    /// The logged-in project's (project manager): `/project/instances`.
    MyProject,
}

impl ListScope {
    /// What `crate::policy` must allow to see this list.
    pub fn action(self) -> crate::policy::Action {
        match self {
            ListScope::AllProjects => crate::policy::Action::ListAllInstances,
            ListScope::MyProject => crate::policy::Action::ListProjectInstances,
        }
    }

    pub fn base_path(self) -> &'static str {
        match self {
            ListScope::AllProjects => "/admin/instances",
            ListScope::MyProject => "/project/instances",
        }
    }
}

/// Filters, sorting and paging of the admin instance list, as they appear in the page URL.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct InstanceQuery {
    pub name: String,
    /// Exact compute host (never a substring match: `compute1` must not match `compute10`).
    pub host: String,
    pub project: String,
    pub status: String,
    /// Availability zone, exact (Nova matches this filter as a regular expression, so Ferry
    /// anchors and escapes it: `az1` must not match `az10`).
    pub zone: String,
    /// VERIFY_RESIZE, ERROR and migrations, the rows an operator has to look at.
    pub attention: bool,
    pub limit: u32,
    pub marker: String,
    /// Paging backwards from `marker`.
    pub prev: bool,
    pub sort: String,
    pub desc: bool,
}

pub const PAGE_SIZES: [u32; 4] = [20, 50, 100, 200];
pub const DEFAULT_PAGE_SIZE: u32 = 50;

/// Columns the list can be sorted by: (URL value, Nova sort key, label).
pub const SORT_KEYS: [(&str, &str, &str); 5] = [
    ("name", "display_name", "Name"),
    ("host", "host", "Host"),
    ("status", "vm_state", "Status"),
    ("task", "task_state", "Task"),
    ("age", "created_at", "Age"),
];

/// A column header that sorts the list by its column (again, the other way, if it already does).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SortLink {
    /// The column's name, with ▲ or ▼ when the list is sorted by it.
    pub label: String,
    pub href: String,
    /// `aria-sort`: ascending, descending or none.
    pub aria: String,
}

impl InstanceQuery {
    /// The header link of the column sorted by `key` (one of `SORT_KEYS`): first page, same
    /// filters.
    pub fn sort_link(&self, key: &str) -> SortLink {
        let label = SORT_KEYS
            .iter()
            .find(|(k, _, _)| *k == key)
            .map(|(_, _, l)| *l)
            .unwrap_or(key);
        let active = self.sort == key;
        let next = InstanceQuery {
            sort: key.to_string(),
            desc: active && !self.desc,
            ..self.first_page()
        };
        let (aria, arrow) = match (active, self.desc) {
            (false, _) => ("none", ""),
            (true, false) => ("ascending", " ▲"),
            (true, true) => ("descending", " ▼"),
        };
        SortLink {
            label: format!("{label}{arrow}"),
            href: format!("?{}", next.to_query_string()),
            aria: aria.to_string(),
        }
    }

    pub fn page_size(&self) -> u32 {
        if PAGE_SIZES.contains(&self.limit) {
            self.limit
        } else {
            DEFAULT_PAGE_SIZE
        }
    }

    /// The URL query string for this query, with only the non-default parts.
    pub fn to_query_string(&self) -> String {
        let mut parts: Vec<(&str, String)> = Vec::new();
        for (k, v) in [
            ("name", &self.name),
            ("host", &self.host),
            ("project", &self.project),
            ("status", &self.status),
            ("zone", &self.zone),
            ("marker", &self.marker),
            ("sort", &self.sort),
        ] {
            if !v.is_empty() {
                parts.push((k, v.clone()));
            }
        }
        if self.attention {
            parts.push(("attention", "1".into()));
        }
        if self.prev {
            parts.push(("prev", "1".into()));
        }
        if self.desc {
            parts.push(("desc", "1".into()));
        }
        if self.page_size() != DEFAULT_PAGE_SIZE {
            parts.push(("limit", self.page_size().to_string()));
        }
        let encoded: Vec<String> = parts
            .into_iter()
            .map(|(k, v)| format!("{k}={}", encode_component(&v)))
            .collect();
        encoded.join("&")
    }

    /// The same filters and sort, back on the first page.
    pub fn first_page(&self) -> Self {
        Self {
            marker: String::new(),
            prev: false,
            ..self.clone()
        }
    }
}

/// Percent-encodes a URL query component (RFC 3986 unreserved characters pass through).
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// One row of the instance list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InstanceRow {
    pub id: String,
    pub name: String,
    pub project_id: String,
    pub project: String,
    pub host: Option<String>,
    pub addresses: Vec<String>,
    pub flavor: String,
    /// Nova's status, e.g. `VERIFY_RESIZE`.
    pub status: String,
    pub task: Option<String>,
    pub power_state: Option<u8>,
    pub locked: bool,
    pub created: String,
    pub age: String,
    pub fault: Option<String>,
    /// Runs on an Ironic node: no migration actions.
    pub bare_metal: bool,
    /// Its migration is being confirmed. Nova shows this only on the migration record
    /// (status `confirming`); the instance still reads VERIFY_RESIZE with no task.
    #[serde(default)]
    pub confirming: bool,
    /// Its live migration under way, as the Task cell shows it.
    #[serde(default)]
    pub progress: Option<crate::history::TaskProgress>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProjectChoice {
    pub id: String,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InstancePage {
    pub rows: Vec<InstanceRow>,
    pub next_marker: Option<String>,
    /// Marker for the previous page, when there is one.
    pub prev_marker: Option<String>,
    pub projects: Vec<ProjectChoice>,
    pub hosts: Vec<String>,
    /// The compute hosts' availability zones, for the zone filter.
    #[serde(default)]
    pub zones: Vec<String>,
    /// Server time of the list call, RFC 3339: where live refresh starts asking for changes.
    pub fetched_at: String,
    /// What the user's roles allow on these rows.
    pub caps: crate::actions::Capabilities,
    /// The page asked for started at an instance Nova no longer knows; this is the first page.
    #[serde(default)]
    pub marker_lost: bool,
}

/// What changed on the page since the last refresh.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RowRefresh {
    /// Server time of this refresh, RFC 3339: the next refresh's `since`.
    pub now: String,
    pub rows: Vec<InstanceRow>,
    /// Instances Nova deleted.
    pub gone: Vec<String>,
    /// Migrations that Nova accepted (202) and then failed.
    pub failures: Vec<MigrationFailure>,
    /// Live-migration progress of watched rows that Nova did not list as changed.
    #[serde(default)]
    pub progress: Vec<(String, Option<crate::history::TaskProgress>)>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MigrationFailure {
    pub id: String,
    pub name: String,
    /// e.g. "web-2 stayed on compute3: No valid host was found. … (anti-affinity group web)".
    pub message: String,
    pub request_id: Option<String>,
}

/// Everything the instance detail page shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InstanceDetail {
    pub row: InstanceRow,
    pub fields: Vec<(String, String)>,
    pub actions: Vec<ActionLogEntry>,
    /// The instance's migrations, newest first, each with its action's events.
    #[serde(default)]
    pub migrations: Vec<crate::history::MigrationRow>,
    /// Its live migration under way, if any.
    #[serde(default)]
    pub live: Option<crate::history::LiveProgress>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ActionLogEntry {
    pub request_id: String,
    pub action: String,
    pub start_time: String,
    pub user_id: String,
    pub message: Option<String>,
    pub events: Vec<ActionEvent>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ActionEvent {
    pub event: String,
    pub start_time: String,
    pub finish_time: Option<String>,
    pub result: Option<String>,
    pub host: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_string_keeps_only_what_is_set_and_encodes_it() {
        let q = InstanceQuery {
            name: "web & <db>".into(),
            host: "compute1".into(),
            zone: "az 2".into(),
            attention: true,
            limit: 20,
            ..Default::default()
        };
        assert_eq!(
            q.to_query_string(),
            "name=web%20%26%20%3Cdb%3E&host=compute1&zone=az%202&attention=1&limit=20"
        );
        assert_eq!(InstanceQuery::default().to_query_string(), "");
    }

    #[test]
    fn sort_links_flip_the_active_column_and_keep_the_filters_but_not_the_page() {
        let q = InstanceQuery {
            host: "compute1".into(),
            marker: "abc".into(),
            sort: "name".into(),
            ..Default::default()
        };
        let name = q.sort_link("name");
        assert_eq!(name.label, "Name ▲");
        assert_eq!(name.aria, "ascending");
        assert_eq!(name.href, "?host=compute1&sort=name&desc=1");
        let host = q.sort_link("host");
        assert_eq!(host.label, "Host");
        assert_eq!(host.aria, "none");
        assert_eq!(host.href, "?host=compute1&sort=host");
        let desc = InstanceQuery { desc: true, ..q }.sort_link("name");
        assert_eq!(
            (desc.label.as_str(), desc.aria.as_str()),
            ("Name ▼", "descending")
        );
        assert_eq!(desc.href, "?host=compute1&sort=name");
    }

    #[test]
    fn unknown_page_sizes_fall_back_to_the_default() {
        let q = InstanceQuery {
            limit: 7,
            ..Default::default()
        };
        assert_eq!(q.page_size(), DEFAULT_PAGE_SIZE);
    }
}
