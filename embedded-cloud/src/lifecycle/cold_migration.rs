//! Cold migration (a resize to the same flavor) after the API's 202, and the
//! confirm / revert that end it.
//!
//! resize_prep (scheduling) → resize_migrating → resize_migrated →
//! resize_finish → VERIFY_RESIZE (vm_state resized, migration finished).

use crate::clock;
use crate::model::{POWER_RUNNING, POWER_SHUTDOWN};
use crate::scheduler;
use crate::Cloud;

use super::sleep;

pub fn spawn(cloud: Cloud, migration_id: u64) {
    tokio::spawn(run(cloud, migration_id));
}

pub fn spawn_confirm(cloud: Cloud, migration_id: u64, request_id: String) {
    tokio::spawn(async move {
        sleep(&cloud, 2.0).await;
        finish_confirm(&cloud, migration_id, &request_id);
    });
}

pub fn spawn_revert(cloud: Cloud, migration_id: u64, request_id: String) {
    tokio::spawn(async move {
        let dest = cloud
            .lock()
            .migration(migration_id)
            .and_then(|m| m.dest_compute.clone())
            .unwrap_or_default();
        cloud
            .lock()
            .event(&request_id, "compute_revert_resize", &dest, None);
        sleep(&cloud, 2.5).await;
        {
            let mut st = cloud.lock();
            let now = clock::now();
            if let Some(m) = st.migration_mut(migration_id) {
                m.updated_at = now;
            }
        }
        sleep(&cloud, 2.5).await;
        finish_revert(&cloud, migration_id, &request_id);
    });
}

async fn run(cloud: Cloud, id: u64) {
    sleep(&cloud, 2.0).await;
    if !schedule(&cloud, id) {
        return;
    }
    sleep(&cloud, 2.0).await;
    step(
        &cloud,
        id,
        "migrating",
        Some("resize_migrating"),
        Some(("compute_resize_instance", true)),
    );
    sleep(&cloud, 6.0).await;
    step(&cloud, id, "post-migrating", Some("resize_migrated"), None);
    sleep(&cloud, 2.0).await;
    arrive(&cloud, id);
    sleep(&cloud, 3.0).await;
    finish(&cloud, id);
    let window = cloud.config().auto_confirm;
    if let Some(window) = window {
        sleep(&cloud, window.as_secs_f64()).await;
        auto_confirm(&cloud, id);
    }
}

fn schedule(cloud: &Cloud, id: u64) -> bool {
    let mut st = cloud.lock();
    let Some(m) = st.migration(id).cloned() else {
        return false;
    };
    let Some(inst) = st.instance(&m.instance_uuid).cloned() else {
        return false;
    };
    let chosen = scheduler::select(
        &st,
        &inst,
        m.requested_host.as_deref(),
        false,
        scheduler::NO_VALID_HOST_COLD,
    );
    let now = clock::now();
    let dest = match chosen {
        Ok(dest) => dest,
        Err(reason) => {
            let traceback = format!(
                "Traceback (most recent call last):\n  File \"/usr/lib/python3/dist-packages/nova/conductor/tasks/migrate.py\", line 350, in _execute\n    selection_lists = self.query_client.select_destinations(\nnova.exception.NoValidHost: {reason}\n"
            );
            if let Some(m) = st.migration_mut(id) {
                m.status = "error";
                m.updated_at = now;
            }
            st.finish_event(&m.request_id, "cold_migrate", Some((&reason, &traceback)));
            st.finish_event(
                &m.request_id,
                "conductor_migrate_server",
                Some((&reason, &traceback)),
            );
            if let Some(i) = st.instance_mut(&m.instance_uuid) {
                i.task_state = None;
                i.updated = now;
            }
            return false;
        }
    };
    let Some((node, ip)) = st.host(&dest).map(|h| (h.node.clone(), h.host_ip.clone())) else {
        return false;
    };
    if let Some(m) = st.migration_mut(id) {
        m.dest_compute = Some(dest.clone());
        m.dest_node = Some(node);
        m.dest_host = Some(ip);
        m.updated_at = now;
    }
    st.finish_event(&m.request_id, "cold_migrate", None);
    st.finish_event(&m.request_id, "conductor_migrate_server", None);
    st.event(&m.request_id, "compute_prep_resize", &dest, None);
    true
}

/// Advance migration status and task state; optionally log an event on the
/// source (true) or destination (false) host.
fn step(
    cloud: &Cloud,
    id: u64,
    status: &'static str,
    task: Option<&'static str>,
    event: Option<(&str, bool)>,
) {
    let mut st = cloud.lock();
    let now = clock::now();
    let Some(m) = st.migration_mut(id) else {
        return;
    };
    m.status = status;
    m.updated_at = now;
    let m = m.clone();
    if let Some(i) = st.instance_mut(&m.instance_uuid) {
        i.task_state = task;
        i.updated = now;
    }
    if let Some((event, on_source)) = event {
        let host = if on_source {
            m.source_compute.clone()
        } else {
            m.dest_compute.clone().unwrap_or_default()
        };
        st.event(&m.request_id, event, &host, None);
    }
}

/// finish_resize: the instance now lives on the destination.
fn arrive(cloud: &Cloud, id: u64) {
    let mut st = cloud.lock();
    let Some(m) = st.migration(id).cloned() else {
        return;
    };
    let (Some(dest), Some(node)) = (m.dest_compute.clone(), m.dest_node.clone()) else {
        return;
    };
    let zone = st.host(&dest).map(|h| h.zone.clone()).unwrap_or_default();
    let now = clock::now();
    if let Some(i) = st.instance_mut(&m.instance_uuid) {
        i.host = dest.clone();
        i.node = node;
        i.zone = zone;
        i.task_state = Some("resize_finish");
        i.updated = now;
    }
    if let Some(m) = st.migration_mut(id) {
        m.updated_at = now;
    }
    st.start_event(&m.request_id, "compute_finish_resize", &dest);
}

fn finish(cloud: &Cloud, id: u64) {
    let mut st = cloud.lock();
    let now = clock::now();
    let Some(m) = st.migration_mut(id) else {
        return;
    };
    m.status = "finished";
    m.updated_at = now;
    let m = m.clone();
    if let Some(i) = st.instance_mut(&m.instance_uuid) {
        i.vm_state = "resized";
        i.task_state = None;
        i.updated = now;
    }
    st.finish_event(&m.request_id, "compute_finish_resize", None);
}

/// Nova's `_poll_unconfirmed_resizes`: confirm once the window has passed.
fn auto_confirm(cloud: &Cloud, id: u64) {
    let request_id = {
        let mut st = cloud.lock();
        let Some(m) = st.migration(id).cloned() else {
            return;
        };
        let waiting = m.status == "finished"
            && st
                .instance(&m.instance_uuid)
                .is_some_and(|i| i.vm_state == "resized" && i.task_state.is_none());
        if !waiting {
            return;
        }
        let request_id =
            st.record_action(&m.instance_uuid, "confirmResize", &m.project_id, &m.user_id);
        if let Some(m) = st.migration_mut(id) {
            m.status = "confirming";
            m.updated_at = clock::now();
        }
        request_id
    };
    spawn_confirm(cloud.clone(), id, request_id);
}

fn finish_confirm(cloud: &Cloud, id: u64, request_id: &str) {
    let mut st = cloud.lock();
    let now = clock::now();
    let Some(m) = st.migration_mut(id) else {
        return;
    };
    m.status = "confirmed";
    m.updated_at = now;
    let m = m.clone();
    if let Some(i) = st.instance_mut(&m.instance_uuid) {
        back_to_previous_state(i);
        i.updated = now;
    }
    st.event(
        request_id,
        "compute_confirm_resize",
        &m.source_compute,
        None,
    );
}

fn finish_revert(cloud: &Cloud, id: u64, request_id: &str) {
    let mut st = cloud.lock();
    let Some(m) = st.migration(id).cloned() else {
        return;
    };
    let zone = st
        .host(&m.source_compute)
        .map(|h| h.zone.clone())
        .unwrap_or_default();
    let now = clock::now();
    if let Some(i) = st.instance_mut(&m.instance_uuid) {
        i.host = m.source_compute.clone();
        i.node = m.source_node.clone();
        i.zone = zone;
        back_to_previous_state(i);
        i.updated = now;
    }
    if let Some(m) = st.migration_mut(id) {
        m.status = "reverted";
        m.updated_at = now;
    }
    st.event(
        request_id,
        "compute_finish_revert_resize",
        &m.source_compute,
        None,
    );
}

/// A cold-migrated instance comes back ACTIVE, or SHUTOFF if it was stopped.
fn back_to_previous_state(i: &mut crate::model::Instance) {
    let previous = i.pre_resize_vm_state.take().unwrap_or("active");
    i.vm_state = previous;
    i.power_state = if previous == "stopped" {
        POWER_SHUTDOWN
    } else {
        POWER_RUNNING
    };
    i.task_state = None;
}
