//! Criterion benchmarks of one collection per standard workload (DESIGN §5), gc-core with 1, 2
//! (and `available_parallelism`, if more) workers and the peer collectors.
//!
//! The graph is built in `iter_batched`'s setup (untimed, `BatchSize::PerIteration`); the timed
//! routine drops the external handles to the garbage and runs one collection. Every iteration
//! checks that exactly the garbage was freed.
//!
//! Peers run at 100k objects (and rings at 1M, and gc_collect / gc_traversal at their natural
//! size); the full matrix at 1M, with failures reported, is `gc-bench-summary`'s job.
//!
//! ```text
//! cargo bench -p gc-benches -- --quick
//! ```

use std::time::Duration;

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput};
use gc_benches::peers::{
    arc_floor::ArcFloor, bacon_rajan::BaconRajan, dumpster_sync::DumpsterSync,
    gcmodule_threaded::GcModuleThreaded, ours::Ours, rc_floor::RcFloor, rust_cc::RustCc,
};
use gc_benches::workloads::{build, collect_built, RING};
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

fn bench_one<S: System>(c: &mut Criterion, s: &S, w: Workload, n: usize) {
    if !s.supports(w) {
        return;
    }
    let Some(probe) = build(s, w, n) else {
        return;
    };
    let objects = probe.objects;
    drop(collect_built(s, probe));
    s.collect();
    let mut g = c.benchmark_group(format!("collect/{}", w.name()));
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2))
        .throughput(Throughput::Elements(objects));
    let param = if w.fixed_size() {
        "natural".to_string()
    } else {
        n.to_string()
    };
    g.bench_function(BenchmarkId::new(s.name(), param), |b| {
        b.iter_batched(
            || {
                // Finish freeing the previous iteration's live part (dropped by criterion
                // after timing) so this iteration's free count is exact.
                s.collect();
                build(s, w, n).expect("build")
            },
            |built| collect_built(s, built),
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

fn bench_mt<S: System>(c: &mut Criterion, s: &S, threads: usize, n: usize) {
    if s.mt_rings(threads, RING * threads).is_none() {
        return;
    }
    let mut g = c.benchmark_group("mt_rings");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2))
        .throughput(Throughput::Elements(n as u64));
    g.bench_function(BenchmarkId::new(s.name(), format!("{n}/T{threads}")), |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| s.mt_rings(threads, n / RING).expect("mt_rings"))
                .sum()
        })
    });
    g.finish();
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
