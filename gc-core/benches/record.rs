//! Does recording cost anything when nobody listens? A 100k-object rings collection with no
//! record subscriber, with one subscriber, and with a start/stop callback, side by side.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use gc_core::{GcConfig, Mutator};
use gc_testkit::lean::{self, LeanVm, Root};
use gc_testkit::{shape, NodeVm};

const OBJECTS: usize = 100_000;

/// `objects / 20` rings of 20 nodes (the kit's lean nodes), all garbage.
fn build_rings(m: &Mutator<LeanVm>, objects: usize) {
    for _ in 0..objects / 20 {
        let nodes: Vec<Root> = (0..20)
            .map(|_| Root::adopt(m.runtime(), lean::new_obj(m)))
            .collect();
        // SAFETY: fresh nodes of this runtime, built on this thread; no collection runs.
        shape::ring(20, |i, j| unsafe {
            lean::link(nodes[i].obj(), nodes[j].obj())
        });
    }
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("record_overhead_rings_100k");
    g.sample_size(20);
    for mode in ["no_subscriber", "subscriber", "subscriber_and_callback"] {
        let rt = NodeVm::runtime((), GcConfig::default().with_workers(1).with_enabled(false));
        let seen = Arc::new(AtomicU64::new(0));
        if mode != "no_subscriber" {
            let s = seen.clone();
            rt.subscribe(move |r| {
                s.fetch_add(r.collected, Ordering::Relaxed);
            });
        }
        if mode == "subscriber_and_callback" {
            let s = seen.clone();
            rt.add_callback(move |_, info| {
                s.fetch_add(info.collected, Ordering::Relaxed);
            });
        }
        let m = rt.register_mutator("bench");
        g.bench_function(mode, |b| {
            b.iter_batched(
                || build_rings(&m, OBJECTS),
                |_| m.collect(),
                BatchSize::PerIteration,
            )
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
