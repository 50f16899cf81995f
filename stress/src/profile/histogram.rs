//! Pause-time statistics: hdrhistograms of collection and world-stopped durations.
//!
//! Two pause measures are kept for every collection:
//!
//! * **collection** — the whole collection, `end_ns - start_ns` (world stopped *and* the
//!   world-running tail: finalizers, freeing);
//! * **stopped** — the time the world was stopped (`stopped_ns`, both stops together). This is
//!   what mutators actually wait for, and what the pause targets in DESIGN §6 refer to.

use gc_core::record::CollectionRecord;
use hdrhistogram::Histogram;

/// Significant decimal digits kept by the pause histograms (relative error ≤ 0.1 %).
pub const SIGFIG: u8 = 3;
/// Largest pause the histograms can represent exactly: one hour, in ns. Longer pauses are
/// clamped to this value (the histogram saturates instead of failing).
pub const MAX_TRACKABLE_NS: u64 = 3_600 * 1_000_000_000;

/// Which duration of a collection counts as its pause.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum PauseKind {
    /// `end_ns - start_ns`: the whole collection.
    Collection,
    /// `stopped_ns`: time the world was stopped (all stops of the collection).
    Stopped,
}

/// Percentile summary of one pause measure. All values in ns.
#[derive(Copy, Clone, Debug, Default, PartialEq)]
pub struct PauseSummary {
    /// Number of collections.
    pub count: u64,
    /// Median.
    pub p50_ns: u64,
    /// 90th percentile.
    pub p90_ns: u64,
    /// 99th percentile.
    pub p99_ns: u64,
    /// 99.9th percentile.
    pub p999_ns: u64,
    /// Exact maximum (not rounded to the histogram's precision).
    pub max_ns: u64,
    /// Mean.
    pub mean_ns: f64,
    /// Exact sum of all pauses.
    pub total_ns: u64,
}

/// Pause statistics over a run, built from records at once ([`PauseStats::from_records`]) or
/// incrementally ([`PauseStats::record`]).
#[derive(Clone, Debug)]
pub struct PauseStats {
    collection: Histogram<u64>,
    stopped: Histogram<u64>,
    count: u64,
    total_collection_ns: u64,
    total_stopped_ns: u64,
    max_collection_ns: u64,
    max_stopped_ns: u64,
    max_ttsp_ns: u64,
    collected: u64,
}

impl Default for PauseStats {
    fn default() -> Self {
        Self::new()
    }
}

fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, MAX_TRACKABLE_NS, SIGFIG).expect("valid histogram bounds")
}

impl PauseStats {
    /// Empty statistics.
    pub fn new() -> Self {
        PauseStats {
            collection: new_histogram(),
            stopped: new_histogram(),
            count: 0,
            total_collection_ns: 0,
            total_stopped_ns: 0,
            max_collection_ns: 0,
            max_stopped_ns: 0,
            max_ttsp_ns: 0,
            collected: 0,
        }
    }

    /// Statistics over all `records`.
    pub fn from_records(records: &[CollectionRecord]) -> Self {
        let mut stats = Self::new();
        for r in records {
            stats.record(r);
        }
        stats
    }

    /// Adds one collection.
    pub fn record(&mut self, r: &CollectionRecord) {
        self.record_durations(r.duration_ns(), r.stopped_ns);
        self.max_ttsp_ns = self.max_ttsp_ns.max(r.max_ttsp_ns);
        self.collected += r.collected;
    }

    /// Adds one collection given only its durations (ns): whole collection and world stopped.
    pub fn record_durations(&mut self, collection_ns: u64, stopped_ns: u64) {
        self.collection.saturating_record(collection_ns);
        self.stopped.saturating_record(stopped_ns);
        self.count += 1;
        self.total_collection_ns += collection_ns;
        self.total_stopped_ns += stopped_ns;
        self.max_collection_ns = self.max_collection_ns.max(collection_ns);
        self.max_stopped_ns = self.max_stopped_ns.max(stopped_ns);
    }

    /// Number of collections recorded.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The histogram of one pause measure (ns).
    pub fn histogram(&self, kind: PauseKind) -> &Histogram<u64> {
        match kind {
            PauseKind::Collection => &self.collection,
            PauseKind::Stopped => &self.stopped,
        }
    }

    /// Value at quantile `q` in `[0, 1]` of one pause measure, ns (0 if empty). Nearest-rank,
    /// rounded up to the histogram's precision ([`SIGFIG`] digits), and never above the exact max.
    pub fn quantile(&self, kind: PauseKind, q: f64) -> u64 {
        if self.count == 0 {
            return 0;
        }
        self.histogram(kind)
            .value_at_quantile(q)
            .min(self.max_ns(kind))
    }

    /// Exact maximum of one pause measure, ns.
    pub fn max_ns(&self, kind: PauseKind) -> u64 {
        match kind {
            PauseKind::Collection => self.max_collection_ns,
            PauseKind::Stopped => self.max_stopped_ns,
        }
    }

    /// Exact sum of one pause measure, ns.
    pub fn total_ns(&self, kind: PauseKind) -> u64 {
        match kind {
            PauseKind::Collection => self.total_collection_ns,
            PauseKind::Stopped => self.total_stopped_ns,
        }
    }

    /// Total GC time (whole collections), ns.
    pub fn total_gc_ns(&self) -> u64 {
        self.total_collection_ns
    }

    /// Total world-stopped time, ns.
    pub fn total_stopped_ns(&self) -> u64 {
        self.total_stopped_ns
    }

    /// Largest time-to-safepoint seen, ns.
    pub fn max_ttsp_ns(&self) -> u64 {
        self.max_ttsp_ns
    }

    /// Objects freed over all collections.
    pub fn collected(&self) -> u64 {
        self.collected
    }

    /// Fraction (0..=1, not %) of the run's wall time `wall_ns` spent in one pause measure.
    /// 0 when `wall_ns` is 0.
    pub fn share(&self, kind: PauseKind, wall_ns: u64) -> f64 {
        if wall_ns == 0 {
            return 0.0;
        }
        self.total_ns(kind) as f64 / wall_ns as f64
    }

    /// GC share of wall time: total collection time / `wall_ns` (fraction, 0..=1).
    pub fn gc_share(&self, wall_ns: u64) -> f64 {
        self.share(PauseKind::Collection, wall_ns)
    }

    /// p50/p90/p99/p99.9/max/mean/total of one pause measure.
    pub fn summary(&self, kind: PauseKind) -> PauseSummary {
        let h = self.histogram(kind);
        PauseSummary {
            count: self.count,
            p50_ns: self.quantile(kind, 0.50),
            p90_ns: self.quantile(kind, 0.90),
            p99_ns: self.quantile(kind, 0.99),
            p999_ns: self.quantile(kind, 0.999),
            max_ns: self.max_ns(kind),
            mean_ns: if self.count == 0 { 0.0 } else { h.mean() },
            total_ns: self.total_ns(kind),
        }
    }
}

/// Nearest-rank percentile of `values` (unsorted is fine): the smallest value such that at least
/// `q * n` values are ≤ it, i.e. `sorted[ceil(q * n) - 1]` (rank at least 1). 0 for an empty slice.
/// The same rank rule as `hdrhistogram`'s `value_at_quantile`; meant as a test oracle.
pub fn percentile_brute_force(values: &[u64], q: f64) -> u64 {
    if values.is_empty() {
        return 0;
    }
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let q = q.clamp(0.0, 1.0);
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Small deterministic PRNG (xorshift64*), so tests need no extra crates.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
    }

    #[test]
    fn brute_force_nearest_rank() {
        let v = [5, 1, 4, 2, 3];
        assert_eq!(percentile_brute_force(&v, 0.0), 1);
        assert_eq!(percentile_brute_force(&v, 0.2), 1);
        assert_eq!(percentile_brute_force(&v, 0.21), 2);
        assert_eq!(percentile_brute_force(&v, 0.5), 3);
        assert_eq!(percentile_brute_force(&v, 1.0), 5);
        assert_eq!(percentile_brute_force(&[], 0.5), 0);
    }

    #[test]
    fn hdr_percentiles_match_brute_force() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for round in 0..20 {
            let n = 1 + (rng.next() % 5000) as usize;
            // Log-uniform-ish pauses from ~1 µs to ~100 ms, with a heavy tail.
            let values: Vec<u64> = (0..n)
                .map(|_| {
                    let scale = 10u64.pow(3 + (rng.next() % 6) as u32);
                    1 + rng.next() % scale
                })
                .collect();
            let mut stats = PauseStats::new();
            for &v in &values {
                stats.record_durations(v, v / 2);
            }
            for q in [0.0, 0.5, 0.9, 0.99, 0.999, 1.0] {
                let exact = percentile_brute_force(&values, q);
                let hdr = stats.quantile(PauseKind::Collection, q);
                // hdrhistogram reports the highest value equivalent to the true one at SIGFIG
                // digits: never below it, at most ~10^-SIGFIG (x2 for bucket rounding) above.
                let tol = (exact as f64 * 2.0 * 10f64.powi(-(SIGFIG as i32))).ceil() as u64 + 1;
                assert!(
                    hdr >= exact && hdr - exact <= tol,
                    "round {round} n {n} q {q}: hdr {hdr} exact {exact} tol {tol}"
                );
            }
            assert_eq!(
                stats.max_ns(PauseKind::Collection),
                *values.iter().max().unwrap()
            );
            assert_eq!(
                stats.total_ns(PauseKind::Collection),
                values.iter().sum::<u64>()
            );
        }
    }

    #[test]
    fn empty_stats() {
        let s = PauseStats::new();
        let sum = s.summary(PauseKind::Stopped);
        assert_eq!(sum, PauseSummary::default());
        assert_eq!(s.gc_share(0), 0.0);
        assert_eq!(s.gc_share(1000), 0.0);
    }

    #[test]
    fn share_of_wall_time() {
        let mut s = PauseStats::new();
        s.record_durations(10_000_000, 4_000_000);
        s.record_durations(30_000_000, 6_000_000);
        assert!((s.gc_share(1_000_000_000) - 0.04).abs() < 1e-12);
        assert!((s.share(PauseKind::Stopped, 1_000_000_000) - 0.01).abs() < 1e-12);
        assert_eq!(s.max_ns(PauseKind::Collection), 30_000_000);
    }
}
