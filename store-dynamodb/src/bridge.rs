//! The store's own Tokio runtime. [`FindingStore`](store::FindingStore) is
//! synchronous (SQLite is); the AWS SDK is async. Each call is spawned on this
//! runtime and waited for with a plain blocking wait, which works from any
//! thread, a Tokio worker included (where `Runtime::block_on` would panic).
//! A caller on an async runtime should make its store calls from
//! `spawn_blocking`, as it would for SQLite.

use std::future::Future;
use tokio::runtime::Runtime;

/// Worker threads of the store's runtime: requests are I/O-bound.
pub const WORKER_THREADS: usize = 2;

/// A runtime that runs the store's requests.
pub struct Bridge {
    /// Always `Some` until dropped (taken in `drop`).
    runtime: Option<Runtime>,
}

impl Bridge {
    /// Starts the runtime.
    pub fn new() -> Result<Bridge, String> {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(WORKER_THREADS)
            .thread_name("dynamodb-store")
            .enable_all()
            .build()
            .map(|runtime| Bridge {
                runtime: Some(runtime),
            })
            .map_err(|e| format!("cannot start the store's runtime: {e}"))
    }

    /// Runs `work` to completion; `Err` only when it panicked.
    pub fn run<T: Send + 'static>(
        &self,
        work: impl Future<Output = T> + Send + 'static,
    ) -> Result<T, String> {
        let runtime = self.runtime.as_ref().ok_or("the store is closed")?;
        let task = runtime.spawn(work);
        futures::executor::block_on(task).map_err(|e| format!("a store request failed: {e}"))
    }
}

impl Drop for Bridge {
    fn drop(&mut self) {
        // Dropping a runtime inside another one's async context panics;
        // shutting it down in the background never does.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}
