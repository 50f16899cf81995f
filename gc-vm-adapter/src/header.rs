//! The object header and its biased reference count (PEP 703).
//!
//! Every object starts with an [`Object`] header (40 bytes, in front of the type's value):
//!
//! ```text
//!   [ tid: u64 | shared: i64 | local: u32 | pad | type: &TypeInfo + bits | binding: ptr ][ value ]
//! ```
//!
//! # The count: [`RefCount`]
//!
//! * `tid`: the owner thread (a process-unique id handed out by `Runtime::attach_thread`, never
//!   reused; 0 = no owner: merged or immortal).
//! * `local`: the owner's count. Only the owner writes it, with plain relaxed load/store (no
//!   read-modify-write). `u32::MAX` marks an immortal object (never counted, never freed).
//! * `shared`: every other thread's count, `count << 2 | flags`, updated with atomic RMW. The
//!   count may be negative (a non-owner dropped a reference the owner took). Flags:
//!   [`QUEUED`] (the object sits on its owner's merge queue) and [`MERGED`] (local has been folded
//!   into shared for good; `shared` alone is the count).
//!
//! The true count is always `local + (shared >> 2)`, plus nothing else: a queue entry *is* the
//! reference of the decref that queued it (that decref does not subtract).
//!
//! ## Transitions
//!
//! * **incref**: owner: `local += 1`; anyone else: `shared += 1 << 2`.
//! * **owner decref**: `local -= 1`; at 0: *merge-zero-local*: `tid = 0`, then CAS the flags of
//!   `shared` to `MERGED` (clearing `QUEUED`); if the result is exactly `MERGED` (count 0) the
//!   object is dead. Always a CAS (never a plain "shared == 0" check) so that it is arbitrated
//!   against [`RefCount::try_incref`].
//! * **non-owner decref** (CAS loop): if the flags are 0, the shared count is `<= 0` and the
//!   object is not collector-held, set `QUEUED` *without* subtracting and push the object onto
//!   the owner's merge queue (the queue now holds that reference); otherwise subtract one; if the
//!   result is exactly `MERGED` (merged, count 0) the object is dead.
//! * **explicit merge** (a queue entry is processed: by the owner at its next safepoint, by the
//!   collector with the world stopped, or by the decrefer itself when the owner has exited):
//!   `local = 0`, `tid = 0`, then CAS `shared = (local + count + extra) << 2 | MERGED` with
//!   `extra = -1` for the queue's reference (nothing is written after the CAS: another thread
//!   may free the object as soon as the merged count is visible). A total of 0 means dead.
//! * While an object is `QUEUED` and unmerged, the owner's `local` stays `>= 1` (the queue's
//!   reference is accounted there, since the queueing decref saw a shared count `<= 0`), so the
//!   owner never runs merge-zero-local on a queued object and `tid` stays valid for the push.
//! * **try-incref** (weakref upgrade): owner with `local > 0`: `local += 1`; otherwise CAS
//!   `shared += 1 << 2` unless `shared == MERGED` (merged with count 0 = dead, or dying).
//!
//! ## Invariants
//!
//! 1. Exactly one transition observes "dead" (the CAS/RMW producing `MERGED | 0`, or the explicit
//!    merge computing 0), so an object is deallocated exactly once.
//! 2. While any reference exists the total is positive, so no transition observes "dead".
//! 3. `local` is written only by the owner thread, by a thread holding the owner's queue lock
//!    after the owner has exited, or by the collector with the world stopped: never concurrently.
//! 4. An object is on at most one queue entry at a time (`QUEUED` is set by a CAS from flags 0
//!    and never set again once `MERGED`).
//! 5. Collector-held objects (cyclic garbage, contract rule 6) are never queued: a non-owner
//!    decref just subtracts, so `local + count` stays exact for the collector's after-`clear`
//!    check, and no queue processing races with it.
//!
//! `tests/loom_brc.rs` model-checks these transitions (under `--cfg loom` the atomics below are
//! loom's).

use crate::binding::AdapterBinding;
use crate::payload::TypeInfo;
use crate::primitive::atomic::{fence, AtomicI64, AtomicU32, AtomicU64, Ordering};

/// Low bits of `shared` used as flags.
pub const SHARED_SHIFT: u32 = 2;
/// The object is on its owner's merge queue.
pub const QUEUED: i64 = 1;
/// `local` has been folded into `shared`, which alone is the count.
pub const MERGED: i64 = 2;
const FLAG_MASK: i64 = 3;
const ONE: i64 = 1 << SHARED_SHIFT;
/// `local` value marking an immortal object.
pub const IMMORTAL: u32 = u32::MAX;

/// What a decref asks its caller to do.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum DecOutcome {
    /// References remain.
    Alive,
    /// The count reached zero: deallocate (unless collector-held).
    Dead,
    /// Push the object onto the owner's merge queue (the queue holds the reference).
    Queue,
}

/// The biased reference count of one object (see the module docs for the protocol).
#[derive(Debug)]
pub struct RefCount {
    tid: AtomicU64,
    shared: AtomicI64,
    local: AtomicU32,
}

impl RefCount {
    /// A count of 1 owned by thread `tid`.
    pub fn new_owned(tid: u64) -> Self {
        RefCount {
            tid: AtomicU64::new(tid),
            shared: AtomicI64::new(0),
            local: AtomicU32::new(1),
        }
    }

    /// An immortal count.
    pub fn new_immortal() -> Self {
        RefCount {
            tid: AtomicU64::new(0),
            shared: AtomicI64::new(MERGED),
            local: AtomicU32::new(IMMORTAL),
        }
    }

    /// Whether the object is immortal.
    #[inline]
    pub fn is_immortal(&self) -> bool {
        self.local.load(Ordering::Relaxed) == IMMORTAL
    }

    /// The owner thread id (0 = none).
    #[inline]
    pub fn owner(&self) -> u64 {
        self.tid.load(Ordering::Relaxed)
    }

    /// Raw `shared` word (count << 2 | flags), for tests and diagnostics.
    pub fn shared_raw(&self) -> i64 {
        self.shared.load(Ordering::Relaxed)
    }

    /// Add a reference; `me` is the calling thread's id.
    #[inline]
    pub fn incref(&self, me: u64) {
        // Owner first: thread ids are never 0 (the immortal and ownerless id), so a match
        // also proves the object is not immortal, one load and branch fewer on the fast path.
        if self.tid.load(Ordering::Relaxed) == me {
            let l = self.local.load(Ordering::Relaxed);
            self.local.store(l + 1, Ordering::Relaxed);
        } else if self.local.load(Ordering::Relaxed) != IMMORTAL {
            self.shared.fetch_add(ONE, Ordering::Relaxed);
        }
    }

    /// Drop a reference; `me` is the calling thread's id. `held` says whether the object is
    /// collector-held (asked only before queueing).
    #[inline]
    pub fn decref(&self, me: u64, held: impl Fn() -> bool) -> DecOutcome {
        // Owner first (see incref): a matching id implies a mortal object.
        if self.tid.load(Ordering::Relaxed) == me {
            let l = self.local.load(Ordering::Relaxed);
            debug_assert!(l > 0, "owner decref with local count 0");
            self.local.store(l - 1, Ordering::Relaxed);
            if l == 1 {
                return self.merge_zero_local();
            }
            return DecOutcome::Alive;
        }
        if self.local.load(Ordering::Relaxed) == IMMORTAL {
            return DecOutcome::Alive;
        }
        self.decref_shared(held)
    }

    #[cold]
    fn merge_zero_local(&self) -> DecOutcome {
        self.tid.store(0, Ordering::Relaxed);
        let mut shared = self.shared.load(Ordering::Relaxed);
        loop {
            let new = (shared & !FLAG_MASK) | MERGED;
            match self.shared.compare_exchange_weak(
                shared,
                new,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => {
                    return if new == MERGED {
                        DecOutcome::Dead
                    } else {
                        DecOutcome::Alive
                    }
                }
                Err(s) => shared = s,
            }
        }
    }

    fn decref_shared(&self, held: impl Fn() -> bool) -> DecOutcome {
        let mut shared = self.shared.load(Ordering::Relaxed);
        let mut held_cache: Option<bool> = None;
        loop {
            let queue = shared & FLAG_MASK == 0
                && shared >> SHARED_SHIFT <= 0
                && !*held_cache.get_or_insert_with(&held);
            let new = if queue { shared | QUEUED } else { shared - ONE };
            match self.shared.compare_exchange_weak(
                shared,
                new,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => {
                    if queue {
                        return DecOutcome::Queue;
                    }
                    if new == MERGED {
                        fence(Ordering::Acquire);
                        return DecOutcome::Dead;
                    }
                    return DecOutcome::Alive;
                }
                Err(s) => shared = s,
            }
        }
    }

    /// Fold `local` (and `extra`) into `shared` for good; returns the total count. Called for a
    /// queue entry (`extra = -1`: the queue's reference) by the owner, by the collector with
    /// the world stopped, or by anyone once the owner has exited (invariant 3).
    pub fn explicit_merge(&self, extra: i64) -> i64 {
        let local = self.local.load(Ordering::Relaxed);
        debug_assert_ne!(local, IMMORTAL);
        // Before the CAS: once the CAS publishes a merged count, another thread may take it
        // to zero and free the object, so nothing may be written after it.
        self.local.store(0, Ordering::Relaxed);
        self.tid.store(0, Ordering::Relaxed);
        let mut shared = self.shared.load(Ordering::Relaxed);
        loop {
            let total = (shared >> SHARED_SHIFT) + local as i64 + extra;
            let new = (total << SHARED_SHIFT) | MERGED;
            match self.shared.compare_exchange_weak(
                shared,
                new,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => return total,
                Err(s) => shared = s,
            }
        }
    }

    /// Add a reference unless the object is dead or dying (weakref upgrade). The caller must
    /// guarantee the memory is still valid (e.g. it holds the weakref table lock the dying
    /// object must take before it is freed).
    pub fn try_incref(&self, me: u64) -> bool {
        let l = self.local.load(Ordering::Relaxed);
        if l == IMMORTAL {
            return true;
        }
        if self.tid.load(Ordering::Relaxed) == me && l > 0 {
            self.local.store(l + 1, Ordering::Relaxed);
            return true;
        }
        let mut shared = self.shared.load(Ordering::Relaxed);
        loop {
            if shared == MERGED {
                return false;
            }
            match self.shared.compare_exchange_weak(
                shared,
                shared + ONE,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(s) => shared = s,
            }
        }
    }

    /// `local + count`: exact when nobody changes the count concurrently (world stopped, or an
    /// unreachable object). Immortal objects report `i64::MAX >> 8`.
    pub fn total(&self) -> i64 {
        let l = self.local.load(Ordering::Relaxed);
        if l == IMMORTAL {
            return i64::MAX >> 8;
        }
        (self.shared.load(Ordering::Relaxed) >> SHARED_SHIFT) + l as i64
    }

    /// Resurrect a dead object (count exactly `MERGED | 0`, owned by nobody) to a count of 1,
    /// to run its finalizer with a temporary reference.
    pub(crate) fn resurrect(&self) {
        debug_assert_eq!(self.local.load(Ordering::Relaxed), 0);
        self.shared.fetch_add(ONE, Ordering::Relaxed);
    }
}

/// The coarse type tag of an object: which of the adapter's builtin types it is. It no longer
/// drives anything inside the adapter (the [`TypeInfo`] table does); it stays as a cheap tag
/// for consumers that `match` on it. A type defined outside the adapter reports the tag of
/// the builtin type it stands in for (a VM's function type [`Kind::Function`], its big
/// integer [`Kind::Int`]) or [`Kind::Other`]; `match`ing consumers keep a `_` arm. Which
/// type an object really is: [`Object::is`] / [`Object::downcast`] / `type_info().name`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Kind {
    /// `None` (immortal singleton).
    None,
    /// `True`/`False` (immortal singletons).
    Bool,
    /// Integer.
    Int,
    /// Float.
    Float,
    /// String.
    Str,
    /// Tuple (immutable).
    Tuple,
    /// List.
    List,
    /// Dict.
    Dict,
    /// Class.
    Class,
    /// Instance of a class.
    Instance,
    /// Function / closure (the adapter's [`Function`](crate::Function) or a VM's own).
    Function,
    /// A cell (a closure's captured variable).
    Cell,
    /// Weak reference.
    WeakRef,
    /// Any other type (a VM's own payload types: iterators, ranges, locks, ...).
    Other,
}

/// Header bit: weak references to this object may exist.
pub(crate) const BIT_WEAKREFS: usize = 1;
/// Header bit (test hook): `trace` over-reports one edge.
pub(crate) const BIT_OVER_REPORT: usize = 2;
/// The low bits of the type word that hold header bits (a [`TypeInfo`] is 8-aligned).
const BITS_MASK: usize = 7;

/// The header at the start of every object's payload. Handles ([`Ref`](crate::Ref),
/// [`Borrowed`](crate::Borrowed)) dereference to it; the typed accessors (`as_int`, `as_list`,
/// [`Object::downcast`]) live in [`crate::types`] and [`crate::payload`].
///
/// 40 bytes, as before typed payloads: the count (24), the type word and the binding. The
/// type word is the address of the type's static [`TypeInfo`] with the header bits in its
/// three low bits (a `TypeInfo` is 8-aligned), so the table pointer costs no extra word.
#[repr(C)]
pub struct Object {
    pub(crate) rc: RefCount,
    /// `&'static TypeInfo as usize | bits`; the table part never changes after allocation.
    ty: std::sync::atomic::AtomicUsize,
    /// The binding (runtime) this object belongs to: the deallocation path needs it on any
    /// thread. Objects must not outlive their runtime.
    pub(crate) binding: *const AdapterBinding,
}

const _: () = assert!(std::mem::size_of::<Object>() == 40);
const _: () = assert!(std::mem::align_of::<TypeInfo>() > BITS_MASK);

// SAFETY: the header is atomics plus a pointer to an immutable static table and one to the
// (Sync) binding.
unsafe impl Send for Object {}
// SAFETY: as above.
unsafe impl Sync for Object {}

impl Object {
    pub(crate) fn new(ty: &'static TypeInfo, tid: u64, binding: *const AdapterBinding) -> Self {
        Object {
            rc: RefCount::new_owned(tid),
            ty: std::sync::atomic::AtomicUsize::new(ty as *const TypeInfo as usize),
            binding,
        }
    }

    pub(crate) fn new_immortal(ty: &'static TypeInfo, binding: *const AdapterBinding) -> Self {
        Object {
            rc: RefCount::new_immortal(),
            ty: std::sync::atomic::AtomicUsize::new(ty as *const TypeInfo as usize),
            binding,
        }
    }

    /// This object's type table.
    #[inline]
    pub fn type_info(&self) -> &'static TypeInfo {
        let w = self.ty.load(std::sync::atomic::Ordering::Relaxed) & !BITS_MASK;
        // SAFETY: the word was built from a `&'static TypeInfo` in `new`, and only its low
        // (bit) part is ever modified.
        unsafe { &*(w as *const TypeInfo) }
    }

    /// This object's coarse type tag (see [`Kind`]).
    #[inline]
    pub fn kind(&self) -> Kind {
        self.type_info().kind
    }

    /// The biased reference count.
    #[inline]
    pub fn refcount_word(&self) -> &RefCount {
        &self.rc
    }

    #[inline]
    pub(crate) fn has_bit(&self, bit: usize) -> bool {
        self.ty.load(std::sync::atomic::Ordering::Relaxed) & bit != 0
    }

    #[inline]
    pub(crate) fn set_bit(&self, bit: usize) -> bool {
        self.ty.fetch_or(bit, std::sync::atomic::Ordering::Relaxed) & bit != 0
    }

    pub(crate) fn clear_bit(&self, bit: usize) {
        self.ty
            .fetch_and(!bit, std::sync::atomic::Ordering::Relaxed);
    }

    #[inline]
    pub(crate) fn binding(&self) -> &AdapterBinding {
        // SAFETY: objects never outlive their runtime (documented rule of the crate), and the
        // binding lives inside the runtime's shared state at a stable address.
        unsafe { &*self.binding }
    }
}

/// An object's memory: header then value (then, for a [`VarPayload`](crate::VarPayload), the
/// inline tail of references).
#[repr(C)]
pub(crate) struct ObjBox<T> {
    pub(crate) head: Object,
    pub(crate) value: T,
}
