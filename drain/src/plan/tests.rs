use serde_json::{json, Value};

use super::*;

/// A server as `GET /servers/detail` at 2.47 returns it (admin), with `extra` laid over it.
fn server(id: &str, name: &str, host: &str, status: &str, extra: Value) -> Server {
    let vm_state = match status {
        "SHUTOFF" => "stopped",
        "VERIFY_RESIZE" => "resized",
        other => other,
    }
    .to_lowercase();
    let mut v = json!({
        "id": id,
        "name": name,
        "status": status,
        "tenant_id": "6f70656e737461636b20342065766572",
        "user_id": "fake",
        "created": "2026-08-01T10:00:00Z",
        "updated": "2026-08-20T10:00:00Z",
        "addresses": {"private": [{"addr": "10.0.0.7", "version": 4,
            "OS-EXT-IPS:type": "fixed", "OS-EXT-IPS-MAC:mac_addr": "fa:16:3e:00:00:07"}]},
        "flavor": {"original_name": "m1.small", "vcpus": 1, "ram": 2048, "disk": 20,
            "ephemeral": 0, "swap": 0, "extra_specs": {}},
        "image": {"id": "70a599e0-31e7-49b7-b260-868f441e862b", "links": []},
        "hostId": "2091634baaccdc4c5a1d57069c833e402921df696b7f970791b12ec6",
        "OS-EXT-STS:vm_state": vm_state,
        "OS-EXT-STS:task_state": null,
        "OS-EXT-STS:power_state": 1,
        "OS-EXT-SRV-ATTR:host": host,
        "OS-EXT-SRV-ATTR:hypervisor_hostname": format!("{host}.example.org"),
        "OS-EXT-SRV-ATTR:instance_name": "instance-00000001",
        "OS-EXT-AZ:availability_zone": "nova",
        "locked": false,
        "host_status": "UP",
        "metadata": {},
        "os-extended-volumes:volumes_attached": [],
        "tags": []
    });
    if let (Value::Object(base), Value::Object(over)) = (&mut v, extra) {
        base.extend(over);
    }
    serde_json::from_value(v).expect("a valid server")
}

fn active(id: &str, name: &str, host: &str) -> Server {
    server(id, name, host, "ACTIVE", json!({}))
}

fn group(id: &str, name: &str, policy: &str, members: &[&str], rules: Value) -> ServerGroup {
    serde_json::from_value(json!({
        "id": id,
        "name": name,
        "policy": policy,
        "rules": rules,
        "members": members,
        "project_id": "6f70656e737461636b20342065766572",
        "user_id": "fake"
    }))
    .expect("a valid server group")
}

fn capacity(host: &str, zone: &str) -> HostCapacity {
    HostCapacity {
        host: host.into(),
        zone: Some(zone.into()),
        enabled: true,
        up: true,
        bare_metal: false,
        vcpus_free: Some(32),
        ram_free_mb: Some(65536),
        disk_free_gb: Some(1000),
    }
}

/// compute1 is drained; compute2 and compute3 may take instances; the rest may not.
fn cloud() -> Vec<HostCapacity> {
    vec![
        capacity("compute1", "nova"),
        capacity("compute2", "nova"),
        capacity("compute3", "nova"),
        HostCapacity {
            enabled: false,
            ..capacity("compute4", "nova")
        },
        HostCapacity {
            up: false,
            ..capacity("compute5", "nova")
        },
        HostCapacity {
            bare_metal: true,
            ..capacity("ironic-1", "nova")
        },
    ]
}

fn plan_default(servers: &[Server], groups: &[ServerGroup]) -> Plan {
    plan(
        "compute1",
        false,
        servers,
        groups,
        &cloud(),
        &DrainOptions::default(),
    )
}

fn skip(why: &str) -> Move {
    Move::Skip(why.to_string())
}

#[test]
fn what_each_state_gets() {
    let cases: Vec<(&str, Value, Move)> = vec![
        ("ACTIVE", json!({}), Move::Live),
        ("PAUSED", json!({"OS-EXT-STS:power_state": 3}), Move::Live),
        ("SHUTOFF", json!({"OS-EXT-STS:power_state": 4}), Move::ColdThenConfirm),
        (
            "VERIFY_RESIZE",
            json!({}),
            skip("waiting in Verify Resize: confirm or revert it first"),
        ),
        (
            "ACTIVE",
            json!({"OS-EXT-STS:task_state": "migrating"}),
            skip("already busy: migrating"),
        ),
        (
            "MIGRATING",
            json!({"OS-EXT-STS:task_state": "migrating"}),
            skip("already busy: migrating"),
        ),
        (
            "RESIZE",
            json!({"OS-EXT-STS:task_state": "resize_migrating"}),
            skip("already busy: resize migrating"),
        ),
        (
            "SHUTOFF",
            json!({"OS-EXT-STS:task_state": "powering-on"}),
            skip("already busy: powering-on"),
        ),
        ("MIGRATING", json!({}), skip("already moving")),
        (
            "REBOOT",
            json!({"OS-EXT-STS:task_state": "rebooting"}),
            skip("already busy: rebooting"),
        ),
        ("HARD_REBOOT", json!({}), skip("busy: hard reboot")),
        (
            "ACTIVE",
            json!({"locked": true, "locked_reason": "legal hold, ask Dana"}),
            skip("locked (legal hold, ask Dana): unlock it to move it"),
        ),
        (
            "SHUTOFF",
            json!({"locked": true, "locked_reason": null}),
            skip("locked (no reason given): unlock it to move it"),
        ),
        (
            "ERROR",
            json!({}),
            skip("in Error: Nova will not move it until its state is reset, once the guest is known to be fine"),
        ),
        (
            "ERROR",
            json!({"fault": {"code": 500, "message": "No valid host was found. ",
                "created": "2026-08-20T10:00:00Z"}}),
            skip("in Error (No valid host was found.): Nova will not move it until its state is reset, once the guest is known to be fine"),
        ),
        (
            "SUSPENDED",
            json!({"OS-EXT-STS:power_state": 7}),
            skip("suspended: Nova cannot migrate a suspended instance; resume it to move it live, or shut it off to move it cold"),
        ),
        ("RESCUE", json!({}), skip("in rescue mode: unrescue it first")),
        (
            "SHELVED",
            json!({"OS-EXT-STS:power_state": 4}),
            skip("shelved: it runs nowhere; offload it (shelve offload) to free this host, or unshelve it"),
        ),
        (
            "SHELVED_OFFLOADED",
            json!({}),
            skip("shelved and offloaded: it is on no host, nothing moves"),
        ),
        (
            "BUILD",
            json!({"OS-EXT-STS:task_state": "spawning"}),
            skip("still being built: wait for it to finish, then plan again"),
        ),
        (
            "SOFT_DELETED",
            json!({}),
            skip("deleted (soft): restore it to move it, or let Nova reclaim it"),
        ),
        (
            "UNKNOWN",
            json!({}),
            skip("its state is unknown: its cell or its compute service is not answering"),
        ),
        (
            "HIBERNATING",
            json!({}),
            skip("in state HIBERNATING, which Ferry does not know how to move"),
        ),
        // The state that no waiting cures wins over a task or a lock.
        (
            "ERROR",
            json!({"OS-EXT-STS:task_state": "migrating", "locked": true}),
            skip("in Error: Nova will not move it until its state is reset, once the guest is known to be fine"),
        ),
    ];
    for (status, extra, want) in cases {
        let s = server("i-1", "vm", "compute1", status, extra.clone());
        let p = plan_default(&[s], &[]);
        assert_eq!(p.instances.len(), 1);
        assert_eq!(p.instances[0].move_, want, "{status} {extra}");
    }
}

#[test]
fn a_server_on_compute10_passed_in_by_mistake_is_ignored() {
    let servers = [
        active("a", "on-1", "compute1"),
        active("b", "on-10", "compute10"),
        active("c", "on-1.example.org", "compute1.example.org"),
        server(
            "d",
            "offloaded",
            "",
            "SHELVED_OFFLOADED",
            json!({"OS-EXT-SRV-ATTR:host": null}),
        ),
    ];
    let p = plan_default(&servers, &[]);
    let ids: Vec<&str> = p.instances.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, ["a"]);
    assert_eq!(p.counts.ignored, 3);
    assert_eq!(
        p.warnings[0],
        "3 of the instances given are not on compute1 and were left out of the plan."
    );
    // And what it would have needed is not counted either.
    assert_eq!(p.capacity.needed.ram_mb, 2048);
}

#[test]
fn an_instance_listed_twice_is_planned_once() {
    let s = active("a", "web", "compute1");
    let p = plan_default(&[s.clone(), s], &[]);
    assert_eq!(p.instances.len(), 1);
    assert_eq!(p.counts.live, 1);
}

#[test]
fn bare_metal_host_skips_everything() {
    let servers = [
        active("a", "bm-1", "ironic-1"),
        server("b", "bm-2", "ironic-1", "SHUTOFF", json!({})),
    ];
    let p = plan(
        "ironic-1",
        true,
        &servers,
        &[group(
            "g",
            "bm",
            "anti-affinity",
            &["a", "b", "x"],
            json!({}),
        )],
        &cloud(),
        &DrainOptions::default(),
    );
    for i in &p.instances {
        assert_eq!(
            i.move_,
            skip("bare metal (Ironic) nodes cannot be migrated")
        );
    }
    assert_eq!(p.counts.skipped, 2);
    assert!(p.capacity.fits, "nothing moves");
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
}

#[test]
fn order_is_live_then_cold_then_skipped_biggest_ram_first() {
    let sized = |id: &str, status: &str, ram: u64| {
        server(
            id,
            id,
            "compute1",
            status,
            json!({"flavor": {"vcpus": 2, "ram": ram, "disk": 20, "ephemeral": 0, "swap": 0}}),
        )
    };
    let servers = [
        sized("err", "ERROR", 65536),
        sized("off-small", "SHUTOFF", 1024),
        sized("live-small", "ACTIVE", 2048),
        sized("off-big", "SHUTOFF", 16384),
        sized("live-big", "ACTIVE", 32768),
        sized("paused", "PAUSED", 4096),
        sized("live-big-b", "ACTIVE", 32768),
    ];
    let p = plan_default(&servers, &[]);
    let order: Vec<&str> = p.instances.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(
        order,
        [
            "live-big",
            "live-big-b",
            "paused",
            "live-small",
            "off-big",
            "off-small",
            "err"
        ]
    );
    assert_eq!(
        p.counts,
        Counts {
            live: 4,
            cold: 2,
            skipped: 1,
            ignored: 0
        }
    );
}

#[test]
fn sizes_follow_placement() {
    let servers = [
        server(
            "a",
            "image-backed",
            "compute1",
            "ACTIVE",
            json!({"flavor": {"vcpus": 4, "ram": 8192, "disk": 40, "ephemeral": 10, "swap": 1536}}),
        ),
        // Booted from volume: Nova sends image "" and Placement claims no root disk.
        server(
            "b",
            "volume-backed",
            "compute1",
            "ACTIVE",
            json!({"image": "", "flavor": {"vcpus": 2, "ram": 4096, "disk": 40, "ephemeral": 0, "swap": 0}}),
        ),
    ];
    let p = plan_default(&servers, &[]);
    let a = p.instances.iter().find(|i| i.id == "a").unwrap();
    assert_eq!(
        (a.vcpus, a.ram_mb, a.disk_gb),
        (Some(4), Some(8192), Some(52))
    );
    let b = p.instances.iter().find(|i| i.id == "b").unwrap();
    assert_eq!(b.disk_gb, Some(0));
    assert_eq!(
        p.capacity.needed,
        Resources {
            vcpus: 6,
            ram_mb: 12288,
            disk_gb: 52
        }
    );
}

#[test]
fn capacity_counts_only_what_moves_against_eligible_hosts() {
    let servers = [
        active("a", "web", "compute1"),
        server("b", "broken", "compute1", "ERROR", json!({})),
    ];
    let p = plan_default(&servers, &[]);
    assert_eq!(p.capacity.needed.ram_mb, 2048, "the skipped one stays");
    assert_eq!(p.capacity.eligible_hosts, ["compute2", "compute3"]);
    assert_eq!(p.capacity.free.ram_mb, 2 * 65536);
    assert!(p.capacity.fits);

    let only = DrainOptions {
        destinations: Destinations::Hosts(vec!["compute3".into(), "compute4".into()]),
        ..DrainOptions::default()
    };
    let p = plan("compute1", false, &servers, &[], &cloud(), &only);
    assert_eq!(
        p.capacity.eligible_hosts,
        ["compute3"],
        "compute4 is disabled"
    );

    let tight: Vec<HostCapacity> = cloud()
        .into_iter()
        .map(|h| HostCapacity {
            ram_free_mb: Some(512),
            ..h
        })
        .collect();
    let p = plan(
        "compute1",
        false,
        &servers,
        &[],
        &tight,
        &DrainOptions::default(),
    );
    assert!(!p.capacity.fits);
    assert_eq!(
        p.capacity.words,
        "Not enough room on 2 hosts: 2 GiB of RAM must move and 1 GiB is free. No single host has room for web."
    );
    // Enough in total, split among hosts.
    let split: Vec<HostCapacity> = cloud()
        .into_iter()
        .map(|h| HostCapacity {
            ram_free_mb: Some(1024),
            ..h
        })
        .collect();
    let p = plan(
        "compute1",
        false,
        &servers,
        &[],
        &split,
        &DrainOptions::default(),
    );
    assert!(!p.capacity.fits);
    assert_eq!(
        p.capacity.words,
        "1 vCPU, 2 GiB of RAM and 20 GiB of disk must move; 2 hosts have 64 vCPUs, 2 GiB and 2000 GiB free. No single host has room for web."
    );
}

#[test]
fn cold_fallback_only_when_ticked_and_active() {
    let servers = [
        active("a", "running", "compute1"),
        server("b", "paused", "compute1", "PAUSED", json!({})),
        server("c", "stopped", "compute1", "SHUTOFF", json!({})),
    ];
    let ticked = DrainOptions {
        cold_fallback: true,
        ..DrainOptions::default()
    };
    let p = plan("compute1", false, &servers, &[], &cloud(), &ticked);
    let fallback: Vec<(&str, bool)> = p
        .instances
        .iter()
        .map(|i| (i.name.as_str(), i.cold_fallback))
        .collect();
    assert_eq!(
        fallback,
        [("paused", false), ("running", true), ("stopped", false)]
    );
    let p = plan_default(&servers, &[]);
    assert!(p.instances.iter().all(|i| !i.cold_fallback));
}

#[test]
fn anti_affinity_with_fewer_eligible_hosts_than_members_is_named() {
    let servers = [active("db-1", "db-1", "compute1")];
    let g = group(
        "g-db",
        "db",
        "anti-affinity",
        &["db-1", "db-2", "db-3"],
        json!({}),
    );
    let p = plan_default(&servers, std::slice::from_ref(&g));
    assert_eq!(
        p.warnings,
        ["Anti-affinity group “db” has 3 members and only 2 hosts can take them (one member per host): db-1 may find no host and fail."]
    );
    assert_eq!(
        p.instances[0].group,
        Some(GroupRef {
            id: "g-db".into(),
            name: "db".into(),
            policy: "anti-affinity".into()
        })
    );
    assert_eq!(p.instances[0].move_, Move::Live, "warned, still tried");

    // Enough hosts: a third one enabled.
    let mut hosts = cloud();
    hosts[3].enabled = true;
    let p = plan(
        "compute1",
        false,
        &servers,
        std::slice::from_ref(&g),
        &hosts,
        &DrainOptions::default(),
    );
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);

    // Two members per host allowed (2.64 rules): 2 hosts hold 4.
    let two = group(
        "g-db",
        "db",
        "anti-affinity",
        &["db-1", "db-2", "db-3"],
        json!({"max_server_per_host": 2}),
    );
    assert!(plan_default(&servers, &[two]).warnings.is_empty());

    // Soft anti-affinity is a preference: the scheduler packs if it must.
    let soft = group(
        "g-db",
        "db",
        "soft-anti-affinity",
        &["db-1", "db-2", "db-3"],
        json!({}),
    );
    assert!(plan_default(&servers, &[soft]).warnings.is_empty());

    // A member that does not move is no reason to warn.
    let stopped = [server("db-1", "db-1", "compute1", "ERROR", json!({}))];
    assert!(plan_default(&stopped, &[g]).warnings.is_empty());
}

#[test]
fn hard_affinity_members_all_here_are_skipped_together() {
    let servers = [
        active("w1", "web-1", "compute1"),
        active("w2", "web-2", "compute1"),
        active("lone", "lone", "compute1"),
    ];
    let groups = [
        group("g-web", "web", "affinity", &["w1", "w2"], json!({})),
        group("g-lone", "alone", "affinity", &["lone"], json!({})),
    ];
    let p = plan_default(&servers, &groups);
    let by = |id: &str| p.instances.iter().find(|i| i.id == id).unwrap();
    assert_eq!(
        by("w1").move_,
        skip("affinity group “web” keeps it on one host with web-2: Nova moves one instance at a time and will place none apart from the others")
    );
    assert!(matches!(by("w2").move_, Move::Skip(_)));
    assert_eq!(
        by("lone").move_,
        Move::Live,
        "a group of one constrains nothing"
    );
    assert_eq!(
        p.warnings,
        ["Affinity group “web” (web-1, web-2) is skipped: its members must stay together, and Nova can only move them one at a time."]
    );
    assert_eq!(p.capacity.needed.ram_mb, 2048, "only lone moves");
}

#[test]
fn affinity_members_elsewhere_can_follow_them() {
    let servers = [active("w1", "web-1", "compute1")];
    let groups = [group("g-web", "web", "affinity", &["w1", "w9"], json!({}))];
    let p = plan_default(&servers, &groups);
    assert_eq!(p.instances[0].move_, Move::Live);
    assert_eq!(
        p.warnings,
        ["Affinity group “web”: web-1 can only go to the host holding its other members."]
    );
}

#[test]
fn soft_affinity_members_may_scatter() {
    let servers = [
        active("c1", "cache-1", "compute1"),
        active("c2", "cache-2", "compute1"),
    ];
    let groups = [group(
        "g-c",
        "cache",
        "soft-affinity",
        &["c1", "c2"],
        json!({}),
    )];
    let p = plan_default(&servers, &groups);
    assert_eq!(p.counts.live, 2);
    assert_eq!(
        p.warnings,
        ["Soft-affinity group “cache”: cache-1, cache-2 move one at a time and may end up on different hosts."]
    );
}

#[test]
fn drained_host_down_is_said() {
    let mut hosts = cloud();
    hosts[0].up = false;
    let p = plan(
        "compute1",
        false,
        &[active("a", "web", "compute1")],
        &[],
        &hosts,
        &DrainOptions::default(),
    );
    assert_eq!(
        p.warnings,
        ["compute1's nova-compute service is down: migrations need it running. If the host is lost, evacuate its instances instead."]
    );
}

#[test]
fn zone_short_of_room_is_said() {
    let mut hosts = vec![
        capacity("compute1", "az1"),
        HostCapacity {
            ram_free_mb: Some(1024),
            ..capacity("compute2", "az1")
        },
        capacity("compute3", "az2"),
    ];
    let servers = [active("a", "web", "compute1")];
    let p = plan(
        "compute1",
        false,
        &servers,
        &[],
        &hosts,
        &DrainOptions::default(),
    );
    assert!(p.capacity.fits, "az2 has room");
    assert_eq!(
        p.warnings,
        ["Nova keeps an instance started in a named zone inside it, and the other hosts in zone az1 may not have room for all that must move: such instances may find no host."]
    );
    hosts[1].ram_free_mb = Some(65536);
    let p = plan(
        "compute1",
        false,
        &servers,
        &[],
        &hosts,
        &DrainOptions::default(),
    );
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    hosts.remove(1);
    let p = plan(
        "compute1",
        false,
        &servers,
        &[],
        &hosts,
        &DrainOptions::default(),
    );
    assert!(p.warnings[0].contains("no other host in zone az1 can take instances"));
}

#[test]
fn plan_is_kept_as_json() {
    let servers = [
        active("a", "web", "compute1"),
        server("b", "off", "compute1", "SHUTOFF", json!({})),
        server("c", "held", "compute1", "ACTIVE", json!({"locked": true})),
    ];
    let p = plan_default(&servers, &[]);
    let j = serde_json::to_value(&p).unwrap();
    assert_eq!(j["instances"][0]["move"], "live");
    assert_eq!(j["instances"][1]["move"], "cold_then_confirm");
    assert_eq!(
        j["instances"][2]["move"],
        json!({"skip": "locked (no reason given): unlock it to move it"})
    );
    assert_eq!(serde_json::from_value::<Plan>(j).unwrap(), p);
}
