//! Thread exit abandons pages: their objects stay valid and enumerable, another heap adopts
//! the pages, and frees of objects on abandoned pages are not lost.

use std::collections::HashSet;
use std::thread;

use gc_core::{HeapSpace, ObjRef, PageRef};

const SIZE: usize = 48;

fn fill(obj: ObjRef, seed: u8) {
    // SAFETY: SIZE bytes of a live payload.
    unsafe { std::ptr::write_bytes(obj.as_ptr(), seed, SIZE) };
}

fn check(obj: ObjRef, seed: u8) {
    // SAFETY: SIZE bytes of a live payload.
    let s = unsafe { std::slice::from_raw_parts(obj.as_ptr(), SIZE) };
    assert!(s.iter().all(|&b| b == seed), "{obj:?} corrupted");
}

#[test]
fn heap_abandon() {
    let space = HeapSpace::new();
    // Four threads allocate and exit with everything live.
    let objs: Vec<(ObjRef, u8, usize)> = (0..4)
        .map(|t| {
            let space = space.clone();
            thread::spawn(move || {
                let mut heap = space.new_thread_heap();
                let id = heap.id();
                let mut v = Vec::new();
                for i in 0..3000 {
                    let o = heap.alloc(SIZE, true).unwrap();
                    let seed = (t * 50 + i % 50) as u8;
                    fill(o, seed);
                    v.push((o, seed, id));
                }
                let big = heap.alloc(200_000, false).unwrap();
                fill(big, 0xEE);
                v.push((big, 0xEE, id));
                v
            })
        })
        .flat_map(|h| h.join().unwrap())
        .collect();

    let stats = space.stats();
    assert_eq!(stats.live_objects, objs.len());
    assert_eq!(stats.abandoned_pages, stats.pages);
    assert_eq!(stats.large_pages, 4);
    let pages_before = stats.pages;
    for &(o, seed, owner) in &objs {
        check(o, seed);
        assert_eq!(space.find_object(o.as_ptr()), Some(o));
        assert_eq!(PageRef::of(o).owner(), 0, "heap {owner} is gone");
    }
    let enumerated: HashSet<ObjRef> = space
        .pages()
        .into_iter()
        .flat_map(|p| p.objects())
        .collect();
    assert_eq!(enumerated, objs.iter().map(|x| x.0).collect::<HashSet<_>>());

    // Other threads free half the small objects (and the large ones) while the pages are
    // abandoned: they go to the remote stacks.
    let (to_free, keep): (Vec<_>, Vec<_>) = objs
        .iter()
        .copied()
        .enumerate()
        .partition(|(i, x)| i % 2 == 0 || PageRef::of(x.0).is_large());
    let small_freed = to_free
        .iter()
        .filter(|(_, x)| !PageRef::of(x.0).is_large())
        .count();
    let freed_addrs: HashSet<usize> = to_free.iter().map(|(_, x)| x.0.addr()).collect();
    thread::scope(|s| {
        for chunk in to_free.chunks(to_free.len().div_ceil(3)) {
            let space = &space;
            s.spawn(move || {
                for &(_, (o, seed, _)) in chunk {
                    check(o, seed);
                    // SAFETY: live, freed once, not used again.
                    unsafe { space.free_remote(o) };
                }
            });
        }
    });
    let stats = space.stats();
    assert_eq!(stats.live_objects, keep.len());
    assert_eq!(
        stats.remote_pending, small_freed,
        "remote frees are recorded, not lost"
    );
    assert_eq!(stats.large_pages, 0);
    assert_eq!(stats.pages, pages_before - 4);
    for &(_, (o, seed, _)) in &keep {
        check(o, seed);
    }

    // A new heap adopts the abandoned pages: allocating as many objects of the same class as
    // were freed takes no new page and reuses the freed slots.
    let mut heap = space.new_thread_heap();
    let mut reused = 0;
    let mut fresh = Vec::new();
    for _ in 0..small_freed {
        let o = heap.alloc(SIZE, true).unwrap();
        assert_eq!(PageRef::of(o).owner(), heap.id());
        reused += freed_addrs.contains(&o.addr()) as usize;
        fill(o, 0x77);
        fresh.push(o);
    }
    let stats = space.stats();
    assert_eq!(
        stats.pages,
        pages_before - 4,
        "no page allocated while adoptable ones exist"
    );
    assert!(
        reused > small_freed / 2,
        "freed slots reused ({reused}/{small_freed})"
    );
    assert_eq!(stats.live_objects, keep.len() + fresh.len());
    for &(_, (o, seed, _)) in &keep {
        check(o, seed);
    }
    // Objects on adopted pages, freed by their new owner, go to its local list.
    for &(_, (o, _, _)) in &keep {
        // SAFETY: live, not used again.
        unsafe { heap.free(o) };
    }
    for &o in &fresh {
        check(o, 0x77);
        // SAFETY: live, not used again.
        unsafe { heap.free(o) };
    }
    assert_eq!(space.stats().live_objects, 0);
    drop(heap);
    // Everything was freed, so abandoning the (adopted) pages releases them.
    let stats = space.stats();
    assert_eq!(stats.pages, stats.abandoned_pages);
    assert_eq!(stats.live_objects, 0);
}

#[test]
fn abandoned_pages_freed_remotely_then_adopted_have_no_leak() {
    let space = HeapSpace::new();
    let objs: Vec<ObjRef> = {
        let space = space.clone();
        thread::spawn(move || {
            let mut heap = space.new_thread_heap();
            (0..10_000)
                .map(|_| heap.alloc(24, false).unwrap())
                .collect()
        })
        .join()
        .unwrap()
    };
    let pages = space.stats().pages;
    for o in &objs {
        // SAFETY: live, not used again.
        unsafe { space.free_remote(*o) };
    }
    assert_eq!(space.stats().remote_pending, objs.len());
    // Adopting and reallocating the same number of objects needs no new page.
    let mut heap = space.new_thread_heap();
    let again: Vec<ObjRef> = (0..10_000)
        .map(|_| heap.alloc(24, false).unwrap())
        .collect();
    let s = space.stats();
    assert_eq!(s.pages, pages);
    assert_eq!(s.remote_pending, 0);
    assert_eq!(s.abandoned_pages, 0);
    let a: HashSet<_> = objs.iter().collect();
    assert!(again.iter().all(|o| a.contains(o)));
}
