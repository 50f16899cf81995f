//! `ThreadHeap`: one mutator thread's allocator.
//!
//! For each size class the heap owns a singly linked list of pages (linked through the page
//! headers' `next` field) and a *current* page that the fast path allocates from. The fast path
//! is: class lookup, pop the current page's local free list (or bump), set the allocated bit,
//! initialise the object header — plain loads and stores on owner-local state only (P1).
//!
//! When the current page runs dry, the slow path (in order):
//! 1. drains the current page's remote-free stack;
//! 2. scans the class's other pages, starting after the current one (circularly), for local free
//!    slots or pending remote frees;
//! 3. adopts an abandoned page of the class from the space's pool (draining its remote stack);
//! 4. allocates a fresh page (subject to the space's limit).
//!
//! Dropping a `ThreadHeap` abandons its pages: owner set to 0, remote stack drained, then
//! empty pages are released and the rest go to the pool. Live objects stay where they are.

use std::marker::PhantomData;
use std::ptr::{self, NonNull};
use std::sync::Arc;

use super::page::{clear_slot, PageHeader, PageRef};
use super::size_class::{self, NUM_CLASSES};
use super::{AllocError, HeapSpace};
use crate::object::{GcHeader, ObjRef, HEADER_SIZE};
use crate::primitive::sync::atomic::Ordering;

/// Per-class allocation state: the current page and the list of owned pages.
#[derive(Clone, Copy)]
struct ClassPages {
    /// Page the fast path allocates from (null until the first allocation of the class).
    current: *mut PageHeader,
    /// Head of the list of every page of this class owned by the heap.
    head: *mut PageHeader,
    /// Length of that list.
    len: usize,
}

/// A mutator thread's heap. Not `Send`/`Sync`: it belongs to the thread that created it, and
/// its pages' owner-local state is touched without synchronisation (P1).
pub struct ThreadHeap {
    id: usize,
    space: Arc<HeapSpace>,
    classes: [ClassPages; NUM_CLASSES],
    allocated: u64,
    _not_send: PhantomData<*mut ()>,
}

impl ThreadHeap {
    pub(crate) fn new(space: Arc<HeapSpace>, id: usize) -> ThreadHeap {
        debug_assert_ne!(id, 0);
        ThreadHeap {
            id,
            space,
            classes: [ClassPages {
                current: ptr::null_mut(),
                head: ptr::null_mut(),
                len: 0,
            }; NUM_CLASSES],
            allocated: 0,
            _not_send: PhantomData,
        }
    }

    /// This heap's id (nonzero, unique in the process); pages it owns record it.
    pub fn id(&self) -> usize {
        self.id
    }

    /// The space this heap allocates in.
    pub fn space(&self) -> &Arc<HeapSpace> {
        &self.space
    }

    /// Running count of objects allocated by this heap.
    pub fn allocated_objects(&self) -> u64 {
        self.allocated
    }

    /// Allocate an object with a `payload_size`-byte payload (8-byte aligned). Its header is
    /// initialised with `IN_USE`, the space's unmarked mark-bit value, and `TRACKED` if
    /// `tracked`. The payload contents are unspecified (zero for never-used slots, poison or
    /// stale data otherwise).
    ///
    /// Small sizes take a lock-free, atomic-RMW-free fast path.
    #[inline]
    pub fn alloc(&mut self, payload_size: usize, tracked: bool) -> Result<ObjRef, AllocError> {
        if let Some(class) = size_class::class_of(payload_size) {
            let page = self.classes[class].current;
            if !page.is_null() {
                // SAFETY: `current` is a live page owned by this heap (P1, P6).
                if let Some(p) = unsafe { (*page).pop_local() } {
                    self.allocated += 1;
                    // SAFETY: p is a freshly taken slot of ours with its bit set (P3).
                    return Ok(unsafe { init_object(p, tracked, self.space.unmarked_bit()) });
                }
            }
            self.alloc_small_slow(class, payload_size, tracked)
        } else {
            self.alloc_large(payload_size, tracked)
        }
    }

    #[inline(never)]
    fn alloc_small_slow(
        &mut self,
        class: usize,
        payload_size: usize,
        tracked: bool,
    ) -> Result<ObjRef, AllocError> {
        let page = self.refill(class, payload_size)?;
        self.classes[class].current = page;
        // SAFETY: refill returns a page owned by us with a free slot.
        let p = unsafe { (*page).pop_local() }.expect("refilled page has a free slot");
        self.allocated += 1;
        // SAFETY: p is a freshly taken slot of ours with its bit set (P3).
        Ok(unsafe { init_object(p, tracked, self.space.unmarked_bit()) })
    }

    /// Find or make a page of `class` with a free slot.
    fn refill(&mut self, class: usize, payload_size: usize) -> Result<*mut PageHeader, AllocError> {
        let st = self.classes[class];
        // 1. Reclaim remote frees on the current page.
        if !st.current.is_null() {
            // SAFETY: current is owned by us (P1).
            unsafe { (*st.current).drain_remote() };
            // SAFETY: as above.
            if unsafe { (*st.current).has_local_free() } {
                return Ok(st.current);
            }
        }
        // 2. Scan our other pages of this class, circularly from after `current`.
        let mut p = if st.current.is_null() {
            st.head
        } else {
            // SAFETY: current is owned by us.
            unsafe { (*st.current).next() }
        };
        for _ in 0..st.len {
            if p.is_null() {
                p = st.head;
            }
            if p != st.current {
                // SAFETY: p is on our list, hence owned by us and live (P1, P6).
                let h = unsafe { &*p };
                // SAFETY: owner-only call on our page.
                if h.has_local_free() || unsafe { h.drain_remote() } > 0 {
                    return Ok(p);
                }
            }
            // SAFETY: as above.
            p = unsafe { (*p).next() };
        }
        // 3. Adopt abandoned pages of the class.
        while let Some(page) = self.space.pool.adopt(class, self.id) {
            self.link(class, page);
            let h = page.hdr();
            // SAFETY: we own the page now (adopted under the pool mutex, R2).
            unsafe { h.drain_remote() };
            if h.has_local_free() {
                return Ok(page.as_ptr());
            }
        }
        // 4. A fresh page.
        let page = self.space.new_small_page(class, self.id, payload_size)?;
        self.link(class, page);
        Ok(page.as_ptr())
    }

    fn link(&mut self, class: usize, page: PageRef) {
        let st = &mut self.classes[class];
        page.hdr().set_next(st.head);
        st.head = page.as_ptr();
        st.len += 1;
    }

    #[cold]
    fn alloc_large(&mut self, payload_size: usize, tracked: bool) -> Result<ObjRef, AllocError> {
        let page = self.space.new_large_page(payload_size, self.id)?;
        let h = page.hdr();
        // SAFETY: a fresh large page is ours alone until we return the object; one free slot.
        let p = unsafe { h.pop_local() }.expect("fresh large page has a slot");
        self.allocated += 1;
        // SAFETY: p is the freshly taken slot of the page with its bit set (P3).
        Ok(unsafe { init_object(p, tracked, self.space.unmarked_bit()) })
    }

    /// Free `obj`: onto this heap's local free list if this heap owns its page, otherwise onto
    /// the page's remote stack; a large object's memory is released.
    ///
    /// # Safety
    /// `obj` must be a live object of this heap's space, and nobody may use it afterwards
    /// (a double free is undefined behaviour; debug builds assert on it).
    pub unsafe fn free(&mut self, obj: ObjRef) {
        let page = PageRef::of(obj);
        let h = page.hdr();
        if h.class() != super::page::LARGE_CLASS
            && h.owner_cell().load(Ordering::Relaxed) == self.id
        {
            // Only this heap ever stores our id into `owner`, so reading it proves ownership.
            // SAFETY: obj is in use (caller); we clear its header before its bit (P3).
            unsafe { clear_slot(obj.as_ptr(), h_slot(page)) };
            // SAFETY: owner-only (P1); the slot is allocated with a cleared header.
            unsafe { h.push_local(obj.as_ptr()) };
        } else {
            // SAFETY: forwarded caller contract.
            unsafe { self.space.free_remote(obj) };
        }
    }
}

#[inline(always)]
fn h_slot(page: PageRef) -> usize {
    page.slot_size()
}

/// Initialise a fresh slot's header and wrap its payload.
///
/// # Safety
/// `p` is the payload of a slot just taken by its owner (allocated bit set).
#[inline(always)]
unsafe fn init_object(p: NonNull<u8>, tracked: bool, unmarked: u32) -> ObjRef {
    // SAFETY: the header precedes the payload and is only accessed atomically (P2).
    let hdr = unsafe { &*(p.as_ptr().sub(HEADER_SIZE) as *const GcHeader) };
    hdr.init(tracked, unmarked);
    // SAFETY: p is the payload of a slot that is now in use.
    unsafe { ObjRef::from_raw(p) }
}

impl Drop for ThreadHeap {
    /// Abandon every page: live objects stay valid and enumerable; empty pages are released.
    fn drop(&mut self) {
        for class in 0..NUM_CLASSES {
            let mut p = self.classes[class].head;
            self.classes[class] = ClassPages {
                current: ptr::null_mut(),
                head: ptr::null_mut(),
                len: 0,
            };
            while !p.is_null() {
                // SAFETY: p is on our list: owned by us and live.
                let h = unsafe { &*p };
                let next = h.next();
                h.set_next(ptr::null_mut());
                // SAFETY: p is a live page (it was on our list).
                let page = unsafe { PageRef::from_base(p as usize) };
                // SAFETY: still ours until the owner store below.
                unsafe { h.drain_remote() };
                if h.allocated_count() == 0 {
                    // No allocated slot means no live object and nothing on the remote stack
                    // (P4), so nobody can reach the page any more.
                    // SAFETY: empty and ours.
                    unsafe { self.space.release_page(page) };
                } else {
                    h.owner_cell().store(0, Ordering::Release);
                    self.space.pool.push(class, page);
                }
                p = next;
            }
        }
        self.space.abandon_large_pages(self.id);
    }
}
