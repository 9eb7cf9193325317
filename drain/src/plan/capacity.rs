//! Will what must move fit on the hosts that may take it? From Placement's free figures.

use serde::{Deserialize, Serialize};

use super::{Destinations, DrainOptions};

/// One compute host as the caller found it: os-services (enabled, up, zone) and Placement (free =
/// `(total − reserved) × allocation_ratio − used`). A figure Placement did not give is `None`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostCapacity {
    pub host: String,
    pub zone: Option<String>,
    pub enabled: bool,
    pub up: bool,
    pub bare_metal: bool,
    pub vcpus_free: Option<u64>,
    pub ram_free_mb: Option<u64>,
    pub disk_free_gb: Option<u64>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resources {
    pub vcpus: u64,
    pub ram_mb: u64,
    pub disk_gb: u64,
}

/// What an instance will claim in Placement on its new host; `None` where its flavor did not say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Need {
    pub name: String,
    pub vcpus: Option<u64>,
    pub ram_mb: Option<u64>,
    pub disk_gb: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapacityCheck {
    /// The sum of what moves (live and cold).
    pub needed: Resources,
    /// The sum over `eligible_hosts` of the figures they reported.
    pub free: Resources,
    /// Enabled, up, not bare metal, not the drained host, and in the chosen set if any.
    pub eligible_hosts: Vec<String>,
    /// Eligible hosts missing a free figure: not counted, so `fits` cannot be shown.
    pub unreported_hosts: Vec<String>,
    /// Instances that move but whose size is unknown (a flavor not embedded, before 2.47).
    pub unsized_instances: Vec<String>,
    /// Instances bigger than what any single eligible host has free.
    pub too_big: Vec<String>,
    /// True only when it is known to fit: totals suffice, every instance fits on some host, and
    /// nothing is unknown. It is a necessary condition, not a promise: the scheduler also weighs
    /// NUMA, PCI devices, aggregates and server groups, and free space is split among hosts.
    pub fits: bool,
    pub words: String,
}

pub(crate) fn is_eligible(h: &HostCapacity, drained: &str, options: &DrainOptions) -> bool {
    let chosen = match &options.destinations {
        Destinations::Scheduler => true,
        Destinations::Hosts(set) => set.iter().any(|s| s == &h.host),
    };
    h.enabled && h.up && !h.bare_metal && h.host != drained && chosen
}

pub(crate) fn check(needs: &[Need], eligible: &[&HostCapacity], chosen_set: bool) -> CapacityCheck {
    let mut needed = Resources::default();
    let mut unsized_instances = Vec::new();
    for n in needs {
        match (n.vcpus, n.ram_mb, n.disk_gb) {
            (Some(c), Some(r), Some(d)) => {
                needed.vcpus += c;
                needed.ram_mb += r;
                needed.disk_gb += d;
            }
            _ => unsized_instances.push(n.name.clone()),
        }
    }
    let mut free = Resources::default();
    let mut unreported_hosts = Vec::new();
    for h in eligible {
        match (h.vcpus_free, h.ram_free_mb, h.disk_free_gb) {
            (Some(c), Some(r), Some(d)) => {
                free.vcpus += c;
                free.ram_mb += r;
                free.disk_gb += d;
            }
            _ => unreported_hosts.push(h.host.clone()),
        }
    }
    // A host that did not report a figure might have room: only a known shortage counts here.
    let too_big: Vec<String> = needs
        .iter()
        .filter(|n| {
            !eligible.iter().any(|h| {
                room(h.vcpus_free, n.vcpus)
                    && room(h.ram_free_mb, n.ram_mb)
                    && room(h.disk_free_gb, n.disk_gb)
            })
        })
        .map(|n| n.name.clone())
        .collect();

    let mut short = Vec::new();
    if needed.vcpus > free.vcpus {
        short.push(format!(
            "{} must move and {} {} free",
            vcpus(needed.vcpus),
            vcpus(free.vcpus),
            if free.vcpus == 1 { "is" } else { "are" }
        ));
    }
    if needed.ram_mb > free.ram_mb {
        short.push(format!(
            "{} of RAM must move and {} is free",
            mib(needed.ram_mb),
            mib(free.ram_mb)
        ));
    }
    if needed.disk_gb > free.disk_gb {
        short.push(format!(
            "{} GiB of disk must move and {} GiB is free",
            needed.disk_gb, free.disk_gb
        ));
    }
    let fits = needs.is_empty()
        || (!eligible.is_empty()
            && short.is_empty()
            && too_big.is_empty()
            && unreported_hosts.is_empty()
            && unsized_instances.is_empty());

    let mut words = Vec::new();
    if needs.is_empty() {
        words.push("Nothing needs to move.".to_string());
    } else if eligible.is_empty() {
        words.push(if chosen_set {
            "No chosen host can take instances: none is enabled, up and a compute host.".into()
        } else {
            "No host can take instances: every other host is disabled, down or bare metal.".into()
        });
    } else {
        let on = plural(eligible.len(), "host", "hosts");
        if short.is_empty() {
            words.push(format!(
                "{}, {} of RAM and {} GiB of disk must move; {on} {} {}, {} and {} GiB free.",
                vcpus(needed.vcpus),
                mib(needed.ram_mb),
                needed.disk_gb,
                if eligible.len() == 1 { "has" } else { "have" },
                vcpus(free.vcpus),
                mib(free.ram_mb),
                free.disk_gb
            ));
        } else {
            words.push(format!("Not enough room on {on}: {}.", short.join("; ")));
        }
        if !too_big.is_empty() {
            words.push(format!(
                "No single host has room for {}.",
                too_big.join(", ")
            ));
        }
        if !unreported_hosts.is_empty() {
            words.push(format!(
                "Placement gave no free figures for {}, so they are not counted.",
                unreported_hosts.join(", ")
            ));
        }
        if !unsized_instances.is_empty() {
            words.push(format!(
                "The size of {} is unknown, so it is not counted.",
                unsized_instances.join(", ")
            ));
        }
    }
    CapacityCheck {
        needed,
        free,
        eligible_hosts: eligible.iter().map(|h| h.host.clone()).collect(),
        unreported_hosts,
        unsized_instances,
        too_big,
        fits,
        words: words.join(" "),
    }
}

fn room(free: Option<u64>, need: Option<u64>) -> bool {
    match (free, need) {
        (Some(f), Some(n)) => n <= f,
        _ => true,
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

fn vcpus(n: u64) -> String {
    plural(n as usize, "vCPU", "vCPUs")
}

/// MiB as an operator reads RAM: "512 MiB", "96 GiB", "1.5 GiB".
pub(crate) fn mib(m: u64) -> String {
    if m < 1024 {
        format!("{m} MiB")
    } else if m.is_multiple_of(1024) {
        format!("{} GiB", m / 1024)
    } else {
        format!("{:.1} GiB", m as f64 / 1024.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(name: &str, vcpus: Option<u64>, ram: Option<u64>, disk: Option<u64>) -> HostCapacity {
        HostCapacity {
            host: name.into(),
            zone: None,
            enabled: true,
            up: true,
            bare_metal: false,
            vcpus_free: vcpus,
            ram_free_mb: ram,
            disk_free_gb: disk,
        }
    }

    fn need(name: &str, vcpus: u64, ram: u64, disk: u64) -> Need {
        Need {
            name: name.into(),
            vcpus: Some(vcpus),
            ram_mb: Some(ram),
            disk_gb: Some(disk),
        }
    }

    #[test]
    fn eligible_hosts() {
        let o = DrainOptions::default();
        let ok = host("compute2", None, None, None);
        assert!(is_eligible(&ok, "compute1", &o));
        assert!(!is_eligible(&ok, "compute2", &o), "the drained host");
        let disabled = HostCapacity {
            enabled: false,
            ..ok.clone()
        };
        let down = HostCapacity {
            up: false,
            ..ok.clone()
        };
        let ironic = HostCapacity {
            bare_metal: true,
            ..ok.clone()
        };
        for h in [&disabled, &down, &ironic] {
            assert!(!is_eligible(h, "compute1", &o), "{h:?}");
        }
        let only3 = DrainOptions {
            destinations: Destinations::Hosts(vec!["compute3".into()]),
            ..o
        };
        assert!(
            !is_eligible(&ok, "compute1", &only3),
            "not in the chosen set"
        );
    }

    #[test]
    fn fits_with_words() {
        let a = host("compute2", Some(16), Some(32768), Some(200));
        let b = host("compute3", Some(16), Some(32768), Some(200));
        let c = check(
            &[need("web-1", 4, 8192, 40), need("web-2", 2, 1536, 20)],
            &[&a, &b],
            false,
        );
        assert!(c.fits);
        assert_eq!(
            c.needed,
            Resources {
                vcpus: 6,
                ram_mb: 9728,
                disk_gb: 60
            }
        );
        assert_eq!(
            c.words,
            "6 vCPUs, 9.5 GiB of RAM and 60 GiB of disk must move; 2 hosts have 32 vCPUs, 64 GiB and 400 GiB free."
        );
    }

    #[test]
    fn short_in_total() {
        let a = host("compute2", Some(4), Some(4096), Some(100));
        let c = check(&[need("big", 8, 8192, 40)], &[&a], false);
        assert!(!c.fits);
        assert_eq!(
            c.words,
            "Not enough room on 1 host: 8 vCPUs must move and 4 vCPUs are free; 8 GiB of RAM must move and 4 GiB is free. No single host has room for big."
        );
    }

    #[test]
    fn enough_in_total_but_split_among_hosts() {
        let a = host("compute2", Some(8), Some(8192), Some(100));
        let b = host("compute3", Some(8), Some(8192), Some(100));
        let c = check(&[need("db", 4, 12288, 40)], &[&a, &b], false);
        assert!(!c.fits);
        assert_eq!(c.too_big, vec!["db".to_string()]);
    }

    #[test]
    fn unknowns_are_named_and_never_fit() {
        let a = host("compute2", Some(64), Some(262144), Some(2000));
        let b = host("compute3", None, Some(1024), Some(10));
        let c = check(&[need("web-1", 1, 512, 1)], &[&a, &b], false);
        assert!(!c.fits);
        assert_eq!(c.unreported_hosts, vec!["compute3".to_string()]);
        assert!(c
            .words
            .contains("Placement gave no free figures for compute3"));

        let no_size = Need {
            name: "old".into(),
            vcpus: None,
            ram_mb: None,
            disk_gb: None,
        };
        let c = check(&[no_size], &[&a], false);
        assert!(!c.fits);
        assert!(c.words.contains("The size of old is unknown"));
        assert!(c.too_big.is_empty(), "an unknown size is no known shortage");
    }

    #[test]
    fn nothing_to_move_or_nowhere_to_go() {
        let c = check(&[], &[], false);
        assert!(c.fits);
        assert_eq!(c.words, "Nothing needs to move.");
        let c = check(&[need("a", 1, 512, 1)], &[], false);
        assert!(!c.fits);
        assert_eq!(
            c.words,
            "No host can take instances: every other host is disabled, down or bare metal."
        );
        let c = check(&[need("a", 1, 512, 1)], &[], true);
        assert!(c.words.starts_with("No chosen host can take instances"));
    }

    #[test]
    fn mib_words() {
        assert_eq!(mib(512), "512 MiB");
        assert_eq!(mib(2048), "2 GiB");
        assert_eq!(mib(1536), "1.5 GiB");
    }
}
