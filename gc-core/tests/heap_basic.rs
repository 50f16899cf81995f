//! Unit-level tests of the heap's public API: size classes, large objects, `find_object`,
//! limits and errors.

use gc_core::heap::size_class::{class_of, slot_size, MAX_SMALL_PAYLOAD};
use gc_core::{AllocError, HeapSpace, PageRef, HEADER_SIZE, PAGE_SIZE};

#[test]
fn alloc_free_reuses_slots_and_sets_header() {
    let space = HeapSpace::new();
    let mut heap = space.new_thread_heap();
    assert_ne!(heap.id(), 0);
    for size in [0, 1, 8, 24, 100, 1000, 5000, MAX_SMALL_PAYLOAD] {
        let a = heap.alloc(size, true).unwrap();
        assert!(a.is_tracked());
        assert_eq!(a.addr() % 8, 0);
        let b = heap.alloc(size, false).unwrap();
        assert!(!b.is_tracked());
        let page = PageRef::of(a);
        assert_eq!(page.owner(), heap.id());
        assert!(!page.is_large());
        assert_eq!(page.slot_size(), slot_size(class_of(size).unwrap()));
        // SAFETY: writes stay inside the payloads just allocated.
        unsafe {
            std::ptr::write_bytes(a.as_ptr(), 0xAA, size);
            std::ptr::write_bytes(b.as_ptr(), 0xBB, size);
        }
        // SAFETY: a is live and not used again.
        unsafe { heap.free(a) };
        assert_eq!(space.find_object(a.as_ptr()), None);
        let c = heap.alloc(size, false).unwrap();
        assert_eq!(c, a, "LIFO reuse of the freed slot");
        // SAFETY: both live.
        unsafe {
            heap.free(b);
            heap.free(c);
        }
    }
    assert_eq!(heap.allocated_objects(), 8 * 3);
    assert_eq!(space.stats().live_objects, 0);
}

#[test]
fn large_objects_alloc_and_release_memory() {
    let space = HeapSpace::new();
    let mut heap = space.new_thread_heap();
    let before = space.stats();
    for size in [
        MAX_SMALL_PAYLOAD + 1,
        100_000,
        PAGE_SIZE,
        3 * PAGE_SIZE + 7,
        1 << 22,
    ] {
        let obj = heap.alloc(size, true).unwrap();
        let page = PageRef::of(obj);
        assert!(page.is_large());
        assert_eq!(page.capacity(), 1);
        assert!(page.slot_size() >= size + HEADER_SIZE);
        // SAFETY: inside the payload.
        unsafe { std::ptr::write_bytes(obj.as_ptr(), 0x5A, size) };
        let s = space.stats();
        assert_eq!(s.large_pages, before.large_pages + 1);
        assert_eq!(s.live_objects, 1);
        assert!(s.committed_bytes >= before.committed_bytes + size);
        assert_eq!(space.find_object(obj.as_ptr()), Some(obj));
        assert_eq!(page.objects().collect::<Vec<_>>(), vec![obj]);
        // Interior pointers, including ones in later 64 KiB chunks, are rejected.
        // SAFETY: in-bounds offsets of the payload.
        unsafe {
            assert_eq!(space.find_object(obj.as_ptr().add(8)), None);
            assert_eq!(space.find_object(obj.as_ptr().add(size - 1)), None);
        }
        // Freeing from another thread releases the memory too; here alternate.
        if size % 2 == 0 {
            // SAFETY: live, not used again.
            unsafe { heap.free(obj) };
        } else {
            // SAFETY: live, not used again.
            unsafe { space.free_remote(obj) };
        }
        let after = space.stats();
        assert_eq!(after.committed_bytes, before.committed_bytes);
        assert_eq!(after.pages, before.pages);
        assert_eq!(after.live_objects, 0);
        assert_eq!(space.find_object(obj.as_ptr()), None);
    }
}

#[test]
fn find_object_rejects_non_objects() {
    let space = HeapSpace::new();
    let mut heap = space.new_thread_heap();
    let a = heap.alloc(40, false).unwrap();
    let b = heap.alloc(40, false).unwrap();
    assert_eq!(space.find_object(a.as_ptr()), Some(a));
    assert_eq!(space.find_object(b.as_ptr()), Some(b));
    // Interior pointers and headers.
    for off in [1usize, 4, 8, 16, 40] {
        // SAFETY: pointer arithmetic within the page.
        assert_eq!(
            space.find_object(unsafe { a.as_ptr().add(off) }),
            None,
            "offset {off}"
        );
    }
    // SAFETY: the header lies inside the page.
    assert_eq!(
        space.find_object(unsafe { a.as_ptr().sub(HEADER_SIZE) }),
        None
    );
    // The page header and never-used slots.
    let page = PageRef::of(a);
    assert_eq!(space.find_object(page.base() as *const u8), None);
    let last = page.base() + PAGE_SIZE - page.slot_size() + HEADER_SIZE;
    assert_eq!(space.find_object(last as *const u8), None);
    // Freed slots.
    // SAFETY: live, not used again.
    unsafe { heap.free(a) };
    assert_eq!(space.find_object(a.as_ptr()), None);
    // SAFETY: live, not used again.
    unsafe { space.free_remote(b) };
    assert_eq!(space.find_object(b.as_ptr()), None);
    // Foreign addresses: stack, Rust heap, null, the top of the address space.
    let local = 7u64;
    assert_eq!(space.find_object(&local as *const u64 as *const u8), None);
    let boxed = Box::new([0u8; 64]);
    assert_eq!(space.find_object(boxed.as_ptr()), None);
    assert_eq!(space.find_object(std::ptr::null()), None);
    assert_eq!(space.find_object(usize::MAX as *const u8), None);
    // Objects of another space are not ours.
    let other = HeapSpace::new();
    let mut other_heap = other.new_thread_heap();
    let c = other_heap.alloc(40, false).unwrap();
    assert_eq!(space.find_object(c.as_ptr()), None);
    assert_eq!(other.find_object(c.as_ptr()), Some(c));
}

#[test]
fn heap_limit_gives_limit_exceeded_and_recovers() {
    let space = HeapSpace::new();
    let limit = 4 * PAGE_SIZE;
    space.set_limit(Some(limit));
    assert_eq!(space.limit(), Some(limit));
    let mut heap = space.new_thread_heap();
    let mut objs = Vec::new();
    let err = loop {
        match heap.alloc(100, false) {
            Ok(o) => objs.push(o),
            Err(e) => break e,
        }
    };
    assert_eq!(
        err,
        AllocError::LimitExceeded {
            requested: 100,
            limit
        }
    );
    assert!(err.to_string().contains("limit"), "{err}");
    assert!(space.committed_bytes() <= limit);
    let n = objs.len();
    assert!(
        n > 1000,
        "4 pages of 112-byte slots hold more than 1000 objects ({n})"
    );
    // Large objects respect the limit too.
    assert!(matches!(
        heap.alloc(1 << 20, false),
        Err(AllocError::LimitExceeded { .. })
    ));
    // Free half (some remotely) and the heap is usable again up to the same count.
    for (i, o) in objs.drain(..n / 2).enumerate() {
        // SAFETY: live, not used again.
        unsafe {
            if i % 2 == 0 {
                heap.free(o)
            } else {
                space.free_remote(o)
            }
        }
    }
    for _ in 0..n / 2 {
        objs.push(
            heap.alloc(100, false)
                .expect("freed slots are reusable under the limit"),
        );
    }
    assert!(heap.alloc(100, false).is_err());
    space.set_limit(None);
    assert!(heap.alloc(100, false).is_ok());
    assert!(heap.alloc(1 << 20, false).is_ok());
}

#[test]
fn too_large_and_error_messages() {
    let space = HeapSpace::new();
    let mut heap = space.new_thread_heap();
    let e = heap.alloc(usize::MAX - 3, false).unwrap_err();
    assert_eq!(
        e,
        AllocError::TooLarge {
            requested: usize::MAX - 3
        }
    );
    assert!(e.to_string().contains("too large"));
    let e = heap
        .alloc(isize::MAX as usize - PAGE_SIZE, false)
        .unwrap_err();
    assert!(
        matches!(
            e,
            AllocError::TooLarge { .. } | AllocError::OutOfMemory { .. }
        ),
        "{e:?}"
    );
    let oom = AllocError::OutOfMemory { requested: 12 };
    assert_eq!(oom.to_string(), "out of memory allocating a 12-byte object");
    let _: &dyn std::error::Error = &oom;
    // Still usable.
    assert!(heap.alloc(16, false).is_ok());
}

#[test]
fn objects_enumeration_matches_live_set() {
    let space = HeapSpace::new();
    let mut heap = space.new_thread_heap();
    let mut live = Vec::new();
    for i in 0..5000usize {
        live.push(heap.alloc(i % 300, i % 3 == 0).unwrap());
    }
    // Free every third object, alternating local and batched remote frees.
    let mut batch = Vec::new();
    let mut kept = Vec::new();
    for (i, o) in live.into_iter().enumerate() {
        if i % 3 == 0 {
            if i % 2 == 0 {
                // SAFETY: live, not used again.
                unsafe { heap.free(o) };
            } else {
                batch.push(o);
            }
        } else {
            kept.push(o);
        }
    }
    // Group the batch by page and free each group with one push.
    batch.sort_by_key(|o| PageRef::of(*o).base());
    for group in batch.chunk_by(|a, b| PageRef::of(*a) == PageRef::of(*b)) {
        // SAFETY: all live, on that page, not used again.
        unsafe { space.free_batch(PageRef::of(group[0]), group) };
    }
    let mut enumerated: Vec<_> = space
        .pages()
        .into_iter()
        .flat_map(|p| p.objects())
        .collect();
    enumerated.sort();
    kept.sort();
    assert_eq!(enumerated, kept);
    let stats = space.stats();
    assert_eq!(stats.live_objects, kept.len());
    assert_eq!(stats.remote_pending, batch.len());
    let live_bytes: usize = kept.iter().map(|o| PageRef::of(*o).slot_size()).sum();
    assert_eq!(stats.live_bytes, live_bytes);
    let counted: usize = space.pages().iter().map(|p| p.live_count()).sum();
    assert_eq!(counted, kept.len());
}

#[test]
fn dropping_an_empty_heap_releases_its_pages() {
    let space = HeapSpace::new();
    let mut heap = space.new_thread_heap();
    let objs: Vec<_> = (0..3000)
        .map(|i| heap.alloc(i % 500, false).unwrap())
        .collect();
    assert!(space.committed_bytes() > 0);
    for o in objs {
        // SAFETY: live, not used again.
        unsafe { heap.free(o) };
    }
    drop(heap);
    let s = space.stats();
    assert_eq!(s.pages, 0);
    assert_eq!(s.committed_bytes, 0);
}
