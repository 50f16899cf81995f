//! Pause profiling: analysis and export of [`CollectionRecord`]s (DESIGN §3.7).
//!
//! * [`histogram`] — pause percentiles (hdrhistogram), totals, GC share of wall time.
//! * [`mmu`] — minimum mutator utilisation curves.
//! * [`trace`] — Chrome trace-event JSON (Perfetto / `chrome://tracing`).
//! * [`plots`] — SVG plots: pause timeline, pause histogram, MMU curve.
//! * [`records`] — JSON dump of records and a summary table.
//! * [`gctrace`] — one log line per collection, in the spirit of Go's gctrace.
//!
//! File formats are described in `docs/profiling-formats.md`.
//!
//! [`CollectionRecord`]: gc_core::record::CollectionRecord

pub mod gctrace;
pub mod histogram;
pub mod mmu;
pub mod plots;
pub mod records;
pub mod trace;

pub use gctrace::format_gctrace_line;
pub use histogram::{percentile_brute_force, PauseKind, PauseStats, PauseSummary};
pub use mmu::{mmu, mmu_curve, pauses_from_records, run_span, MmuPoint, DEFAULT_WINDOWS_NS};
pub use plots::{plot_mmu, plot_pause_histogram, plot_pause_timeline, write_all_plots};
pub use records::{summary_table, write_records_json};
pub use trace::{write_chrome_trace, TraceOptions};
