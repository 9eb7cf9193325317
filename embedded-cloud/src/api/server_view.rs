//! How a server looks at each microversion (`nova/api/openstack/compute/views/servers.py`).

use serde_json::{json, Map, Value};

use super::common::App;
use crate::clock;
use crate::context::Ctx;
use crate::ids;
use crate::microversion::Mv;
use crate::model::Instance;
use crate::state::State;

/// `common._STATE_MAP`: (vm_state, task_state) → the status clients see.
pub fn status(i: &Instance) -> &'static str {
    match (i.vm_state, i.task_state) {
        ("active" | "paused", Some("migrating")) => "MIGRATING",
        ("active" | "stopped", Some(t)) if t.starts_with("resize_") => "RESIZE",
        ("resized", Some("resize_reverting")) => "REVERT_RESIZE",
        ("resized", _) => "VERIFY_RESIZE",
        ("active", _) => "ACTIVE",
        ("paused", _) => "PAUSED",
        ("stopped", _) => "SHUTOFF",
        ("error", _) => "ERROR",
        _ => "UNKNOWN",
    }
}

/// `host_status` (2.16): what the instance's compute service looks like.
pub fn host_status(st: &State, i: &Instance) -> &'static str {
    match st.host(&i.host) {
        None if i.host.is_empty() => "",
        None => "UNKNOWN",
        Some(h) if !h.is_up() => "DOWN",
        Some(h) if h.disabled => "MAINTENANCE",
        Some(_) => "UP",
    }
}

fn hostname(name: &str) -> String {
    // Nova sanitises display names into a DNS label.
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    while out.contains("--") {
        out = out.replace("--", "-");
    }
    let out = out.trim_matches('-').to_string();
    if out.is_empty() {
        "server".into()
    } else {
        out.chars().take(63).collect()
    }
}

pub fn basic(app: &App, i: &Instance) -> Value {
    json!({
        "id": i.uuid,
        "name": i.name,
        "links": app.links(&format!("servers/{}", i.uuid)),
    })
}

/// The full view, as `GET /servers/{id}` (show = true) or `/servers/detail`.
pub fn detail(app: &App, st: &State, ctx: &Ctx, mv: Mv, i: &Instance, show: bool) -> Value {
    let admin = ctx.is_admin();
    let mut s = Map::new();
    let mut put = |k: &str, v: Value| {
        s.insert(k.to_string(), v);
    };
    put("id", json!(i.uuid));
    put("name", json!(i.name));
    put("status", json!(status(i)));
    put("tenant_id", json!(i.project_id));
    put("user_id", json!(i.user_id));
    put("metadata", json!(i.metadata));
    put("hostId", json!(ids::host_id(&i.project_id, &i.host)));
    put("created", json!(clock::iso_z(&i.created)));
    put("updated", json!(clock::iso_z(&i.updated)));
    put("accessIPv4", json!(""));
    put("accessIPv6", json!(""));
    put("links", app.links(&format!("servers/{}", i.uuid)));
    put("OS-DCF:diskConfig", json!("MANUAL"));
    // views/servers.py: `progress` only in these statuses; it is the
    // instance's progress (libvirt's share of memory copied while migrating).
    if matches!(
        status(i),
        "ACTIVE" | "BUILD" | "REBUILD" | "RESIZE" | "VERIFY_RESIZE" | "MIGRATING"
    ) {
        put("progress", json!(i.progress));
    }
    put("OS-EXT-AZ:availability_zone", json!(i.zone));
    put("config_drive", json!(""));
    put("key_name", json!(i.key_name));
    put(
        "OS-SRV-USG:launched_at",
        json!(clock::iso_micro(&i.launched_at)),
    );
    put("OS-SRV-USG:terminated_at", Value::Null);
    put("security_groups", json!([{"name": "default"}]));
    put("OS-EXT-STS:task_state", json!(i.task_state));
    put("OS-EXT-STS:vm_state", json!(i.vm_state));
    put("OS-EXT-STS:power_state", json!(i.power_state));
    put("os-extended-volumes:volumes_attached", json!([]));

    let mut addresses = Map::new();
    for a in &i.addresses {
        let entry = json!({
            "version": 4,
            "addr": a.addr,
            "OS-EXT-IPS:type": "fixed",
            "OS-EXT-IPS-MAC:mac_addr": a.mac,
        });
        match addresses.get_mut(&a.network).and_then(Value::as_array_mut) {
            Some(list) => list.push(entry),
            None => {
                addresses.insert(a.network.clone(), json!([entry]));
            }
        }
    }
    put("addresses", Value::Object(addresses));

    let image_path = format!("images/{}", i.image_id);
    let mut image = json!({"id": i.image_id, "links": [{"href": app.bookmark(&image_path), "rel": "bookmark"}]});
    if mv.at_least(98) {
        if let Some(obj) = image.as_object_mut() {
            obj.insert(
                "properties".into(),
                json!({"architecture": "x86_64", "hw_disk_bus": "virtio"}),
            );
        }
    }
    put("image", image);

    if mv.at_least(47) {
        put(
            "flavor",
            json!({
                "vcpus": i.flavor.vcpus,
                "ram": i.flavor.ram,
                "disk": i.flavor.disk,
                "ephemeral": i.flavor.ephemeral,
                "swap": i.flavor.swap,
                "original_name": i.flavor.name,
                "extra_specs": i.flavor.extra_specs,
            }),
        );
    } else {
        let path = format!("flavors/{}", i.flavor.id);
        put(
            "flavor",
            json!({"id": i.flavor.id, "links": [{"href": app.bookmark(&path), "rel": "bookmark"}]}),
        );
    }

    if let Some(f) = &i.fault {
        if i.vm_state == "error" {
            let mut fault = json!({
                "code": f.code,
                "created": clock::iso_z(&f.created),
                "message": f.message,
            });
            // Nova hides the traceback of a 500 from non-admins.
            if admin || f.code != 500 {
                if let Some(obj) = fault.as_object_mut() {
                    obj.insert("details".into(), json!(f.details));
                }
            }
            put("fault", fault);
        }
    }

    if admin {
        put("OS-EXT-SRV-ATTR:host", json!(i.host));
        put("OS-EXT-SRV-ATTR:hypervisor_hostname", json!(i.node));
        put(
            "OS-EXT-SRV-ATTR:instance_name",
            json!(format!("instance-{:08x}", i.internal_id)),
        );
        if mv.at_least(3) {
            put("OS-EXT-SRV-ATTR:hostname", json!(hostname(&i.name)));
            put("OS-EXT-SRV-ATTR:kernel_id", json!(""));
            put("OS-EXT-SRV-ATTR:launch_index", json!(0));
            put("OS-EXT-SRV-ATTR:ramdisk_id", json!(""));
            put(
                "OS-EXT-SRV-ATTR:reservation_id",
                json!(format!(
                    "r-{:08x}",
                    i.internal_id.wrapping_mul(2_654_435_761)
                )),
            );
            put("OS-EXT-SRV-ATTR:root_device_name", json!("/dev/vda"));
            put("OS-EXT-SRV-ATTR:user_data", Value::Null);
        }
        if mv.at_least(16) {
            put("host_status", json!(host_status(st, i)));
        }
    } else if mv.at_least(90) {
        put("OS-EXT-SRV-ATTR:hostname", json!(hostname(&i.name)));
    }
    if mv.at_least(9) {
        put("locked", json!(i.locked));
    }
    if mv.at_least(19) {
        put("description", json!(i.description));
    }
    if mv.at_least(26) {
        put("tags", json!([]));
    }
    if mv.at_least(63) {
        put("trusted_image_certificates", Value::Null);
    }
    if mv.at_least(71) && show {
        let groups: Vec<&str> = st
            .groups
            .iter()
            .filter(|g| g.members.contains(&i.uuid))
            .map(|g| g.uuid.as_str())
            .collect();
        put("server_groups", json!(groups));
    }
    if mv.at_least(73) {
        put("locked_reason", json!(i.locked_reason));
    }
    if mv.at_least(96) {
        put("pinned_availability_zone", Value::Null);
    }
    if mv.at_least(100) {
        let hints = match st.groups.iter().find(|g| g.members.contains(&i.uuid)) {
            Some(g) => json!({"group": g.uuid}),
            None => json!({}),
        };
        put("scheduler_hints", hints);
    }
    Value::Object(s)
}
