//! Pause statistics, summary table, records JSON and gctrace lines from synthetic records.

mod common;

use common::{RecordBuilder, MS, US};
use gc_core::record::{Phase, TriggerReason};
use gc_stress::profile::format_gctrace_line;
use gc_stress::profile::histogram::{percentile_brute_force, PauseKind, PauseStats};
use gc_stress::profile::records::{records_json_string, summary_table, write_records_json};

fn varied_records(n: u64) -> Vec<gc_core::record::CollectionRecord> {
    let mut x = 0x2545_f491_4f6c_dd1du64;
    (0..n)
        .map(|i| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let mark = 10 * US + x % (5 * MS);
            RecordBuilder::new(i + 1, i * 20 * MS)
                .phases(&[
                    (Phase::StopTheWorld, 5 * US + x % 50_000),
                    (Phase::MarkAlive, mark),
                    (Phase::ScanGarbage, 20 * US),
                    (Phase::Free, x % (2 * MS)),
                ])
                .build()
        })
        .collect()
}

#[test]
fn stats_match_brute_force() {
    let rs = varied_records(2000);
    let stats = PauseStats::from_records(&rs);
    assert_eq!(stats.count(), 2000);
    for (kind, values) in [
        (
            PauseKind::Stopped,
            rs.iter().map(|r| r.stopped_ns).collect::<Vec<_>>(),
        ),
        (
            PauseKind::Collection,
            rs.iter().map(|r| r.duration_ns()).collect::<Vec<_>>(),
        ),
    ] {
        let s = stats.summary(kind);
        for (q, got) in [
            (0.5, s.p50_ns),
            (0.9, s.p90_ns),
            (0.99, s.p99_ns),
            (0.999, s.p999_ns),
        ] {
            let exact = percentile_brute_force(&values, q);
            assert!(
                got >= exact && (got - exact) as f64 <= exact as f64 * 2e-3 + 1.0,
                "{kind:?} q {q}: {got} vs {exact}"
            );
        }
        assert_eq!(s.max_ns, *values.iter().max().unwrap());
        assert_eq!(s.total_ns, values.iter().sum::<u64>());
    }
    let wall = 2000 * 20 * MS;
    let share = stats.gc_share(wall);
    let expect = rs.iter().map(|r| r.duration_ns()).sum::<u64>() as f64 / wall as f64;
    assert!((share - expect).abs() < 1e-12);
}

#[test]
fn incremental_equals_batch() {
    let rs = varied_records(100);
    let mut inc = PauseStats::new();
    for r in &rs {
        inc.record(r);
    }
    let batch = PauseStats::from_records(&rs);
    assert_eq!(
        inc.summary(PauseKind::Stopped),
        batch.summary(PauseKind::Stopped)
    );
    assert_eq!(inc.collected(), 100 * 1000);
}

#[test]
fn summary_table_mentions_everything() {
    let rs = varied_records(50);
    let t = summary_table(&rs, 1_000 * MS);
    for word in [
        "count",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "p99.9 ms",
        "max ms",
        "total",
        "share %",
        "stopped",
        "collection",
        "max ttsp",
        "collected 50000",
    ] {
        assert!(t.contains(word), "missing {word:?} in\n{t}");
    }
    // Empty run does not divide by zero.
    let empty = summary_table(&[], 0);
    assert!(empty.contains("collected 0"), "{empty}");
    assert!(!empty.contains("NaN"), "{empty}");
}

#[test]
fn records_json_round_trips_as_values() {
    let rs = varied_records(3);
    let mut buf = Vec::new();
    write_records_json(&rs, &mut buf).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&buf).unwrap();
    let arr = v.as_array().unwrap();
    assert_eq!(arr.len(), 3);
    assert_eq!(arr[1]["seq"], 2);
    assert_eq!(arr[0]["reason"], "allocation");
    assert_eq!(arr[0]["phases"][1]["phase"], "mark_alive");
    assert_eq!(arr[2]["worker_stats"].as_array().unwrap().len(), 2);
    assert!(records_json_string(&rs).contains("\n  {"));
}

#[test]
fn gctrace_line_format() {
    let r = RecordBuilder::new(12, 3_456 * MS)
        .reason(TriggerReason::Allocation)
        .phases(&[
            (Phase::StopTheWorld, 20 * US),
            (Phase::Merge, 10 * US),
            (Phase::MarkAlive, 200 * US),
            (Phase::ScanGarbage, 570 * US),
            (Phase::Free, 430 * US),
        ])
        .collected(40000)
        .build();
    let line = format_gctrace_line(&r);
    assert_eq!(
        line,
        "gc 12 @3.456s 1.23ms pause (stw 0.80ms: stop_the_world 0.02 merge 0.01 mark_alive 0.20 \
         scan_garbage 0.57; running 0.43ms: free 0.43) ttsp 0.01ms heap 12.3MB->4.5MB \
         collected 40000 workers 2 reason alloc"
    );
    let mut r2 = r.clone();
    r2.resurrected = 3;
    r2.errors.push("bad".into());
    let line2 = format_gctrace_line(&r2);
    assert!(
        line2.ends_with("reason alloc resurrected 3 errors 1"),
        "{line2}"
    );
}
