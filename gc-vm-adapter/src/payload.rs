//! Typed payloads: the [`Payload`] contract and the static per-type [`TypeInfo`] table.
//!
//! Every object's header points to the static table of its type (like CPython's type slots):
//! its name, coarse [`Kind`] tag, whether it is tracked by default, and the operations the
//! binding and the refcount-death path need (`trace`, `clear`, drop in place, finalizer
//! lookup, span tracing for big containers, and the inline tail of variable-size types).
//! Adding a type is one file: a struct, an `unsafe impl Payload` and the [`payload_type!`](crate::payload_type)
//! line that builds its table. The adapter's own types (`crate::types`) are written exactly
//! like a VM's.
//!
//! The table's address identifies the type: [`Object::is`] and [`Object::downcast`] compare
//! it with `T::type_info()`, one load and one compare, as cheap as the old `kind` byte test.
//!
//! Trace cost: a table call is one indirect call per *object*; edges go through
//! [`Edges`], one indirect call per *edge*. The binding keeps a monomorphic path for lists
//! (the workloads' node type and the only type traced in spans), so the common mark loop is
//! as before; other types pay the per-edge call (see docs/design.md, adapter section).

use std::mem::{offset_of, size_of};
use std::ops::Range;
use std::ptr;

use gc_core::ObjRef;

use crate::handle::Ref;
use crate::header::{Kind, ObjBox, Object};
use crate::types::RefSlot;

/// Receives the strong references a payload reports from [`Payload::trace`].
pub struct Edges<'a> {
    sink: &'a mut dyn FnMut(ObjRef),
}

impl<'a> Edges<'a> {
    pub(crate) fn new(sink: &'a mut dyn FnMut(ObjRef)) -> Self {
        Edges { sink }
    }

    /// Report one strong reference.
    #[inline]
    pub fn edge(&mut self, r: &Ref) {
        (self.sink)(r.obj_ref())
    }

    /// Report one strong reference given as an object address (for payloads that keep raw
    /// counted pointers).
    #[inline]
    pub fn obj(&mut self, o: ObjRef) {
        (self.sink)(o)
    }

    /// Report every reference of a slice.
    #[inline]
    pub fn refs(&mut self, rs: &[Ref]) {
        for r in rs {
            (self.sink)(r.obj_ref())
        }
    }

    /// Report the reference of a slot, if set.
    #[inline]
    pub fn slot(&mut self, s: &RefSlot) {
        if let Some(o) = s.obj_ref() {
            (self.sink)(o)
        }
    }

    /// Report an optional reference.
    #[inline]
    pub fn opt(&mut self, r: Option<&Ref>) {
        if let Some(r) = r {
            (self.sink)(r.obj_ref())
        }
    }
}

/// The value stored after an object's header, and the contract the collector and the
/// refcount-death path rely on.
///
/// # Safety
///
/// Implementing this trait promises the following (the adapter's `VmBinding` implementation
/// forwards to these methods, so breaking a rule breaks gc-core's contract of the same name).
///
/// 1. **`trace` is complete and honest** (gc-core rule 2). It reports, through `edges`, every
///    strong reference ([`Ref`], [`RefSlot`], or a raw counted pointer) the value holds, once
///    per reference held, and nothing else. A reference the value holds but does not report
///    counts as an external reference: it only keeps garbage alive. Over-reporting can make
///    the collector free a live object (it is detected and reported, see gc-core rule 2).
/// 2. **`trace` reads, never writes, never blocks, never allocates** (gc-core rule 8). It runs
///    on GC worker threads, concurrently for the same object, with the world stopped. Read
///    lock-protected fields without locking (`RwLock::data_ptr`): no mutator runs, and the VM
///    never polls while holding a container lock, so no write is in flight. It must not
///    allocate, poll, decref or run VM code.
/// 3. **`clear` breaks every strong reference** (gc-core rule 5): afterwards the value holds
///    no reference to a managed object and `trace` reports nothing. It runs with the world
///    running, on the collecting thread, only on unreachable objects; it should take the
///    references out under its locks and drop them after unlocking (a drop may run VM code).
///    `clear` may leave the value in any state its other methods and its `Drop` accept.
/// 4. **Dropping the value may decref, the lifecycle orders it.** `Drop` may drop `Ref`s (and
///    so run finalizers of other objects): the death path calls it only after the object is
///    untracked and its weakrefs are cleared, through the trashcan (`crate::lifecycle`). After
///    the collector's `clear` it must touch no other managed object (gc-core rule 7): that
///    holds if every reference sits in a field `clear` empties.
/// 5. **Tracked-ness.** A type whose values can hold references to tracked objects must be
///    allocated tracked ([`TRACKED`](Self::TRACKED), or the allocation argument), or
///    untracked only while it holds none (a tuple of atoms). An untracked object's references
///    are invisible to the collector (they only keep things alive). The object is tracked
///    only after the value is fully written (gc-core rule 4); the runtime does that.
/// 6. **No moves, no interior resurrection of the memory.** The value lives at a fixed
///    address inside its object from allocation to drop; it must not hand out ownership of
///    itself, and `type_info` must return the table built by [`payload_type!`](crate::payload_type) for `Self`
///    (one `static` per type: its address identifies the type).
/// 7. **Finalizer lookups.** If [`FINALIZABLE`](Self::FINALIZABLE) is true,
///    [`has_finalizer`](Self::has_finalizer) obeys rule 2 (lock-free, world stopped) and
///    [`finalizer`](Self::finalizer) returns the callable object (a counted reference; it
///    runs on a mutator with the world running and may lock). The callable is held in a
///    traced slot, so a cycle through it is collectable; the VM calls it through
///    [`VmHooks::call_finalizer`](crate::VmHooks::call_finalizer).
/// 8. **Spans.** If [`reference_slots`](Self::reference_slots) returns `n > 0`,
///    [`trace_slots`](Self::trace_slots) over ranges covering `0..n` once each reports
///    exactly what `trace` would (rules 1 and 2 apply).
pub unsafe trait Payload: Send + Sync + Sized + 'static {
    /// Whether objects of this type are allocated tracked by [`Runtime::alloc`](crate::Runtime::alloc).
    const TRACKED: bool = true;
    /// Whether objects of this type may have a finalizer (rule 7). When false the death path
    /// does not even look.
    const FINALIZABLE: bool = false;
    /// Whether [`reference_slots`](Self::reference_slots) may return more than 0 (rule 8).
    /// When false the table has no span entry and the collector's per-object "split this?"
    /// question costs no call: it is asked for every object the mark visits.
    const SPLITS: bool = false;

    /// The type's static table; write it with [`payload_type!`](crate::payload_type).
    fn type_info() -> &'static TypeInfo;

    /// Report every strong reference (rules 1, 2).
    fn trace(&self, _edges: &mut Edges<'_>) {}

    /// Break every strong reference (rule 3).
    fn clear(&self) {}

    /// Whether a finalizer is set (rule 7: world stopped, lock-free).
    fn has_finalizer(&self) -> bool {
        false
    }

    /// The finalizer callable (rule 7: mutator, world running).
    fn finalizer(&self) -> Option<Ref> {
        None
    }

    /// Number of reference slots for split tracing; 0 means trace whole (rule 8).
    fn reference_slots(&self) -> usize {
        0
    }

    /// Report the references of slots `range` (rule 8).
    fn trace_slots(&self, range: Range<usize>, edges: &mut Edges<'_>) {
        if range.start == 0 {
            self.trace(edges)
        }
    }
}

/// A [`Payload`] followed, in the same allocation, by an inline tail of references
/// (`[Ref; n]`, written by [`Runtime::alloc_var`](crate::Runtime::alloc_var)). The table's
/// thunks trace, clear and drop the tail; the value only keeps its length.
///
/// # Safety
///
/// On top of [`Payload`]'s rules: [`tail_len`](Self::tail_len) returns the number of
/// initialised tail slots (the length given at allocation until
/// [`take_tail_len`](Self::take_tail_len) sets it to 0, which only the table's `clear` does,
/// exactly once); the value's own `trace`, `clear` and `Drop` must not report, take or drop
/// the tail (the table does).
pub unsafe trait VarPayload: Payload {
    /// Initialised tail slots.
    fn tail_len(&self) -> usize;
    /// Set the tail length to 0 and return the old one (the collector's `clear`).
    fn take_tail_len(&self) -> usize;
}

/// The static per-type table an object's header points to. Build it with [`payload_type!`](crate::payload_type).
pub struct TypeInfo {
    /// The type name (diagnostics).
    pub name: &'static str,
    /// The coarse tag [`Object::kind`] returns.
    pub kind: Kind,
    /// Default tracked-ness of [`Runtime::alloc`](crate::Runtime::alloc).
    pub tracked: bool,
    /// Bytes of the fixed part of the object (header + value).
    pub size: usize,
    pub(crate) trace: unsafe fn(&Object, &mut Edges<'_>),
    pub(crate) clear: unsafe fn(&Object),
    pub(crate) drop: unsafe fn(&Object),
    /// `None` for types that are never finalized (the death path skips the lookup).
    pub(crate) has_finalizer: Option<unsafe fn(&Object) -> bool>,
    pub(crate) finalizer: unsafe fn(&Object) -> Option<Ref>,
    /// `None` for types that never split (`Payload::SPLITS` false).
    pub(crate) slots: Option<unsafe fn(&Object) -> usize>,
    pub(crate) trace_slots: unsafe fn(&Object, Range<usize>, &mut Edges<'_>),
    pub(crate) tail_len: Option<unsafe fn(&Object) -> usize>,
}

impl std::fmt::Debug for TypeInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TypeInfo({})", self.name)
    }
}

/// The value of an object whose table is `T`'s.
///
/// # Safety
/// `o` was allocated as an `ObjBox<T>` (its table is `T::type_info()`), and is not dropped.
#[inline]
pub(crate) unsafe fn value<T>(o: &Object) -> &T {
    // SAFETY: objects are allocated as ObjBox<T> for their table (caller), header first.
    unsafe { &(*(o as *const Object as *const ObjBox<T>)).value }
}

/// The object a payload value lives in.
///
/// # Safety
/// `v` is the value of an object (allocated by the runtime as an `ObjBox<T>`).
#[inline]
pub(crate) unsafe fn object_of<T>(v: &T) -> &Object {
    // SAFETY: caller: v sits at offset_of!(ObjBox<T>, value) inside its object.
    unsafe { &*((v as *const T as *const u8).sub(offset_of!(ObjBox<T>, value)) as *const Object) }
}

/// The inline tail of an object allocated by `alloc_var` with value type `T`.
#[inline]
fn tail_ptr<T>(o: &Object) -> *mut Ref {
    // The tail starts right after ObjBox<T>, whose size is a multiple of its alignment (>= 8,
    // the alignment of Ref).
    (o as *const Object as *mut u8).wrapping_add(size_of::<ObjBox<T>>()) as *mut Ref
}

/// The initialised tail of `o` (`T`'s table, allocated by `alloc_var`).
///
/// # Safety
/// As [`value`], and `o` was allocated with a tail of at least `T::tail_len()` references.
#[inline]
pub(crate) unsafe fn tail<T: VarPayload>(o: &Object) -> &[Ref] {
    // SAFETY: caller; alloc_var wrote tail_len() references after the fixed part.
    unsafe { std::slice::from_raw_parts(tail_ptr::<T>(o), value::<T>(o).tail_len()) }
}

// The thunks the tables point to. SAFETY (all): the table is only reached through the header
// of an object allocated as ObjBox<T> (Object::new takes T::type_info()), so `value::<T>` is
// valid; callers uphold the timing of each operation (see the binding and the lifecycle).
unsafe fn trace_thunk<T: Payload>(o: &Object, e: &mut Edges<'_>) {
    // SAFETY: see above.
    unsafe { value::<T>(o) }.trace(e)
}
unsafe fn clear_thunk<T: Payload>(o: &Object) {
    // SAFETY: see above.
    unsafe { value::<T>(o) }.clear()
}
unsafe fn drop_thunk<T: Payload>(o: &Object) {
    // SAFETY: see above; the caller drops the value exactly once (dead object).
    unsafe { ptr::drop_in_place(value::<T>(o) as *const T as *mut T) }
}
unsafe fn has_fin_thunk<T: Payload>(o: &Object) -> bool {
    // SAFETY: see above.
    unsafe { value::<T>(o) }.has_finalizer()
}
unsafe fn fin_thunk<T: Payload>(o: &Object) -> Option<Ref> {
    // SAFETY: see above.
    unsafe { value::<T>(o) }.finalizer()
}
unsafe fn slots_thunk<T: Payload>(o: &Object) -> usize {
    // SAFETY: see above.
    unsafe { value::<T>(o) }.reference_slots()
}
unsafe fn trace_slots_thunk<T: Payload>(o: &Object, r: Range<usize>, e: &mut Edges<'_>) {
    // SAFETY: see above.
    unsafe { value::<T>(o) }.trace_slots(r, e)
}
unsafe fn var_trace_thunk<T: VarPayload>(o: &Object, e: &mut Edges<'_>) {
    // SAFETY: see above; the tail is initialised up to tail_len (VarPayload contract).
    unsafe {
        value::<T>(o).trace(e);
        e.refs(tail::<T>(o));
    }
}
unsafe fn var_clear_thunk<T: VarPayload>(o: &Object) {
    // SAFETY: see above. take_tail_len hands the first n slots to us exactly once; nobody else
    // reads them afterwards (the length is 0), so moving them out is a transfer of ownership.
    unsafe {
        let v = value::<T>(o);
        v.clear();
        let n = v.take_tail_len();
        let items: Vec<Ref> = (0..n).map(|i| ptr::read(tail_ptr::<T>(o).add(i))).collect();
        drop(items);
    }
}
unsafe fn var_drop_thunk<T: VarPayload>(o: &Object) {
    // SAFETY: see above; the tail's first tail_len slots are initialised and dropped once.
    unsafe {
        let n = value::<T>(o).tail_len();
        // Last to first, as CPython's `tupledealloc`: the items' finalizers run in its order.
        for i in (0..n).rev() {
            ptr::drop_in_place(tail_ptr::<T>(o).add(i));
        }
        ptr::drop_in_place(value::<T>(o) as *const T as *mut T);
    }
}
unsafe fn var_len_thunk<T: VarPayload>(o: &Object) -> usize {
    // SAFETY: see above.
    unsafe { value::<T>(o) }.tail_len()
}

impl TypeInfo {
    /// The table of a fixed-size payload type. Use it through [`payload_type!`](crate::payload_type), which puts
    /// it in a `static` (its address identifies the type).
    pub const fn of<T: Payload>(name: &'static str, kind: Kind) -> TypeInfo {
        TypeInfo {
            name,
            kind,
            tracked: T::TRACKED,
            size: size_of::<ObjBox<T>>(),
            trace: trace_thunk::<T>,
            clear: clear_thunk::<T>,
            drop: drop_thunk::<T>,
            has_finalizer: if T::FINALIZABLE {
                Some(has_fin_thunk::<T>)
            } else {
                None
            },
            finalizer: fin_thunk::<T>,
            slots: if T::SPLITS {
                Some(slots_thunk::<T>)
            } else {
                None
            },
            trace_slots: trace_slots_thunk::<T>,
            tail_len: None,
        }
    }

    /// The table of a variable-size payload type (an inline tail of references).
    pub const fn of_var<T: VarPayload>(name: &'static str, kind: Kind) -> TypeInfo {
        let mut t = TypeInfo::of::<T>(name, kind);
        t.trace = var_trace_thunk::<T>;
        t.clear = var_clear_thunk::<T>;
        t.drop = var_drop_thunk::<T>;
        t.tail_len = Some(var_len_thunk::<T>);
        t
    }
}

/// Write `fn type_info()` inside an `unsafe impl Payload for T` (or `VarPayload` types with
/// `var`): a `static` table for `T` with the given name and [`Kind`] tag.
///
/// ```ignore
/// unsafe impl Payload for Pair {
///     gc_vm_adapter::payload_type!(Pair, "pair", gc_vm_adapter::Kind::Instance);
///     fn trace(&self, e: &mut Edges<'_>) { e.slot(&self.a); e.slot(&self.b) }
/// }
/// ```
#[macro_export]
macro_rules! payload_type {
    (var $t:ty, $name:expr, $kind:expr) => {
        #[inline]
        fn type_info() -> &'static $crate::TypeInfo {
            static INFO: $crate::TypeInfo = $crate::TypeInfo::of_var::<$t>($name, $kind);
            &INFO
        }
    };
    ($t:ty, $name:expr, $kind:expr) => {
        // Inline across crates: every `is`/`downcast` (`as_list`, ...) calls it.
        #[inline]
        fn type_info() -> &'static $crate::TypeInfo {
            static INFO: $crate::TypeInfo = $crate::TypeInfo::of::<$t>($name, $kind);
            &INFO
        }
    };
}

impl Object {
    /// Whether this object's payload is a `T`.
    #[inline]
    pub fn is<T: Payload>(&self) -> bool {
        ptr::eq(self.type_info(), T::type_info())
    }

    /// The payload as a `T`, if it is one.
    #[inline]
    pub fn downcast<T: Payload>(&self) -> Option<&T> {
        // SAFETY: the table identifies the payload type (Payload rule 6).
        self.is::<T>().then(|| unsafe { value::<T>(self) })
    }

    /// The inline tail of references of a variable-size object (empty for other types).
    #[inline]
    pub fn tail(&self) -> &[Ref] {
        let ty = self.type_info();
        let Some(len) = ty.tail_len else {
            return &[];
        };
        // SAFETY: a table with tail_len belongs to a VarPayload type, allocated by alloc_var
        // with the tail right after the fixed part (ty.size bytes, 8-aligned).
        unsafe {
            let n = len(self);
            let p = (self as *const Object as *const u8).add(ty.size) as *const Ref;
            std::slice::from_raw_parts(p, n)
        }
    }
}
