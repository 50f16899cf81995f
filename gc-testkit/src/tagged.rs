//! The tagged flavor: every node carries a canary word and the id of the *unit* (ring, tree,
//! list chain) it was built in, and unit heads kept in the live set are flagged. It is what
//! gc-stress's lean model runs on: a checker that never uses the collector's code paths can
//! then tell a freed-and-poisoned node (broken canary) and a freed-and-reused slot (another
//! unit's id) from an intact one, and `destroy` refuses to destroy a node that is still in
//! the live set.
//!
//! The live set is held by *root lists*: per-thread lists of unit heads ([`Root`]), each head
//! holding one counted reference (or, for the injected fault, an uncounted one; see
//! [`keep`]), all reported through `scan_roots` so live units are excluded by the mark-alive
//! pass. Root lists are locked only briefly and never across a safepoint poll, so the
//! collector can read them with the world stopped.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use gc_core::{GcConfig, GcRuntime, Mutator, ObjRef, Tracer};
use parking_lot::Mutex;

use crate::node::{self, Flavor, Node, NodeVm};

/// The canary word of every live tagged node.
pub const CANARY: u64 = 0x5AFE_C0DE_0B1E_C7ED;

/// Most violation messages kept (a broken collector can produce millions).
const MAX_VIOLATIONS: usize = 100;

/// Violation messages found by a checker or by the binding's own hooks.
#[derive(Default)]
pub struct Violations {
    count: AtomicU64,
    messages: Mutex<Vec<String>>,
}

impl Violations {
    /// Record one violation.
    pub fn push(&self, msg: String) {
        self.count.fetch_add(1, Ordering::Relaxed);
        let mut m = self.messages.lock();
        if m.len() < MAX_VIOLATIONS {
            m.push(msg);
        }
    }
    /// Violations found so far.
    pub fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }
    /// The first messages.
    pub fn messages(&self) -> Vec<String> {
        self.messages.lock().clone()
    }
}

/// The extras of a tagged node.
pub struct Tag {
    canary: u64,
    /// The unit this node belongs to (written while the node is being built).
    unit: AtomicU64,
    /// Set while this node is a unit head in the live set.
    rooted: AtomicBool,
    /// Its root reference is not counted (fault-injection mode only).
    uncounted: AtomicBool,
}

impl Tag {
    /// The unit this node belongs to.
    pub fn unit(&self) -> u64 {
        self.unit.load(Ordering::Relaxed)
    }
}

// gc-stress's lean-model numbers were taken with a 72-byte hand-written node: keep the size.
#[cfg(target_pointer_width = "64")]
const _: () = assert!(std::mem::size_of::<Node<Tagged>>() == 72);

/// A unit head kept in the live set.
#[derive(Copy, Clone, Debug)]
pub struct Root {
    /// The head object.
    pub obj: ObjRef,
    /// Its unit id.
    pub unit: u64,
    /// Objects reachable from the head (the unit's size).
    pub size: u32,
}

/// A list of roots owned by one thread (or by the driver).
pub type RootList = Arc<Mutex<Vec<Root>>>;

/// The state of a tagged VM: the root lists and the violations found.
#[derive(Default)]
pub struct TaggedState {
    /// Every registered root list (see [`register`]).
    pub roots: Mutex<Vec<RootList>>,
    /// Violations found by `destroy` and by [`check`].
    pub violations: Arc<Violations>,
}

/// The tagged flavor (see the module docs).
pub struct Tagged;

/// The tagged binding.
pub type TaggedVm = NodeVm<Tagged>;

impl Flavor for Tagged {
    // `clear` only decrements counts (atomically) and never runs VM code; `destroy` drops the
    // payload and counts with atomics: both are safe on GC workers.
    const CLEAR_ON_WORKERS: bool = true;
    const CLEAR_SKIPS_GARBAGE: bool = false;
    type Extra = Tag;
    type State = TaggedState;

    fn scan_roots<T: Tracer>(vm: &TaggedVm, t: &mut T) {
        for list in vm.roots.lock().iter() {
            for r in list.lock().iter() {
                t.edge(r.obj);
            }
        }
    }

    fn on_destroy(vm: &TaggedVm, obj: ObjRef, n: &Node<Tagged>) -> bool {
        if n.canary != CANARY {
            vm.violations.push(format!(
                "destroy of {obj:?}: canary {:#x} is broken (double free or foreign object)",
                n.canary
            ));
            return false;
        }
        if n.rooted.load(Ordering::Relaxed) {
            vm.violations.push(format!(
                "object {obj:?} (unit {}) freed while it is in the live set",
                n.unit()
            ));
        }
        true
    }
}

/// A runtime of tagged nodes.
pub fn runtime(config: GcConfig) -> GcRuntime<TaggedVm> {
    NodeVm::runtime(TaggedState::default(), config)
}

/// A new root list, reported by `scan_roots` from now on.
pub fn register(vm: &TaggedVm) -> RootList {
    let list = RootList::default();
    vm.roots.lock().push(list.clone());
    list
}

/// Allocate one untracked node (count 0, no references, unit 0).
#[inline]
pub fn alloc(m: &Mutator<TaggedVm>) -> ObjRef {
    let tag = Tag {
        canary: CANARY,
        unit: AtomicU64::new(0),
        rooted: AtomicBool::new(false),
        uncounted: AtomicBool::new(false),
    };
    NodeVm::alloc(m, 0, tag, false)
}

/// Make `nodes` unit `unit` with the edges `shape` calls for (a function of
/// [`crate::shape`]), track them, and return the unit with `nodes[head]` as its head (not yet
/// kept).
///
/// # Safety
/// `nodes` are untracked, unreferenced nodes of `rt` (from any thread's heap), reachable only
/// by the caller, which does not poll until this returns.
pub unsafe fn build(
    rt: &GcRuntime<TaggedVm>,
    nodes: &[ObjRef],
    unit: u64,
    head: usize,
    shape: impl FnOnce(usize, &mut dyn FnMut(usize, usize)),
) -> Root {
    for &o in nodes {
        // SAFETY: caller contract (nodes of this runtime).
        unsafe { node::node::<Tagged>(o) }
            .unit
            .store(unit, Ordering::Relaxed);
    }
    // SAFETY: caller contract: nobody else reaches the nodes, no collection reads them.
    shape(nodes.len(), &mut |a, b| unsafe {
        node::link::<Tagged>(nodes[a], nodes[b])
    });
    for &o in nodes {
        rt.track(o);
    }
    Root {
        obj: nodes[head],
        unit,
        size: nodes.len() as u32,
    }
}

/// Keep `root` in `list` (one counted reference; with `counted` false, an uncounted one,
/// reachable only through `scan_roots`, like a VM's deferred-counted stack reference: the
/// injected skip-mark fault then frees the live unit, which the checker must catch).
pub fn keep(list: &RootList, root: Root, counted: bool) {
    // SAFETY: a unit head just built (allocated, of this runtime).
    let n = unsafe { node::node::<Tagged>(root.obj) };
    if counted {
        n.incref_by(1);
    } else {
        n.uncounted.store(true, Ordering::Relaxed);
    }
    n.rooted.store(true, Ordering::Relaxed);
    list.lock().push(root);
}

/// Replace the live unit at `index` of `list` with `root` (counted); the old unit becomes
/// garbage (its head's count drops back to its internal references, never zero for the units
/// the stress workloads keep). The old head is checked (allocated, canary, unit id) before it
/// is touched; a failed check is a violation and the old head is left alone.
pub fn replace(rt: &GcRuntime<TaggedVm>, list: &RootList, index: usize, root: Root) {
    // SAFETY: a unit head just built (allocated, of this runtime).
    let n = unsafe { node::node::<Tagged>(root.obj) };
    n.incref_by(1);
    n.rooted.store(true, Ordering::Relaxed);
    let old = std::mem::replace(&mut list.lock()[index], root);
    if rt.space().find_object(old.obj.as_ptr()) == Some(old.obj) {
        // SAFETY: allocated, and a tagged node (every object of this runtime is).
        let n = unsafe { node::node::<Tagged>(old.obj) };
        if n.canary == CANARY && n.unit() == old.unit {
            n.rooted.store(false, Ordering::Relaxed);
            if !n.uncounted.load(Ordering::Relaxed) {
                let prev = n.decref_no_free();
                assert!(prev > 1, "a kept unit head without internal references");
            }
            return;
        }
    }
    rt.binding().violations.push(format!(
        "live unit {} (head {:?}) was freed or overwritten before it was dropped from the \
         live set",
        old.unit, old.obj
    ));
}

/// The independent checker: walk every kept unit from its head with its own visited set, and
/// for every object reached ask the heap whether it is still allocated *before* reading a
/// byte of it, check its canary and unit id, and count the unit's objects against its size.
/// Violations go to the VM's list. Returns (units, live objects). Must not run concurrently
/// with a collection's free phase: call it from a record subscriber (the collection lock is
/// still held) or with every mutator paused.
pub fn check(rt: &GcRuntime<TaggedVm>) -> (u64, u64) {
    let lists = rt.binding().roots.lock().clone();
    let roots: Vec<Root> = lists.iter().flat_map(|l| l.lock().clone()).collect();
    let v = &rt.binding().violations;
    let space = rt.space();
    let (mut units, mut live) = (0u64, 0u64);
    let mut seen: HashSet<usize> = HashSet::new();
    let mut stack: Vec<ObjRef> = Vec::new();
    for r in &roots {
        units += 1;
        seen.clear();
        stack.clear();
        stack.push(r.obj);
        seen.insert(r.obj.addr());
        let mut count = 0u32;
        while let Some(o) = stack.pop() {
            if space.find_object(o.as_ptr()) != Some(o) {
                v.push(format!(
                    "object {o:?} reachable from live unit {} (head {:?}) is not allocated: \
                     it was freed while reachable",
                    r.unit, r.obj
                ));
                continue;
            }
            // SAFETY: `o` is an allocated object of this runtime, and every object of it is
            // a tagged node; no collection can free it while we read (see above).
            let n = unsafe { node::node::<Tagged>(o) };
            if n.canary != CANARY {
                v.push(format!(
                    "object {o:?} reachable from live unit {} has a broken canary {:#x}: \
                     freed (poisoned) or overwritten",
                    r.unit, n.canary
                ));
                continue;
            }
            if n.unit() != r.unit {
                v.push(format!(
                    "object {o:?} reachable from live unit {} belongs to unit {}: its slot \
                     was freed and reused",
                    r.unit,
                    n.unit()
                ));
                continue;
            }
            count += 1;
            // SAFETY: kept units are never modified after they are built.
            unsafe { n.edges() }.for_each(|c| {
                if seen.insert(c.addr()) {
                    stack.push(c);
                }
            });
        }
        if count != r.size {
            v.push(format!(
                "live unit {} (head {:?}) has {count} intact objects, expected {}",
                r.unit, r.obj, r.size
            ));
        }
        live += count as u64;
    }
    (units, live)
}
