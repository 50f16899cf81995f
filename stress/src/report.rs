//! Small helpers for reports: memory readings, number formatting, tables, a tiny PRNG.

use std::fmt::Write as _;

use crate::scale::RunResult;

/// A value of `/proc/self/status` in bytes (`VmRSS`, `VmHWM`, ...); `None` off Linux.
pub fn proc_status_bytes(key: &str) -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    for line in s.lines() {
        if let Some(rest) = line.strip_prefix(key).and_then(|r| r.strip_prefix(':')) {
            let kb: u64 = rest.trim().trim_end_matches("kB").trim().parse().ok()?;
            return Some(kb * 1024);
        }
    }
    None
}

/// Current resident set size, bytes.
pub fn rss_bytes() -> Option<u64> {
    proc_status_bytes("VmRSS")
}

/// Peak resident set size of the process so far (VmHWM), bytes.
pub fn peak_rss_bytes() -> Option<u64> {
    proc_status_bytes("VmHWM")
}

/// `12.3M`-style number (k, M, G; base 1000).
pub fn si(v: f64) -> String {
    let a = v.abs();
    if a >= 1e9 {
        format!("{:.2}G", v / 1e9)
    } else if a >= 1e6 {
        format!("{:.2}M", v / 1e6)
    } else if a >= 1e3 {
        format!("{:.1}k", v / 1e3)
    } else {
        format!("{v:.0}")
    }
}

/// Bytes as `12.3 MiB`.
pub fn bytes(b: u64) -> String {
    let b = b as f64;
    if b >= 1024.0 * 1024.0 * 1024.0 {
        format!("{:.2} GiB", b / (1024.0 * 1024.0 * 1024.0))
    } else if b >= 1024.0 * 1024.0 {
        format!("{:.1} MiB", b / (1024.0 * 1024.0))
    } else {
        format!("{:.0} KiB", b / 1024.0)
    }
}

/// Nanoseconds as milliseconds with 3 decimals.
pub fn ms(ns: u64) -> String {
    format!("{:.3}", ns as f64 / 1e6)
}

/// The `scale` table: one row per thread count (Markdown, so it pastes into docs as is).
pub fn scale_table(runs: &[RunResult]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| threads | alloc/s | collected/s | GCs | GC % | pause p50 / p99 / max ms | stopped p50 / p99 / max ms | max TTSP ms | peak heap | peak RSS | live end | verify |"
    );
    let _ = writeln!(out, "|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|:--|");
    for r in runs {
        let verify = match &r.verify {
            None if r.violations == 0 => "-".to_string(),
            None => format!("{} violations", r.violations),
            Some(v) if v.violations == 0 => format!("ok ({} checks)", v.checks),
            Some(v) => format!("FAILED ({} violations)", v.violations),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {:.1} | {} / {} / {} | {} / {} / {} | {} | {} | {} | {} | {} |",
            r.threads,
            si(r.allocated_per_s),
            si(r.collected_per_s),
            r.collections,
            100.0 * r.gc_share,
            ms(r.pause.p50_ns),
            ms(r.pause.p99_ns),
            ms(r.pause.max_ns),
            ms(r.stopped.p50_ns),
            ms(r.stopped.p99_ns),
            ms(r.stopped.max_ns),
            ms(r.max_ttsp_ns),
            bytes(r.peak_heap_bytes),
            bytes(r.peak_rss_bytes),
            r.live_objects,
            verify
        );
    }
    out
}

/// xorshift64*: a tiny, fast, seedable PRNG (the workload needs no more).
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a non-zero-ish seed.
    pub fn new(seed: u64) -> Self {
        Rng(seed | 1)
    }
    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform-ish in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() >> 32) * n) >> 32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rng_below_in_range() {
        let mut r = Rng::new(7);
        for n in [1u64, 2, 50, 1000] {
            for _ in 0..1000 {
                assert!(r.below(n) < n);
            }
        }
    }

    #[test]
    fn formats() {
        assert_eq!(si(1234.0), "1.2k");
        assert_eq!(si(12_345_678.0), "12.35M");
        assert_eq!(bytes(2 * 1024 * 1024), "2.0 MiB");
        assert_eq!(ms(1_500_000), "1.500");
    }

    #[test]
    fn rss_is_readable_on_linux() {
        if cfg!(target_os = "linux") {
            assert!(rss_bytes().unwrap() > 0);
            assert!(peak_rss_bytes().unwrap() >= rss_bytes().unwrap() / 2);
        }
    }
}
