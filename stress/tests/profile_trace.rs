//! Chrome trace export: structure, tracks, nesting, monotonic timestamps.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{periodic, RecordBuilder, MS, US};
use gc_core::record::{Phase, TriggerReason};
use gc_stress::profile::trace::{
    chrome_trace_value, write_chrome_trace, TraceOptions, PID, TID_COLLECTOR, TID_WORKER_BASE,
};
use serde_json::Value;

const EPS_US: f64 = 1e-6;

fn trace_of(records: &[gc_core::record::CollectionRecord]) -> Value {
    let mut buf = Vec::new();
    write_chrome_trace(records, &mut buf).unwrap();
    serde_json::from_slice(&buf).expect("trace is valid JSON")
}

fn events(v: &Value) -> &Vec<Value> {
    v["traceEvents"].as_array().expect("traceEvents array")
}

fn thread_names(v: &Value) -> BTreeMap<u64, String> {
    events(v)
        .iter()
        .filter(|e| e["ph"] == "M" && e["name"] == "thread_name")
        .map(|e| {
            (
                e["tid"].as_u64().unwrap(),
                e["args"]["name"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn slices(v: &Value) -> Vec<&Value> {
    events(v).iter().filter(|e| e["ph"] == "X").collect()
}

fn records() -> Vec<gc_core::record::CollectionRecord> {
    let mut rs = periodic(5, 10 * MS, 50 * MS);
    rs.push(
        RecordBuilder::new(6, 300 * MS)
            .reason(TriggerReason::Manual)
            .workers(3)
            .mutators(&[(7, "main", 40 * US), (11, "late", US)])
            .phases(&[
                (Phase::StopTheWorld, 40 * US),
                (Phase::Merge, 10 * US),
                (Phase::MarkAlive, 300 * US),
                (Phase::UpdateRefs, 150 * US),
                (Phase::MarkReachable, 80 * US),
                (Phase::ScanGarbage, 40 * US),
                (Phase::Weakrefs, 5 * US),
                (Phase::Finalize, 70 * US),
                (Phase::Resurrection, 20 * US),
                (Phase::Free, 300 * US),
            ])
            .build(),
    );
    rs
}

#[test]
fn parses_and_names_process() {
    let v = trace_of(&records());
    assert_eq!(v["displayTimeUnit"], "ms");
    let proc_name = events(&v)
        .iter()
        .find(|e| e["ph"] == "M" && e["name"] == "process_name")
        .expect("process_name metadata");
    assert_eq!(proc_name["args"]["name"], "gc");
    for e in events(&v) {
        assert_eq!(e["pid"].as_u64(), Some(PID));
        if e["ph"] == "X" {
            assert!(e["ts"].is_f64() || e["ts"].is_u64());
            assert!(e["dur"].as_f64().unwrap() >= 0.0);
            assert!(e["name"].is_string());
        }
    }
}

#[test]
fn one_track_per_worker_and_mutator() {
    let v = trace_of(&records());
    let names = thread_names(&v);
    assert_eq!(names[&TID_COLLECTOR], "collector");
    for w in 0..3u64 {
        assert_eq!(names[&(TID_WORKER_BASE + w)], format!("gc worker {w}"));
    }
    let worker_tracks = names
        .values()
        .filter(|n| n.starts_with("gc worker"))
        .count();
    assert_eq!(worker_tracks, 3);
    let mutators: BTreeSet<&str> = names
        .values()
        .filter(|n| n.starts_with("mutator"))
        .map(|s| s.as_str())
        .collect();
    assert_eq!(
        mutators,
        BTreeSet::from([
            "mutator main (7)",
            "mutator worker-1 (9)",
            "mutator late (11)"
        ])
    );
    // Every slice is on a named track.
    for s in slices(&v) {
        assert!(names.contains_key(&s["tid"].as_u64().unwrap()), "{s}");
    }
    // Worker slices are named by phase.
    let phase_names: BTreeSet<&str> = Phase::ALL.iter().map(|p| p.as_str()).collect();
    for s in slices(&v) {
        let tid = s["tid"].as_u64().unwrap();
        if (TID_WORKER_BASE..TID_WORKER_BASE + 3).contains(&tid) {
            assert!(phase_names.contains(s["name"].as_str().unwrap()));
        }
    }
}

#[test]
fn phases_nest_inside_their_collection() {
    let rs = records();
    let v = trace_of(&rs);
    let collector: Vec<&Value> = slices(&v)
        .into_iter()
        .filter(|s| s["tid"].as_u64() == Some(TID_COLLECTOR))
        .collect();
    let parents: Vec<&Value> = collector
        .iter()
        .copied()
        .filter(|s| s["cat"] == "collection")
        .collect();
    assert_eq!(parents.len(), rs.len());
    assert_eq!(parents[5]["name"], "gc #6 (manual)");
    assert_eq!(parents[0]["name"], "gc #1 (alloc)");
    let mut children = 0;
    for c in collector.iter().filter(|s| s["cat"] == "phase") {
        let seq = c["args"]["seq"].as_u64().unwrap();
        let p = parents
            .iter()
            .find(|p| p["args"]["seq"].as_u64() == Some(seq))
            .unwrap();
        let (ps, pe) = (
            p["ts"].as_f64().unwrap(),
            p["ts"].as_f64().unwrap() + p["dur"].as_f64().unwrap(),
        );
        let (cs, ce) = (
            c["ts"].as_f64().unwrap(),
            c["ts"].as_f64().unwrap() + c["dur"].as_f64().unwrap(),
        );
        assert!(cs >= ps && ce <= pe + EPS_US, "{c} not inside {p}");
        children += 1;
    }
    let expected: usize = rs.iter().map(|r| r.phases.len()).sum();
    assert_eq!(children, expected);
}

#[test]
fn timestamps_are_microseconds_and_monotonic_per_track() {
    let rs = records();
    let v = trace_of(&rs);
    let first = slices(&v)[0];
    // The first collection starts at 10 ms = 10_000 µs.
    assert!((first["ts"].as_f64().unwrap() - 10_000.0).abs() < EPS_US);
    let mut last: BTreeMap<u64, f64> = BTreeMap::new();
    for s in slices(&v) {
        let tid = s["tid"].as_u64().unwrap();
        let ts = s["ts"].as_f64().unwrap();
        if let Some(&prev) = last.get(&tid) {
            assert!(ts >= prev, "track {tid}: {ts} after {prev}");
        }
        last.insert(tid, ts);
    }
}

#[test]
fn slices_on_worker_and_mutator_tracks_do_not_overlap() {
    let v = trace_of(&records());
    let mut end: BTreeMap<u64, f64> = BTreeMap::new();
    for s in slices(&v) {
        let tid = s["tid"].as_u64().unwrap();
        if tid == TID_COLLECTOR {
            continue; // nested by design
        }
        let ts = s["ts"].as_f64().unwrap();
        if let Some(&e) = end.get(&tid) {
            assert!(ts + EPS_US >= e, "overlap on track {tid} at {s}");
        }
        end.insert(tid, ts + s["dur"].as_f64().unwrap());
    }
}

#[test]
fn safepoint_wait_slices() {
    let rs = records();
    let v = trace_of(&rs);
    let names = thread_names(&v);
    let main_tid = *names
        .iter()
        .find(|(_, n)| *n == "mutator main (7)")
        .unwrap()
        .0;
    let waits: Vec<&Value> = slices(&v)
        .into_iter()
        .filter(|s| s["tid"].as_u64() == Some(main_tid) && s["name"] == "safepoint wait")
        .collect();
    assert_eq!(waits.len(), rs.len());
    // Record 6: stop requested at 300 ms, main took 40 µs.
    let w = waits.last().unwrap();
    assert!((w["ts"].as_f64().unwrap() - 300_000.0).abs() < EPS_US);
    assert!((w["dur"].as_f64().unwrap() - 40.0).abs() < EPS_US);
    let stopped = slices(&v)
        .into_iter()
        .filter(|s| s["tid"].as_u64() == Some(main_tid) && s["name"] == "stopped")
        .count();
    assert_eq!(stopped, rs.len());

    let no_stopped = chrome_trace_value(
        &rs,
        &TraceOptions {
            mutator_stopped: false,
            stops_track: false,
        },
    );
    assert!(slices(&no_stopped).iter().all(|s| s["name"] != "stopped"));
    assert!(!thread_names(&no_stopped)
        .values()
        .any(|n| n == "world stopped"));
}

#[test]
fn empty_trace_is_valid() {
    let v = trace_of(&[]);
    assert!(slices(&v).is_empty());
    assert_eq!(thread_names(&v)[&TID_COLLECTOR], "collector");
}
