//! Biased refcounting costs: owner and non-owner incref/decref pairs vs `Arc` clone/drop,
//! small-instance allocation, list append from 1 and 2 threads.

use std::hint::black_box;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use gc_core::GcConfig;
use gc_vm_adapter::{Ref, Runtime};

fn rt() -> Runtime {
    Runtime::new(GcConfig::default().with_workers(1).with_enabled(false))
}

fn refcounts(c: &mut Criterion) {
    let rt = rt();
    let _g = rt.attach_thread("bench");
    let owned = rt.new_int(1);
    c.bench_function("owner_incref_decref", |b| {
        b.iter(|| drop(black_box(black_box(&owned).clone())))
    });
    let arc = Arc::new(1u64);
    c.bench_function("arc_clone_drop", |b| {
        b.iter(|| drop(black_box(black_box(&arc).clone())))
    });
    // An object owned by another (exited) thread: every count change is a shared atomic.
    let foreign: Ref = std::thread::scope(|s| {
        s.spawn(|| {
            let _g = rt.attach_thread("maker");
            let o = rt.new_int(2);
            let keep = o.clone();
            std::mem::forget(keep); // keep the shared count away from zero
            o
        })
        .join()
        .unwrap()
    });
    c.bench_function("non_owner_incref_decref", |b| {
        b.iter(|| drop(black_box(black_box(&foreign).clone())))
    });
    let class = rt.new_class("Small", None);
    c.bench_function("alloc_small_instance", |b| {
        b.iter(|| drop(black_box(rt.new_instance(&class))))
    });
    drop((owned, foreign, class));
}

fn list_append(c: &mut Criterion) {
    let rt = rt();
    let _g = rt.attach_thread("bench");
    let item = rt.new_int(3);
    c.bench_function("list_append_1_thread", |b| {
        b.iter_custom(|iters| {
            let list = rt.new_list(Vec::new());
            let t = Instant::now();
            for _ in 0..iters {
                list.as_list().unwrap().push(item.clone());
            }
            t.elapsed()
        })
    });
    c.bench_function("list_append_2_threads", |b| {
        b.iter_custom(|iters| {
            let list = rt.new_list(Vec::new());
            let barrier = Barrier::new(2);
            let half = iters / 2;
            let other = std::thread::scope(|s| {
                let h = s.spawn(|| {
                    let _g = rt.attach_thread("appender");
                    barrier.wait();
                    let t = Instant::now();
                    for _ in 0..half {
                        list.as_list().unwrap().push(item.clone());
                    }
                    t.elapsed()
                });
                rt.detached(|| barrier.wait());
                let t = Instant::now();
                for _ in 0..iters - half {
                    list.as_list().unwrap().push(item.clone());
                }
                let mine = t.elapsed();
                let theirs = rt.detached(|| h.join().unwrap());
                mine.max(theirs)
            });
            let _ = Duration::ZERO;
            other
        })
    });
    drop(item);
}

criterion_group!(benches, refcounts, list_append);
criterion_main!(benches);
