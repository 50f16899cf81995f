//! Per-thread allocation heaps (DESIGN §3.1).
//!
//! * [`HeapSpace`] — one per collector runtime, shared through an `Arc`: the registry of every
//!   page, the pool of abandoned pages, the committed-bytes counter and the optional limit.
//! * [`ThreadHeap`] — one per mutator thread: size-segregated pages with an owner-local free
//!   list per page, a lock-free, atomic-RMW-free allocation fast path, and abandonment of its
//!   pages to the pool when it is dropped.
//! * [`PageRef`] — a page, the unit the collector walks (`pages()`, `objects()`).
//!
//! Invariants are documented in [`page`] (P1–P6) and [`registry`] (R1–R2).

pub mod page;
mod registry;
pub mod size_class;
mod thread_heap;

use std::fmt;
use std::ptr;
use std::sync::atomic::{AtomicU32 as StdAtomicU32, AtomicUsize as StdAtomicUsize};
use std::sync::Arc;

#[cfg(feature = "fault-injection")]
pub use page::fault;
pub use page::{PageRef, PAGE_SIZE};
pub use size_class::{MAX_SMALL_PAYLOAD, NUM_CLASSES};
pub use thread_heap::ThreadHeap;

use crate::object::ObjRef;
use crate::primitive::sync::atomic::{AtomicUsize, Ordering};
use page::{clear_slot, PageHeader};
pub(crate) use page::{nonzero_delta, PAGE_MASK};
use registry::{AbandonedPool, Registry};

/// Why an allocation failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AllocError {
    /// The system allocator returned null.
    OutOfMemory {
        /// Payload bytes requested.
        requested: usize,
    },
    /// A new page would take the space's committed bytes past its limit.
    LimitExceeded {
        /// Payload bytes requested.
        requested: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// The request cannot be represented (size overflow).
    TooLarge {
        /// Payload bytes requested.
        requested: usize,
    },
}

impl fmt::Display for AllocError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            AllocError::OutOfMemory { requested } => {
                write!(f, "out of memory allocating a {requested}-byte object")
            }
            AllocError::LimitExceeded { requested, limit } => write!(
                f,
                "heap limit of {limit} bytes exceeded allocating a {requested}-byte object"
            ),
            AllocError::TooLarge { requested } => {
                write!(f, "object of {requested} bytes is too large to allocate")
            }
        }
    }
}

impl std::error::Error for AllocError {}

/// A snapshot of a space's occupancy (see [`HeapSpace::stats`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct HeapStats {
    /// Objects in use.
    pub live_objects: usize,
    /// Slot bytes (header included) of the objects in use.
    pub live_bytes: usize,
    /// Registered pages (small and large).
    pub pages: usize,
    /// Of which large-object pages.
    pub large_pages: usize,
    /// Bytes of memory held by pages.
    pub committed_bytes: usize,
    /// Slots freed by non-owners and not yet reclaimed.
    pub remote_pending: usize,
    /// Pages with no owner (their thread heap was dropped).
    pub abandoned_pages: usize,
}

/// Ids for thread heaps, unique in the process; 0 means "abandoned".
static NEXT_HEAP_ID: StdAtomicUsize = StdAtomicUsize::new(1);

/// The memory of one collector runtime: every page of every thread heap.
pub struct HeapSpace {
    registry: Registry,
    pool: AbandonedPool,
    /// Bytes held by registered pages.
    committed: AtomicUsize,
    /// Maximum committed bytes; `usize::MAX` = unlimited.
    limit: AtomicUsize,
    /// The value of the mark bit that means "not marked" in the next collection; new objects
    /// get it. Flipped by the collector, world stopped, at the end of each marking.
    unmarked: StdAtomicU32,
}

impl fmt::Debug for HeapSpace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HeapSpace")
            .field("pages", &self.registry.len())
            .field("committed", &self.committed.load(Ordering::Relaxed))
            .finish()
    }
}

impl HeapSpace {
    /// A new, empty space.
    #[allow(clippy::new_ret_no_self)]
    pub fn new() -> Arc<HeapSpace> {
        Arc::new(HeapSpace {
            registry: Registry::default(),
            pool: AbandonedPool::default(),
            committed: AtomicUsize::new(0),
            limit: AtomicUsize::new(usize::MAX),
            unmarked: StdAtomicU32::new(0),
        })
    }

    /// The mark bit's "not marked" value for the next collection (0 or `MARKED`).
    #[inline]
    pub(crate) fn unmarked_bit(&self) -> u32 {
        self.unmarked.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Set it (world stopped; mutators see the new value after the world restarts, which
    /// synchronises with this thread).
    pub(crate) fn set_unmarked_bit(&self, v: u32) {
        self.unmarked.store(v, std::sync::atomic::Ordering::Relaxed)
    }

    /// A heap for the calling thread, with a fresh nonzero id unique in the process.
    pub fn new_thread_heap(self: &Arc<Self>) -> ThreadHeap {
        let id = NEXT_HEAP_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        ThreadHeap::new(Arc::clone(self), id)
    }

    /// Set (or remove) the maximum number of bytes the space's pages may occupy. Allocations
    /// that need a new page past it fail with [`AllocError::LimitExceeded`]. Lowering the limit
    /// below the current usage releases nothing; it only stops growth.
    pub fn set_limit(&self, max_committed_bytes: Option<usize>) {
        self.limit
            .store(max_committed_bytes.unwrap_or(usize::MAX), Ordering::Relaxed);
    }

    /// The current limit.
    pub fn limit(&self) -> Option<usize> {
        let l = self.limit.load(Ordering::Relaxed);
        (l != usize::MAX).then_some(l)
    }

    /// Bytes currently held by pages.
    pub fn committed_bytes(&self) -> usize {
        self.committed.load(Ordering::Relaxed)
    }

    /// Account for `bytes` more committed memory, or fail if that passes the limit.
    fn reserve(&self, bytes: usize, requested: usize) -> Result<(), AllocError> {
        let limit = self.limit.load(Ordering::Relaxed);
        let before = self.committed.fetch_add(bytes, Ordering::Relaxed);
        if before
            .checked_add(bytes)
            .map_or(true, |after| after > limit)
        {
            self.committed.fetch_sub(bytes, Ordering::Relaxed);
            return Err(AllocError::LimitExceeded { requested, limit });
        }
        Ok(())
    }

    fn new_small_page(
        &self,
        class: usize,
        owner: usize,
        requested: usize,
    ) -> Result<PageRef, AllocError> {
        self.reserve(PAGE_SIZE, requested)?;
        match PageHeader::new_small(class, owner) {
            Some(page) => {
                self.registry.insert(page);
                Ok(page)
            }
            None => {
                self.committed.fetch_sub(PAGE_SIZE, Ordering::Relaxed);
                Err(AllocError::OutOfMemory { requested })
            }
        }
    }

    fn new_large_page(&self, payload_size: usize, owner: usize) -> Result<PageRef, AllocError> {
        let requested = payload_size;
        let (total, slot) =
            PageHeader::large_geometry(payload_size).ok_or(AllocError::TooLarge { requested })?;
        self.reserve(total, requested)?;
        match PageHeader::new_large(total, slot, owner) {
            Some(page) => {
                self.registry.insert(page);
                Ok(page)
            }
            None => {
                self.committed.fetch_sub(total, Ordering::Relaxed);
                Err(AllocError::OutOfMemory { requested })
            }
        }
    }

    /// Deregister and free a page.
    ///
    /// # Safety
    /// The page holds no in-use or remotely freed slot and nobody will use it again (P6).
    unsafe fn release_page(&self, page: PageRef) {
        let size = page.committed_bytes();
        self.registry.remove(page);
        self.committed.fetch_sub(size, Ordering::Relaxed);
        // SAFETY: deregistered, empty, unreachable (caller).
        unsafe { PageHeader::release(page) };
    }

    /// Mark the large pages owned by `owner` abandoned (their heap is being dropped).
    fn abandon_large_pages(&self, owner: usize) {
        // Under the registry's read lock, so a concurrent free cannot release a page we look at.
        self.registry.for_each(|page| {
            if page.is_large() && page.hdr().owner_cell().load(Ordering::Relaxed) == owner {
                page.hdr().owner_cell().store(0, Ordering::Release);
            }
        });
    }

    /// Free `obj` from any thread: its slot goes onto its page's remote-free stack (reclaimed by
    /// the page's owner, or adopter, when it next runs dry); a large object's memory is released
    /// at once. Thread-safe.
    ///
    /// # Safety
    /// `obj` is a live object of this space and nobody uses it afterwards (no double free).
    pub unsafe fn free_remote(&self, obj: ObjRef) {
        let page = PageRef::of(obj);
        if page.is_large() {
            // SAFETY: caller contract: obj is the page's only object, being freed.
            unsafe { self.free_large(page, obj) };
            return;
        }
        let p = obj.as_ptr();
        // SAFETY: obj is in use and ours to free (caller); header cleared before the push (P4).
        unsafe { clear_slot(p, page.slot_size()) };
        // SAFETY: a single-slot chain: allocated, cleared, exclusively ours.
        unsafe { page.hdr().push_remote(p, p, 1) };
    }

    /// Free many objects that all live on `page` with one atomic push (the collector's
    /// parallel free). For a large page, `objs` is its single object and the page is released.
    ///
    /// # Safety
    /// Every element is a distinct live object on `page`, and nobody uses them afterwards.
    pub unsafe fn free_batch(&self, page: PageRef, objs: &[ObjRef]) {
        let (Some(&first), Some(&last)) = (objs.first(), objs.last()) else {
            return;
        };
        if page.is_large() {
            debug_assert_eq!(objs.len(), 1);
            // SAFETY: caller contract.
            unsafe { self.free_large(page, first) };
            return;
        }
        let slot = page.slot_size();
        for (i, &obj) in objs.iter().enumerate() {
            debug_assert_eq!(PageRef::of(obj), page, "free_batch: object not on page");
            // SAFETY: a live object of the page being freed by us (caller).
            unsafe { clear_slot(obj.as_ptr(), slot) };
            let next = objs.get(i + 1).map_or(ptr::null_mut(), |o| o.as_ptr());
            // SAFETY: the slot is freed and exclusively ours: its first word becomes the link.
            unsafe { ptr::write(obj.as_ptr() as *mut *mut u8, next) };
        }
        let n = u32::try_from(objs.len()).expect("more objects than a page holds");
        // SAFETY: a chain of freed, cleared, allocated slots of this page, exclusively ours.
        unsafe { page.hdr().push_remote(first.as_ptr(), last.as_ptr(), n) };
    }

    /// # Safety
    /// `obj` is the live object of the large page `page`, being freed by the caller.
    unsafe fn free_large(&self, page: PageRef, obj: ObjRef) {
        debug_assert_eq!(PageRef::of(obj), page);
        // SAFETY: obj is the page's in-use slot; clearing its header keeps P3.
        unsafe { clear_slot_no_poison(obj) };
        // SAFETY: the only object is freed: the page is empty and unreachable (P6).
        unsafe { self.release_page(page) };
    }

    /// A snapshot of every live page, owned or abandoned. The pages stay valid only as long as
    /// the caller prevents their release: no thread heap may be dropped and no large object or
    /// last object on a page freed while the snapshot is used (e.g. the world is stopped).
    pub fn pages(&self) -> Vec<PageRef> {
        self.registry.snapshot()
    }

    /// `Some(obj)` iff `addr` is the payload address of an in-use slot of this space. Interior
    /// pointers, freed slots and addresses outside the space give `None`. One hash lookup under
    /// a read lock plus a header load; safe to call from any thread at any time (the answer is
    /// a snapshot if objects are being allocated or freed concurrently).
    pub fn find_object(&self, addr: *const u8) -> Option<ObjRef> {
        let addr = addr as usize;
        self.registry
            .with_page(addr & !PAGE_MASK, |page| {
                page.slot_index_of(addr)?;
                page.slot_in_use(addr).then(|| {
                    // SAFETY: addr is the payload of an in-use slot of a live page.
                    unsafe { ObjRef::from_raw(ptr::NonNull::new_unchecked(addr as *mut u8)) }
                })
            })
            .flatten()
    }

    /// Occupancy, from walking every page's slot headers. Safe to call at any time; exact when
    /// no thread is allocating or freeing.
    pub fn stats(&self) -> HeapStats {
        let mut s = HeapStats::default();
        self.registry.for_each(|page| {
            let live = page.live_count();
            s.pages += 1;
            s.large_pages += page.is_large() as usize;
            s.live_objects += live;
            s.live_bytes += live * page.slot_size();
            s.remote_pending += page.remote_pending();
            s.abandoned_pages += (page.owner() == 0) as usize;
        });
        s.committed_bytes = self.committed.load(Ordering::Relaxed);
        s
    }
}

/// Clear an object's header without poisoning (its memory is about to be released).
///
/// # Safety
/// `obj` is in use and being freed by the caller.
unsafe fn clear_slot_no_poison(obj: ObjRef) {
    debug_assert!(
        obj.header().flags() & crate::object::flags::IN_USE != 0,
        "double free"
    );
    obj.header().clear();
}

impl Drop for HeapSpace {
    fn drop(&mut self) {
        // No ThreadHeap is alive (each holds an Arc to us), so every page is unowned; release
        // them all, live objects included: the runtime is gone.
        self.pool.clear();
        for page in self.registry.drain() {
            // SAFETY: nobody can reach the space's objects any more.
            unsafe { PageHeader::release(page) };
        }
    }
}
