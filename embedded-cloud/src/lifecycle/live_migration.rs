//! Live migration after the API's 202: conductor pre-checks and scheduling,
//! then nova-compute's queued → preparing → running → post-migrating →
//! completed, with libvirt-like memory/disk progress counters.

use crate::clock;
use crate::model::POWER_PAUSED;
use crate::scheduler;
use crate::Cloud;

use super::{sleep, sleep_unless};

pub fn spawn(cloud: Cloud, migration_id: u64) {
    tokio::spawn(run(cloud, migration_id));
}

fn abort_requested(cloud: &Cloud, id: u64) -> bool {
    cloud.lock().migration(id).is_none_or(|m| m.abort_requested)
}

fn force_or_abort(cloud: &Cloud, id: u64) -> bool {
    cloud
        .lock()
        .migration(id)
        .is_none_or(|m| m.abort_requested || m.force_complete_requested)
}

async fn run(cloud: Cloud, id: u64) {
    // The conductor picks the request up.
    sleep(&cloud, 0.5).await;
    if !conduct(&cloud, id) {
        return;
    }
    if sleep_unless(&cloud, 1.0, |c| abort_requested(c, id)).await {
        return cancel(&cloud, id);
    }
    set_status(&cloud, id, "preparing", Some("compute_pre_live_migration"));
    if sleep_unless(&cloud, 3.0, |c| abort_requested(c, id)).await {
        return cancel(&cloud, id);
    }
    if !start_running(&cloud, id) {
        return;
    }
    // Each tick copies a slice; dirty pages sometimes push memory back up.
    for tick in 0u32..200 {
        if sleep_unless(&cloud, 1.0, |c| force_or_abort(c, id)).await && abort_requested(&cloud, id)
        {
            return cancel(&cloud, id);
        }
        if advance(&cloud, id, tick) {
            break;
        }
    }
    set_status(&cloud, id, "post-migrating", None);
    sleep(&cloud, 2.0).await;
    complete(&cloud, id);
}

/// Conductor: validate the destination or ask the scheduler. On failure the
/// API has long answered 202, so the failure lands in the migration record
/// and the instance action, and the instance stays where it was.
fn conduct(cloud: &Cloud, id: u64) -> bool {
    let mut st = cloud.lock();
    let Some(m) = st.migration(id).cloned() else {
        return false;
    };
    let Some(inst) = st.instance(&m.instance_uuid).cloned() else {
        return false;
    };
    st.start_event(
        &m.request_id,
        "conductor_live_migrate_instance",
        "controller",
    );
    let chosen = match m.requested_host.as_deref() {
        Some(h) if h == inst.host => Err(format!(
            "Unable to migrate instance ({}) to current host ({}).",
            inst.uuid, inst.host
        )),
        requested => scheduler::select(
            &st,
            &inst,
            requested,
            m.forced,
            scheduler::NO_VALID_HOST_LIVE,
        ),
    };
    let dest = match chosen {
        Ok(dest) => dest,
        Err(reason) => {
            fail(&mut st, id, &reason);
            return false;
        }
    };
    let Some((node, ip)) = st.host(&dest).map(|h| (h.node.clone(), h.host_ip.clone())) else {
        fail(&mut st, id, scheduler::NO_VALID_HOST_LIVE);
        return false;
    };
    let now = clock::now();
    if let Some(m) = st.migration_mut(id) {
        m.dest_compute = Some(dest.clone());
        m.dest_node = Some(node);
        m.dest_host = Some(ip);
        m.status = "queued";
        m.updated_at = now;
    }
    st.finish_event(&m.request_id, "conductor_live_migrate_instance", None);
    st.event(
        &m.request_id,
        "compute_check_can_live_migrate_destination",
        &dest,
        None,
    );
    st.event(
        &m.request_id,
        "compute_check_can_live_migrate_source",
        &inst.host,
        None,
    );
    true
}

fn fail(st: &mut crate::state::State, id: u64, reason: &str) {
    let now = clock::now();
    let Some(m) = st.migration_mut(id) else {
        return;
    };
    m.status = "error";
    m.updated_at = now;
    let (uuid, request_id) = (m.instance_uuid.clone(), m.request_id.clone());
    let traceback = format!(
        "Traceback (most recent call last):\n  File \"/usr/lib/python3/dist-packages/nova/conductor/manager.py\", line 523, in _live_migrate\n    task.execute()\nnova.exception.NoValidHost: {reason}\n"
    );
    st.finish_event(
        &request_id,
        "conductor_live_migrate_instance",
        Some((reason, &traceback)),
    );
    if let Some(i) = st.instance_mut(&uuid) {
        i.task_state = None;
        i.updated = now;
    }
}

fn set_status(cloud: &Cloud, id: u64, status: &'static str, event: Option<&str>) {
    let mut st = cloud.lock();
    let now = clock::now();
    let Some(m) = st.migration_mut(id) else {
        return;
    };
    m.status = status;
    m.updated_at = now;
    let (request_id, dest) = (
        m.request_id.clone(),
        m.dest_compute.clone().unwrap_or_default(),
    );
    if let Some(e) = event {
        st.event(&request_id, e, &dest, None);
    }
}

fn start_running(cloud: &Cloud, id: u64) -> bool {
    let mut st = cloud.lock();
    let Some(m) = st.migration(id).cloned() else {
        return false;
    };
    let Some(inst) = st.instance(&m.instance_uuid).cloned() else {
        return false;
    };
    let memory = inst.flavor.ram.saturating_mul(1024 * 1024);
    let disk = if m.block_migration {
        (inst.flavor.disk + inst.flavor.ephemeral).saturating_mul(1024 * 1024 * 1024)
    } else {
        0
    };
    st.start_event(&m.request_id, "compute_live_migration", &inst.host);
    let now = clock::now();
    if let Some(m) = st.migration_mut(id) {
        m.status = "running";
        m.updated_at = now;
        m.memory_total_bytes = memory;
        m.memory_remaining_bytes = memory;
        m.memory_processed_bytes = 0;
        m.disk_total_bytes = disk;
        m.disk_remaining_bytes = disk;
        m.disk_processed_bytes = 0;
    }
    true
}

/// One monitoring tick of the libvirt job. Returns true once converged.
fn advance(cloud: &Cloud, id: u64, tick: u32) -> bool {
    let mut st = cloud.lock();
    let Some(m) = st.migration_mut(id) else {
        return true;
    };
    m.updated_at = clock::now();
    if m.force_complete_requested {
        // The guest is paused, so nothing dirties memory: the copy finishes.
        m.memory_processed_bytes += m.memory_remaining_bytes;
        m.memory_remaining_bytes = 0;
        m.disk_processed_bytes += m.disk_remaining_bytes;
        m.disk_remaining_bytes = 0;
        return true;
    }
    let mem_rate = (m.memory_total_bytes / 10).max(1);
    let disk_rate = (m.disk_total_bytes / 10).max(1);
    let disk_copy = disk_rate.min(m.disk_remaining_bytes);
    m.disk_processed_bytes += disk_copy;
    m.disk_remaining_bytes -= disk_copy;
    // Every third tick the guest dirties pages faster than they are copied:
    // bytes are still sent, yet the remainder grows. Convergence stays certain
    // because two copying ticks remove far more than one dirty tick adds.
    if tick % 3 == 2 && m.memory_remaining_bytes > 0 {
        m.memory_processed_bytes += mem_rate;
        m.memory_remaining_bytes =
            (m.memory_remaining_bytes + m.memory_total_bytes / 20).min(m.memory_total_bytes);
    } else {
        let mem_copy = mem_rate.min(m.memory_remaining_bytes);
        m.memory_processed_bytes += mem_copy;
        m.memory_remaining_bytes -= mem_copy;
    }
    m.memory_remaining_bytes == 0 && m.disk_remaining_bytes == 0
}

fn complete(cloud: &Cloud, id: u64) {
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
        i.task_state = None;
        i.updated = now;
        if i.vm_state == "paused" {
            i.power_state = POWER_PAUSED;
        }
    }
    if let Some(m) = st.migration_mut(id) {
        m.status = "completed";
        m.updated_at = now;
    }
    st.finish_event(&m.request_id, "compute_live_migration", None);
    st.event(
        &m.request_id,
        "compute_post_live_migration_at_destination",
        &dest,
        None,
    );
}

/// Abort took effect: the job stops, the guest keeps running on the source.
fn cancel(cloud: &Cloud, id: u64) {
    let mut st = cloud.lock();
    let now = clock::now();
    let Some(m) = st.migration_mut(id) else {
        return;
    };
    if !m.in_progress() {
        return;
    }
    m.status = "cancelled";
    m.updated_at = now;
    let (uuid, request_id, source) = (
        m.instance_uuid.clone(),
        m.request_id.clone(),
        m.source_compute.clone(),
    );
    if let Some(i) = st.instance_mut(&uuid) {
        i.task_state = None;
        i.updated = now;
    }
    st.finish_event(&request_id, "compute_live_migration", None);
    st.event(
        &request_id,
        "compute_rollback_live_migration_at_destination",
        &source,
        None,
    );
}
