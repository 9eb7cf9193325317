//! What the operator chose for a drain, read from the form and checked against the hosts Nova knows.

use serde::{Deserialize, Serialize};

use super::HostCapacity;

/// The window's bounds. Above ten, the source host's NIC and `max_concurrent_live_migrations`
/// (1 by default: Nova queues the rest on the source) make more in flight slower, not faster.
pub const PARALLEL_MIN: u8 = 1;
pub const PARALLEL_MAX: u8 = 10;
/// Two keeps one migration copying while the next is being scheduled, without starving either
/// of bandwidth (Xen Orchestra's users settled on 2–3 after XAPI's 10 caused long pauses).
pub const PARALLEL_DEFAULT: u8 = 2;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Destinations {
    /// Nova's scheduler picks each destination (its filters, server groups included, apply).
    Scheduler,
    /// Only these hosts; each is still checked by the scheduler's filters (never forced).
    Hosts(Vec<String>),
}

/// Block migration is not a choice: the runner always asks `block_migration: "auto"`, which lets
/// Nova decide per instance from its storage, the only party that knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrainOptions {
    pub destinations: Destinations,
    /// Migrations in flight at once (1–10); may be changed while the drain runs.
    pub parallel: u8,
    /// After a live migration failed on the scheduler's hosts, cold-migrate the instance. It
    /// reboots, so only when the operator ticked it.
    pub cold_fallback: bool,
    /// Confirm a cold migration once Nova shows it in Verify Resize on a new host.
    pub auto_confirm: bool,
}

impl Default for DrainOptions {
    fn default() -> Self {
        DrainOptions {
            destinations: Destinations::Scheduler,
            parallel: PARALLEL_DEFAULT,
            cold_fallback: false,
            auto_confirm: true,
        }
    }
}

/// Each refusal names the form field it belongs to (`field`), so the form can show it there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OptionError {
    #[error("Parallel migrations must be a whole number from 1 to 10; “{0}” is not one.")]
    ParallelNotANumber(String),
    #[error("Parallel migrations must be from 1 to 10, not {0}.")]
    ParallelOutOfRange(i128),
    #[error("Destination must be “scheduler” or “hosts”, not “{0}”.")]
    UnknownDestination(String),
    #[error("“{field}” must be ticked or not; “{value}” is neither.")]
    NotACheckbox { field: String, value: String },
    #[error("Choose at least one destination host, or let the scheduler choose.")]
    NoHosts,
    #[error("{0} is the host being drained; it cannot also be a destination.")]
    IncludesDrainedHost(String),
    #[error("{0} is not a compute host Nova knows.")]
    UnknownHost(String),
    #[error("{host} {why}, so it cannot take instances.")]
    HostNotUsable { host: String, why: String },
}

impl OptionError {
    /// The form field the refusal is about.
    pub fn field(&self) -> &str {
        match self {
            OptionError::ParallelNotANumber(_) | OptionError::ParallelOutOfRange(_) => "parallel",
            OptionError::UnknownDestination(_) => "destination",
            OptionError::NotACheckbox { field, .. } => field,
            OptionError::NoHosts
            | OptionError::IncludesDrainedHost(_)
            | OptionError::UnknownHost(_)
            | OptionError::HostNotUsable { .. } => "host",
        }
    }
}

impl DrainOptions {
    /// Reads the drain form's fields: `destination` (`scheduler` | `hosts`), `host` (repeated,
    /// or one field listing hosts separated by commas or spaces), `parallel`, and the checkboxes
    /// `cold_fallback` and `auto_confirm`. Other fields (tokens, buttons) are ignored.
    ///
    /// An unticked HTML checkbox sends nothing, so a missing checkbox is `false`: the form shows
    /// `auto_confirm` ticked to give it its default. A missing `parallel` is the default; an empty
    /// one is refused, since the operator cleared it. Only the syntax and the range are checked
    /// here; [`DrainOptions::validate`] checks the hosts against Nova's.
    pub fn from_form<I, K, V>(fields: I) -> Result<DrainOptions, OptionError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut destination: Option<String> = None;
        let mut hosts: Vec<String> = Vec::new();
        let mut parallel = PARALLEL_DEFAULT;
        let mut cold_fallback = false;
        let mut auto_confirm = false;
        for (key, value) in fields {
            let value = value.as_ref();
            match key.as_ref() {
                "destination" => destination = Some(value.trim().to_ascii_lowercase()),
                "host" => {
                    for h in value.split(|c: char| c == ',' || c.is_whitespace()) {
                        if !h.is_empty() && !hosts.iter().any(|known| known == h) {
                            hosts.push(h.to_string());
                        }
                    }
                }
                "parallel" => parallel = parse_parallel(value)?,
                "cold_fallback" => cold_fallback = parse_checkbox("cold_fallback", value)?,
                "auto_confirm" => auto_confirm = parse_checkbox("auto_confirm", value)?,
                _ => {}
            }
        }
        // Host checkboxes may stay ticked while the radio says "scheduler": the radio decides.
        let destinations = match destination.as_deref() {
            Some("scheduler") => Destinations::Scheduler,
            Some("hosts") => Destinations::Hosts(hosts),
            None if hosts.is_empty() => Destinations::Scheduler,
            None => Destinations::Hosts(hosts),
            Some(other) => return Err(OptionError::UnknownDestination(other.to_string())),
        };
        Ok(DrainOptions {
            destinations,
            parallel,
            cold_fallback,
            auto_confirm,
        })
    }

    /// Checks the options for draining `drained_host`, against every compute host Nova reports
    /// (`hosts`, as filled from os-services and Placement). Also run on options read back from
    /// JSON, which never went through the form.
    pub fn validate(&self, drained_host: &str, hosts: &[HostCapacity]) -> Result<(), OptionError> {
        check_parallel(i128::from(self.parallel))?;
        let Destinations::Hosts(chosen) = &self.destinations else {
            return Ok(());
        };
        if chosen.is_empty() {
            return Err(OptionError::NoHosts);
        }
        if chosen.iter().any(|h| h == drained_host) {
            return Err(OptionError::IncludesDrainedHost(drained_host.to_string()));
        }
        for name in chosen {
            let Some(h) = hosts.iter().find(|h| &h.host == name) else {
                return Err(OptionError::UnknownHost(name.clone()));
            };
            let why = if h.bare_metal {
                "is a bare metal (Ironic) node"
            } else if !h.enabled {
                "is disabled"
            } else if !h.up {
                "is down (its nova-compute service is not reporting)"
            } else {
                continue;
            };
            return Err(OptionError::HostNotUsable {
                host: name.clone(),
                why: why.to_string(),
            });
        }
        Ok(())
    }
}

fn parse_parallel(value: &str) -> Result<u8, OptionError> {
    let v = value.trim();
    // Parsed wide so that "300" or "-1" is told it is out of range, not that it is no number.
    let n: i128 = v
        .parse()
        .map_err(|_| OptionError::ParallelNotANumber(v.to_string()))?;
    check_parallel(n)?;
    Ok(n as u8)
}

fn check_parallel(n: i128) -> Result<(), OptionError> {
    if (i128::from(PARALLEL_MIN)..=i128::from(PARALLEL_MAX)).contains(&n) {
        Ok(())
    } else {
        Err(OptionError::ParallelOutOfRange(n))
    }
}

/// Browsers send `on`; a hidden input placed before a checkbox (to send "unticked") sends `false`.
fn parse_checkbox(field: &str, value: &str) -> Result<bool, OptionError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "on" | "true" | "1" | "yes" => Ok(true),
        "off" | "false" | "0" | "no" | "" => Ok(false),
        _ => Err(OptionError::NotACheckbox {
            field: field.to_string(),
            value: value.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(name: &str, enabled: bool, up: bool, bare_metal: bool) -> HostCapacity {
        HostCapacity {
            host: name.into(),
            zone: Some("nova".into()),
            enabled,
            up,
            bare_metal,
            vcpus_free: Some(32),
            ram_free_mb: Some(65536),
            disk_free_gb: Some(500),
        }
    }

    fn cloud() -> Vec<HostCapacity> {
        vec![
            host("compute1", true, true, false),
            host("compute2", true, true, false),
            host("compute3", false, true, false),
            host("compute4", true, false, false),
            host("ironic1", true, true, true),
        ]
    }

    fn form(fields: &[(&str, &str)]) -> Result<DrainOptions, OptionError> {
        DrainOptions::from_form(fields.iter().copied())
    }

    #[test]
    fn defaults_are_scheduler_two_no_fallback_auto_confirm() {
        let o = DrainOptions::default();
        assert_eq!(o.destinations, Destinations::Scheduler);
        assert_eq!(o.parallel, 2);
        assert!(!o.cold_fallback);
        assert!(o.auto_confirm);
        assert_eq!(o.validate("compute1", &cloud()), Ok(()));
    }

    #[test]
    fn parallel_from_the_form() {
        let cases: &[(&str, Result<u8, OptionError>)] = &[
            ("1", Ok(1)),
            (" 10 ", Ok(10)),
            ("0", Err(OptionError::ParallelOutOfRange(0))),
            ("11", Err(OptionError::ParallelOutOfRange(11))),
            ("300", Err(OptionError::ParallelOutOfRange(300))),
            ("-1", Err(OptionError::ParallelOutOfRange(-1))),
            ("abc", Err(OptionError::ParallelNotANumber("abc".into()))),
            ("2.5", Err(OptionError::ParallelNotANumber("2.5".into()))),
            ("", Err(OptionError::ParallelNotANumber("".into()))),
        ];
        for (text, want) in cases {
            let got = form(&[("parallel", text)]).map(|o| o.parallel);
            assert_eq!(&got, want, "parallel={text:?}");
        }
        assert_eq!(form(&[]).unwrap().parallel, PARALLEL_DEFAULT);
    }

    #[test]
    fn parallel_errors_read_plainly_and_name_their_field() {
        let e = form(&[("parallel", "abc")]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "Parallel migrations must be a whole number from 1 to 10; “abc” is not one."
        );
        assert_eq!(e.field(), "parallel");
        let e = form(&[("parallel", "11")]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "Parallel migrations must be from 1 to 10, not 11."
        );
    }

    #[test]
    fn validate_refuses_parallel_out_of_range_from_json() {
        for p in [0u8, 11, 255] {
            let o = DrainOptions {
                parallel: p,
                ..DrainOptions::default()
            };
            assert_eq!(
                o.validate("compute1", &cloud()),
                Err(OptionError::ParallelOutOfRange(i128::from(p)))
            );
        }
    }

    #[test]
    fn checkboxes_absent_are_unticked() {
        let o = form(&[("cold_fallback", "on"), ("auto_confirm", "on")]).unwrap();
        assert!(o.cold_fallback && o.auto_confirm);
        let o = form(&[("parallel", "3")]).unwrap();
        assert!(!o.cold_fallback && !o.auto_confirm);
        // The hidden-input pattern: "false" first, then the ticked box's "on".
        let o = form(&[("auto_confirm", "false"), ("auto_confirm", "on")]).unwrap();
        assert!(o.auto_confirm);
        let e = form(&[("cold_fallback", "maybe")]).unwrap_err();
        assert_eq!(e.field(), "cold_fallback");
    }

    #[test]
    fn hosts_from_the_form() {
        let o = form(&[
            ("destination", "hosts"),
            ("host", "compute2"),
            ("host", "compute5, compute6 compute2"),
            ("csrf", "x"),
        ])
        .unwrap();
        assert_eq!(
            o.destinations,
            Destinations::Hosts(vec![
                "compute2".into(),
                "compute5".into(),
                "compute6".into()
            ])
        );
        // The radio decides when host boxes stay ticked.
        let o = form(&[("destination", "scheduler"), ("host", "compute2")]).unwrap();
        assert_eq!(o.destinations, Destinations::Scheduler);
        let o = form(&[("host", "compute2")]).unwrap();
        assert_eq!(o.destinations, Destinations::Hosts(vec!["compute2".into()]));
        let e = form(&[("destination", "anywhere")]).unwrap_err();
        assert_eq!(e, OptionError::UnknownDestination("anywhere".into()));
    }

    #[test]
    fn validate_destination_hosts() {
        let hosts = |names: &[&str]| DrainOptions {
            destinations: Destinations::Hosts(names.iter().map(|s| s.to_string()).collect()),
            ..DrainOptions::default()
        };
        let cases: &[(&[&str], Result<(), OptionError>)] = &[
            (&["compute2"], Ok(())),
            (&[], Err(OptionError::NoHosts)),
            (
                &["compute2", "compute1"],
                Err(OptionError::IncludesDrainedHost("compute1".into())),
            ),
            (
                &["compute10"],
                Err(OptionError::UnknownHost("compute10".into())),
            ),
            (
                &["compute3"],
                Err(OptionError::HostNotUsable {
                    host: "compute3".into(),
                    why: "is disabled".into(),
                }),
            ),
            (
                &["compute4"],
                Err(OptionError::HostNotUsable {
                    host: "compute4".into(),
                    why: "is down (its nova-compute service is not reporting)".into(),
                }),
            ),
            (
                &["ironic1"],
                Err(OptionError::HostNotUsable {
                    host: "ironic1".into(),
                    why: "is a bare metal (Ironic) node".into(),
                }),
            ),
        ];
        for (names, want) in cases {
            assert_eq!(
                &hosts(names).validate("compute1", &cloud()),
                want,
                "{names:?}"
            );
        }
        assert_eq!(
            OptionError::NoHosts.to_string(),
            "Choose at least one destination host, or let the scheduler choose."
        );
        assert_eq!(
            OptionError::IncludesDrainedHost("compute1".into()).to_string(),
            "compute1 is the host being drained; it cannot also be a destination."
        );
        assert_eq!(
            hosts(&["compute3"])
                .validate("compute1", &cloud())
                .unwrap_err()
                .to_string(),
            "compute3 is disabled, so it cannot take instances."
        );
    }

    #[test]
    fn json_round_trip() {
        let o = DrainOptions {
            destinations: Destinations::Hosts(vec!["compute2".into()]),
            parallel: 4,
            cold_fallback: true,
            auto_confirm: false,
        };
        let j = serde_json::to_value(&o).unwrap();
        assert_eq!(
            j,
            serde_json::json!({
                "destinations": {"hosts": ["compute2"]},
                "parallel": 4, "cold_fallback": true, "auto_confirm": false
            })
        );
        assert_eq!(serde_json::from_value::<DrainOptions>(j).unwrap(), o);
        let j = serde_json::to_value(DrainOptions::default()).unwrap();
        assert_eq!(j["destinations"], "scheduler");
    }
}
