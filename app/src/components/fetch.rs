//! Asking a server function for something once, from the browser, when a view is made.

use std::future::Future;

use leptos::{prelude::*, task::spawn_local};

/// `None` until the answer comes. A plain signal and a task rather than `Resource` + `Suspense`:
/// the islands need nothing more, and dropping that machinery (with two smaller changes) took the
/// WASM from 272 to 235 KB gzip.
/// If the view is gone before the answer comes, the answer is dropped.
pub fn fetch_once<T, F>(request: F) -> RwSignal<Option<T>>
where
    T: Send + Sync + 'static,
    F: Future<Output = T> + 'static,
{
    let answer = RwSignal::new(None);
    spawn_local(async move {
        let value = request.await;
        answer.try_set(Some(value));
    });
    answer
}
