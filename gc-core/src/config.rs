//! Runtime configuration: worker count, trigger thresholds, checks.

use std::time::Duration;

/// Environment variable that overrides [`GcConfig::workers`] for quick experiments.
pub const WORKERS_ENV: &str = "GC_WORKERS";
/// Environment variable that turns on the per-collection one-line log on stderr.
pub const TRACE_ENV: &str = "GC_TRACE";
/// Environment variable that turns on the collector self-check after every collection.
pub const VERIFY_ENV: &str = "GC_VERIFY";
/// Environment variable that forces prefetching in the mark loop on (`1`) or off (`0`).
pub const MARK_PREFETCH_ENV: &str = "GC_MARK_PREFETCH";
/// Environment variable that overrides [`GcConfig::parallel_min_objects`].
pub const PARALLEL_MIN_ENV: &str = "GC_PARALLEL_MIN_OBJECTS";

/// How a [`GcRuntime`](crate::GcRuntime) behaves. Build with [`GcConfig::default`] and the
/// `with_*` methods.
#[derive(Clone, Debug)]
pub struct GcConfig {
    /// GC worker threads used while the world is stopped. Default: the `GC_WORKERS`
    /// environment variable if set, else the number of available cores.
    pub workers: usize,
    /// Minimum young allocation count that triggers an automatic collection (CPython's
    /// generation-0 threshold analogue). The effective threshold is
    /// `max(threshold, live_after_last / 4)`.
    pub threshold: u64,
    /// Collect every N allocations regardless of the threshold (stress knob); 0 = off.
    pub stress_every: u64,
    /// Whether automatic collection is on at start.
    pub enabled: bool,
    /// Keep garbage in a list instead of freeing it (debug aid, like `gc.DEBUG_SAVEALL`).
    pub save_garbage: bool,
    /// Check every edge reported by `trace` against the heap (catches foreign pointers).
    /// Default: on in debug builds.
    pub check_edges: bool,
    /// Panic (after the collection has finished safely) when a contract violation is found.
    /// Default: on in debug builds.
    pub panic_on_violation: bool,
    /// Re-derive liveness independently after every collection and panic on a mismatch
    /// (like Go's gccheckmark). Default: the `GC_VERIFY` environment variable.
    pub verify: bool,
    /// Print one line per collection on stderr. Default: the `GC_TRACE` environment variable.
    pub trace_log: bool,
    /// A thread that has not reached a safepoint this long after a stop request is reported
    /// as stuck.
    pub stuck_threshold: Duration,
    /// Defer reuse of freed memory with crossbeam-epoch, for VMs whose readers load slots
    /// without locks (DESIGN §3.6).
    pub deferred_reclamation: bool,
    /// How many collection records to keep in memory.
    pub record_capacity: usize,
    /// Allocations a mutator counts locally before flushing to the shared young count.
    pub flush_batch: u32,
    /// Prefetch children's headers while marking and claim them a few edges later.
    /// `None` (default): on when a collection marks with 4 or more workers, where it
    /// measured faster; off with fewer, where it measured level or slower (docs/design.md).
    /// `GC_MARK_PREFETCH=1` / `=0` forces it.
    pub mark_prefetch: Option<bool>,
    /// Heaps with fewer tracked objects than this (survivors of the last collection plus
    /// allocations since) are collected on the collecting thread alone: waking the worker
    /// pool costs more than the work it would share (default: `GC_PARALLEL_MIN_OBJECTS` if
    /// set, else 20 000; a 0.5 MB heap took 0.2–2.5 ms with the pool and 0.18 ms inline on the
    /// 2-core development VM). 0 runs every collection on all `workers`, which tests use to
    /// exercise the parallel paths on small graphs.
    pub parallel_min_objects: u64,
}

/// A `GC_*` environment variable whose value cannot be used.
///
/// [`GcConfig::default`] ignores such a variable (the default applies) and says so once on
/// stderr; programs that would rather refuse to start call [`check_env`] first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvError {
    /// The variable's name.
    pub name: &'static str,
    /// Its value as set.
    pub value: String,
    /// What it should be.
    pub expected: &'static str,
}

impl std::fmt::Display for EnvError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "environment variable {}={:?} is not {}",
            self.name, self.value, self.expected
        )
    }
}

impl std::error::Error for EnvError {}

const FLAG: &str = "a switch (1, true, on, yes or 0, false, off, no)";
const POSITIVE: &str = "a whole number of at least 1";
const COUNT: &str = "a whole number (0 or more)";

/// The value of `name`, parsed; `Ok(None)` when it is unset.
fn env_value<T>(
    name: &'static str,
    expected: &'static str,
    parse: impl FnOnce(&str) -> Option<T>,
) -> Result<Option<T>, EnvError> {
    let Some(raw) = std::env::var_os(name) else {
        return Ok(None);
    };
    match raw.to_str().and_then(|v| parse(v.trim())) {
        Some(v) => Ok(Some(v)),
        None => Err(EnvError {
            name,
            value: raw.to_string_lossy().into_owned(),
            expected,
        }),
    }
}

fn parse_flag(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "1" | "true" | "on" | "yes" => Some(true),
        // Set but empty reads as off, as it always has.
        "" | "0" | "false" | "off" | "no" => Some(false),
        _ => None,
    }
}

fn env_flag(name: &'static str) -> Result<Option<bool>, EnvError> {
    env_value(name, FLAG, parse_flag)
}

fn env_workers() -> Result<Option<usize>, EnvError> {
    env_value(WORKERS_ENV, POSITIVE, |v| {
        v.parse::<usize>().ok().filter(|&n| n > 0)
    })
}

fn env_parallel_min() -> Result<Option<u64>, EnvError> {
    env_value(PARALLEL_MIN_ENV, COUNT, |v| v.parse().ok())
}

/// Check every `GC_*` variable this module reads; the first unusable one is the error.
/// Binaries call this at start-up to refuse a typo (`GC_WORKERS=four`) instead of running
/// with the default.
pub fn check_env() -> Result<(), EnvError> {
    env_workers()?;
    env_parallel_min()?;
    for name in [TRACE_ENV, VERIFY_ENV, MARK_PREFETCH_ENV] {
        env_flag(name)?;
    }
    Ok(())
}

/// `r`'s value, or `None` after saying once per variable on stderr that it is ignored.
fn or_warn<T>(r: Result<Option<T>, EnvError>) -> Option<T> {
    static WARNED: parking_lot::Mutex<Vec<&'static str>> = parking_lot::Mutex::new(Vec::new());
    r.unwrap_or_else(|e| {
        let mut warned = WARNED.lock();
        if !warned.contains(&e.name) {
            warned.push(e.name);
            eprintln!("gc-core: warning: {e}; ignored, the default applies");
        }
        None
    })
}

/// The worker count from `GC_WORKERS`, or the available cores (an unusable `GC_WORKERS` is
/// reported once on stderr and ignored).
pub fn default_workers() -> usize {
    if let Some(n) = or_warn(env_workers()) {
        return n;
    }
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

impl Default for GcConfig {
    fn default() -> Self {
        GcConfig {
            workers: default_workers(),
            threshold: 2000,
            stress_every: 0,
            enabled: true,
            save_garbage: false,
            check_edges: cfg!(debug_assertions),
            panic_on_violation: cfg!(debug_assertions),
            verify: or_warn(env_flag(VERIFY_ENV)).unwrap_or(false),
            trace_log: or_warn(env_flag(TRACE_ENV)).unwrap_or(false),
            stuck_threshold: Duration::from_millis(200),
            deferred_reclamation: false,
            record_capacity: 1024,
            flush_batch: 64,
            mark_prefetch: or_warn(env_flag(MARK_PREFETCH_ENV)),
            parallel_min_objects: or_warn(env_parallel_min()).unwrap_or(20_000),
        }
    }
}

impl GcConfig {
    /// Force prefetching in the mark loop on or off (see [`GcConfig::mark_prefetch`]).
    pub fn with_mark_prefetch(mut self, on: bool) -> Self {
        self.mark_prefetch = Some(on);
        self
    }

    /// Collect heaps below `n` tracked objects inline (see
    /// [`GcConfig::parallel_min_objects`]); 0 = always use every worker.
    pub fn with_parallel_min_objects(mut self, n: u64) -> Self {
        self.parallel_min_objects = n;
        self
    }

    /// Set the number of GC workers (at least 1).
    pub fn with_workers(mut self, n: usize) -> Self {
        self.workers = n.max(1);
        self
    }
    /// Set the automatic-collection threshold.
    pub fn with_threshold(mut self, n: u64) -> Self {
        self.threshold = n;
        self
    }
    /// Collect every `n` allocations (0 = off).
    pub fn with_stress_every(mut self, n: u64) -> Self {
        self.stress_every = n;
        self
    }
    /// Start with automatic collection on or off.
    pub fn with_enabled(mut self, on: bool) -> Self {
        self.enabled = on;
        self
    }
    /// Keep garbage instead of freeing it.
    pub fn with_save_garbage(mut self, on: bool) -> Self {
        self.save_garbage = on;
        self
    }
    /// Check every traced edge against the heap.
    pub fn with_check_edges(mut self, on: bool) -> Self {
        self.check_edges = on;
        self
    }
    /// Panic after a collection that found a contract violation.
    pub fn with_panic_on_violation(mut self, on: bool) -> Self {
        self.panic_on_violation = on;
        self
    }
    /// Run the independent self-check after every collection.
    pub fn with_verify(mut self, on: bool) -> Self {
        self.verify = on;
        self
    }
    /// Print a line per collection on stderr.
    pub fn with_trace_log(mut self, on: bool) -> Self {
        self.trace_log = on;
        self
    }
    /// Set the stuck-thread threshold.
    pub fn with_stuck_threshold(mut self, d: Duration) -> Self {
        self.stuck_threshold = d;
        self
    }
    /// Turn deferred reclamation on or off.
    pub fn with_deferred_reclamation(mut self, on: bool) -> Self {
        self.deferred_reclamation = on;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn switches_accept_the_usual_spellings_and_nothing_else() {
        for on in ["1", "true", "ON", "Yes"] {
            assert_eq!(parse_flag(on), Some(true), "{on}");
        }
        for off in ["", "0", "false", "Off", "NO"] {
            assert_eq!(parse_flag(off), Some(false), "{off}");
        }
        for bad in ["2", "maybe", "enabled"] {
            assert_eq!(parse_flag(bad), None, "{bad}");
        }
    }

    #[test]
    fn an_unusable_value_names_the_variable_and_what_it_should_be() {
        let e = EnvError {
            name: WORKERS_ENV,
            value: "four".into(),
            expected: POSITIVE,
        };
        let msg = e.to_string();
        assert!(msg.contains("GC_WORKERS=\"four\""), "{msg}");
        assert!(msg.contains("at least 1"), "{msg}");
    }
}
