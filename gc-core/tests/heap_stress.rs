//! 8 threads allocate and free across every size class (and some large objects); half of the
//! frees are done by a thread that does not own the object. At the end the space's statistics
//! must match exactly what the test believes is live, no two live objects overlap, and every
//! payload still holds the pattern its owner wrote.

use std::collections::HashSet;
use std::sync::mpsc;
use std::thread;

use gc_core::heap::size_class::{class_of, slot_size, CLASS_SLOT_SIZES};
use gc_core::{HeapSpace, ObjRef, PageRef, HEADER_SIZE};

const THREADS: usize = 8;
const OPS: usize = 12_000;

/// A live object as the test sees it.
#[derive(Clone, Copy, Debug)]
struct Live {
    obj: ObjRef,
    size: usize,
    seed: u64,
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn pattern_byte(seed: u64, i: usize) -> u8 {
    (seed.wrapping_mul(31).wrapping_add(i as u64 * 7) >> 3) as u8
}

/// Offsets we write and check: all of them for small objects, a sample for big ones.
fn offsets(size: usize) -> impl Iterator<Item = usize> {
    let step = if size <= 8192 { 1 } else { 509 };
    (0..size).step_by(step).chain(size.saturating_sub(16)..size)
}

fn fill(l: &Live) {
    for i in offsets(l.size) {
        // SAFETY: i < size, inside the payload of a live object we own.
        unsafe { *l.obj.as_ptr().add(i) = pattern_byte(l.seed, i) };
    }
}

fn check(l: &Live) {
    for i in offsets(l.size) {
        // SAFETY: as in fill.
        let b = unsafe { *l.obj.as_ptr().add(i) };
        assert_eq!(
            b,
            pattern_byte(l.seed, i),
            "{:?} size {} corrupted at {i}",
            l.obj,
            l.size
        );
    }
}

fn expected_slot(size: usize) -> usize {
    match class_of(size) {
        Some(c) => slot_size(c),
        None => (size + HEADER_SIZE).next_multiple_of(16),
    }
}

fn random_size(rng: &mut Rng) -> usize {
    match rng.below(1000) {
        // Large objects, rarely.
        0..=4 => 8185 + rng.below(200_000),
        // Uniform over the size classes, then uniform within the class.
        _ => {
            let c = rng.below(CLASS_SLOT_SIZES.len());
            let hi = CLASS_SLOT_SIZES[c] - HEADER_SIZE;
            let lo = if c == 0 {
                1
            } else {
                CLASS_SLOT_SIZES[c - 1] - HEADER_SIZE + 1
            };
            lo + rng.below(hi - lo + 1)
        }
    }
}

#[test]
fn heap_stress() {
    let space = HeapSpace::new();
    let (senders, receivers): (Vec<_>, Vec<_>) =
        (0..THREADS).map(|_| mpsc::channel::<Live>()).unzip();
    let mut receivers: Vec<Option<_>> = receivers.into_iter().map(Some).collect();
    let mut handles = Vec::new();
    for t in 0..THREADS {
        let space = space.clone();
        // Thread t sends to thread t + 1 and receives from thread t - 1.
        let tx = senders[(t + 1) % THREADS].clone();
        let rx = receivers[t].take().unwrap();
        handles.push(thread::spawn(move || {
            let mut heap = space.new_thread_heap();
            let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ ((t as u64 + 1) * 0x1234_5678));
            let mut live: Vec<Live> = Vec::new();
            let mut freed_remote_by_me = 0usize;
            for op in 0..OPS {
                if live.len() < 64 || rng.below(100) < 55 {
                    let size = random_size(&mut rng);
                    let obj = heap.alloc(size, rng.below(2) == 0).expect("alloc");
                    assert_eq!(space.find_object(obj.as_ptr()), Some(obj));
                    let l = Live {
                        obj,
                        size,
                        seed: rng.next(),
                    };
                    fill(&l);
                    live.push(l);
                } else {
                    let l = live.swap_remove(rng.below(live.len()));
                    check(&l);
                    if rng.below(2) == 0 {
                        // SAFETY: l is live and forgotten by us.
                        unsafe { heap.free(l.obj) };
                    } else {
                        tx.send(l).unwrap();
                    }
                }
                // Free what the neighbour sent us (we do not own those pages).
                if op % 16 == 0 {
                    for l in rx.try_iter() {
                        check(&l);
                        freed_remote_by_me += 1;
                        // SAFETY: sent to us to free; nobody else holds it.
                        unsafe {
                            if freed_remote_by_me % 2 == 0 {
                                heap.free(l.obj)
                            } else {
                                space.free_remote(l.obj)
                            }
                        }
                    }
                }
            }
            drop(tx);
            // Drain until every sender to us is gone.
            for l in rx.iter() {
                check(&l);
                // SAFETY: as above.
                unsafe { space.free_remote(l.obj) };
            }
            for l in &live {
                check(l);
            }
            (live, heap.allocated_objects())
            // heap dropped here: its pages are abandoned with the live objects on them.
        }));
    }
    drop(senders);
    let mut live = Vec::new();
    let mut total_allocated = 0;
    for h in handles {
        let (l, n) = h.join().unwrap();
        live.extend(l);
        total_allocated += n;
    }
    assert!(total_allocated as usize >= THREADS * OPS / 2);

    // Every byte accounted for.
    let stats = space.stats();
    assert_eq!(stats.live_objects, live.len(), "{stats:?}");
    let expected_bytes: usize = live.iter().map(|l| expected_slot(l.size)).sum();
    assert_eq!(stats.live_bytes, expected_bytes, "{stats:?}");
    assert_eq!(stats.abandoned_pages, stats.pages, "every heap was dropped");

    // Patterns intact, no overlap, enumeration and find_object agree with the live set.
    let mut ranges: Vec<(usize, usize)> = live
        .iter()
        .map(|l| {
            check(l);
            assert_eq!(space.find_object(l.obj.as_ptr()), Some(l.obj));
            assert_eq!(PageRef::of(l.obj).slot_size(), expected_slot(l.size));
            (l.obj.addr() - HEADER_SIZE, l.obj.addr() + l.size)
        })
        .collect();
    ranges.sort();
    for w in ranges.windows(2) {
        assert!(
            w[0].1 <= w[1].0,
            "overlapping objects {:x?} {:x?}",
            w[0],
            w[1]
        );
    }
    let enumerated: HashSet<ObjRef> = space
        .pages()
        .into_iter()
        .flat_map(|p| p.objects())
        .collect();
    let expected: HashSet<ObjRef> = live.iter().map(|l| l.obj).collect();
    assert_eq!(enumerated, expected);

    // Free everything from here (no heap owns anything now) and the space is empty of objects.
    for l in &live {
        // SAFETY: live, not used again.
        unsafe { space.free_remote(l.obj) };
    }
    let stats = space.stats();
    assert_eq!(stats.live_objects, 0);
    assert_eq!(stats.live_bytes, 0);
    assert_eq!(stats.large_pages, 0, "large objects release their pages");
}
