//! The adapter model: the workloads on gc-vm-adapter's nogil object model (biased reference
//! counting, per-object locks, `Ref` handles, global roots).
//!
//! A node is a list `[tag, next, prev]` (a tree node `[tag, left, right]`, a leaf of a cyclic
//! tree `[tag, root]`, a gc_traversal list `[tag, l, l, ...]`); `tag` is one int per unit whose
//! value is the unit id, shared by all the unit's nodes. Nodes are allocated as empty lists and
//! filled when linked, so a node allocated on one thread can be linked into a ring on another
//! (cross-thread shape: the adapter's biased counts then take the shared/queued paths).
//!
//! A kept unit's head is a global root of the adapter runtime (`Runtime::add_root`: a counted
//! reference reported to mark-alive); the workload records the head's address, the tag and the
//! size for the checker. Everything else is cyclic garbage as soon as the builder's handles are
//! dropped. The adapter has no destroy hook for the workload, so "destroyed" is derived from
//! the heap (`allocated - live`); the checker's own evidence is the walk: every kept unit
//! intact with its exact size, and after the final collection the heap holds exactly the
//! objects the walk reached.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use gc_core::record::CollectionRecord;
use gc_core::{GcConfig, GcStats, ObjRef};
use gc_vm_adapter::{Kind, Object, Ref, RootId, Runtime, ThreadGuard};
use parking_lot::Mutex;

use super::{CheckReport, Model, ModelWorker, UnitKind, Violations, WorldOptions};

/// A built unit: the head node, the tag, the unit id and the node count.
pub struct Unit {
    head: Ref,
    tag: Ref,
    unit: i64,
    nodes: u32,
}

/// A kept unit, as the workload records it.
struct Kept {
    root: RootId,
    head: ObjRef,
    tag: Ref,
    unit: i64,
    nodes: u32,
}

type KeptList = Arc<Mutex<Vec<Kept>>>;

/// A gc-vm-adapter runtime running the stress workloads.
pub struct World {
    // Before `rt`: kept units hold references, dropped before the runtime.
    lists: Mutex<Vec<KeptList>>,
    allocated: AtomicU64,
    baseline: u64,
    violations: Arc<Violations>,
    next_thread: AtomicU64,
    rt: Runtime,
}

/// A mutator thread of the adapter model.
pub struct Worker {
    world: Arc<World>,
    kept: KeptList,
    next_unit: i64,
    allocated: u64,
    // Last: dropped after the kept list handle (the thread detaches last).
    _guard: ThreadGuard,
}

/// The object at a payload address. The caller has checked with the heap that `o` is an
/// allocated object of the adapter runtime (every one starts with an [`Object`] header).
fn object<'a>(o: ObjRef) -> &'a Object {
    // SAFETY: see above; gc-vm-adapter's handles dereference payload addresses the same way.
    unsafe { &*(o.as_ptr() as *const Object) }
}

impl World {
    fn space(&self) -> &Arc<gc_core::HeapSpace> {
        self.rt.gc().space()
    }

    /// Walk one kept unit; returns the objects reached (nodes + tag).
    fn check_unit(&self, k: &Kept, seen: &mut HashSet<usize>, stack: &mut Vec<ObjRef>) -> u64 {
        let v = &self.violations;
        let space = self.space();
        let tag = k.tag.obj_ref();
        let mut reached = 0u64;
        if space.find_object(tag.as_ptr()) != Some(tag) {
            v.push(format!("tag of live unit {} was freed", k.unit));
        } else if object(tag).as_i64() != Some(k.unit) {
            v.push(format!("tag of live unit {} was overwritten", k.unit));
        } else {
            reached += 1;
        }
        seen.clear();
        stack.clear();
        stack.push(k.head);
        seen.insert(k.head.addr());
        let mut count = 0u32;
        while let Some(o) = stack.pop() {
            if space.find_object(o.as_ptr()) != Some(o) {
                v.push(format!(
                    "object {o:?} reachable from live unit {} (head {:?}) is not allocated: it was \
                     freed while reachable",
                    k.unit, k.head
                ));
                continue;
            }
            let obj = object(o);
            let Some(list) = (obj.kind() == Kind::List).then(|| obj.as_list()).flatten() else {
                v.push(format!(
                    "object {o:?} reachable from live unit {} is a {:?}, not a node: its slot was \
                     freed and reused",
                    k.unit,
                    obj.kind()
                ));
                continue;
            };
            list.with_items(|items| {
                if items.first().map(|t| t.obj_ref()) != Some(tag) {
                    v.push(format!(
                        "object {o:?} reachable from live unit {} does not carry the unit's tag: \
                         its slot was freed and reused, or it was overwritten",
                        k.unit
                    ));
                    return;
                }
                count += 1;
                for c in &items[1..] {
                    let c = c.obj_ref();
                    if seen.insert(c.addr()) {
                        stack.push(c);
                    }
                }
            });
        }
        if count != k.nodes {
            v.push(format!(
                "live unit {} (head {:?}) has {count} intact nodes, expected {}",
                k.unit, k.head, k.nodes
            ));
        }
        reached + count as u64
    }
}

impl Model for World {
    type Worker = Worker;
    type Node = Ref;
    type Unit = Unit;
    const NAME: &'static str = "adapter";
    const SUPPORTS_FAULT: bool = false;

    fn create(opts: &WorldOptions) -> Arc<Self> {
        let config = GcConfig::default()
            .with_workers(opts.workers)
            .with_enabled(opts.automatic)
            .with_verify(opts.core_verify)
            .with_check_edges(false)
            .with_panic_on_violation(false);
        let rt = Runtime::new(config);
        // Create the runtime's fixed objects (singletons) before measuring the baseline.
        {
            let _g = rt.attach_thread("setup");
            drop(rt.none());
        }
        let baseline = rt.gc().heap_stats().live_objects as u64;
        Arc::new(World {
            rt,
            lists: Mutex::new(Vec::new()),
            allocated: AtomicU64::new(0),
            baseline,
            violations: Arc::default(),
            next_thread: AtomicU64::new(1),
        })
    }

    fn attach(self: &Arc<Self>, name: &str) -> Worker {
        let guard = self.rt.attach_thread(name);
        let kept: KeptList = Arc::default();
        self.lists.lock().push(kept.clone());
        let tid = self.next_thread.fetch_add(1, Ordering::Relaxed) as i64;
        Worker {
            world: self.clone(),
            kept,
            next_unit: tid << 40,
            allocated: 0,
            _guard: guard,
        }
    }

    fn subscribe(&self, f: impl Fn(&CollectionRecord) + Send + Sync + 'static) {
        self.rt.gc().subscribe(f);
    }
    fn now_ns(&self) -> u64 {
        self.rt.gc().now_ns()
    }
    fn stats(&self) -> GcStats {
        self.rt.stats()
    }
    fn workers(&self) -> usize {
        self.rt.gc().workers()
    }
    fn last_record(&self) -> Option<CollectionRecord> {
        self.rt.gc().last_record()
    }
    fn records(&self) -> Vec<CollectionRecord> {
        self.rt.gc().records()
    }
    fn heap_live_objects(&self) -> u64 {
        (self.rt.gc().heap_stats().live_objects as u64).saturating_sub(self.baseline)
    }
    fn heap_live_bytes(&self) -> u64 {
        self.rt.gc().heap_stats().live_bytes as u64
    }
    fn allocated(&self) -> u64 {
        self.allocated.load(Ordering::Relaxed)
    }
    fn destroyed(&self) -> u64 {
        self.allocated().saturating_sub(self.heap_live_objects())
    }
    fn violations(&self) -> &Arc<Violations> {
        &self.violations
    }

    fn check(&self) -> CheckReport {
        let lists = self.lists.lock().clone();
        let before = self.violations.count();
        let mut report = CheckReport::default();
        let (mut seen, mut stack) = (HashSet::new(), Vec::new());
        for l in &lists {
            for k in l.lock().iter() {
                report.units += 1;
                report.live_objects += self.check_unit(k, &mut seen, &mut stack);
            }
        }
        report.violations = self.violations.count() - before;
        report
    }

    fn teardown(&self) {
        let lists = std::mem::take(&mut *self.lists.lock());
        for l in lists {
            for k in l.lock().drain(..) {
                drop(self.rt.remove_root(k.root));
            }
        }
    }
}

impl Worker {
    /// Make `u`'s head a global root (the root holds the counted reference) and describe it.
    fn root_unit(&self, u: Unit) -> Kept {
        let root = self.world.rt.add_root(&u.head);
        Kept {
            root,
            head: u.head.obj_ref(),
            tag: u.tag,
            unit: u.unit,
            nodes: u.nodes,
        }
    }

    fn new_unit(&mut self) -> (i64, Ref) {
        self.next_unit += 1;
        self.allocated += 1;
        (self.next_unit, self.world.rt.new_int(self.next_unit))
    }
}

impl ModelWorker for Worker {
    type Node = Ref;
    type Unit = Unit;

    fn alloc_nodes(&mut self, n: usize) -> Vec<Ref> {
        self.allocated += n as u64;
        (0..n).map(|_| self.world.rt.new_list(Vec::new())).collect()
    }

    fn link(&mut self, kind: UnitKind, nodes: Vec<Ref>) -> Unit {
        let (unit, tag) = self.new_unit();
        let n = nodes.len();
        assert!(n > 0);
        for (i, node) in nodes.iter().enumerate() {
            let mut items = vec![tag.clone()];
            match kind {
                UnitKind::Ring => {
                    items.push(nodes[(i + 1) % n].clone());
                    items.push(nodes[(i + n - 1) % n].clone());
                }
                UnitKind::CyclicTree => {
                    let kids: Vec<Ref> = [2 * i + 1, 2 * i + 2]
                        .into_iter()
                        .filter(|&c| c < n)
                        .map(|c| nodes[c].clone())
                        .collect();
                    if kids.is_empty() && i != 0 {
                        items.push(nodes[0].clone());
                    }
                    items.extend(kids);
                }
            }
            node.as_list()
                .expect("a node is a list")
                .with_items_mut(|v| *v = items);
        }
        let head = nodes[0].clone();
        Unit {
            head,
            tag,
            unit,
            nodes: n as u32,
        }
    }

    fn discard(&mut self, nodes: Vec<Ref>) {
        drop(nodes);
    }

    fn tree(&mut self, n: usize) -> Unit {
        let (unit, tag) = self.new_unit();
        let nodes = self.alloc_nodes(n);
        for (i, node) in nodes.iter().enumerate() {
            let mut items = vec![tag.clone()];
            items.extend(
                [2 * i + 1, 2 * i + 2]
                    .into_iter()
                    .filter(|&c| c < n)
                    .map(|c| nodes[c].clone()),
            );
            node.as_list().expect("list").with_items_mut(|v| *v = items);
        }
        Unit {
            head: nodes[0].clone(),
            tag,
            unit,
            nodes: n as u32,
        }
    }

    fn list_chain(&mut self, n: usize) -> Unit {
        let (unit, tag) = self.new_unit();
        let nodes = self.alloc_nodes(n);
        for k in 0..n {
            let mut items = Vec::with_capacity(k + 1);
            items.push(tag.clone());
            if k > 0 {
                items.extend((0..k).map(|_| nodes[k - 1].clone()));
            }
            nodes[k]
                .as_list()
                .expect("list")
                .with_items_mut(|v| *v = items);
        }
        Unit {
            head: nodes[n - 1].clone(),
            tag,
            unit,
            nodes: n as u32,
        }
    }

    fn unit_size(u: &Unit) -> u64 {
        u.nodes as u64 + 1
    }

    fn unit_collected(u: &Unit) -> u64 {
        u.nodes as u64
    }

    fn keep(&mut self, u: Unit) {
        let k = self.root_unit(u);
        self.kept.lock().push(k);
    }

    fn keep_faulty(&mut self, u: Unit) {
        // Unsupported (the adapter's roots are counted references): the CLI refuses
        // `--inject-fault` with this model before a run starts.
        self.keep(u);
    }

    fn replace(&mut self, i: usize, u: Unit) {
        let k = self.root_unit(u);
        let old = std::mem::replace(&mut self.kept.lock()[i], k);
        match self.world.rt.remove_root(old.root) {
            Some(r) => drop(r),
            None => self.world.violations.push(format!(
                "the root of live unit {} disappeared from the runtime",
                old.unit
            )),
        }
        drop(old.tag);
    }

    fn kept(&self) -> usize {
        self.kept.lock().len()
    }
    fn kept_size(&self, i: usize) -> u64 {
        self.kept.lock().get(i).map_or(0, |k| k.nodes as u64 + 1)
    }
    fn poll(&mut self) {
        self.world.rt.poll();
    }
    fn collect(&mut self) -> usize {
        self.world.rt.collect()
    }
    fn flush_counts(&mut self) {
        self.world
            .allocated
            .fetch_add(std::mem::take(&mut self.allocated), Ordering::Relaxed);
    }
    fn detached<R>(&self, f: impl FnOnce() -> R) -> R {
        self.world.rt.detached(f)
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.flush_counts();
    }
}
