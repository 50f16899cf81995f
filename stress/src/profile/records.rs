//! JSON dump of collection records and a plain-text summary table.

use std::fmt::Write as _;
use std::io::{self, Write};

use gc_core::record::CollectionRecord;

use super::histogram::{PauseKind, PauseStats};

/// Writes all records as a pretty-printed JSON array (the records' own serde layout).
pub fn write_records_json<W: Write>(records: &[CollectionRecord], writer: W) -> io::Result<()> {
    let mut writer = io::BufWriter::new(writer);
    serde_json::to_writer_pretty(&mut writer, records)?;
    writer.write_all(b"\n")?;
    writer.flush()
}

/// All records as a pretty-printed JSON string.
pub fn records_json_string(records: &[CollectionRecord]) -> String {
    serde_json::to_string_pretty(records).expect("records serialise to JSON")
}

fn ms(ns: u64) -> f64 {
    ns as f64 / 1e6
}

/// A plain-text table summarising a run: count, p50/p90/p99/p99.9/max of the world-stopped pause
/// and of the whole collection (ms), total GC ms, GC share of `wall_ns` (%), max
/// time-to-safepoint (ms), objects collected.
pub fn summary_table(records: &[CollectionRecord], wall_ns: u64) -> String {
    let stats = PauseStats::from_records(records);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<12} {:>7} {:>9} {:>9} {:>9} {:>9} {:>9} {:>11} {:>8}",
        "pause", "count", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms", "total ms", "share %"
    );
    for (label, kind) in [
        ("stopped", PauseKind::Stopped),
        ("collection", PauseKind::Collection),
    ] {
        let s = stats.summary(kind);
        let _ = writeln!(
            out,
            "{:<12} {:>7} {:>9.3} {:>9.3} {:>9.3} {:>9.3} {:>9.3} {:>11.3} {:>8.2}",
            label,
            s.count,
            ms(s.p50_ns),
            ms(s.p90_ns),
            ms(s.p99_ns),
            ms(s.p999_ns),
            ms(s.max_ns),
            ms(s.total_ns),
            100.0 * stats.share(kind, wall_ns),
        );
    }
    let _ = writeln!(
        out,
        "wall {:.3} ms, total GC {:.3} ms ({:.2} %), max ttsp {:.3} ms, collected {}",
        ms(wall_ns),
        ms(stats.total_gc_ns()),
        100.0 * stats.gc_share(wall_ns),
        ms(stats.max_ttsp_ns()),
        stats.collected(),
    );
    out
}
