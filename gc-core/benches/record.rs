//! Does recording cost anything when nobody listens? A 100k-object rings collection with no
//! record subscriber, with one subscriber, and with a start/stop callback, side by side.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use gc_core::{GcConfig, GcRuntime};

#[path = "../examples/common/ring_vm.rs"]
mod ring_vm;
use ring_vm::{build_rings, RingVm};

const OBJECTS: usize = 100_000;

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("record_overhead_rings_100k");
    g.sample_size(20);
    for mode in ["no_subscriber", "subscriber", "subscriber_and_callback"] {
        let rt = GcRuntime::new(
            RingVm::default(),
            GcConfig::default().with_workers(1).with_enabled(false),
        );
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
