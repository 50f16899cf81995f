//! Allocation fast path: `ThreadHeap` vs the system allocator vs mimalloc (through the
//! `GlobalAlloc` trait directly). Two shapes: an alloc+free pair, and a burst of 1000 allocations
//! followed by 1000 frees. The baselines allocate `payload + HEADER_SIZE` bytes, the same slot
//! the ThreadHeap hands out.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use gc_core::{HeapSpace, ObjRef, HEADER_SIZE};
use mimalloc::MiMalloc;

const BURST: usize = 1000;
const SIZES: [usize; 2] = [32, 128];

fn pair(c: &mut Criterion) {
    let mut g = c.benchmark_group("alloc_free_pair");
    g.throughput(Throughput::Elements(1));
    for size in SIZES {
        let space = HeapSpace::new();
        let mut heap = space.new_thread_heap();
        g.bench_with_input(BenchmarkId::new("thread_heap", size), &size, |b, &size| {
            b.iter(|| {
                let o = heap.alloc(black_box(size), false).unwrap();
                // SAFETY: just allocated, not used again.
                unsafe { heap.free(black_box(o)) };
            })
        });
        let layout = Layout::from_size_align(size + HEADER_SIZE, 8).unwrap();
        g.bench_with_input(BenchmarkId::new("system", size), &layout, |b, &layout| {
            // SAFETY: nonzero layout; the pointer is freed with the same layout.
            b.iter(|| unsafe {
                let p = System.alloc(black_box(layout));
                System.dealloc(black_box(p), layout);
            })
        });
        g.bench_with_input(BenchmarkId::new("mimalloc", size), &layout, |b, &layout| {
            // SAFETY: as above.
            b.iter(|| unsafe {
                let p = MiMalloc.alloc(black_box(layout));
                MiMalloc.dealloc(black_box(p), layout);
            })
        });
    }
    g.finish();
}

fn burst(c: &mut Criterion) {
    let mut g = c.benchmark_group("burst_1000");
    g.throughput(Throughput::Elements(BURST as u64));
    for size in SIZES {
        let space = HeapSpace::new();
        let mut heap = space.new_thread_heap();
        let mut objs: Vec<ObjRef> = Vec::with_capacity(BURST);
        g.bench_with_input(BenchmarkId::new("thread_heap", size), &size, |b, &size| {
            b.iter(|| {
                for _ in 0..BURST {
                    objs.push(heap.alloc(black_box(size), false).unwrap());
                }
                for o in objs.drain(..) {
                    // SAFETY: allocated above, freed once.
                    unsafe { heap.free(o) };
                }
            })
        });
        let layout = Layout::from_size_align(size + HEADER_SIZE, 8).unwrap();
        let mut ptrs: Vec<*mut u8> = Vec::with_capacity(BURST);
        for (name, a) in [
            ("system", &System as &dyn GlobalAlloc),
            ("mimalloc", &MiMalloc),
        ] {
            g.bench_with_input(BenchmarkId::new(name, size), &layout, |b, &layout| {
                b.iter(|| {
                    for _ in 0..BURST {
                        // SAFETY: nonzero layout.
                        ptrs.push(unsafe { a.alloc(black_box(layout)) });
                    }
                    for p in ptrs.drain(..) {
                        // SAFETY: allocated above with the same layout.
                        unsafe { a.dealloc(p, layout) };
                    }
                })
            });
        }
    }
    g.finish();
}

criterion_group!(benches, pair, burst);
criterion_main!(benches);
