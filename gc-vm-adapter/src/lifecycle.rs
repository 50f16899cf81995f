//! Death by reference count: one place, the steps in their order.
//!
//! `on_zero` runs when a decref observed "dead" (see [`crate::header`]). Each step says why
//! it is where it is:
//!
//! 1. **Collector-held → stop.** The collector owns cyclic garbage (contract rule 6): it
//!    finalizes, clears and frees it; a count reaching zero during its `clear` changes nothing.
//! 2. **Not on a mutator thread of this runtime → defer.** Finalizers, weakref callbacks and
//!    the payload's drop may run VM code, which needs an attached thread (and a GC worker
//!    clearing garbage is not one). The object gets a count of 1 on the deferred list; the
//!    next poll of an attached thread drops it there (`crate::queue`).
//! 3. **Finalizer, once.** If the type has one and gc-core's finalized bit was clear
//!    (`ObjRef::set_finalized`: one bit shared with the collector, so at most once whichever
//!    path comes first), resurrect to a count of 1 and call it through the runtime's
//!    [`VmHooks`](crate::VmHooks). It may resurrect the object (store a reference): dropping
//!    the temporary reference then leaves it alive; otherwise that drop comes back here with
//!    the bit set. The object is still tracked while the finalizer runs, so a resurrected
//!    object stays a cycle candidate.
//! 4. **Untrack.** From here on the object has a count of zero for good; a collection started
//!    by VM code in the next steps (a weakref callback, a child's finalizer calling
//!    `collect()`) must never see a tracked object with a count of zero whose payload is
//!    half dropped (DESIGN §3.3; CPython's `update_refs` comment tells the story).
//! 5. **Clear weakrefs** ([`WeakTable::clear_referent`](crate::weakref_table::WeakTable), the
//!    routine the collector's weakref phase uses too) and run their callbacks, before the
//!    payload goes, so nobody can upgrade to a dying object.
//! 6. **Drop the payload through the trashcan.** Dropping decrefs the children, whose deaths
//!    nest here. Past [`TRASHCAN_DEPTH`] nested deaths on this thread the object goes on a
//!    per-thread list instead, which the outermost death drains in a loop: a chain of any
//!    length is freed in bounded stack (CPython's trashcan).
//! 7. **Free the memory** through the calling thread's mutator.

use std::cell::{Cell, RefCell};

use gc_core::ObjRef;

use crate::handle::Ref;
use crate::header::BIT_WEAKREFS;
use crate::queue::{defer, object};
use crate::thread::{with_context, ThreadContext};

/// Nested deaths on one thread before the trashcan defers (CPython uses 50).
pub const TRASHCAN_DEPTH: u32 = 50;

thread_local! {
    static DEPTH: Cell<u32> = const { Cell::new(0) };
    static TRASH: RefCell<Vec<ObjRef>> = const { RefCell::new(Vec::new()) };
}

/// The count of `obj` reached zero.
#[cold]
pub(crate) fn on_zero(obj: ObjRef) {
    // 1. Collector-held: the collector frees it.
    if obj.is_collector_held() {
        return;
    }
    let o = object(obj);
    let b = o.binding();
    with_context(|ctx| {
        // 2. Not a mutator of this runtime: defer.
        let Some(ctx) = ctx.filter(|c| std::ptr::eq(c.rt.binding(), b)) else {
            defer(obj);
            return;
        };
        // 3. Finalizer, once.
        if o.type_info().has_finalizer.is_some() && !obj.is_finalized() {
            // SAFETY: the table belongs to the object's payload type; world running, mutator.
            if let Some(fin) = unsafe { (o.type_info().finalizer)(o) } {
                if !obj.set_finalized() {
                    o.rc.resurrect();
                    // SAFETY: the resurrected count of 1 belongs to this temporary reference.
                    let r = unsafe { Ref::from_obj_ref(obj) };
                    b.hooks().call_finalizer(&fin, &r);
                    drop(fin);
                    // Either finds new references (resurrected) or comes back here with the
                    // finalized bit set.
                    drop(r);
                    return;
                }
            }
        }
        // 4. Untrack before anything else can run VM code (a plain load first: most deaths
        // are of untracked atoms, which need no atomic read-modify-write).
        if obj.is_tracked() {
            ctx.rt.gc().untrack(obj);
        }
        // 5. Clear weakrefs, run their callbacks.
        if o.has_bit(BIT_WEAKREFS) {
            for w in b.weak.clear_referent(obj, None) {
                if let Some(cb) = w.as_weakref().and_then(|wr| wr.callback()) {
                    b.hooks().call_weakref_callback(&cb, &w);
                }
            }
        }
        // 6, 7.
        trashcan(ctx, obj);
    })
}

/// Drop `obj`'s payload and free it, or defer it to the outermost death past the depth limit.
fn trashcan(ctx: &ThreadContext, obj: ObjRef) {
    let depth = DEPTH.with(Cell::get);
    if depth >= TRASHCAN_DEPTH {
        TRASH.with(|t| t.borrow_mut().push(obj));
        return;
    }
    DEPTH.with(|d| d.set(depth + 1));
    // Restores the depth even if a drop panics.
    struct Restore(u32);
    impl Drop for Restore {
        fn drop(&mut self) {
            DEPTH.with(|d| d.set(self.0));
        }
    }
    let _restore = Restore(depth);
    destroy_and_free(ctx, obj);
    if depth == 0 {
        // The outermost death drains what deeper ones deferred (their deaths may defer more).
        while let Some(next) = TRASH.with(|t| t.borrow_mut().pop()) {
            destroy_and_free(ctx, next);
        }
    }
}

fn destroy_and_free(ctx: &ThreadContext, obj: ObjRef) {
    let o = object(obj);
    // SAFETY: the count is zero for good, the object is untracked and unreachable (weakrefs
    // cleared), so its value is dropped exactly once, here.
    unsafe { (o.type_info().drop)(o) };
    // SAFETY: dead, destroyed, not collector-held, freed once; a mutator of its runtime.
    unsafe { ctx.mutator.free(obj) };
}
