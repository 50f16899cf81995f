//! Shared by the adapter's integration tests.

use gc_core::GcConfig;

/// A collector that collects only when asked, uses every worker even on small graphs, and
/// checks itself (self-verification and edge checks on); violations are reported through
/// `Runtime::violations`, not by a panic, so tests can assert that there are none.
pub fn checked_config(workers: usize) -> GcConfig {
    GcConfig::default()
        .with_workers(workers)
        .with_parallel_min_objects(0)
        .with_enabled(false)
        .with_check_edges(true)
        .with_verify(true)
        .with_panic_on_violation(false)
}
