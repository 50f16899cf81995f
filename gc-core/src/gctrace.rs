//! One-line-per-collection log in the spirit of Go's `GODEBUG=gctrace=1`.
//!
//! ```text
//! gc 12 @3.456s 1.23ms pause (stw 0.80ms: merge 0.01 mark_alive 0.20 ...; running 0.43ms: free 0.43) ttsp 0.02ms heap 12.3MB->4.5MB collected 40000 workers 2 reason alloc
//! ```
//!
//! gc-core prints it on stderr after every collection when `GC_TRACE=1` is set
//! ([`GcConfig::trace_log`](crate::GcConfig)); gc-stress uses the same function.

use std::fmt::Write as _;

use crate::record::{CollectionKind, CollectionRecord};

/// Decimal byte count with a unit: `512B`, `12.3KB`, `4.5MB`, `1.2GB`.
pub fn format_bytes(bytes: u64) -> String {
    let b = bytes as f64;
    if bytes < 1_000 {
        format!("{bytes}B")
    } else if bytes < 1_000_000 {
        format!("{:.1}KB", b / 1e3)
    } else if bytes < 1_000_000_000 {
        format!("{:.1}MB", b / 1e6)
    } else {
        format!("{:.1}GB", b / 1e9)
    }
}

/// The gctrace line of one collection (no trailing newline).
///
/// Fields: sequence number; start (s since the runtime epoch); whole-collection duration
/// ("pause"); world-stopped total with each world-stopped phase (ms); world-running total with
/// each world-running phase (ms); max time-to-safepoint; heap bytes before->after; objects freed;
/// GC workers; trigger; the kind, unless full. `resurrected`, `uncollectable`, `stuck` and `errors` counts are appended
/// only when non-zero.
pub fn format_gctrace_line(r: &CollectionRecord) -> String {
    let ms = |ns: u64| ns as f64 / 1e6;
    let mut line = format!(
        "gc {} @{:.3}s {:.2}ms pause (stw {:.2}ms:",
        r.seq,
        r.start_ns as f64 / 1e9,
        ms(r.duration_ns()),
        ms(r.stopped_ns)
    );
    for p in r.phases.iter().filter(|p| p.phase.world_stopped()) {
        let _ = write!(line, " {} {:.2}", p.phase.as_str(), ms(p.duration_ns));
    }
    let _ = write!(line, "; running {:.2}ms", ms(r.running_ns));
    let mut first = true;
    for p in r.phases.iter().filter(|p| !p.phase.world_stopped()) {
        line.push_str(if first { ":" } else { "" });
        first = false;
        let _ = write!(line, " {} {:.2}", p.phase.as_str(), ms(p.duration_ns));
    }
    let _ = write!(
        line,
        ") ttsp {:.2}ms heap {}->{} collected {} workers {} reason {}",
        ms(r.max_ttsp_ns),
        format_bytes(r.heap_bytes_before),
        format_bytes(r.heap_bytes_after),
        r.collected,
        r.workers,
        r.reason.as_str()
    );
    // A full collection is the default kind: only another kind is named, so full lines read
    // as before kinds existed.
    if r.kind != CollectionKind::Full {
        let _ = write!(line, " kind {}", r.kind.as_str());
    }
    for (label, n) in [
        ("resurrected", r.resurrected),
        ("uncollectable", r.uncollectable),
        ("stuck", r.stuck_threads.len() as u64),
        ("errors", r.errors.len() as u64),
    ] {
        if n != 0 {
            let _ = write!(line, " {label} {n}");
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes() {
        assert_eq!(format_bytes(0), "0B");
        assert_eq!(format_bytes(999), "999B");
        assert_eq!(format_bytes(12_300), "12.3KB");
        assert_eq!(format_bytes(12_300_000), "12.3MB");
        assert_eq!(format_bytes(4_500_000_000), "4.5GB");
    }
}
