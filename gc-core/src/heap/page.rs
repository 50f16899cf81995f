//! Pages: the unit the heap gets memory in, and the unit the collector walks.
//!
//! A *small page* is one `PAGE_SIZE`-aligned block of `PAGE_SIZE` bytes holding equal-sized
//! slots of one size class. A *large page* is a `PAGE_SIZE`-aligned block of any multiple of
//! `PAGE_SIZE` bytes holding exactly one slot. Either way the [`PageHeader`] sits at the base of
//! the block and every payload address lies within the first `PAGE_SIZE` bytes, so
//! `addr & !(PAGE_SIZE - 1)` finds the header of the page an object lives on.
//!
//! ```text
//!   base                      first_slot
//!   [ PageHeader | padding ]  [ hdr | payload ][ hdr | payload ] ... [ hdr | payload ]
//! ```
//!
//! # Invariants
//!
//! * **P1 (ownership).** `owner` is the id of the [`ThreadHeap`](super::ThreadHeap) that owns
//!   the page, or 0 when it is abandoned. The *owner-local* fields (`local_free`, `bump`,
//!   `next`, `allocated`) are only read or written by the owning thread, or — after ownership
//!   passed through the abandoned pool's mutex — by the adopter, or by a thread that has
//!   exclusive access to the whole space (the collector with the world stopped).
//! * **P2 (zeroed headers).** Small pages are allocated zeroed; the 8 header bytes of a slot are
//!   only ever written through [`GcHeader`]'s atomic stores, and free-list links and poison live
//!   in the payload. So any thread may read any slot header of a live page atomically.
//! * **P3 (in-use implies allocated).** A slot's header has `IN_USE` only while its `allocated`
//!   bit is set: alloc sets the bit before `GcHeader::init`, free runs `GcHeader::clear` before
//!   the bit is cleared.
//! * **P4 (slot states).** Every slot below `bump` is exactly one of: in use (bit set, `IN_USE`),
//!   on the owner-local free list (bit clear, header 0), or on the remote stack (bit set,
//!   header 0, counted in `remote_pending`). Slots at or above `bump` were never used (bit
//!   clear, header 0). The free-list link is the first 8 payload bytes of a free slot.
//! * **P5 (remote stack).** Any thread may push to `remote_head` (Treiber CAS, Release). Only
//!   the owner (or adopter) pops, and always the whole stack at once with `swap(null)`
//!   (Acquire), so there is no ABA. `remote_pending` is incremented *before* the push, so it is
//!   never less than the number of nodes on the stack.
//! * **P6 (lifetime).** A page is registered in the space's registry from creation until it is
//!   released; it is released only when it holds no in-use slot (a large page: when its one
//!   object is freed; a small page: when abandoned empty, or when the space is dropped).

use std::alloc::{self, Layout};
use std::cell::{Cell, UnsafeCell};
use std::ptr::{self, NonNull};

use bitvec::prelude::*;
use crossbeam_utils::CachePadded;

use super::size_class::{self, MAX_SMALL_SLOT};
use crate::object::{flags, GcHeader, ObjRef, HEADER_SIZE};
use crate::primitive::sync::atomic::{AtomicPtr, AtomicU32, AtomicUsize, Ordering};

/// Size and alignment of a small page; large pages are multiples of it.
pub const PAGE_SIZE: usize = 64 * 1024;

/// Low address bits within a page.
pub(crate) const PAGE_MASK: usize = PAGE_SIZE - 1;

/// Words of the allocated bitmap: enough for `PAGE_SIZE / 16` slots (the smallest class).
const BITMAP_WORDS: usize = PAGE_SIZE / size_class::GRANULE / 64;

/// The per-page bitmap of allocated slots (bit `i` = slot `i`).
pub(crate) type AllocBits = BitArray<[u64; BITMAP_WORDS], Lsb0>;

/// `class` value of a large page.
pub(crate) const LARGE_CLASS: usize = usize::MAX;

/// Byte pattern written over freed payloads (after the link word) in debug / `poison` builds.
pub const POISON_BYTE: u8 = 0xDB;

/// Fields any thread may touch, on their own cache line so remote frees do not bounce the
/// owner's allocation state.
struct RemoteStack {
    /// Head of the remote-free stack (payload pointers linked through their first word).
    head: AtomicPtr<u8>,
    /// Slots pushed to the stack and not yet drained (P5).
    pending: AtomicU32,
}

/// The header at the base of every page. See the module docs for the invariants.
#[repr(C)]
pub(crate) struct PageHeader {
    // ---- immutable after creation ----
    /// Size class, or `LARGE_CLASS`.
    class: usize,
    /// Slot size in bytes (header included).
    slot_size: usize,
    /// Number of slots.
    capacity: usize,
    /// Offset of slot 0 from the page base.
    first_slot: usize,
    /// `ceil(2^32 / slot_size)`: `(off * recip) >> 32 == off / slot_size` for every
    /// `off < PAGE_SIZE` (small pages only), so the fast path needs no division.
    slot_recip: u64,
    /// Bytes of the underlying allocation (`PAGE_SIZE` for small pages).
    alloc_size: usize,
    // ---- shared, atomic ----
    /// Owning heap id, 0 = abandoned (P1).
    owner: AtomicUsize,
    /// Position in the registry's page vector (written only under the registry lock).
    registry_index: AtomicUsize,
    /// Collection scratch (world stopped): how many of this page's objects have a non-zero
    /// `gc_refs`, kept by the refs pass so that mark-reachable walks only pages that hold a
    /// seed. Wrapping count; 0 outside collections (the scan resets it).
    nonzero_refs: AtomicU32,
    // ---- owner-local (P1) ----
    /// Head of the owner-local free list (payload pointer, null = empty).
    local_free: Cell<*mut u8>,
    /// Slots `>= bump` have never been handed out.
    bump: Cell<usize>,
    /// Next page in the owner's list for this class.
    next: Cell<*mut PageHeader>,
    /// Allocated bitmap (P3, P4).
    allocated: UnsafeCell<AllocBits>,
    // ---- any thread ----
    remote: CachePadded<RemoteStack>,
}

/// Offset of slot 0 when nothing else constrains it: just past the header, granule aligned.
const HEADER_END: usize = std::mem::size_of::<PageHeader>().next_multiple_of(size_class::GRANULE);

const _: () = assert!(HEADER_END + MAX_SMALL_SLOT <= PAGE_SIZE);
const _: () = assert!(std::mem::align_of::<PageHeader>() <= PAGE_SIZE);

/// A handle to a page: its base address. `Copy`, compares by address.
///
/// A `PageRef` does not keep the page alive; every method requires that the page has not been
/// released (P6). Methods that read owner-local state (`objects`) additionally require that
/// the owner is not concurrently allocating or freeing on the page (see each method).
#[derive(Copy, Clone, PartialEq, Eq, Hash)]
#[repr(transparent)]
pub struct PageRef(NonNull<PageHeader>);

// SAFETY: a PageRef is an address; the shared parts of the header are atomics and every
// access to owner-local parts goes through methods whose contracts (P1) say who may call them.
unsafe impl Send for PageRef {}
// SAFETY: as above.
unsafe impl Sync for PageRef {}

impl std::fmt::Debug for PageRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PageRef({:p})", self.0.as_ptr())
    }
}

impl PageRef {
    /// The page `obj` lives on.
    #[inline]
    pub fn of(obj: ObjRef) -> PageRef {
        let base = obj.addr() & !PAGE_MASK;
        // SAFETY: payload addresses are never in the first page of the address space (a page
        // header precedes them), so base is nonzero.
        PageRef(unsafe { NonNull::new_unchecked(base as *mut PageHeader) })
    }

    /// How many of this page's objects have a non-zero `gc_refs` (collection scratch, see
    /// `PageHeader::nonzero_refs`).
    #[inline]
    pub(crate) fn nonzero_refs(self) -> u32 {
        self.hdr().nonzero_refs.load(Ordering::Relaxed)
    }

    /// Add `d` to the count (see [`nonzero_delta`]). `SHARED`: other workers may update this
    /// page's count concurrently (an atomic add); otherwise the caller is the only one
    /// updating it now (a plain load and store).
    #[inline]
    pub(crate) fn add_nonzero_refs<const SHARED: bool>(self, d: i32) {
        if d == 0 {
            return;
        }
        let c = &self.hdr().nonzero_refs;
        if SHARED {
            c.fetch_add(d as u32, Ordering::Relaxed);
        } else {
            c.store(
                c.load(Ordering::Relaxed).wrapping_add(d as u32),
                Ordering::Relaxed,
            );
        }
    }

    /// Reset the count (every `gc_refs` of the page is being reset to 0).
    #[inline]
    pub(crate) fn reset_nonzero_refs(self) {
        let c = &self.hdr().nonzero_refs;
        if c.load(Ordering::Relaxed) != 0 {
            c.store(0, Ordering::Relaxed);
        }
    }

    /// Wrap the base address of a page known to be live (e.g. found in the registry).
    ///
    /// # Safety
    /// `base` must be the base of a live page of a heap space.
    #[inline]
    pub(crate) unsafe fn from_base(base: usize) -> PageRef {
        // SAFETY: the caller promises base is a live page's base, hence nonzero.
        PageRef(unsafe { NonNull::new_unchecked(base as *mut PageHeader) })
    }

    #[inline]
    pub(crate) fn hdr(self) -> &'static PageHeader {
        // SAFETY: PageRef's contract: the page is live (P6) and its header was initialised at
        // creation; shared access to it is sound because owner-local fields are Cells whose
        // use is governed by P1.
        unsafe { self.0.as_ref() }
    }

    /// Raw header pointer.
    #[inline]
    pub(crate) fn as_ptr(self) -> *mut PageHeader {
        self.0.as_ptr()
    }

    /// Base address of the page.
    #[inline]
    pub fn base(self) -> usize {
        self.0.as_ptr() as usize
    }

    /// Slot size in bytes, header included.
    pub fn slot_size(self) -> usize {
        self.hdr().slot_size
    }

    /// Number of slots on the page.
    pub fn capacity(self) -> usize {
        self.hdr().capacity
    }

    /// Whether this is a large-object page (one slot bigger than the largest size class).
    pub fn is_large(self) -> bool {
        self.hdr().class == LARGE_CLASS
    }

    /// Size class index (`None` for a large page).
    pub fn size_class(self) -> Option<usize> {
        let c = self.hdr().class;
        (c != LARGE_CLASS).then_some(c)
    }

    /// Bytes of memory the page occupies.
    pub fn committed_bytes(self) -> usize {
        self.hdr().alloc_size
    }

    /// Owning heap id; 0 = abandoned.
    pub fn owner(self) -> usize {
        self.hdr().owner.load(Ordering::Acquire)
    }

    /// Allocated bits: in-use slots plus remotely freed ones not yet reclaimed. Same caller
    /// contract as [`objects`](Self::objects) (no concurrent allocation or local free).
    pub(crate) fn allocated_count(self) -> usize {
        self.hdr().allocated_count()
    }

    /// Slots freed by other threads and not yet reclaimed by the owner.
    pub fn remote_pending(self) -> usize {
        self.hdr().remote.pending.load(Ordering::Relaxed) as usize
    }

    /// Number of in-use objects, counted from the slot headers. Safe to call concurrently
    /// with allocation (the answer is then a snapshot) as long as the page stays live (P2).
    pub fn live_count(self) -> usize {
        self.header_walk().count()
    }

    /// In-use slots found from the headers alone (P2): usable concurrently with the owner.
    pub(crate) fn header_walk(self) -> impl Iterator<Item = ObjRef> {
        let h = self.hdr();
        (0..h.capacity).filter_map(move |i| {
            let p = h.payload_at(i);
            // SAFETY: p is a payload address of this page; its header is readable (P2).
            let hdr = unsafe { &*(p.sub(HEADER_SIZE) as *const GcHeader) };
            (hdr.flags() & flags::IN_USE != 0).then(|| {
                // SAFETY: the slot is in use, so p is the payload of a live object.
                unsafe { ObjRef::from_raw(NonNull::new_unchecked(p)) }
            })
        })
    }

    /// The in-use objects on this page: allocated bit set and header `IN_USE`, found with the
    /// bitmap's `iter_ones`.
    ///
    /// The caller must guarantee that, while the iterator is used, the page is not released and
    /// nobody allocates on it or frees locally on it (the world is stopped, or the caller owns
    /// the page). Remote frees may run concurrently (they do not touch the bitmap; such an
    /// object may or may not be yielded).
    pub fn objects(self) -> impl Iterator<Item = ObjRef> {
        let h = self.hdr();
        // SAFETY: the caller guarantees no concurrent writer of the bitmap (P1) and that the page
        // outlives the iterator.
        let bits: &'static AllocBits = unsafe { &*h.allocated.get() };
        bits.iter_ones().filter_map(move |i| {
            let p = h.payload_at(i);
            // SAFETY: i < capacity (bits beyond capacity are never set), header readable (P2).
            let hdr = unsafe { &*(p.sub(HEADER_SIZE) as *const GcHeader) };
            (hdr.flags() & flags::IN_USE != 0).then(|| {
                // SAFETY: the slot is in use: p is a live object's payload.
                unsafe { ObjRef::from_raw(NonNull::new_unchecked(p)) }
            })
        })
    }

    /// Move this page's remotely freed slots to its owner-local free list (clearing their
    /// allocated bits), so later walks skip them and the owner reuses them without draining.
    /// Returns how many were reclaimed.
    ///
    /// # Safety
    /// The caller has exclusive access to the page's owner-local state (P1): the world is
    /// stopped and no other thread handles this page meanwhile.
    pub unsafe fn reclaim_remote_frees(self) -> usize {
        if self.is_large() {
            return 0;
        }
        // SAFETY: forwarded caller guarantee (P1: exclusive access with the world stopped).
        unsafe { self.hdr().drain_remote() }
    }

    /// Call `f` for every slot whose `allocated` bit is set, in address order: the collector's
    /// fast walk (word-at-a-time over the bitmap, no iterator adaptors).
    ///
    /// Unlike [`objects`](Self::objects) this does not check the header: a slot freed remotely
    /// and not yet drained still has its bit set but its header reads "not in use" (flags 0),
    /// so callers must look at the header flags, which they read anyway. Same caller contract
    /// as `objects`.
    #[inline]
    pub fn for_each_allocated(self, mut f: impl FnMut(ObjRef)) {
        let h = self.hdr();
        // SAFETY: as in `objects`: no concurrent writer of the bitmap, the page outlives the call.
        let bits: &AllocBits = unsafe { &*h.allocated.get() };
        let words = h.capacity.div_ceil(64);
        let base = self.base() + h.first_slot + HEADER_SIZE;
        for (wi, &word) in bits.as_raw_slice()[..words].iter().enumerate() {
            let mut w = word;
            while w != 0 {
                let i = wi * 64 + w.trailing_zeros() as usize;
                w &= w - 1;
                // SAFETY: i < capacity (bits beyond capacity are never set), so the address is
                // a payload address inside this page; non-null because the page is.
                f(unsafe {
                    ObjRef::from_raw(NonNull::new_unchecked((base + i * h.slot_size) as *mut u8))
                });
            }
        }
    }

    /// If `addr` is the payload address of a slot of this page, that slot's index.
    pub(crate) fn slot_index_of(self, addr: usize) -> Option<usize> {
        let h = self.hdr();
        let start = self.base() + h.first_slot + HEADER_SIZE;
        let off = addr.checked_sub(start)?;
        if off % h.slot_size != 0 {
            return None;
        }
        let i = off / h.slot_size;
        (i < h.capacity).then_some(i)
    }

    /// Whether the slot whose payload is at `addr` (a slot of this page) is in use.
    pub(crate) fn slot_in_use(self, addr: usize) -> bool {
        // SAFETY: addr is a payload address of this live page; its header is readable (P2).
        let hdr = unsafe { &*((addr - HEADER_SIZE) as *const GcHeader) };
        hdr.flags() & flags::IN_USE != 0
    }
}

impl PageHeader {
    /// Allocate and initialise a zeroed small page of `class` owned by `owner`.
    /// Returns `None` if the system allocator fails.
    pub(crate) fn new_small(class: usize, owner: usize) -> Option<PageRef> {
        let slot = size_class::slot_size(class);
        let capacity = (PAGE_SIZE - HEADER_END) / slot;
        // Put the slots at the end: the slack sits between the header and slot 0.
        let first_slot = PAGE_SIZE - capacity * slot;
        let recip = (1u64 << 32).div_ceil(slot as u64);
        Self::create(
            class, slot, capacity, first_slot, recip, PAGE_SIZE, owner, true,
        )
    }

    /// Bytes a large page for a `payload_size` payload needs, and its slot size, or `None` if
    /// that overflows or is not a valid layout.
    pub(crate) fn large_geometry(payload_size: usize) -> Option<(usize, usize)> {
        let slot = payload_size
            .checked_add(HEADER_SIZE)?
            .checked_next_multiple_of(size_class::GRANULE)?;
        let total = HEADER_END
            .checked_add(slot)?
            .checked_next_multiple_of(PAGE_SIZE)?;
        Layout::from_size_align(total, PAGE_SIZE).ok()?;
        Some((total, slot))
    }

    /// Allocate a large page (geometry from [`Self::large_geometry`]). `None` on OOM.
    pub(crate) fn new_large(total: usize, slot: usize, owner: usize) -> Option<PageRef> {
        Self::create(LARGE_CLASS, slot, 1, HEADER_END, 0, total, owner, false)
    }

    #[allow(clippy::too_many_arguments)]
    fn create(
        class: usize,
        slot_size: usize,
        capacity: usize,
        first_slot: usize,
        slot_recip: u64,
        alloc_size: usize,
        owner: usize,
        zeroed: bool,
    ) -> Option<PageRef> {
        let layout = Layout::from_size_align(alloc_size, PAGE_SIZE).ok()?;
        #[cfg(feature = "fault-injection")]
        if fault::take_page_failure() {
            return None;
        }
        // SAFETY: layout has nonzero size.
        let base = unsafe {
            if zeroed {
                alloc::alloc_zeroed(layout)
            } else {
                alloc::alloc(layout)
            }
        };
        let base = NonNull::new(base)?.cast::<PageHeader>();
        if !zeroed {
            // Only slot 0 exists; make its header valid (P2) before anyone can see the page.
            // SAFETY: slot 0's header lies inside the fresh allocation and is 8-aligned.
            unsafe { ptr::write_bytes((base.as_ptr() as *mut u8).add(first_slot), 0, HEADER_SIZE) };
        }
        let header = PageHeader {
            class,
            slot_size,
            capacity,
            first_slot,
            slot_recip,
            alloc_size,
            owner: AtomicUsize::new(owner),
            registry_index: AtomicUsize::new(usize::MAX),
            nonzero_refs: AtomicU32::new(0),
            local_free: Cell::new(ptr::null_mut()),
            bump: Cell::new(0),
            next: Cell::new(ptr::null_mut()),
            allocated: UnsafeCell::new(BitArray::ZERO),
            remote: CachePadded::new(RemoteStack {
                head: AtomicPtr::new(ptr::null_mut()),
                pending: AtomicU32::new(0),
            }),
        };
        // SAFETY: base is a fresh, PAGE_SIZE-aligned allocation larger than the header.
        unsafe { ptr::write(base.as_ptr(), header) };
        Some(PageRef(base))
    }

    /// Return the page's memory to the system allocator.
    ///
    /// # Safety
    /// The page must be deregistered, hold no in-use slot, and no other reference to it may be
    /// used afterwards (P6).
    pub(crate) unsafe fn release(page: PageRef) {
        let size = page.hdr().alloc_size;
        // SAFETY: the header was written by create() and is not used after this point.
        unsafe { ptr::drop_in_place(page.as_ptr()) };
        // SAFETY: allocated in create() with exactly this layout.
        unsafe {
            alloc::dealloc(
                page.as_ptr() as *mut u8,
                Layout::from_size_align_unchecked(size, PAGE_SIZE),
            )
        };
    }

    #[inline(always)]
    fn payload_at(&self, i: usize) -> *mut u8 {
        let base = self as *const PageHeader as *mut u8;
        // SAFETY: callers pass i < capacity, so the result is inside the page's allocation.
        unsafe { base.add(self.first_slot + i * self.slot_size + HEADER_SIZE) }
    }

    /// Slot index of a payload pointer of this small page, without division.
    #[inline(always)]
    fn index_of(&self, p: *mut u8) -> usize {
        let off = p as usize - (self as *const PageHeader as usize + self.first_slot + HEADER_SIZE);
        ((off as u64 * self.slot_recip) >> 32) as usize
    }

    #[inline(always)]
    pub(crate) fn class(&self) -> usize {
        self.class
    }

    pub(crate) fn registry_index(&self) -> &AtomicUsize {
        &self.registry_index
    }

    pub(crate) fn owner_cell(&self) -> &AtomicUsize {
        &self.owner
    }

    #[inline(always)]
    pub(crate) fn next(&self) -> *mut PageHeader {
        self.next.get()
    }

    pub(crate) fn set_next(&self, next: *mut PageHeader) {
        self.next.set(next)
    }

    /// Whether the owner can allocate here without draining the remote stack.
    #[inline]
    pub(crate) fn has_local_free(&self) -> bool {
        !self.local_free.get().is_null() || self.bump.get() < self.capacity
    }

    /// Number of allocated bits (in-use slots plus remote-freed ones not yet drained).
    /// Owner-only (P1).
    pub(crate) fn allocated_count(&self) -> usize {
        // SAFETY: owner-only access (P1) — no concurrent writer of the bitmap.
        unsafe { (*self.allocated.get()).count_ones() }
    }

    /// Take a free slot: pop the owner-local free list, else bump. Sets the allocated bit;
    /// the caller initialises the header. No atomics, no locks.
    ///
    /// # Safety
    /// Owner-only (P1); small pages only.
    #[inline(always)]
    pub(crate) unsafe fn pop_local(&self) -> Option<NonNull<u8>> {
        let head = self.local_free.get();
        let (p, i) = if !head.is_null() {
            // SAFETY: head is a free slot on our list (P4); its first payload word is the link.
            let next = unsafe { ptr::read(head as *const *mut u8) };
            self.local_free.set(next);
            #[cfg(any(debug_assertions, feature = "poison"))]
            // SAFETY: head is a free slot of this page with slot_size - HEADER_SIZE bytes.
            unsafe {
                check_poison(head, self.slot_size)
            };
            (head, self.index_of(head))
        } else {
            let b = self.bump.get();
            if b >= self.capacity {
                return None;
            }
            self.bump.set(b + 1);
            (self.payload_at(b), b)
        };
        // SAFETY: owner-only (P1); i < capacity <= bitmap length.
        unsafe { (*self.allocated.get()).set_unchecked(i, true) };
        // SAFETY: p is a payload pointer inside the page, never null.
        Some(unsafe { NonNull::new_unchecked(p) })
    }

    /// Give a slot whose header is already cleared back to the owner-local free list.
    ///
    /// # Safety
    /// Owner-only (P1); `p` is a payload of this small page whose slot is allocated and whose
    /// header has been cleared (P3).
    #[inline]
    pub(crate) unsafe fn push_local(&self, p: *mut u8) {
        let i = self.index_of(p);
        // SAFETY: owner-only (P1), i < capacity.
        unsafe { (*self.allocated.get()).set_unchecked(i, false) };
        // SAFETY: the slot is free now and owned by us; its first payload word is the link (P4).
        unsafe { ptr::write(p as *mut *mut u8, self.local_free.get()) };
        self.local_free.set(p);
    }

    /// Push a chain of freed slots (`first` .. `last`, already linked through their first
    /// payload words, `n` of them) onto the remote stack. Any thread.
    ///
    /// # Safety
    /// Every slot in the chain belongs to this page, is allocated, has a cleared header, and is
    /// not referenced by anyone else.
    pub(crate) unsafe fn push_remote(&self, first: *mut u8, last: *mut u8, n: u32) {
        // P5: count before pushing, so pending never under-counts the stack.
        self.remote.pending.fetch_add(n, Ordering::Relaxed);
        let mut head = self.remote.head.load(Ordering::Relaxed);
        loop {
            // SAFETY: last is a freed slot we hold exclusively; its first word is the link.
            unsafe { ptr::write(last as *mut *mut u8, head) };
            match self.remote.head.compare_exchange_weak(
                head,
                first,
                Ordering::Release,
                Ordering::Relaxed,
            ) {
                Ok(_) => return,
                Err(h) => head = h,
            }
        }
    }

    /// Move every remotely freed slot to the owner-local free list, clearing its allocated bit.
    /// Returns how many slots were reclaimed.
    ///
    /// # Safety
    /// Owner-only (P1).
    pub(crate) unsafe fn drain_remote(&self) -> usize {
        if self.remote.head.load(Ordering::Relaxed).is_null() {
            return 0;
        }
        // P5: take the whole stack; Acquire pairs with the pushers' Release.
        let mut p = self.remote.head.swap(ptr::null_mut(), Ordering::Acquire);
        let mut n = 0u32;
        while !p.is_null() {
            // SAFETY: p is a node of the stack we now own exclusively; link in its first word.
            let next = unsafe { ptr::read(p as *const *mut u8) };
            // SAFETY: owner-only; p is an allocated slot with a cleared header (P4).
            unsafe { self.push_local(p) };
            p = next;
            n += 1;
        }
        self.remote.pending.fetch_sub(n, Ordering::Relaxed);
        n as usize
    }
}

/// Clear a slot's header and poison its payload (after the link word) in debug / poison builds.
///
/// # Safety
/// `p` is the payload of an in-use slot of `slot_size` bytes that the caller is freeing.
#[inline]
pub(crate) unsafe fn clear_slot(p: *mut u8, slot_size: usize) {
    // SAFETY: the header precedes the payload (P2: written atomically only).
    let hdr = unsafe { &*(p.sub(HEADER_SIZE) as *const GcHeader) };
    debug_assert!(hdr.flags() & flags::IN_USE != 0, "double free of {p:p}");
    hdr.clear();
    #[cfg(any(debug_assertions, feature = "poison"))]
    if slot_size > 2 * HEADER_SIZE {
        // SAFETY: the payload has slot_size - HEADER_SIZE bytes; we skip the link word.
        unsafe { ptr::write_bytes(p.add(HEADER_SIZE), POISON_BYTE, slot_size - 2 * HEADER_SIZE) };
    }
    #[cfg(not(any(debug_assertions, feature = "poison")))]
    let _ = slot_size;
}

/// The change in a page's non-zero `gc_refs` count when one of its objects goes from `old`
/// to `new` (-1, 0 or 1; branch-free).
#[inline(always)]
pub(crate) fn nonzero_delta(old: i32, new: i32) -> i32 {
    (new != 0) as i32 - (old != 0) as i32
}

/// Panic if a free slot's poison was overwritten (a write after free).
///
/// # Safety
/// `p` is the payload of a free, poisoned slot of `slot_size` bytes.
#[cfg(any(debug_assertions, feature = "poison"))]
unsafe fn check_poison(p: *mut u8, slot_size: usize) {
    if slot_size <= 2 * HEADER_SIZE {
        return;
    }
    // SAFETY: the slot's payload after the link word is slot_size - 16 readable bytes.
    let bytes =
        unsafe { std::slice::from_raw_parts(p.add(HEADER_SIZE), slot_size - 2 * HEADER_SIZE) };
    if let Some(pos) = bytes.iter().position(|&b| b != POISON_BYTE) {
        panic!(
            "heap corruption: freed slot {p:p} written after free at payload offset {}",
            pos + 8
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geometry() {
        for class in 0..size_class::NUM_CLASSES {
            let page = PageHeader::new_small(class, 1).unwrap();
            let h = page.hdr();
            assert!(h.first_slot >= std::mem::size_of::<PageHeader>());
            assert_eq!(h.first_slot + h.capacity * h.slot_size, PAGE_SIZE);
            assert!(h.capacity <= BITMAP_WORDS * 64);
            // The reciprocal gives exact indices for every slot.
            for i in 0..h.capacity {
                assert_eq!(h.index_of(h.payload_at(i)), i);
            }
            // SAFETY: never registered, no objects.
            unsafe { PageHeader::release(page) };
        }
    }
}

/// Test-only fault injection: make the next page allocations fail as if the OS refused memory.
#[cfg(feature = "fault-injection")]
pub mod fault {
    use std::sync::atomic::{AtomicUsize, Ordering};

    static FAIL_PAGES: AtomicUsize = AtomicUsize::new(0);

    /// The next `n` page allocations (in any runtime of this process) return null.
    pub fn fail_next_page_allocations(n: usize) {
        FAIL_PAGES.store(n, Ordering::SeqCst);
    }

    pub(crate) fn take_page_failure() -> bool {
        FAIL_PAGES
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    }
}
