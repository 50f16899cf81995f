//! `freeze` / `unfreeze` (CPython's `gc.freeze()`): exclude every object tracked now from
//! future collections, or take them back.

use crate::binding::VmBinding;
use crate::object::flags;
use crate::safepoint::ThreadSlot;
use crate::state::Shared;

/// Set or clear FROZEN on every tracked object (world stopped, requested by the thread of
/// `slot`). Returns how many changed.
pub(crate) fn set_frozen<B: VmBinding>(sh: &Shared<B>, slot: &ThreadSlot, frozen: bool) -> usize {
    let _lock = sh.safepoints.detached(slot, || sh.collect_lock.lock());
    let guard = sh.safepoints.stop(Some(slot));
    let mut n = 0;
    for page in sh.space.pages() {
        for obj in page.objects() {
            let f = obj.header().flags();
            if f & flags::TRACKED == 0 || f & flags::GARBAGE != 0 {
                continue;
            }
            if frozen && f & flags::FROZEN == 0 {
                obj.header().set(flags::FROZEN);
                n += 1;
            } else if !frozen && f & flags::FROZEN != 0 {
                // Its mark bit is stale (frozen objects are never marked).
                obj.header().set_mark_bit(sh.space.unmarked_bit());
                obj.header().unset(flags::FROZEN);
                n += 1;
            }
        }
    }
    drop(guard);
    n
}
