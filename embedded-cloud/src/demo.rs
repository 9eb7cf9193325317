//! The deterministic demo cloud: the same hosts, projects and instances (and
//! the same ids) on every start, so Ferry's tests can name them.
//!
//! Scenarios built in on purpose:
//! - `web-1`..`web-4` form the anti-affinity group `web`, one per schedulable
//!   compute host (compute1, compute2, compute3, compute10): live-migrating
//!   any of them with the scheduler choosing ends in NoValidHost.
//! - `bigmem-1` (flavor r1.huge, 96 GiB) on compute10 fits nowhere else:
//!   every other schedulable host already uses more than 32 GiB of RAM.
//! - compute4 is disabled with a reason, compute11 is down, ironic-node-1 is
//!   bare metal; `compute1` and `compute10` trap substring matching.
//! - `web-db-1` is locked, `web-resized-1` / `etl-resized-1` wait in
//!   VERIFY_RESIZE with a finished migration, `etl-broken` is in ERROR with a
//!   fault, and one instance's name carries HTML and non-ASCII text.

use std::collections::BTreeMap;

use chrono::Duration as ChronoDuration;

use crate::clock;
use crate::ids::Seeded;
use crate::model::*;
use crate::state::State;
use crate::DEMO_USERS;

pub const HOSTILE_NAME: &str = "<b>bold</b> & \"quotes\" — café ☕";

/// Generated instances are packed onto extra hosts sized to be exactly full,
/// so scaling up never opens room that would defeat the NoValidHost scenarios.
const SCALE_INSTANCES_PER_HOST: usize = 100;

struct Spec {
    name: &'static str,
    project: &'static str,
    host: &'static str,
    flavor: &'static str,
    state: &'static str,
    group: Option<&'static str>,
}

const fn spec(
    name: &'static str,
    project: &'static str,
    host: &'static str,
    flavor: &'static str,
    state: &'static str,
) -> Spec {
    Spec {
        name,
        project,
        host,
        flavor,
        state,
        group: None,
    }
}

const fn grouped(
    name: &'static str,
    project: &'static str,
    host: &'static str,
    flavor: &'static str,
    group: &'static str,
) -> Spec {
    Spec {
        name,
        project,
        host,
        flavor,
        state: "active",
        group: Some(group),
    }
}

const INSTANCES: &[Spec] = &[
    // project web (the operator's)
    grouped("web-1", "web", "compute1", "m1.medium", "web"),
    grouped("web-2", "web", "compute2", "m1.medium", "web"),
    grouped("web-3", "web", "compute3", "m1.medium", "web"),
    grouped("web-4", "web", "compute10", "m1.medium", "web"),
    spec("app-1", "web", "compute1", "m1.small", "active"),
    spec("app-2", "web", "compute2", "m1.small", "active"),
    spec("app-3", "web", "compute3", "m1.small", "active"),
    spec("app-4", "web", "compute10", "m1.small", "active"),
    grouped("cache-1", "web", "compute2", "m1.small", "cache"),
    grouped("cache-2", "web", "compute2", "m1.small", "cache"),
    spec("web-db-1", "web", "compute3", "m1.large", "active"),
    spec(HOSTILE_NAME, "web", "compute1", "m1.tiny", "active"),
    spec("web-paused-1", "web", "compute2", "m1.small", "paused"),
    spec("web-stopped-1", "web", "compute10", "m1.small", "stopped"),
    spec("web-resized-1", "web", "compute2", "m1.small", "resized"),
    // project analytics (the member's)
    spec("etl-1", "analytics", "compute1", "m1.small", "active"),
    spec("etl-2", "analytics", "compute2", "m1.small", "active"),
    spec("etl-3", "analytics", "compute3", "m1.small", "active"),
    spec("etl-4", "analytics", "compute10", "m1.small", "active"),
    spec("spark-1", "analytics", "compute1", "m1.large", "stopped"),
    spec("notebook-1", "analytics", "compute3", "m1.medium", "paused"),
    spec("etl-broken", "analytics", "compute3", "m1.small", "error"),
    spec(
        "etl-resized-1",
        "analytics",
        "compute3",
        "m1.small",
        "resized",
    ),
    // project batch
    spec("batch-1", "batch", "compute1", "m1.xlarge", "active"),
    spec("batch-2", "batch", "compute1", "m1.xlarge", "active"),
    spec("batch-3", "batch", "compute2", "m1.xlarge", "active"),
    spec("batch-4", "batch", "compute2", "m1.xlarge", "active"),
    spec("batch-5", "batch", "compute3", "m1.xlarge", "active"),
    spec("batch-6", "batch", "compute3", "m1.xlarge", "active"),
    spec("bigmem-1", "batch", "compute10", "r1.huge", "active"),
    spec("batch-7", "batch", "compute4", "m1.small", "active"),
    spec("batch-8", "batch", "compute11", "m1.small", "active"),
    spec(
        "batch-stopped-1",
        "batch",
        "compute4",
        "m1.small",
        "stopped",
    ),
    spec("batch-broken", "batch", "compute11", "m1.tiny", "error"),
    spec("bm-1", "batch", "ironic-conductor1", "bm.gold", "active"),
    // compute1, the host worth draining, in every state a drain meets (after the others, so
    // their ids stay what they were).
    spec("web-paused-2", "web", "compute1", "m1.small", "paused"),
    spec(
        "etl-stopped-2",
        "analytics",
        "compute1",
        "m1.small",
        "stopped",
    ),
    spec("batch-broken-2", "batch", "compute1", "m1.tiny", "error"),
    spec("batch-locked-1", "batch", "compute1", "m1.small", "active"),
    grouped("worker-1", "batch", "compute1", "m1.small", "workers"),
    grouped("worker-2", "batch", "compute1", "m1.small", "workers"),
    spec(
        "etl-resized-2",
        "analytics",
        "compute1",
        "m1.small",
        "resized",
    ),
];

/// (instance, source host) of the demo's cold migrations awaiting confirmation.
const RESIZED_FROM: &[(&str, &str)] = &[
    ("web-resized-1", "compute3"),
    ("etl-resized-1", "compute10"),
    ("etl-resized-2", "compute2"),
];

pub fn build(total_instances: usize) -> State {
    let mut rng = Seeded::new(0xFE77_C10D);
    let now = clock::now();
    let mut st = State::default();

    for name in ["admin", "web", "analytics", "batch"] {
        let id = rng.hex32();
        st.projects.push(Project {
            id,
            name: name.to_string(),
            description: format!("{name} project"),
        });
    }
    for name in ["admin", "manager", "member", "reader"] {
        st.roles.push(Role {
            id: rng.hex32(),
            name,
        });
    }
    for u in DEMO_USERS {
        let project_id = project_id(&st, u.project);
        st.users.push(User {
            id: rng.hex32(),
            name: u.name.to_string(),
            password: u.password.to_string(),
            project_id,
            roles: u.roles().to_vec(),
        });
    }

    st.flavors = flavors();
    st.images = vec![
        Image {
            id: rng.uuid(),
            name: "cirros-0.6.2-x86_64-disk".into(),
            size: 21_430_272,
            created_at: now - ChronoDuration::days(120),
        },
        Image {
            id: rng.uuid(),
            name: "ubuntu-24.04-server".into(),
            size: 612_368_384,
            created_at: now - ChronoDuration::days(90),
        },
    ];

    let host_specs: &[(&str, &str, &str)] = &[
        ("compute1", "az1", "libvirt"),
        ("compute2", "az1", "libvirt"),
        ("compute3", "az1", "libvirt"),
        ("compute4", "az1", "libvirt"),
        ("compute10", "az2", "libvirt"),
        ("compute11", "az2", "libvirt"),
        ("ironic-conductor1", "az1", "ironic"),
    ];
    for (i, (name, zone, kind)) in host_specs.iter().enumerate() {
        let mut h = host(&mut rng, name, zone, i as u64 + 1, now);
        if *kind == "ironic" {
            h.node = "ironic-node-1".into();
            h.hypervisor_type = "ironic";
            h.hypervisor_version = 1;
            h.inventories = vec![Inventory {
                resource_class: "CUSTOM_BAREMETAL_GOLD",
                total: 1,
                reserved: 0,
                allocation_ratio: 1.0,
                min_unit: 1,
                max_unit: 1,
                step_size: 1,
            }];
        }
        st.hosts.push(h);
    }
    if let Some(h) = st.host_mut("compute4") {
        h.disabled = true;
        h.disabled_reason = Some("Scheduled maintenance: DIMM replacement".into());
    }
    if let Some(h) = st.host_mut("compute11") {
        h.heartbeat_lost = true;
        h.service_updated_at = now - ChronoDuration::minutes(47);
    }
    for (n, (binary, host)) in [
        ("nova-scheduler", "controller"),
        ("nova-conductor", "controller"),
    ]
    .into_iter()
    .enumerate()
    {
        st.control_services.push(ControlService {
            id: 101 + n as u64,
            uuid: rng.uuid(),
            binary,
            host: host.into(),
            updated_at: now,
        });
    }

    for (name, policy) in [("web", "anti-affinity"), ("cache", "affinity")] {
        let project_id = project_id(&st, "web");
        let user_id = user_id(&st, "operator");
        st.groups.push(ServerGroup {
            uuid: rng.uuid(),
            name: name.into(),
            policy,
            max_server_per_host: None,
            members: Vec::new(),
            project_id,
            user_id,
        });
    }

    // A soft anti-affinity group of the batch project, both members on compute1. Its id is
    // fixed rather than drawn, so every other id of the demo stays what it was.
    st.groups.push(ServerGroup {
        uuid: "5e1f0a1c-0b5e-4d7a-9c3e-000000000001".into(),
        name: "workers".into(),
        policy: "soft-anti-affinity",
        max_server_per_host: None,
        members: Vec::new(),
        project_id: project_id(&st, "batch"),
        user_id: user_id(&st, "admin"),
    });

    let image_ids: Vec<String> = st.images.iter().map(|i| i.id.clone()).collect();
    for (n, s) in INSTANCES.iter().enumerate() {
        let idx = n as u64 + 1;
        let image =
            image_ids[(n % image_ids.len().max(1)).min(image_ids.len().saturating_sub(1))].clone();
        let created = now - ChronoDuration::days(60) + ChronoDuration::hours(idx as i64 * 7);
        let inst = instance(
            &mut st, &mut rng, s.name, s.project, s.host, s.flavor, idx, image, created,
        );
        let uuid = inst.uuid.clone();
        st.add_instance(inst);
        if let Some(g) = s.group {
            if let Some(group) = st.groups.iter_mut().find(|x| x.name == g) {
                group.members.push(uuid.clone());
            }
        }
        set_state(&mut st, &uuid, s.state, now);
    }
    if let Some(i) = st.instances.iter_mut().find(|i| i.name == "web-db-1") {
        i.locked = true;
        i.locked_reason = Some("DBA: do not move during the backup window".into());
    }
    if let Some(i) = st.instances.iter_mut().find(|i| i.name == "batch-locked-1") {
        i.locked = true;
        i.locked_reason = Some("Licence server: ask the batch team first".into());
    }
    for (name, source) in RESIZED_FROM {
        add_finished_cold_migration(&mut st, &mut rng, name, source, now);
    }

    generate_scale(&mut st, &mut rng, total_instances, now);
    st
}

fn project_id(st: &State, name: &str) -> String {
    st.projects
        .iter()
        .find(|p| p.name == name)
        .map(|p| p.id.clone())
        .unwrap_or_default()
}

fn user_id(st: &State, name: &str) -> String {
    st.users
        .iter()
        .find(|u| u.name == name)
        .map(|u| u.id.clone())
        .unwrap_or_default()
}

/// The user who created a project's instances: its demo user, or admin.
fn owner_of(st: &State, project: &str) -> String {
    let name = DEMO_USERS
        .iter()
        .find(|u| u.project == project)
        .map(|u| u.name)
        .unwrap_or("admin");
    user_id(st, name)
}

fn flavors() -> Vec<Flavor> {
    let plain = |id: &str, internal: u64, name: &str, vcpus, ram, disk| Flavor {
        id: id.into(),
        internal_id: internal,
        name: name.into(),
        vcpus,
        ram,
        disk,
        ephemeral: 0,
        swap: 0,
        extra_specs: BTreeMap::new(),
        baremetal_class: None,
    };
    let mut huge = plain("6", 6, "r1.huge", 16, 98_304, 100);
    huge.extra_specs
        .insert("hw:mem_page_size".into(), "large".into());
    let mut bm = plain("7", 7, "bm.gold", 64, 262_144, 960);
    bm.baremetal_class = Some("CUSTOM_BAREMETAL_GOLD");
    for (k, v) in [
        ("resources:CUSTOM_BAREMETAL_GOLD", "1"),
        ("resources:VCPU", "0"),
        ("resources:MEMORY_MB", "0"),
        ("resources:DISK_GB", "0"),
    ] {
        bm.extra_specs.insert(k.into(), v.into());
    }
    vec![
        plain("1", 1, "m1.tiny", 1, 512, 1),
        plain("2", 2, "m1.small", 1, 2048, 20),
        plain("3", 3, "m1.medium", 2, 4096, 40),
        plain("4", 4, "m1.large", 4, 8192, 80),
        plain("5", 5, "m1.xlarge", 8, 16_384, 160),
        huge,
        bm,
    ]
}

fn host(rng: &mut Seeded, name: &str, zone: &str, n: u64, now: Time) -> Host {
    Host {
        host: name.into(),
        node: name.into(),
        zone: zone.into(),
        node_uuid: rng.uuid(),
        service_uuid: rng.uuid(),
        service_id: n,
        node_id: n,
        hypervisor_type: "QEMU",
        hypervisor_version: 8_002_002,
        host_ip: format!("192.168.100.{}", 10 + n),
        disabled: false,
        disabled_reason: None,
        forced_down: false,
        heartbeat_lost: false,
        service_updated_at: now,
        max_concurrent_live_migrations: 1,
        inventories: vec![
            Inventory {
                resource_class: "VCPU",
                total: 32,
                reserved: 0,
                allocation_ratio: 4.0,
                min_unit: 1,
                max_unit: 32,
                step_size: 1,
            },
            Inventory {
                resource_class: "MEMORY_MB",
                total: 131_072,
                reserved: 512,
                allocation_ratio: 1.0,
                min_unit: 1,
                max_unit: 131_072,
                step_size: 1,
            },
            Inventory {
                resource_class: "DISK_GB",
                total: 1000,
                reserved: 0,
                allocation_ratio: 1.0,
                min_unit: 1,
                max_unit: 1000,
                step_size: 1,
            },
        ],
        generation: 1,
    }
}

#[allow(clippy::too_many_arguments)]
fn instance(
    st: &mut State,
    rng: &mut Seeded,
    name: &str,
    project: &str,
    host: &str,
    flavor: &str,
    idx: u64,
    image_id: String,
    created: Time,
) -> Instance {
    let flavor = st
        .flavors
        .iter()
        .find(|f| f.name == flavor)
        .cloned()
        .unwrap_or_else(|| st.flavors[0].clone());
    let (node, zone) = st
        .host(host)
        .map(|h| (h.node.clone(), h.zone.clone()))
        .unwrap_or_else(|| (host.to_string(), "nova".to_string()));
    let net = match project {
        "web" => (10, "web-net"),
        "analytics" => (20, "analytics-net"),
        _ => (30, "batch-net"),
    };
    let mut metadata = BTreeMap::new();
    metadata.insert("owner".to_string(), project.to_string());
    let inst = Instance {
        uuid: rng.uuid(),
        internal_id: idx,
        name: name.into(),
        project_id: project_id(st, project),
        user_id: owner_of(st, project),
        flavor,
        image_id,
        host: host.into(),
        node,
        zone,
        vm_state: "active",
        task_state: None,
        power_state: POWER_RUNNING,
        locked: false,
        locked_reason: None,
        created,
        updated: created + ChronoDuration::seconds(40),
        launched_at: created + ChronoDuration::seconds(35),
        fault: None,
        addresses: vec![Address {
            network: net.1.into(),
            addr: format!("10.{}.{}.{}", net.0, idx / 250, 10 + idx % 240),
            mac: format!(
                "fa:16:3e:{:02x}:{:02x}:{:02x}",
                (idx >> 16) & 0xff,
                (idx >> 8) & 0xff,
                idx & 0xff
            ),
        }],
        metadata,
        key_name: Some(format!("{project}-key")),
        description: None,
        pre_resize_vm_state: None,
        progress: 0,
    };
    let request_id = st.record_action(&inst.uuid, "create", &inst.project_id, &inst.user_id);
    if let Some(a) = st.action_mut(&request_id) {
        a.start_time = created;
        a.updated_at = created + ChronoDuration::seconds(35);
        a.events.push(ActionEvent {
            event: "compute__do_build_and_run_instance".into(),
            start_time: created + ChronoDuration::seconds(2),
            finish_time: Some(created + ChronoDuration::seconds(35)),
            result: Some("Success"),
            traceback: None,
            host: host.into(),
            details: None,
        });
    }
    inst
}

fn set_state(st: &mut State, uuid: &str, state: &str, now: Time) {
    let Some(i) = st.instance_mut(uuid) else {
        return;
    };
    match state {
        "paused" => {
            i.vm_state = "paused";
            i.power_state = POWER_PAUSED;
        }
        "stopped" => {
            i.vm_state = "stopped";
            i.power_state = POWER_SHUTDOWN;
        }
        "error" => {
            i.vm_state = "error";
            i.power_state = POWER_NOSTATE;
            i.fault = Some(InstanceFault {
                code: 500,
                message: "Connection to libvirt lost: 1".into(),
                details: "Traceback (most recent call last):\n  File \"/usr/lib/python3/dist-packages/nova/compute/manager.py\", line 10990, in _sync_power_states\nlibvirt.libvirtError: Cannot recv data: Connection reset by peer\n".into(),
                created: now - ChronoDuration::days(2),
            });
        }
        "resized" => {
            i.vm_state = "resized";
            i.pre_resize_vm_state = Some("active");
        }
        _ => {}
    }
}

fn add_finished_cold_migration(
    st: &mut State,
    rng: &mut Seeded,
    name: &str,
    source: &str,
    now: Time,
) {
    let Some((uuid, project, user, flavor_id, dest_host, dest_node)) =
        st.instances.iter().find(|i| i.name == name).map(|i| {
            (
                i.uuid.clone(),
                i.project_id.clone(),
                i.user_id.clone(),
                i.flavor.internal_id,
                i.host.clone(),
                i.node.clone(),
            )
        })
    else {
        return;
    };
    let Some((source_node, dest_ip)) = st
        .host(source)
        .map(|h| h.node.clone())
        .zip(st.host(&dest_host).map(|h| h.host_ip.clone()))
    else {
        return;
    };
    let started = now - ChronoDuration::minutes(25);
    let request_id = st.record_action(&uuid, "migrate", &project, &user);
    if let Some(a) = st.action_mut(&request_id) {
        a.start_time = started;
        a.updated_at = started + ChronoDuration::seconds(14);
        for (k, (event, host)) in [
            ("conductor_migrate_server", "controller"),
            ("cold_migrate", "controller"),
            ("compute_prep_resize", dest_host.as_str()),
            ("compute_resize_instance", source),
            ("compute_finish_resize", dest_host.as_str()),
        ]
        .into_iter()
        .enumerate()
        {
            a.events.push(ActionEvent {
                event: event.into(),
                start_time: started + ChronoDuration::seconds(k as i64 * 3),
                finish_time: Some(started + ChronoDuration::seconds(k as i64 * 3 + 2)),
                result: Some("Success"),
                traceback: None,
                host: host.into(),
                details: None,
            });
        }
    }
    let id = st.next_migration_id();
    st.migrations.push(Migration {
        id,
        uuid: rng.uuid(),
        instance_uuid: uuid.clone(),
        migration_type: COLD_MIGRATION,
        status: "finished",
        source_compute: source.into(),
        source_node,
        dest_compute: Some(dest_host),
        dest_node: Some(dest_node),
        dest_host: Some(dest_ip),
        old_instance_type_id: flavor_id,
        new_instance_type_id: flavor_id,
        created_at: started,
        updated_at: started + ChronoDuration::seconds(14),
        user_id: user,
        project_id: project,
        memory_total_bytes: 0,
        memory_processed_bytes: 0,
        memory_remaining_bytes: 0,
        disk_total_bytes: 0,
        disk_processed_bytes: 0,
        disk_remaining_bytes: 0,
        block_migration: false,
        abort_requested: false,
        force_complete_requested: false,
        requested_host: None,
        forced: false,
        request_id,
    });
    if let Some(i) = st.instance_mut(&uuid) {
        i.updated = started + ChronoDuration::seconds(14);
    }
}

fn generate_scale(st: &mut State, rng: &mut Seeded, total: usize, now: Time) {
    let have = st.instances.len();
    if total <= have {
        return;
    }
    let extra = total - have;
    let hosts_needed = extra.div_ceil(SCALE_INSTANCES_PER_HOST);
    let tiny_ram = 512;
    let projects = ["web", "analytics", "batch"];
    let image_id = st.images.first().map(|i| i.id.clone()).unwrap_or_default();
    let mut made = 0usize;
    for h in 0..hosts_needed {
        let name = format!("scale-compute-{:03}", h + 1);
        let on_this = (extra - made).min(SCALE_INSTANCES_PER_HOST) as u64;
        let mut host = host(rng, &name, "az-scale", 1000 + h as u64, now);
        for inv in host.inventories.iter_mut() {
            if inv.resource_class == "MEMORY_MB" {
                inv.total = on_this * tiny_ram + inv.reserved;
                inv.max_unit = inv.total;
            }
        }
        st.hosts.push(host);
        for _ in 0..on_this {
            made += 1;
            let idx = (have + made) as u64;
            let project = projects[made % projects.len()];
            let created =
                now - ChronoDuration::days(30) + ChronoDuration::seconds(made as i64 * 60);
            let inst = instance(
                st,
                rng,
                &format!("gen-{made:05}"),
                project,
                &name,
                "m1.tiny",
                idx,
                image_id.clone(),
                created,
            );
            st.add_instance(inst);
        }
    }
}
