//! The compute side of Nova: conductor, scheduler and nova-compute steps that
//! run after the API has answered 202, each a tokio task that sleeps
//! speed-scaled realistic durations between state changes.

pub mod cold_migration;
pub mod live_migration;

use std::time::Duration;

use crate::clock;
use crate::Cloud;

/// How often in-flight work looks for abort/force-complete requests.
const POLL: f64 = 0.25;

/// Sleep `realistic` seconds (scaled), waking early when `interrupted` says so.
/// Returns true when woken early.
pub(crate) async fn sleep_unless(
    cloud: &Cloud,
    realistic: f64,
    mut interrupted: impl FnMut(&Cloud) -> bool,
) -> bool {
    let pace = cloud.pace();
    let mut left = realistic;
    while left > 0.0 {
        if interrupted(cloud) {
            return true;
        }
        let step = left.min(POLL);
        pace.sleep(clock::secs(step)).await;
        left -= step;
    }
    interrupted(cloud)
}

pub(crate) async fn sleep(cloud: &Cloud, realistic: f64) {
    cloud.pace().sleep(Duration::from_secs_f64(realistic)).await;
}
