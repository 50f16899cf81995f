//! Object references and the collector's per-object header.
//!
//! Every managed object lives in a heap slot laid out as
//!
//! ```text
//!   slot start                payload (what ObjRef points at)
//!   |                         |
//!   [ flags: u32 | gc_refs: i32 ][ VM's object ... ]
//!    <---- GcHeader, 8 bytes ---->
//! ```
//!
//! The header is the collector's only per-object state: the bits the DESIGN calls "collector bits"
//! (tracked, alive, unreachable, finalized, frozen, ...) and the `gc_refs` scratch counter used
//! by trial deletion. Keeping them in the 8 bytes in front of the payload means that visiting an
//! object to trace it also brings its collector state into cache (see docs/design.md for the
//! measurement behind choosing a header over side metadata). The payload is 8-byte aligned.

use std::fmt;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicI32, AtomicU32, Ordering};

/// A pointer to the payload of a managed object (the bytes after its [`GcHeader`]).
///
/// `ObjRef` is a plain address: it does not keep the object alive and dereferencing its payload
/// is the VM's business. It is `Send + Sync` because it is only an address; every access goes
/// through the rules of the binding contract (`crate::binding`).
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(transparent)]
pub struct ObjRef(NonNull<u8>);

// SAFETY: an ObjRef is an address; the binding contract governs who may touch what it points at.
unsafe impl Send for ObjRef {}
// SAFETY: as above; sharing the address itself is harmless.
unsafe impl Sync for ObjRef {}

impl ObjRef {
    /// Wrap a payload pointer.
    ///
    /// # Safety
    /// `ptr` must be the payload address of an object allocated by a gc-core heap (as returned
    /// by an allocation call) that has not been freed.
    #[inline]
    pub const unsafe fn from_raw(ptr: NonNull<u8>) -> Self {
        ObjRef(ptr)
    }

    /// The payload address.
    #[inline]
    pub const fn as_ptr(self) -> *mut u8 {
        self.0.as_ptr()
    }

    /// The payload address as a `NonNull`.
    #[inline]
    pub const fn as_non_null(self) -> NonNull<u8> {
        self.0
    }

    /// The payload address as an integer (for hashing, sorting and diagnostics).
    #[inline]
    pub fn addr(self) -> usize {
        self.0.as_ptr() as usize
    }

    /// The collector header in front of the payload.
    #[inline]
    pub(crate) fn header(self) -> &'static GcHeader {
        // SAFETY: every ObjRef is built from a heap slot whose first 8 bytes are a GcHeader that
        // lives as long as the slot (from_raw's contract); slots are never unmapped while an
        // ObjRef to them is in use by the collector (pages are released only when empty).
        unsafe { &*(self.0.as_ptr().sub(HEADER_SIZE) as *const GcHeader) }
    }

    /// Whether the collector tracks this object (it is a cycle candidate).
    #[inline]
    pub fn is_tracked(self) -> bool {
        self.header().flags() & flags::TRACKED != 0
    }

    /// Whether the collector currently holds this object as cyclic garbage. While this is true
    /// the VM must not destroy or free the object when its count reaches zero (contract rule 6).
    #[inline]
    pub fn is_collector_held(self) -> bool {
        self.header().flags() & flags::GARBAGE != 0
    }

    /// Whether the object's finalizer has already run (PEP 442: at most once).
    #[inline]
    pub fn is_finalized(self) -> bool {
        self.header().flags() & flags::FINALIZED != 0
    }

    /// Record that the object's finalizer has run (or is about to); returns whether it was
    /// already recorded, in which case the caller must not run it (PEP 442: at most once).
    ///
    /// The collector sets this bit itself before it calls
    /// [`VmBinding::finalize`](crate::VmBinding::finalize), and never asks
    /// [`has_finalizer`](crate::VmBinding::has_finalizer) about an object that has it. A VM
    /// that also finalizes objects on another path (death by reference count) calls this
    /// first, so the two paths share one bit and a finalizer never runs twice. Tracked and
    /// untracked objects alike have the bit (it lives in every slot's header).
    ///
    /// When: world running, on a mutator thread, for an object that is alive or dying by
    /// reference count (not collector-held, not freed). It is an atomic read-modify-write, so
    /// it cannot lose a concurrent `track`/`untrack`; it must not be called while the world is
    /// stopped (GC workers then rewrite whole flag words with plain stores).
    #[inline]
    pub fn set_finalized(self) -> bool {
        self.header().set(flags::FINALIZED) & flags::FINALIZED != 0
    }

    /// Whether the object is frozen (excluded from collection by `freeze()`).
    #[inline]
    pub fn is_frozen(self) -> bool {
        self.header().flags() & flags::FROZEN != 0
    }
}

impl fmt::Debug for ObjRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ObjRef({:p})", self.0.as_ptr())
    }
}

/// Size of [`GcHeader`] in bytes; the payload starts this far into a slot.
pub const HEADER_SIZE: usize = 8;

/// Alignment guaranteed for payloads.
pub const PAYLOAD_ALIGN: usize = 8;

/// The collector's per-object header. Flags are always updated with atomic read-modify-write
/// operations because mutators (track/untrack) and GC workers (marking) may touch the same word;
/// `gc_refs` is scratch space only meaningful during a collection.
#[repr(C)]
pub(crate) struct GcHeader {
    flags: AtomicU32,
    gc_refs: AtomicI32,
}

const _: () = assert!(std::mem::size_of::<GcHeader>() == HEADER_SIZE);

/// Header flag bits.
pub(crate) mod flags {
    /// The slot holds an object (cleared when it is freed).
    pub const IN_USE: u32 = 1 << 0;
    /// The object is a cycle candidate (a container the VM has finished initialising).
    pub const TRACKED: u32 = 1 << 1;
    /// The mark bit: reached from the VM's roots, or from an object with external references,
    /// in this collection. Its meaning alternates between collections: an object is marked
    /// when the bit differs from the space's current *unmarked* value (see
    /// `HeapSpace::unmarked_bit`), which every collection flips instead of clearing the bit on
    /// every survivor.
    pub const MARKED: u32 = 1 << 2;
    /// Held by the running collection (always with GARBAGE): the refs pass holds every
    /// candidate, and mark-reachable and the scan take back those with external references.
    /// Final garbage keeps it until it is freed; whatever leaves the garbage set (marked
    /// reachable, resurrected, released, freed later by the epoch, saved) loses it, so a
    /// later collection never mistakes old garbage for its own.
    pub const PENDING: u32 = 1 << 3;
    /// Held by the collector as cyclic garbage: the VM must not free it at refcount zero.
    pub const GARBAGE: u32 = 1 << 4;
    /// Its finalizer has run (never again, PEP 442).
    pub const FINALIZED: u32 = 1 << 5;
    /// Excluded from collection by `freeze()`.
    pub const FROZEN: u32 = 1 << 6;
    /// Scratch bit for the resurrection pass.
    pub const RESURRECT_MARK: u32 = 1 << 8;
}

impl GcHeader {
    /// Initialise a freshly allocated slot's header (plain store: the slot is not yet shared).
    /// `unmarked` is the space's current unmarked value of the mark bit.
    #[inline]
    pub(crate) fn init(&self, tracked: bool, unmarked: u32) {
        let f = flags::IN_USE | unmarked | if tracked { flags::TRACKED } else { 0 };
        self.flags.store(f, Ordering::Relaxed);
        self.gc_refs.store(0, Ordering::Relaxed);
    }

    /// Mark the slot free.
    #[inline]
    pub(crate) fn clear(&self) {
        self.flags.store(0, Ordering::Relaxed);
        self.gc_refs.store(0, Ordering::Relaxed);
    }

    #[inline]
    pub(crate) fn flags(&self) -> u32 {
        self.flags.load(Ordering::Relaxed)
    }

    /// Set bits; returns the previous flags.
    #[inline]
    pub(crate) fn set(&self, bits: u32) -> u32 {
        self.flags.fetch_or(bits, Ordering::Relaxed)
    }

    /// Clear bits; returns the previous flags.
    #[inline]
    pub(crate) fn unset(&self, bits: u32) -> u32 {
        self.flags.fetch_and(!bits, Ordering::Relaxed)
    }

    #[inline]
    pub(crate) fn gc_refs(&self) -> i32 {
        self.gc_refs.load(Ordering::Relaxed)
    }

    #[inline]
    pub(crate) fn set_gc_refs(&self, v: i32) {
        self.gc_refs.store(v, Ordering::Relaxed)
    }

    /// Set the mark bit to `value` (0 or `MARKED`); returns the previous flags. World running:
    /// only for an object no collector thread is marking.
    #[inline]
    pub(crate) fn set_mark_bit(&self, value: u32) -> u32 {
        if value == 0 {
            self.unset(flags::MARKED)
        } else {
            self.set(flags::MARKED)
        }
    }

    /// Plain store of the whole flags word; only for a thread with exclusive access to this
    /// header (a GC worker owning the object's page chunk while the world is stopped).
    #[inline]
    pub(crate) fn store_flags(&self, v: u32) {
        self.flags.store(v, Ordering::Relaxed)
    }

    /// Atomically decrement `gc_refs` (workers may collide on a shared child); returns the
    /// previous value.
    #[inline]
    pub(crate) fn dec_gc_refs(&self) -> i32 {
        self.gc_refs.fetch_sub(1, Ordering::Relaxed)
    }
}
