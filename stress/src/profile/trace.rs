//! Chrome trace-event JSON export (opens in Perfetto and `chrome://tracing`).
//!
//! Layout: one process, `"gc"` (pid [`PID`]), with these tracks (threads):
//!
//! | tid | name | content |
//! |-----|------|---------|
//! | [`TID_COLLECTOR`] | `collector` | one slice per collection, `gc #seq (reason)`, with its phases as nested child slices |
//! | [`TID_STOPPED`] | `world stopped` | one slice per stop (`stop 1`, `stop 2`) |
//! | [`TID_WORKER_BASE`] + i | `gc worker i` | worker i's busy spans, named by phase |
//! | [`TID_MUTATOR_BASE`] + k | `mutator <name> (<id>)` | `safepoint wait` from the stop request for the thread's time-to-safepoint, then optionally `stopped` until the world restarts |
//!
//! Timestamps (`ts`) and durations (`dur`) are microseconds as floats (the format's unit), since
//! the runtime epoch. Every slice is a complete event (`"ph":"X"`); tracks are named with
//! `thread_name` metadata events (`"ph":"M"`) and ordered with `thread_sort_index`. Events are
//! sorted by timestamp (parents before their children), so they are monotonic on every track.

use std::collections::BTreeMap;
use std::io::{self, Write};

use gc_core::record::{CollectionRecord, Phase};
use serde_json::{json, Value};

/// Process id of the single `"gc"` process.
pub const PID: u64 = 1;
/// Track of the collections and their phases.
pub const TID_COLLECTOR: u64 = 1;
/// Track of the world-stopped intervals.
pub const TID_STOPPED: u64 = 2;
/// Track of GC worker `i` is `TID_WORKER_BASE + i`.
pub const TID_WORKER_BASE: u64 = 100;
/// Track of the k-th mutator thread (by ascending thread id) is `TID_MUTATOR_BASE + k`.
pub const TID_MUTATOR_BASE: u64 = 10_000;

/// What to include in the trace.
#[derive(Copy, Clone, Debug)]
pub struct TraceOptions {
    /// On mutator tracks, also show a `stopped` slice from the moment the thread parked until the
    /// end of the first stop.
    pub mutator_stopped: bool,
    /// Include the `world stopped` track.
    pub stops_track: bool,
}

impl Default for TraceOptions {
    fn default() -> Self {
        TraceOptions {
            mutator_stopped: true,
            stops_track: true,
        }
    }
}

/// ns → µs (the trace format's unit).
fn us(ns: u64) -> f64 {
    ns as f64 / 1000.0
}

/// One complete (`"X"`) slice, kept in ns until serialisation.
struct Slice {
    tid: u64,
    name: String,
    cat: &'static str,
    start_ns: u64,
    end_ns: u64,
    args: Value,
}

impl Slice {
    fn to_json(&self) -> Value {
        // `dur` is computed from the rounded end so that ts + dur never passes the parent's end.
        let ts = us(self.start_ns);
        json!({
            "name": self.name,
            "cat": self.cat,
            "ph": "X",
            "pid": PID,
            "tid": self.tid,
            "ts": ts,
            "dur": us(self.end_ns) - ts,
            "args": self.args,
        })
    }
}

/// When the first stop of a collection was requested: the start of its first stop, else the
/// start of its `stop_the_world` phase, else the collection's start.
pub fn stop_request_ns(r: &CollectionRecord) -> u64 {
    r.stops
        .first()
        .map(|&(s, _)| s)
        .or_else(|| {
            r.phases
                .iter()
                .find(|p| p.phase == Phase::StopTheWorld)
                .map(|p| p.start_ns)
        })
        .unwrap_or(r.start_ns)
}

/// Builds the whole trace as a JSON value (`{"traceEvents": [...], "displayTimeUnit": "ms"}`).
pub fn chrome_trace_value(records: &[CollectionRecord], opts: &TraceOptions) -> Value {
    let mut slices: Vec<Slice> = Vec::new();
    let mut workers: BTreeMap<usize, ()> = BTreeMap::new();
    // Mutator thread id -> name (the last name seen wins).
    let mut mutators: BTreeMap<u64, String> = BTreeMap::new();
    for r in records {
        for t in &r.ttsp {
            mutators.insert(t.thread_id, t.name.clone());
        }
    }
    let mutator_tid: BTreeMap<u64, u64> = mutators
        .keys()
        .enumerate()
        .map(|(k, &id)| (id, TID_MUTATOR_BASE + k as u64))
        .collect();

    for r in records {
        let (c0, c1) = (r.start_ns, r.end_ns.max(r.start_ns));
        slices.push(Slice {
            tid: TID_COLLECTOR,
            name: format!("gc #{} ({})", r.seq, r.reason.as_str()),
            cat: "collection",
            start_ns: c0,
            end_ns: c1,
            args: json!({
                "seq": r.seq,
                "reason": r.reason.as_str(),
                "kind": r.kind.as_str(),
                "stopped_ms": r.stopped_ns as f64 / 1e6,
                "running_ms": r.running_ns as f64 / 1e6,
                "max_ttsp_us": us(r.max_ttsp_ns),
                "workers": r.workers,
                "visited": r.visited,
                "candidates": r.candidates,
                "collected": r.collected,
                "resurrected": r.resurrected,
                "uncollectable": r.uncollectable,
                "heap_bytes_before": r.heap_bytes_before,
                "heap_bytes_after": r.heap_bytes_after,
                "stuck_threads": r.stuck_threads,
                "errors": r.errors,
            }),
        });
        for p in &r.phases {
            // Children must lie inside the parent; clamp inconsistent timings.
            let s = p.start_ns.clamp(c0, c1);
            let e = p.start_ns.saturating_add(p.duration_ns).clamp(s, c1);
            slices.push(Slice {
                tid: TID_COLLECTOR,
                name: p.phase.as_str().to_string(),
                cat: "phase",
                start_ns: s,
                end_ns: e,
                args: json!({ "seq": r.seq, "world_stopped": p.phase.world_stopped() }),
            });
        }
        if opts.stops_track {
            for (i, &(s, d)) in r.stops.iter().enumerate() {
                slices.push(Slice {
                    tid: TID_STOPPED,
                    name: format!("stop {}", i + 1),
                    cat: "stop",
                    start_ns: s,
                    end_ns: s.saturating_add(d),
                    args: json!({ "seq": r.seq }),
                });
            }
        }
        for w in &r.worker_stats {
            workers.insert(w.worker, ());
            for sp in &w.spans {
                slices.push(Slice {
                    tid: TID_WORKER_BASE + w.worker as u64,
                    name: sp.phase.as_str().to_string(),
                    cat: "worker",
                    start_ns: sp.start_ns,
                    end_ns: sp.start_ns.saturating_add(sp.duration_ns),
                    args: json!({ "seq": r.seq, "worker": w.worker }),
                });
            }
        }
        // Workers that were used but recorded no stats still get a (possibly empty) track.
        for i in 0..r.workers {
            workers.insert(i, ());
        }
        let request = stop_request_ns(r);
        let stop_end = r
            .stops
            .first()
            .map(|&(s, d)| s.saturating_add(d))
            .unwrap_or(request);
        for t in &r.ttsp {
            let tid = mutator_tid[&t.thread_id];
            let parked = request.saturating_add(t.ttsp_ns);
            slices.push(Slice {
                tid,
                name: "safepoint wait".to_string(),
                cat: "safepoint",
                start_ns: request,
                end_ns: parked,
                args: json!({ "seq": r.seq, "ttsp_us": us(t.ttsp_ns) }),
            });
            if opts.mutator_stopped && stop_end > parked {
                slices.push(Slice {
                    tid,
                    name: "stopped".to_string(),
                    cat: "safepoint",
                    start_ns: parked,
                    end_ns: stop_end,
                    args: json!({ "seq": r.seq }),
                });
            }
        }
    }

    // Sorted by start; on ties the longer slice (the parent) first; then by track.
    slices.sort_by(|a, b| {
        a.start_ns
            .cmp(&b.start_ns)
            .then(b.end_ns.cmp(&a.end_ns))
            .then(a.tid.cmp(&b.tid))
    });

    let mut events: Vec<Value> = Vec::with_capacity(slices.len() + 16);
    events.push(json!({
        "name": "process_name", "ph": "M", "pid": PID, "args": { "name": "gc" }
    }));
    let mut name_track = |tid: u64, name: String| {
        events.push(json!({
            "name": "thread_name", "ph": "M", "pid": PID, "tid": tid, "args": { "name": name }
        }));
        events.push(json!({
            "name": "thread_sort_index", "ph": "M", "pid": PID, "tid": tid,
            "args": { "sort_index": tid }
        }));
    };
    name_track(TID_COLLECTOR, "collector".to_string());
    if opts.stops_track {
        name_track(TID_STOPPED, "world stopped".to_string());
    }
    for &i in workers.keys() {
        name_track(TID_WORKER_BASE + i as u64, format!("gc worker {i}"));
    }
    for (id, name) in &mutators {
        name_track(mutator_tid[id], format!("mutator {name} ({id})"));
    }
    events.extend(slices.iter().map(Slice::to_json));
    json!({ "traceEvents": events, "displayTimeUnit": "ms" })
}

/// Writes the Chrome trace of `records` (default [`TraceOptions`]) to `writer`.
pub fn write_chrome_trace<W: Write>(records: &[CollectionRecord], writer: W) -> io::Result<()> {
    write_chrome_trace_with(records, &TraceOptions::default(), writer)
}

/// Writes the Chrome trace of `records` with explicit options.
pub fn write_chrome_trace_with<W: Write>(
    records: &[CollectionRecord],
    opts: &TraceOptions,
    writer: W,
) -> io::Result<()> {
    let mut writer = io::BufWriter::new(writer);
    serde_json::to_writer(&mut writer, &chrome_trace_value(records, opts))?;
    writer.flush()
}
