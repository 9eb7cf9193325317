//! Gives memory back to the system after a burst of requests. glibc's malloc keeps what a
//! burst freed (measured by scripts/loadtest: 200 sessions left 50 MB resident against 24 MB
//! idle, with no leak: further bursts did not add to it), and a dashboard sits idle most of the
//! day. So after any busy moment the server asks glibc to release its free pages.

use std::{
    sync::atomic::{AtomicU64, Ordering},
    time::Duration,
};

/// Requests started and finished; the trimmer runs only when this moved.
static REQUESTS: AtomicU64 = AtomicU64::new(0);

pub fn count_request() {
    REQUESTS.fetch_add(1, Ordering::Relaxed);
}

/// Every `period` while requests come and go, and once more when they have stopped (the last
/// ones may still have been finishing at the previous look), returns freed memory to the system.
pub fn spawn_trimmer(period: Duration) {
    tokio::spawn(async move {
        let mut seen = 0;
        let mut once_more = false;
        let mut tick = tokio::time::interval(period);
        loop {
            tick.tick().await;
            let now = REQUESTS.load(Ordering::Relaxed);
            let busy = now != seen;
            seen = now;
            if busy || once_more {
                once_more = busy;
                // Walks the heap: a few milliseconds, off the request threads.
                let _ = tokio::task::spawn_blocking(trim).await;
            }
        }
    });
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trim() {
    // SAFETY: malloc_trim only releases free memory; it is thread-safe and has no preconditions.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim() {}
