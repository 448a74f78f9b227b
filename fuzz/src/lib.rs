//! The fuzz targets' library: the harness functions, shared with the replay
//! of the committed corpora (see `harness`), and the setup only a fuzzer
//! process needs, which makes an input's coverage a function of the input
//! alone: libFuzzer keeps an input for the edges it reached, so edges that
//! depend on anything else are found again in every run, lost in every
//! replay, and keep a target from ever looking settled.

mod harness;

pub use harness::*;

use std::ffi::{c_uint, c_void};

/// The stack of the thread an input runs on: the main thread's (8 MiB), so
/// that moving the work off it changes nothing about how deep a parser may go.
const STACK_BYTES: usize = 8 << 20;

/// Runs `target` on `data` the way every fuzz target does: on a thread of its
/// own, which is also the only worker of a rayon pool of its own.
///
/// - The extractors run in parallel on rayon in the product; on a pool of
///   several threads coverage would depend on scheduling (rayon's
///   work-stealing and sleep paths), so here every `par_iter` runs inline on
///   the input's thread.
/// - The standard library's hash maps draw their seeds per thread (from
///   `getrandom`, below) and then count up with each map made, so on one long
///   fuzzing thread the n-th input's maps had other seeds than in a replay,
///   and the hash table's probing and dropping paths reached edges at random.
///   A fresh thread starts from the same seed for every input.
///
/// The thread costs about 50-100 µs an input on the 2-core development VM,
/// which the fast targets feel (README, Fuzzing).
pub fn isolated(data: &[u8], target: Target) {
    let data = data.to_vec();
    std::thread::scope(|scope| {
        let input = std::thread::Builder::new()
            .name("fuzz-input".into())
            .stack_size(STACK_BYTES)
            .spawn_scoped(scope, move || run_as_only_worker(data, target))
            .expect("the input's thread starts");
        // libfuzzer-sys aborts the process on any panic, in any thread, so a
        // panic never gets here; resuming it keeps that true without the hook.
        if let Err(panic) = input.join() {
            std::panic::resume_unwind(panic);
        }
    });
}

/// Runs `target` as the one job of a one-worker rayon pool whose worker is the
/// calling thread, so that the job and every `par_iter` in it run here, in
/// order. The pool's spawn handler keeps the worker instead of starting a
/// thread; the job is queued, the pool handle dropped (the queued job keeps
/// the pool alive until it is done), and the worker's loop then runs here: it
/// takes the job, runs it, and ends with it. (`use_current_thread` would do
/// the same, but leaks its worker, about 8 KB an input.)
fn run_as_only_worker(data: Vec<u8>, target: Target) {
    let mut worker = None;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .spawn_handler(|thread| {
            worker = Some(thread);
            Ok(())
        })
        .build()
        .expect("a one-worker pool that starts no thread builds");
    pool.spawn(move || target(&data));
    drop(pool);
    worker.expect("the pool handed over its one worker").run();
}

/// The bytes the standard library reads for its hash-map seeds, fixed.
///
/// std calls `getrandom` through a weak symbol so that it can be interposed
/// (its own comment names "disabling randomness for consistency" as the use);
/// defined here, every thread of a fuzz target gets the same seeds, so an
/// input's hash maps behave the same in every run. Nothing in the targets
/// needs unpredictable bytes: the seeds defend against hostile keys flooding
/// one bucket, which would show up here as a slow input, not as a wrong one.
///
/// # Safety
/// `buf` must be valid for writes of `len` bytes, as `getrandom(2)` requires.
#[no_mangle]
pub unsafe extern "C" fn getrandom(buf: *mut c_void, len: usize, _flags: c_uint) -> isize {
    let bytes = buf.cast::<u8>();
    for i in 0..len {
        // SAFETY: the caller passes a buffer of `len` writable bytes.
        unsafe {
            bytes
                .add(i)
                .write((i as u8).wrapping_mul(151).wrapping_add(7))
        };
    }
    len as isize
}
