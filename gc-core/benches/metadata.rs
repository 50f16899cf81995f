//! Where should mark bits live: in each object's header, or in a side bitmap per page?
//!
//! A model of gc-core's heap (not the heap itself, so both layouts run the same loops): 1M
//! objects in 32-byte slots on 64 KiB pages, each slot starting with an 8-byte header whose
//! first word is the flags. The side layout keeps one bit per slot in a per-page bitmap and
//! finds it the way gc-core finds a slot index (page base by masking, index by multiplying
//! with the slot size's reciprocal).
//!
//! * `mark_*`: claim every object once, in a shuffled order (a mark's order is the graph's,
//!   not the heap's), reading one payload word of each as `trace` would.
//! * `sweep_*`: find and clear the marks of every slot in address order (what the scan does
//!   for objects the mark reached).
//!
//! Run: `cargo bench -p gc-core --bench metadata -- --quick`. Results: docs/design.md.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion};

const OBJECTS: usize = 1 << 20;
const SLOT: usize = 32;
const PAGE: usize = 64 * 1024;
const SLOTS_PER_PAGE: usize = PAGE / SLOT;
const WORDS_PER_PAGE: usize = SLOTS_PER_PAGE / 64;
/// `ceil(2^32 / SLOT)`, as in gc-core's page header.
const RECIP: u64 = (1u64 << 32).div_ceil(SLOT as u64);

#[repr(C, align(32))]
struct Slot {
    flags: AtomicU32,
    gc_refs: u32,
    payload: [u64; 3],
}

/// The heap: page-aligned slots, and one bitmap per page for the side layout.
struct Heap {
    slots: Vec<Slot>,
    side: Vec<AtomicU64>,
    base: usize,
}

impl Heap {
    fn new() -> Heap {
        // One page of slack so the first slot can start on a page boundary.
        let slots: Vec<Slot> = (0..OBJECTS + SLOTS_PER_PAGE)
            .map(|i| Slot {
                flags: AtomicU32::new(1),
                gc_refs: 0,
                payload: [i as u64; 3],
            })
            .collect();
        let start = slots.as_ptr() as usize;
        let base = start.next_multiple_of(PAGE);
        let side = (0..(OBJECTS / SLOTS_PER_PAGE + 1) * WORDS_PER_PAGE)
            .map(|_| AtomicU64::new(0))
            .collect();
        Heap { slots, side, base }
    }

    /// Index of the first page-aligned slot.
    fn first(&self) -> usize {
        (self.base - self.slots.as_ptr() as usize) / SLOT
    }

    fn slot(&self, i: usize) -> &Slot {
        &self.slots[self.first() + i]
    }

    /// The side-bitmap word and bit of the slot at `addr`.
    #[inline]
    fn side_bit(&self, addr: usize) -> (&AtomicU64, u64) {
        let page = (addr - self.base) / PAGE;
        let off = (addr & (PAGE - 1)) as u64;
        let idx = ((off * RECIP) >> 32) as usize;
        (
            &self.side[page * WORDS_PER_PAGE + idx / 64],
            1 << (idx % 64),
        )
    }
}

/// A fixed shuffled order of all objects (xorshift Fisher–Yates).
fn shuffled() -> Vec<u32> {
    let mut v: Vec<u32> = (0..OBJECTS as u32).collect();
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    for i in (1..v.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v.swap(i, (x % (i as u64 + 1)) as usize);
    }
    v
}

const MARK: u32 = 4;

fn bench(c: &mut Criterion) {
    let heap = Heap::new();
    let order = shuffled();
    let mut g = c.benchmark_group("mark_bits_1m_objects");
    g.sample_size(20);
    let clear_headers = || {
        for i in 0..OBJECTS {
            heap.slot(i).flags.fetch_and(!MARK, Ordering::Relaxed);
        }
    };
    let set_headers = || {
        for i in 0..OBJECTS {
            heap.slot(i).flags.fetch_or(MARK, Ordering::Relaxed);
        }
    };
    let fill_side = |v: u64| heap.side.iter().for_each(|w| w.store(v, Ordering::Relaxed));
    g.bench_function("mark_header", |b| {
        b.iter_batched(
            clear_headers,
            |_| {
                let mut sum = 0u64;
                for &i in &order {
                    let s = heap.slot(i as usize);
                    if s.flags.fetch_or(MARK, Ordering::Relaxed) & MARK == 0 {
                        sum = sum.wrapping_add(s.payload[0]);
                    }
                }
                black_box(sum)
            },
            BatchSize::PerIteration,
        )
    });
    g.bench_function("mark_side_bitmap", |b| {
        b.iter_batched(
            || fill_side(0),
            |_| {
                let mut sum = 0u64;
                for &i in &order {
                    let s = heap.slot(i as usize);
                    let (w, bit) = heap.side_bit(s as *const Slot as usize);
                    if w.fetch_or(bit, Ordering::Relaxed) & bit == 0 {
                        sum = sum.wrapping_add(s.payload[0]);
                    }
                }
                black_box(sum)
            },
            BatchSize::PerIteration,
        )
    });
    // Sweeps: every object marked; find the marks in address order and clear them.
    g.bench_function("sweep_header", |b| {
        b.iter_batched(
            set_headers,
            |_| {
                let mut n = 0usize;
                for i in 0..OBJECTS {
                    let f = &heap.slot(i).flags;
                    let v = f.load(Ordering::Relaxed);
                    if v & MARK != 0 {
                        n += 1;
                        f.store(v & !MARK, Ordering::Relaxed);
                    }
                }
                black_box(n)
            },
            BatchSize::PerIteration,
        )
    });
    g.bench_function("sweep_side_bitmap", |b| {
        b.iter_batched(
            || fill_side(!0),
            |_| {
                let mut n = 0usize;
                for w in &heap.side {
                    n += w.swap(0, Ordering::Relaxed).count_ones() as usize;
                }
                black_box(n)
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
