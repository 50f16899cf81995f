//! MMU known answers.

mod common;

use common::{periodic, MS};
use gc_stress::profile::mmu::{
    mmu, mmu_curve, mmu_curve_from_records, pauses_from_records, run_span, DEFAULT_WINDOWS_NS,
};

const S: u64 = 1_000_000_000;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn single_pause_in_one_second() {
    let pauses = [(500 * MS, 10 * MS)];
    let span = (0, S);
    assert!(close(mmu(&pauses, span, 10 * MS), 0.0));
    assert!(close(mmu(&pauses, span, 5 * MS), 0.0));
    assert!(close(mmu(&pauses, span, 20 * MS), 0.5));
    assert!(close(mmu(&pauses, span, 100 * MS), 0.9));
    assert!(close(mmu(&pauses, span, S), 0.99));
    // Window larger than the run: clamped to the run.
    assert!(close(mmu(&pauses, span, 10 * S), 0.99));
}

#[test]
fn pause_at_the_edges_of_the_run() {
    // A pause straddling the run start only counts inside the run.
    assert!(close(
        mmu(&[(0, 10 * MS)], (5 * MS, S + 5 * MS), 10 * MS),
        0.5
    ));
    // Pause at the very end.
    assert!(close(mmu(&[(S - 10 * MS, 10 * MS)], (0, S), 20 * MS), 0.5));
}

#[test]
fn periodic_pauses() {
    // 2 ms pause every 10 ms over 1 s.
    let pauses: Vec<(u64, u64)> = (0..100).map(|i| (i * 10 * MS + 4 * MS, 2 * MS)).collect();
    let span = (0, S);
    assert!(close(mmu(&pauses, span, 2 * MS), 0.0));
    assert!(close(mmu(&pauses, span, 4 * MS), 0.5));
    // Any 10 ms window holds exactly one pause's worth.
    assert!(close(mmu(&pauses, span, 10 * MS), 0.8));
    // 12 ms can hold two whole pauses (ending one, starting the next).
    assert!(close(mmu(&pauses, span, 12 * MS), 1.0 - 4.0 / 12.0));
    assert!(close(mmu(&pauses, span, 100 * MS), 0.8));
    assert!(close(mmu(&pauses, span, S), 0.8));
}

#[test]
fn no_pauses_and_empty_run() {
    assert!(close(mmu(&[], (0, S), MS), 1.0));
    assert!(close(mmu(&[(10, 10)], (5, 5), MS), 1.0));
}

#[test]
fn overlapping_pauses_are_merged() {
    let pauses = [(100 * MS, 10 * MS), (105 * MS, 10 * MS)];
    // Union is 15 ms.
    assert!(close(mmu(&pauses, (0, S), 15 * MS), 0.0));
    assert!(close(mmu(&pauses, (0, S), 30 * MS), 0.5));
}

#[test]
fn curve_is_monotone_and_uses_default_windows() {
    let pauses: Vec<(u64, u64)> = (0..50)
        .map(|i| (i * 37 * MS + (i % 7) * MS, (1 + i % 5) * MS / 2))
        .collect();
    let curve = mmu_curve(&pauses, (0, 2 * S), &DEFAULT_WINDOWS_NS);
    assert_eq!(curve.len(), 13);
    assert_eq!(curve[0].window_ns, MS);
    assert_eq!(curve[12].window_ns, 10 * S);
    for p in &curve {
        assert!((0.0..=1.0).contains(&p.mmu));
    }
    // MMU is non-decreasing in the window size for whole multiples (w, 2w, ...): windows 1, 2,
    // 10, 20, 100, 200 ms, 1, 2, 10 s.
    for (a, b) in [(0, 1), (3, 4), (6, 7), (9, 10)] {
        assert!(curve[a].mmu <= curve[b].mmu + 1e-12, "{:?}", curve);
    }
}

#[test]
fn from_records_uses_stops() {
    // Default builder: one stop of 505 µs per record (stop_the_world .. weakrefs).
    let rs = periodic(10, 0, 100 * MS);
    let pauses = pauses_from_records(&rs);
    assert_eq!(pauses.len(), 10);
    assert!(pauses.iter().all(|&(_, d)| d == 505_000));
    let span = run_span(&rs);
    assert_eq!(span.0, 0);
    let curve = mmu_curve_from_records(&rs, (0, S));
    // Pauses are 100 ms apart, so a 1 ms window holds at most one 0.505 ms pause.
    assert!(close(curve[0].mmu, 1.0 - 0.505));
    assert!(close(curve[9].mmu, 1.0 - 10.0 * 0.505 / 1000.0));
}
