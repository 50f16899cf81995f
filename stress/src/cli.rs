//! Command line (clap derive). Every value is validated here, so a bad argument is a clap
//! error: a clear message on stderr and exit status 2, never a panic.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Garbage-scaling stress runs, one-shot collection timings and pause profiles for gc-core.
///
/// With no subcommand, runs `scale` with its defaults (threads 1,2,4 for 5 s each).
#[derive(Parser, Debug)]
#[command(name = "gc-stress", version, about, long_about = None)]
pub struct Cli {
    /// What to run (default: `scale` with default options).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// T mutator threads make garbage continuously and keep a live set; one row per T.
    Scale(ScaleArgs),
    /// Build a graph and time full collections of it.
    Collect(CollectArgs),
    /// Run the scale workload and write trace.json, records.json and SVG plots to a directory.
    Profile(ProfileArgs),
    /// Refcount death under fire: threads drop deep chains of finalizable objects while
    /// finalizers trigger collections; checks every object is finalized and freed once.
    Deaths(DeathsArgs),
}

/// Garbage shapes of the scaling workload.
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ScaleShape {
    /// Rings of 20 nodes (`next`/`prev`) from the thread's own heap.
    Rings,
    /// Rings of 20 nodes, half of them allocated by other threads (remote frees).
    CrossThread,
    /// Rings, cross-thread rings and cyclic trees of 15 nodes, in turn.
    Mixed,
}

/// Graph shapes of `collect` (DESIGN §5).
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CollectShape {
    /// N/20 rings of 20 nodes, all garbage.
    Rings,
    /// A binary tree of N nodes reachable from a root, all live.
    Tree,
    /// A live tree of N/2 nodes plus N/2 nodes of ring garbage.
    Mixed,
    /// pyperformance gc_collect: rings of 21 nodes (N/21 of them), all garbage.
    #[value(name = "gc_collect")]
    GcCollect,
    /// pyperformance gc_traversal: N lists, list k holds k references to list k-1; all live.
    #[value(name = "gc_traversal")]
    GcTraversal,
    /// Rings of 20 whose nodes come from three threads' heaps, all garbage.
    #[value(name = "cross-thread")]
    CrossThread,
}

impl CollectShape {
    /// The name used on the command line and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            CollectShape::Rings => "rings",
            CollectShape::Tree => "tree",
            CollectShape::Mixed => "mixed",
            CollectShape::GcCollect => "gc_collect",
            CollectShape::GcTraversal => "gc_traversal",
            CollectShape::CrossThread => "cross-thread",
        }
    }
}

impl ScaleShape {
    /// The name used on the command line and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            ScaleShape::Rings => "rings",
            ScaleShape::CrossThread => "cross-thread",
            ScaleShape::Mixed => "mixed",
        }
    }
}

/// Object models the workloads can run on.
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    /// gc-vm-adapter's nogil object model (biased reference counting, lists as nodes).
    Adapter,
    /// A minimal binding directly on gc-core (isolates the collector; hosts --inject-fault).
    Lean,
}

/// Test-only faults (`--inject-fault`, only with the `fault-injection` feature).
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Fault {
    /// The next collection skips marking one live unit head (so a live unit is freed).
    SkipMark,
}

/// Options shared by `scale` and `profile`.
#[derive(Args, Debug, Clone)]
pub struct WorkloadArgs {
    /// Mutator thread counts to run, comma-separated (e.g. 1,2,4,8).
    #[arg(long, value_name = "LIST", default_value = "1,2,4", value_parser = parse_thread_list, allow_negative_numbers = true)]
    pub threads: ThreadList,
    /// Seconds per thread count (fractions allowed, e.g. 0.5).
    #[arg(long, value_name = "SECS", default_value = "5", value_parser = parse_seconds, allow_negative_numbers = true)]
    pub seconds: f64,
    /// Objects kept live (1 ring in 50 survives until the live set is full).
    #[arg(long, value_name = "OBJECTS", default_value = "40000", value_parser = parse_count, allow_negative_numbers = true)]
    pub live: u64,
    /// Garbage shape.
    #[arg(long, value_enum, default_value = "rings")]
    pub shape: ScaleShape,
    /// GC worker threads (default: GC_WORKERS or the number of cores).
    #[arg(long, value_name = "N", value_parser = parse_positive, allow_negative_numbers = true)]
    pub workers: Option<usize>,
    /// Object model the workload runs on.
    #[arg(long, value_enum, default_value = "adapter")]
    pub model: ModelKind,
    /// Check every collection with the independent checker; exit 1 on any violation.
    #[arg(long)]
    pub verify: bool,
    /// Test-only: inject a collector fault (needs the `fault-injection` feature and
    /// `--model lean`).
    #[arg(long, value_enum, hide = true)]
    pub inject_fault: Option<Fault>,
    /// With --verify: do not also turn on gc-core's own self-check.
    #[arg(long, hide = true)]
    pub no_core_verify: bool,
}

impl Default for WorkloadArgs {
    fn default() -> Self {
        WorkloadArgs {
            threads: ThreadList(vec![1, 2, 4]),
            seconds: 5.0,
            live: 40_000,
            shape: ScaleShape::Rings,
            workers: None,
            model: ModelKind::Adapter,
            verify: false,
            inject_fault: None,
            no_core_verify: false,
        }
    }
}

/// `gc-stress scale`.
#[derive(Args, Debug, Clone, Default)]
pub struct ScaleArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub workload: WorkloadArgs,
    /// Write the results as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write a Chrome trace of the run to FILE (one file per thread count when several:
    /// FILE gets a `-t<T>` suffix).
    #[arg(long, value_name = "FILE")]
    pub trace: Option<PathBuf>,
}

/// `gc-stress collect`.
#[derive(Args, Debug, Clone)]
pub struct CollectArgs {
    /// Graph shape.
    #[arg(long, value_enum, default_value = "rings")]
    pub shape: CollectShape,
    /// Objects in the graph.
    #[arg(long, value_name = "N", default_value = "1000000", value_parser = parse_positive_u64, allow_negative_numbers = true)]
    pub objects: u64,
    /// GC worker threads (default: GC_WORKERS or the number of cores).
    #[arg(long, value_name = "W", value_parser = parse_positive, allow_negative_numbers = true)]
    pub workers: Option<usize>,
    /// Object model the graph is built in.
    #[arg(long, value_enum, default_value = "adapter")]
    pub model: ModelKind,
    /// Timed collections (garbage is rebuilt before each).
    #[arg(long, value_name = "R", default_value = "7", value_parser = parse_positive, allow_negative_numbers = true)]
    pub repeat: usize,
    /// Check every collection with the independent checker; exit 1 on any violation.
    #[arg(long)]
    pub verify: bool,
    /// Write the result as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Test-only: inject a collector fault (needs the `fault-injection` feature and
    /// `--model lean`).
    #[arg(long, value_enum, hide = true)]
    pub inject_fault: Option<Fault>,
    /// With --verify: do not also turn on gc-core's own self-check.
    #[arg(long, hide = true)]
    pub no_core_verify: bool,
}

/// `gc-stress deaths`.
#[derive(Args, Debug, Clone)]
pub struct DeathsArgs {
    /// Mutator threads.
    #[arg(long, value_name = "T", default_value = "4", value_parser = parse_positive, allow_negative_numbers = true)]
    pub threads: usize,
    /// Seconds to run (a chain in progress is finished first; with --verify a 100 000-deep
    /// chain takes seconds).
    #[arg(long, value_name = "SECS", default_value = "3", value_parser = parse_seconds, allow_negative_numbers = true)]
    pub seconds: f64,
    /// Objects per chain (each holds the next; dropping the head frees the chain by refcount).
    #[arg(long, value_name = "N", default_value = "100000", value_parser = parse_positive_u64, allow_negative_numbers = true)]
    pub depth: u64,
    /// Every N-th finalizer calls `collect()` in the middle of the cascade.
    #[arg(long, value_name = "N", default_value = "997", value_parser = parse_positive_u64, allow_negative_numbers = true)]
    pub collect_every: u64,
    /// GC worker threads (default: GC_WORKERS or the number of cores).
    #[arg(long, value_name = "W", value_parser = parse_positive, allow_negative_numbers = true)]
    pub workers: Option<usize>,
    /// Turn on gc-core's self-check and edge checks for every collection.
    #[arg(long)]
    pub verify: bool,
}

/// `gc-stress profile`.
#[derive(Args, Debug, Clone)]
pub struct ProfileArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub workload: WorkloadArgs,
    /// Output directory (created if missing). With several thread counts, one subdirectory
    /// `t<T>` per count.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// A validated, non-empty list of positive thread counts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThreadList(pub Vec<usize>);

/// Most mutator threads one run may ask for.
pub const MAX_THREADS: usize = 1024;

/// Parse `1,2,4`: positive integers, no empty items, at most [`MAX_THREADS`].
pub fn parse_thread_list(s: &str) -> Result<ThreadList, String> {
    let mut v = Vec::new();
    for item in s.split(',') {
        let item = item.trim();
        if item.is_empty() {
            return Err(format!(
                "empty item in thread list `{s}` (expected e.g. 1,2,4)"
            ));
        }
        let n: i64 = item
            .parse()
            .map_err(|_| format!("`{item}` is not a thread count (expected e.g. 1,2,4)"))?;
        if n <= 0 {
            return Err(format!("thread count must be at least 1, got {n}"));
        }
        if n as u64 > MAX_THREADS as u64 {
            return Err(format!("thread count {n} is more than {MAX_THREADS}"));
        }
        v.push(n as usize);
    }
    Ok(ThreadList(v))
}

fn parse_seconds(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a number of seconds"))?;
    if !v.is_finite() || v <= 0.0 {
        return Err(format!("seconds must be a positive number, got {s}"));
    }
    if v > 86_400.0 {
        return Err(format!("seconds must be at most 86400, got {s}"));
    }
    Ok(v)
}

fn parse_signed(s: &str, what: &str) -> Result<i128, String> {
    s.trim()
        .parse::<i128>()
        .map_err(|_| format!("`{s}` is not a {what}"))
}

/// A count that may be zero (e.g. `--live 0`), never negative.
fn parse_count(s: &str) -> Result<u64, String> {
    let v = parse_signed(s, "count")?;
    if v < 0 {
        return Err(format!("must not be negative, got {v}"));
    }
    u64::try_from(v).map_err(|_| format!("{v} is too large"))
}

fn parse_positive_u64(s: &str) -> Result<u64, String> {
    let v = parse_signed(s, "count")?;
    if v <= 0 {
        return Err(format!("must be at least 1, got {v}"));
    }
    if v > 1_000_000_000 {
        return Err(format!("{v} is too large (at most 1000000000)"));
    }
    Ok(v as u64)
}

fn parse_positive(s: &str) -> Result<usize, String> {
    let v = parse_signed(s, "count")?;
    if v <= 0 {
        return Err(format!("must be at least 1, got {v}"));
    }
    if v > 4096 {
        return Err(format!("{v} is too large (at most 4096)"));
    }
    Ok(v as usize)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn thread_lists() {
        assert_eq!(parse_thread_list("1,2,4").unwrap().0, vec![1, 2, 4]);
        assert_eq!(parse_thread_list(" 3 ").unwrap().0, vec![3]);
        for bad in ["", "1,x", "0", "1,,2", "-1", "1,2,", "99999"] {
            assert!(parse_thread_list(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn counts() {
        assert!(parse_count("-5").is_err());
        assert_eq!(parse_count("0").unwrap(), 0);
        assert!(parse_positive("0").is_err());
        assert!(parse_seconds("0").is_err());
        assert!(parse_seconds("nan").is_err());
        assert_eq!(parse_seconds("0.5").unwrap(), 0.5);
    }
}
