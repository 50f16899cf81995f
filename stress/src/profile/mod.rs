//! Pause profiling: analysis and export of [`CollectionRecord`]s (DESIGN §3.7).
//!
//! * [`histogram`] — pause percentiles (hdrhistogram), totals, GC share of wall time.
//! * [`mmu`](mod@mmu) — minimum mutator utilisation curves.
//! * [`trace`] — Chrome trace-event JSON (Perfetto / `chrome://tracing`).
//! * [`plots`] — SVG plots: pause timeline, pause histogram, MMU curve.
//! * [`records`] — JSON dump of records and a summary table.
//! * `format_gctrace_line` — one log line per collection (re-exported from `gc_core::gctrace`).
//!
//! File formats are described in `docs/profiling-formats.md`.
//!
//! [`CollectionRecord`]: gc_core::record::CollectionRecord

pub mod histogram;
pub mod mmu;
pub mod plots;
pub mod records;
pub mod trace;

pub use gc_core::gctrace::{format_bytes, format_gctrace_line};
pub use histogram::{percentile_brute_force, PauseKind, PauseStats, PauseSummary};
pub use mmu::{mmu, mmu_curve, pauses_from_records, run_span, MmuPoint, DEFAULT_WINDOWS_NS};
pub use plots::{plot_mmu, plot_pause_histogram, plot_pause_timeline, write_all_plots};
pub use records::{summary_table, write_records_json};
pub use trace::{write_chrome_trace, TraceOptions};

use std::fs::File;
use std::io;
use std::path::Path;

use gc_core::record::CollectionRecord;

/// Writes every profile output for a run into `dir` (created if missing): `records.json`,
/// `trace.json`, `summary.txt`, `pauses.svg`, `histogram.svg`, `mmu.svg`. `span` is the run
/// `[t0, t1]` in ns since the runtime epoch (used for the MMU curve and the GC share).
pub fn write_profile_dir(
    records: &[CollectionRecord],
    span: (u64, u64),
    dir: &Path,
) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    write_records_json(records, File::create(dir.join("records.json"))?)?;
    write_chrome_trace(records, File::create(dir.join("trace.json"))?)?;
    let wall_ns = span.1.saturating_sub(span.0);
    std::fs::write(dir.join("summary.txt"), summary_table(records, wall_ns))?;
    let curve = mmu_curve(&pauses_from_records(records), span, &DEFAULT_WINDOWS_NS);
    write_all_plots(records, &curve, dir)
}
