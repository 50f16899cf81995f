//! Minimum mutator utilisation (MMU).
//!
//! For a window length `w`, MMU(w) is the smallest fraction of any window of length `w` inside
//! the run during which mutators could run:
//!
//! ```text
//! MMU(w) = min over a in [t0, t1 - w] of (w - pause_time_in([a, a + w])) / w
//! ```
//!
//! The pauses used here are **world-stopped intervals** (each record's `stops`, see
//! [`pauses_from_records`]): only then are mutators unable to run. The world-running tail of a
//! collection (finalizers, freeing) is not a pause.
//!
//! A window longer than the run is clamped to the run: MMU is then the run's overall utilisation
//! `(t1 - t0 - pause_time) / (t1 - t0)`.
//!
//! # Algorithm
//!
//! The pause time inside `[a, a + w]` is a piecewise-linear function of `a` whose slope only
//! drops when `a` enters a pause (at a pause start) or `a + w` leaves one (at a pause end). Its
//! maximum — the MMU's minimum — is therefore attained at a window starting at a pause start,
//! ending at a pause end, or at one of the two ends of the run. Those candidate starts form two
//! sorted sequences; they are merged and evaluated in order with a two-pointer sweep over the
//! (sorted, merged) pauses, so each window size costs O(n).

use gc_core::record::CollectionRecord;

const MS: u64 = 1_000_000;
const S: u64 = 1_000_000_000;

/// Default window sizes, ns: 1, 2, 5, 10, 20, 50, 100, 200, 500 ms, 1, 2, 5, 10 s.
pub const DEFAULT_WINDOWS_NS: [u64; 13] = [
    MS,
    2 * MS,
    5 * MS,
    10 * MS,
    20 * MS,
    50 * MS,
    100 * MS,
    200 * MS,
    500 * MS,
    S,
    2 * S,
    5 * S,
    10 * S,
];

/// One point of an MMU curve.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct MmuPoint {
    /// Requested window length, ns.
    pub window_ns: u64,
    /// Minimum mutator utilisation for that window, in `[0, 1]`.
    pub mmu: f64,
}

/// World-stopped intervals `(start_ns, duration_ns)` of all `records` (their `stops`), sorted by
/// start.
pub fn pauses_from_records(records: &[CollectionRecord]) -> Vec<(u64, u64)> {
    let mut pauses: Vec<(u64, u64)> = records
        .iter()
        .flat_map(|r| r.stops.iter().copied())
        .collect();
    pauses.sort_unstable();
    pauses
}

/// Clips `pauses` to `[t0, t1]`, sorts them and merges overlapping ones. Returns `[start, end)`
/// intervals, disjoint and sorted, with no empty ones.
pub fn normalize_pauses(pauses: &[(u64, u64)], span: (u64, u64)) -> Vec<(u64, u64)> {
    let (t0, t1) = span;
    let mut iv: Vec<(u64, u64)> = pauses
        .iter()
        .map(|&(s, d)| (s.max(t0), s.saturating_add(d).min(t1)))
        .filter(|&(s, e)| s < e)
        .collect();
    iv.sort_unstable();
    let mut merged: Vec<(u64, u64)> = Vec::with_capacity(iv.len());
    for (s, e) in iv {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    merged
}

/// Pause time inside `[a, b]` for disjoint sorted `[start, end)` intervals (O(n); for tests and
/// one-off queries).
pub fn pause_time_in(intervals: &[(u64, u64)], a: u64, b: u64) -> u64 {
    intervals
        .iter()
        .map(|&(s, e)| e.min(b).saturating_sub(s.max(a)))
        .sum()
}

/// MMU for one window length `window_ns` (see the module docs). `pauses` are world-stopped
/// intervals `(start_ns, duration_ns)` in any order, possibly overlapping; `span` is the run
/// `[t0, t1]` in the same clock. An empty run (`t1 <= t0`) has utilisation 1. A window of 0 is
/// treated as 1 ns.
pub fn mmu(pauses: &[(u64, u64)], span: (u64, u64), window_ns: u64) -> f64 {
    let iv = normalize_pauses(pauses, span);
    mmu_normalized(&iv, span, window_ns)
}

/// MMU for each window in `windows` (ns), in the given order. Pass [`DEFAULT_WINDOWS_NS`] for the
/// standard curve.
pub fn mmu_curve(pauses: &[(u64, u64)], span: (u64, u64), windows: &[u64]) -> Vec<MmuPoint> {
    let iv = normalize_pauses(pauses, span);
    windows
        .iter()
        .map(|&w| MmuPoint {
            window_ns: w,
            mmu: mmu_normalized(&iv, span, w),
        })
        .collect()
}

/// MMU curve of a run from its records: world-stopped pauses over `span` (see [`run_span`]) at
/// the [`DEFAULT_WINDOWS_NS`] window sizes.
pub fn mmu_curve_from_records(records: &[CollectionRecord], span: (u64, u64)) -> Vec<MmuPoint> {
    mmu_curve(&pauses_from_records(records), span, &DEFAULT_WINDOWS_NS)
}

/// The smallest span covering all records: `(min start_ns, max end_ns)`, or `(0, 0)` if there are
/// none. Prefer the real run span (start and end of the workload) when it is known: this one
/// starts at the first collection and so overstates GC's share.
pub fn run_span(records: &[CollectionRecord]) -> (u64, u64) {
    let t0 = records.iter().map(|r| r.start_ns).min().unwrap_or(0);
    let t1 = records.iter().map(|r| r.end_ns).max().unwrap_or(0);
    (t0, t1.max(t0))
}

/// MMU over already normalised intervals (disjoint, sorted, inside the span).
fn mmu_normalized(iv: &[(u64, u64)], span: (u64, u64), window_ns: u64) -> f64 {
    let (t0, t1) = span;
    if t1 <= t0 {
        return 1.0;
    }
    let len = t1 - t0;
    let w = window_ns.clamp(1, len);
    if iv.is_empty() {
        return 1.0;
    }
    let last_start = t1 - w;
    let clamp = |a: u64| a.clamp(t0, last_start);

    // Candidate window starts: both run ends, every pause start, every pause end minus w.
    // Each family is sorted because the intervals are; merge them on the fly.
    let starts = iv.iter().map(|&(s, _)| clamp(s));
    let ends = iv.iter().map(|&(_, e)| clamp(e.saturating_sub(w)));
    let mut candidates = Vec::with_capacity(2 * iv.len() + 2);
    candidates.push(t0);
    merge_sorted(starts, ends, &mut candidates);
    candidates.push(last_start);

    // Two-pointer sweep: pauses lo..hi are those overlapping [a, a + w); both pointers only move
    // forward because `a` does. `sum` is the full length of pauses lo..hi.
    let (mut lo, mut hi, mut sum) = (0usize, 0usize, 0u64);
    let mut worst = 0u64;
    for a in candidates {
        let b = a + w;
        while hi < iv.len() && iv[hi].0 < b {
            sum += iv[hi].1 - iv[hi].0;
            hi += 1;
        }
        while lo < hi && iv[lo].1 <= a {
            sum -= iv[lo].1 - iv[lo].0;
            lo += 1;
        }
        if lo == hi {
            continue;
        }
        // Cut the parts of the first and last overlapping pause that stick out of the window.
        let head = a.saturating_sub(iv[lo].0);
        let tail = iv[hi - 1].1.saturating_sub(b);
        let inside = sum - head - tail;
        worst = worst.max(inside);
        if worst >= w {
            break;
        }
    }
    (w - worst.min(w)) as f64 / w as f64
}

fn merge_sorted(a: impl Iterator<Item = u64>, b: impl Iterator<Item = u64>, out: &mut Vec<u64>) {
    let mut a = a.peekable();
    let mut b = b.peekable();
    loop {
        let next = match (a.peek(), b.peek()) {
            (Some(&x), Some(&y)) if x <= y => a.next(),
            (Some(_), Some(_)) => b.next(),
            (Some(_), None) => a.next(),
            (None, Some(_)) => b.next(),
            (None, None) => break,
        };
        out.extend(next);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Brute force: every integer window start (small spans only).
    fn mmu_brute(pauses: &[(u64, u64)], span: (u64, u64), w: u64) -> f64 {
        let iv = normalize_pauses(pauses, span);
        let (t0, t1) = span;
        let w = w.clamp(1, t1 - t0);
        let worst = (t0..=t1 - w)
            .map(|a| pause_time_in(&iv, a, a + w))
            .max()
            .unwrap();
        (w - worst) as f64 / w as f64
    }

    #[test]
    fn merge_and_clip() {
        let iv = normalize_pauses(&[(50, 20), (0, 10), (5, 10), (95, 20), (60, 5)], (2, 100));
        assert_eq!(iv, vec![(2, 15), (50, 70), (95, 100)]);
    }

    #[test]
    fn matches_brute_force_on_random_pauses() {
        let mut x = 0x1234_5678_9abc_def1u64;
        let mut rnd = |m: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % m
        };
        for _ in 0..200 {
            let t0 = rnd(50);
            let t1 = t0 + 1 + rnd(400);
            let n = rnd(12) as usize;
            let pauses: Vec<(u64, u64)> = (0..n).map(|_| (rnd(500), rnd(40))).collect();
            for w in [1, 2, 3, 7, 10, 25, 60, 100, 250, 1000] {
                let fast = mmu(&pauses, (t0, t1), w);
                let slow = mmu_brute(&pauses, (t0, t1), w);
                assert!(
                    (fast - slow).abs() < 1e-12,
                    "pauses {pauses:?} span ({t0},{t1}) w {w}: fast {fast} slow {slow}"
                );
            }
        }
    }
}
