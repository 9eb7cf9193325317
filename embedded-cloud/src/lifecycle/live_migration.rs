//! Live migration after the API's 202: conductor pre-checks and scheduling,
//! then nova-compute's queued → preparing → running → post-migrating →
//! completed, with libvirt-like memory/disk progress counters.
//!
//! Faithful to Nova 34 + libvirt where Ferry can see it:
//! - `queued` lasts until the source compute has a free slot
//!   (`max_concurrent_live_migrations`, per host, FIFO); the slot is held from
//!   `preparing` until the migration ends, as `_do_live_migration` holds its
//!   executor worker.
//! - while `running`, the record's counters and `updated_at` change every
//!   5 s (`live_migration_monitor_interval`), not on every copy step;
//!   `memory_processed_bytes` exceeds the total once dirty pages are re-sent.
//! - per instance a migration can be made to never converge or to stall
//!   (`MigrationBehaviour`); `live_migration_completion_timeout` (800 s/GiB)
//!   then aborts it, or force-completes it, as configured.

use crate::clock;
use crate::model::{Migration, MigrationBehaviour, LIVE_MIGRATION, POWER_PAUSED, POWER_RUNNING};
use crate::scheduler;
use crate::{Cloud, TimeoutAction};

use std::time::Instant;

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

/// libvirt's `_live_migration_monitor` loop sleeps 0.5 s between looks at the job.
const MONITOR_TICK: f64 = 0.5;
/// `[libvirt] live_migration_monitor_interval` (5 s): how often the job's
/// counters are written to the migration record.
const STATS_INTERVAL: f64 = 5.0;
/// The share of a 2 GiB guest's RAM the link copies per second (~2 Gbit/s);
/// the dirty rates below are on the same scale.
const COPY_RATE: f64 = 0.12;
/// The link's bytes per second: the same for every guest, so a 16 GiB guest
/// takes eight times as long as a 2 GiB one, as on a real network.
const LINK_BYTES_PER_SECOND: f64 = COPY_RATE * 2.0 * 1024.0 * 1024.0 * 1024.0;
/// libvirt switches over once what is left fits the allowed downtime.
const SWITCHOVER_AT: f64 = 0.01;

/// The live job's counters as libvirt reports them (`virDomainGetJobStats`).
/// The migration record only sees them every `STATS_EVERY` ticks.
#[derive(Clone, Copy, Debug, Default)]
struct Job {
    memory_total: u64,
    memory_processed: u64,
    memory_remaining: u64,
    disk_total: u64,
    disk_processed: u64,
    disk_remaining: u64,
}

async fn run(cloud: Cloud, id: u64) {
    // The conductor picks the request up.
    sleep(&cloud, 0.5).await;
    if !conduct(&cloud, id) {
        return;
    }
    // nova-compute's executor picks the queued job up; with no free slot on
    // the source it stays queued (max_concurrent_live_migrations).
    if sleep_unless(&cloud, 0.5, |c| abort_requested(c, id)).await {
        return cancel(&cloud, id);
    }
    loop {
        match take_slot(&cloud, id) {
            Slot::Taken => break,
            Slot::Aborted => return cancel(&cloud, id),
            Slot::Gone => return,
            Slot::Wait => sleep(&cloud, MONITOR_TICK).await,
        }
    }
    // pre_live_migration on the destination.
    if sleep_unless(&cloud, 3.0, |c| abort_requested(c, id)).await {
        return cancel(&cloud, id);
    }
    if wait_while_stalled(&cloud, id).await {
        return cancel(&cloud, id);
    }
    let Some((mut job, data_gb)) = start_running(&cloud, id) else {
        return;
    };
    let timeout = cloud.config().live_migration_completion_timeout as f64 * data_gb;
    // Realistic seconds since the job started, from the wall clock and the
    // current speed: tokio's timer cannot sleep less than a millisecond, so at
    // high speeds a tick lasts longer than MONITOR_TICK / speed, and counting
    // ticks would make the completion timeout and the stats cadence drift.
    let mut elapsed = 0.0f64;
    let mut last = Instant::now();
    let mut saved_at = 0.0f64;
    let mut forced = false;
    loop {
        // Wake early for an abort, or for a force-complete not yet acted on.
        let woke = sleep_unless(&cloud, MONITOR_TICK, |c| {
            abort_requested(c, id) || (!forced && force_or_abort(c, id))
        })
        .await;
        if woke && abort_requested(&cloud, id) {
            return cancel(&cloud, id);
        }
        let now = Instant::now();
        let dt = now.duration_since(last).as_secs_f64() * cloud.speed();
        last = now;
        let since = elapsed;
        elapsed += dt;
        let Some((behaviour, force_requested)) = look(&cloud, id) else {
            return;
        };
        if behaviour.stall {
            // A hung compute: nothing moves, nothing is written, and no
            // monitor runs to notice the completion timeout.
            continue;
        }
        let mut force_now = force_requested;
        if !forced && timeout > 0.0 && elapsed > timeout {
            match cloud.config().live_migration_timeout_action {
                TimeoutAction::Abort => return cancel(&cloud, id),
                TimeoutAction::ForceComplete => {
                    request_force(&cloud, id);
                    force_now = true;
                }
            }
        }
        if !forced && force_now {
            // Without post-copy, force-complete pauses the guest: nothing
            // dirties memory any more, so the copy finishes at link speed.
            forced = true;
            pause_guest(&cloud, id);
        }
        // A starved runtime must not copy a whole guest in one step.
        let step = dt.min(STATS_INTERVAL);
        if copy(&mut job, since, step, behaviour.converge, forced) {
            save_stats(&cloud, id, &job);
            break;
        }
        // Like the monitor's `n % divisor`: at least the interval since the
        // last write, never on a fixed grid a long tick could straddle.
        if elapsed - saved_at >= STATS_INTERVAL {
            saved_at = elapsed;
            save_stats(&cloud, id, &job);
        }
    }
    set_status(&cloud, id, "post-migrating", None);
    sleep(&cloud, 2.0).await;
    complete(&cloud, id);
}

enum Slot {
    Taken,
    Wait,
    Aborted,
    Gone,
}

/// Start preparing if the source has a free live-migration slot and no
/// earlier queued migration from it is waiting (first come, first served).
fn take_slot(cloud: &Cloud, id: u64) -> Slot {
    let st = cloud.lock();
    let Some(m) = st.migration(id).cloned() else {
        return Slot::Gone;
    };
    if m.abort_requested {
        return Slot::Aborted;
    }
    if m.status != "queued" {
        return Slot::Gone;
    }
    let limit = st
        .host(&m.source_compute)
        .map_or(1, |h| h.max_concurrent_live_migrations) as usize;
    let from_source =
        |o: &&Migration| o.migration_type == LIVE_MIGRATION && o.source_compute == m.source_compute;
    let busy = st
        .migrations
        .iter()
        .filter(from_source)
        .filter(|o| matches!(o.status, "preparing" | "running" | "post-migrating"))
        .count();
    let ahead = st
        .migrations
        .iter()
        .filter(from_source)
        .filter(|o| o.status == "queued" && !o.abort_requested && o.id < id)
        .count();
    if limit != 0 && busy + ahead >= limit {
        return Slot::Wait;
    }
    drop(st);
    set_status(cloud, id, "preparing", Some("compute_pre_live_migration"));
    Slot::Taken
}

/// Returns true when an abort arrived while the compute was not reporting.
async fn wait_while_stalled(cloud: &Cloud, id: u64) -> bool {
    loop {
        if abort_requested(cloud, id) {
            return true;
        }
        match look(cloud, id) {
            Some((b, _)) if b.stall => sleep(cloud, MONITOR_TICK).await,
            _ => return false,
        }
    }
}

fn look(cloud: &Cloud, id: u64) -> Option<(MigrationBehaviour, bool)> {
    let st = cloud.lock();
    let m = st.migration(id)?;
    Some((st.behaviour(&m.instance_uuid), m.force_complete_requested))
}

fn request_force(cloud: &Cloud, id: u64) {
    if let Some(m) = cloud.lock().migration_mut(id) {
        m.force_complete_requested = true;
    }
}

fn pause_guest(cloud: &Cloud, id: u64) {
    let mut st = cloud.lock();
    let Some(uuid) = st.migration(id).map(|m| m.instance_uuid.clone()) else {
        return;
    };
    if let Some(i) = st.instance_mut(&uuid) {
        i.power_state = POWER_PAUSED;
    }
}

/// Share of RAM the guest dirties per second, `elapsed` seconds into the copy.
fn dirty_rate(elapsed: f64, converge: bool) -> f64 {
    let window = (elapsed / 5.0) as u64;
    if converge {
        // A write burst in the second 5 s window pushes the remainder back up
        // (so progress runs backwards once), then it converges.
        if window == 1 {
            0.16
        } else {
            0.02
        }
    } else if window == 0 {
        // The first pass copies every page once.
        0.0
    } else if window % 2 == 1 {
        // From then on the guest dirties at least as fast as the link copies
        // on average: the remainder rises and falls, never below the low the
        // first pass reached.
        COPY_RATE + 0.04
    } else {
        COPY_RATE - 0.02
    }
}

/// `dt` realistic seconds of the job from `elapsed` on. Returns true once
/// the job completed.
fn copy(job: &mut Job, elapsed: f64, dt: f64, converge: bool, forced: bool) -> bool {
    let share = |rate: f64, of: u64| (rate * dt * of as f64) as u64;
    if job.disk_remaining > 0 {
        // Block migration: NBD copies the local disks in about ten seconds.
        let step = share(0.1, job.disk_total).max(1).min(job.disk_remaining);
        job.disk_processed += step;
        job.disk_remaining -= step;
    }
    let total = job.memory_total;
    let link = |rate: f64| (rate / COPY_RATE * LINK_BYTES_PER_SECOND * dt) as u64;
    let sent = link(COPY_RATE).max(1);
    let dirtied = if forced {
        0
    } else {
        link(dirty_rate(elapsed, converge))
    };
    let remaining = job.memory_remaining;
    job.memory_processed += sent.min(remaining.saturating_add(dirtied));
    job.memory_remaining = (remaining + dirtied).saturating_sub(sent).min(total);
    // Converged means the last pages fit the downtime window; a job that
    // never converges gets there only when forced.
    let small = job.memory_remaining as f64 <= SWITCHOVER_AT * total as f64;
    if small && job.disk_remaining == 0 && (converge || forced) {
        job.memory_processed += job.memory_remaining;
        job.memory_remaining = 0;
        return true;
    }
    false
}

/// `libvirt_migrate.save_stats`: the record's counters and updated_at, and
/// `instance.progress = 100 - memory remaining %`.
fn save_stats(cloud: &Cloud, id: u64, job: &Job) {
    let mut st = cloud.lock();
    let now = clock::now();
    let Some(m) = st.migration_mut(id) else {
        return;
    };
    m.memory_total_bytes = job.memory_total;
    m.memory_processed_bytes = job.memory_processed;
    m.memory_remaining_bytes = job.memory_remaining;
    m.disk_total_bytes = job.disk_total;
    m.disk_processed_bytes = job.disk_processed;
    m.disk_remaining_bytes = job.disk_remaining;
    m.updated_at = now;
    let uuid = m.instance_uuid.clone();
    let remaining = if job.memory_total == 0 {
        100.0
    } else {
        (job.memory_remaining as f64 * 100.0 / job.memory_total as f64).round()
    };
    if let Some(i) = st.instance_mut(&uuid) {
        i.progress = (100.0 - remaining).clamp(0.0, 100.0) as u8;
    }
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

/// The driver starts the job: counters appear in the record at once
/// (the monitor's first look), before any byte is copied.
fn start_running(cloud: &Cloud, id: u64) -> Option<(Job, f64)> {
    let mut st = cloud.lock();
    let m = st.migration(id).cloned()?;
    let inst = st.instance(&m.instance_uuid).cloned()?;
    let memory = inst.flavor.ram.saturating_mul(1024 * 1024);
    let local_disks = [inst.flavor.disk, inst.flavor.ephemeral];
    let disk_gb: u64 = if m.block_migration {
        local_disks.iter().sum()
    } else {
        0
    };
    // `_live_migration_data_gb`: RAM at least 2 GiB, plus each local disk
    // (at least 2 GiB) when it is copied.
    let data_gb = (inst.flavor.ram as f64 / 1024.0).max(2.0)
        + if m.block_migration {
            local_disks
                .iter()
                .filter(|d| **d > 0)
                .map(|d| (*d as f64).max(2.0))
                .sum()
        } else {
            0.0
        };
    st.start_event(&m.request_id, "compute_live_migration", &inst.host);
    let now = clock::now();
    if let Some(m) = st.migration_mut(id) {
        m.status = "running";
        m.updated_at = now;
    }
    drop(st);
    let job = Job {
        memory_total: memory,
        memory_remaining: memory,
        disk_total: disk_gb.saturating_mul(1024 * 1024 * 1024),
        disk_remaining: disk_gb.saturating_mul(1024 * 1024 * 1024),
        ..Job::default()
    };
    save_stats(cloud, id, &job);
    Some((job, data_gb))
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
        i.progress = 0;
        // A guest paused by force-complete runs again on the destination.
        i.power_state = if i.vm_state == "paused" {
            POWER_PAUSED
        } else {
            POWER_RUNNING
        };
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
        i.progress = 0;
        if i.vm_state == "active" {
            i.power_state = POWER_RUNNING;
        }
    }
    st.finish_event(&request_id, "compute_live_migration", None);
    st.event(
        &request_id,
        "compute_rollback_live_migration_at_destination",
        &source,
        None,
    );
}
