//! The fuzz targets' library: the harness functions, shared with the replay
//! of the committed corpora (see `harness`), and the setup only a fuzzer
//! process needs.

mod harness;

pub use harness::*;

/// Makes rayon's global pool this one thread, before the first input.
///
/// The extractors run in parallel on rayon's pool; under the fuzzer that
/// makes coverage depend on thread scheduling: the work-stealing and sleep
/// paths of rayon and crossbeam reach "new" edges at random, so a target
/// never looks settled, and an input's coverage is not reproducible. With the
/// calling thread as the pool's only worker, every `par_iter` runs inline and
/// an input always reaches the same edges. Each fuzz target calls this from
/// libFuzzer's `init`; the corpus replay does not (its tests run on many
/// threads, and a pool made of one test's thread would outlive it).
pub fn single_threaded() {
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .use_current_thread()
        .build_global()
        .expect("rayon's global pool is built once, before any input runs");
}
