//! Criterion benchmarks of one collection per standard workload (DESIGN §5), gc-core with 1, 2
//! (and `available_parallelism`, if more) workers, gc-core through the gc-vm-adapter object
//! model (`ours-adapter-w1/w2`, rings and tree) and the peer collectors.
//!
//! Each iteration (`iter_custom`) builds the graph untimed, times dropping the external handles
//! to the garbage plus one collection, checks that exactly the garbage was freed, then drops
//! the live part, collects again (untimed) and checks that everything built was freed, so no
//! iteration or benchmark inherits another's leftovers (dumpster, for one, frees objects whose
//! last reference was dropped only at its next `collect()`). Nothing is built before criterion
//! applies its filter, so `cargo bench -p gc-benches -- --quick rings/ours` only builds rings.
//!
//! Peers run at 100k objects (and rings at 1M, and gc_collect / gc_traversal at their natural
//! size); the full matrix at 1M, with failures reported, is `gc-bench-summary`'s job.
//!
//! ```text
//! cargo bench -p gc-benches -- --quick
//! ```

use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput};
use gc_benches::peers::{
    arc_floor::ArcFloor, bacon_rajan::BaconRajan, dumpster_sync::DumpsterSync,
    gcmodule_threaded::GcModuleThreaded, ours::Ours, ours_adapter::OursAdapter, rc_floor::RcFloor,
    rust_cc::RustCc,
};
use gc_benches::workloads::collect_once;
use gc_benches::{System, Workload};

const SIZES: [usize; 2] = [100_000, 1_000_000];

fn worker_counts() -> Vec<usize> {
    let mut v = vec![1, 2];
    let n = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    if n > 2 {
        v.push(n);
    }
    v
}

/// Benchmark one collection of `w` at size `n` with `s`.
///
/// Nothing runs before criterion applies its filter (no probe build): the object count for the
/// throughput comes from [`Workload::objects`], and the graph is built inside the routine, once
/// per iteration, untimed. Every iteration is verified by [`collect_once`]: the collection
/// frees exactly the garbage, and after the live part is dropped (and one more, untimed,
/// collection) everything built has been freed, so no iteration sees another's leftovers.
fn bench_one<S: System>(c: &mut Criterion, s: &S, w: Workload, n: usize) {
    if !s.supports(w) {
        return;
    }
    let mut g = c.benchmark_group(format!("collect/{}", w.name()));
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2))
        .throughput(Throughput::Elements(w.objects(n)));
    let param = match w {
        Workload::MtRings(t) => format!("{n}/T{t}"),
        _ if w.fixed_size() => "natural".to_string(),
        _ => n.to_string(),
    };
    g.bench_function(BenchmarkId::new(s.name(), param), |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| collect_once(s, w, n).expect("workload not built").0)
                .sum()
        })
    });
    g.finish();
}

/// The multi-threaded variant (threads build and drop rings, then one collection; the time
/// includes building), in the `collect/mt_rings_t{T}` groups.
fn bench_mt<S: System>(c: &mut Criterion, s: &S, threads: usize, n: usize) {
    bench_one(c, s, Workload::MtRings(threads), n);
}

fn peers(c: &mut Criterion, w: Workload, n: usize) {
    bench_one(c, &DumpsterSync::new(), w, n);
    bench_one(c, &GcModuleThreaded::default(), w, n);
    bench_one(c, &RustCc::new(), w, n);
    bench_one(c, &BaconRajan, w, n);
    bench_one(c, &ArcFloor, w, n);
    bench_one(c, &RcFloor, w, n);
}

fn benches(c: &mut Criterion) {
    let workers = worker_counts();
    let sized = [
        Workload::Rings,
        Workload::Tree,
        Workload::Mixed,
        Workload::CrossThread,
    ];
    for w in sized {
        for n in SIZES {
            for &k in &workers {
                bench_one(c, &Ours::new(k), w, n);
            }
            if matches!(w, Workload::Rings | Workload::Tree) {
                for k in [1, 2] {
                    bench_one(c, &OursAdapter::new(k), w, n);
                }
            }
            if n <= 100_000 || w == Workload::Rings {
                peers(c, w, n);
            }
        }
    }
    for w in [Workload::GcTraversal, Workload::GcCollect] {
        for &k in &workers {
            bench_one(c, &Ours::new(k), w, 0);
        }
        peers(c, w, 0);
    }
    let n = 100_000;
    for t in [1, 2, 4] {
        for &k in &workers {
            bench_mt(c, &Ours::new(k), t, n);
        }
        bench_mt(c, &DumpsterSync::new(), t, n);
        bench_mt(c, &GcModuleThreaded::default(), t, n);
        bench_mt(c, &ArcFloor, t, n);
    }
}

fn main() {
    // Peers free garbage by recursive drops in places; give them a big stack and report a
    // failure (the process aborts with "stack overflow") rather than hide it.
    std::thread::Builder::new()
        .name("bench".into())
        .stack_size(256 << 20)
        .spawn(|| {
            let mut c = Criterion::default().configure_from_args();
            benches(&mut c);
            c.final_summary();
        })
        .expect("spawn bench thread")
        .join()
        .expect("benchmarks panicked");
}
