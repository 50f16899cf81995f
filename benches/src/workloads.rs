//! The standard workloads (DESIGN §5), built the same way for every [`System`]: the graph
//! shapes come from [`gc_testkit::shape`] (shared with gc-stress), so every system compared,
//! ours and the peers, gets the same edges in the same order.

use std::time::{Duration, Instant};

use gc_testkit::shape;

/// A memory-management system under test: how to make a node, add an edge, and collect.
///
/// `Ptr` is a counted, owning reference (dropping it releases one reference).
pub trait System {
    /// A counted reference to a node.
    type Ptr;
    /// Short name for tables.
    fn name(&self) -> String;
    /// Allocate a node with no edges.
    fn alloc(&self) -> Self::Ptr;
    /// Add a strong edge `from -> to`.
    fn link(&self, from: &Self::Ptr, to: &Self::Ptr);
    /// Drop the external references to garbage. Reference-counting floors (Arc, Rc) break the
    /// cycles by hand here; cycle collectors just drop the handles.
    fn release(&self, garbage: Vec<Self::Ptr>) {
        drop(garbage);
    }
    /// Run one explicit collection (a no-op for the Arc/Rc floors).
    fn collect(&self);
    /// Nodes freed (dropped / destroyed) so far by this system.
    fn freed(&self) -> u64;
    /// Whether the system has a meaningful result for `w` (floors skip all-live workloads,
    /// thread-local systems skip cross-thread).
    fn supports(&self, w: Workload) -> bool {
        let _ = w;
        true
    }
    /// Allocate `n` nodes on another thread (for the cross-thread workload).
    fn alloc_on_other_thread(&self, n: usize) -> Option<Vec<Self::Ptr>> {
        let _ = n;
        None
    }
    /// The multi-threaded variant: `threads` threads each build `rings / threads` rings of
    /// [`RING`] nodes and drop them; then one collection. Returns the wall time of the whole
    /// (spawn, build, drop, join, collect). `None` for systems whose pointers are not
    /// `Send + Sync`.
    fn mt_rings(&self, threads: usize, rings: usize) -> Option<Duration> {
        let _ = (threads, rings);
        None
    }
}

/// [`System::mt_rings`] for a system whose per-thread handle `make` returns.
pub fn mt_rings_with<S: System, F: Fn() -> S + Sync>(
    make: F,
    threads: usize,
    rings_total: usize,
) -> Duration {
    let per = rings_total / threads.max(1);
    let t = Instant::now();
    std::thread::scope(|sc| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                sc.spawn(|| {
                    let s = make();
                    let g = rings(&s, per, RING);
                    s.release(g);
                })
            })
            .collect();
        // Explicit joins wait for full thread exit, thread-local destructors included (dumpster
        // hands a thread's dropped pointers to its collector from one).
        for h in handles {
            h.join().expect("ring-building thread panicked");
        }
    });
    t.elapsed()
}

/// A standard workload.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Workload {
    /// R rings of 20 nodes with next/prev, all garbage.
    Rings,
    /// pyperformance gc_collect resized: 100 000 rings of 41 nodes, all garbage.
    GcCollect,
    /// pyperformance gc_traversal: lists 0..999, list k holds k references to list k-1; live.
    GcTraversal,
    /// A binary tree of N nodes reachable from a root; all live.
    Tree,
    /// A live tree of N/2 nodes plus N/2 nodes of ring garbage.
    Mixed,
    /// Rings whose nodes alternate between two threads' heaps; all garbage.
    CrossThread,
    /// T threads each building and dropping rings, then one collection (T = 1, 2, 4); the
    /// time includes building.
    MtRings(usize),
}

impl Workload {
    /// Every workload.
    pub const ALL: [Workload; 9] = [
        Workload::Rings,
        Workload::GcCollect,
        Workload::GcTraversal,
        Workload::Tree,
        Workload::Mixed,
        Workload::CrossThread,
        Workload::MtRings(1),
        Workload::MtRings(2),
        Workload::MtRings(4),
    ];

    /// Table name.
    pub fn name(self) -> &'static str {
        match self {
            Workload::Rings => "rings",
            Workload::GcCollect => "gc_collect",
            Workload::GcTraversal => "gc_traversal",
            Workload::Tree => "tree",
            Workload::Mixed => "mixed",
            Workload::CrossThread => "cross_thread",
            Workload::MtRings(1) => "mt_rings_t1",
            Workload::MtRings(2) => "mt_rings_t2",
            Workload::MtRings(4) => "mt_rings_t4",
            Workload::MtRings(_) => "mt_rings",
        }
    }

    /// Parse a table name.
    pub fn parse(s: &str) -> Option<Workload> {
        Workload::ALL.into_iter().find(|w| w.name() == s)
    }

    /// Objects in the graph of this workload at size `n` (what [`build`] makes; for
    /// [`Workload::MtRings`], the objects all threads build together).
    pub fn objects(self, n: usize) -> u64 {
        let o = match self {
            Workload::Rings | Workload::CrossThread => n / RING * RING,
            Workload::GcCollect => GC_COLLECT_RINGS * GC_COLLECT_RING,
            Workload::GcTraversal => GC_TRAVERSAL_LISTS,
            Workload::Tree => n,
            Workload::Mixed => n / 2 + (n - n / 2) / RING * RING,
            Workload::MtRings(t) => n / RING / t.max(1) * t.max(1) * RING,
        };
        o as u64
    }

    /// Whether the size is fixed by the workload's definition (the `n` argument is ignored).
    pub fn fixed_size(self) -> bool {
        matches!(self, Workload::GcCollect | Workload::GcTraversal)
    }
}

/// Ring length of the rings / mixed / cross-thread workloads.
pub const RING: usize = 20;
/// gc_collect: rings and ring length.
pub const GC_COLLECT_RINGS: usize = 100_000;
/// gc_collect ring length.
pub const GC_COLLECT_RING: usize = 41;
/// gc_traversal: number of lists.
pub const GC_TRAVERSAL_LISTS: usize = 1000;

/// A built graph: external references to garbage and to live objects.
pub struct Built<P> {
    /// One handle per garbage structure (released inside the timed region).
    pub garbage: Vec<P>,
    /// Handles keeping the live part alive (dropped after timing).
    pub live: Vec<P>,
    /// Objects the collection must free.
    pub garbage_objects: u64,
    /// Objects in the graph (garbage plus live).
    pub objects: u64,
}

fn ring<S: System>(s: &S, len: usize, nodes: Vec<S::Ptr>) -> S::Ptr {
    debug_assert_eq!(nodes.len(), len);
    shape::ring(len, |i, j| s.link(&nodes[i], &nodes[j]));
    nodes.into_iter().next().expect("empty ring")
}

/// `count` rings of `len` nodes; returns one handle per ring.
pub fn rings<S: System>(s: &S, count: usize, len: usize) -> Vec<S::Ptr> {
    (0..count)
        .map(|_| ring(s, len, (0..len).map(|_| s.alloc()).collect()))
        .collect()
}

/// Rings whose nodes alternate between this thread's heap and another thread's.
pub fn cross_thread_rings<S: System>(s: &S, count: usize, len: usize) -> Option<Vec<S::Ptr>> {
    let mut other = s.alloc_on_other_thread(count * len / 2)?.into_iter();
    Some(
        (0..count)
            .map(|_| {
                let nodes = (0..len)
                    .map(|i| {
                        if i % 2 == 1 {
                            other.next().unwrap_or_else(|| s.alloc())
                        } else {
                            s.alloc()
                        }
                    })
                    .collect();
                ring(s, len, nodes)
            })
            .collect(),
    )
}

/// A binary tree of `n` nodes (heap order); returns the root.
pub fn tree<S: System>(s: &S, n: usize) -> S::Ptr {
    let nodes: Vec<S::Ptr> = (0..n.max(1)).map(|_| s.alloc()).collect();
    shape::tree(nodes.len(), |i, c| s.link(&nodes[i], &nodes[c]));
    nodes.into_iter().next().expect("empty tree")
}

/// pyperformance gc_traversal: lists 0..n-1, list k holds k references to list k-1; returns
/// the last list (which keeps every other one alive).
pub fn traversal_lists<S: System>(s: &S, n: usize) -> S::Ptr {
    let nodes: Vec<S::Ptr> = (0..n.max(1)).map(|_| s.alloc()).collect();
    shape::list_chain(nodes.len(), |k, j| s.link(&nodes[k], &nodes[j]));
    let head = shape::list_chain_head(nodes.len());
    nodes.into_iter().nth(head).expect("empty chain")
}

/// Build workload `w` at size `n` (objects; ignored by fixed-size workloads).
pub fn build<S: System>(s: &S, w: Workload, n: usize) -> Option<Built<S::Ptr>> {
    if !s.supports(w) {
        return None;
    }
    let b = match w {
        Workload::Rings => {
            let r = n / RING;
            Built {
                garbage: rings(s, r, RING),
                live: Vec::new(),
                garbage_objects: (r * RING) as u64,
                objects: (r * RING) as u64,
            }
        }
        Workload::GcCollect => Built {
            garbage: rings(s, GC_COLLECT_RINGS, GC_COLLECT_RING),
            live: Vec::new(),
            garbage_objects: (GC_COLLECT_RINGS * GC_COLLECT_RING) as u64,
            objects: (GC_COLLECT_RINGS * GC_COLLECT_RING) as u64,
        },
        Workload::GcTraversal => Built {
            garbage: Vec::new(),
            live: vec![traversal_lists(s, GC_TRAVERSAL_LISTS)],
            garbage_objects: 0,
            objects: GC_TRAVERSAL_LISTS as u64,
        },
        Workload::Tree => Built {
            garbage: Vec::new(),
            live: vec![tree(s, n)],
            garbage_objects: 0,
            objects: n as u64,
        },
        Workload::Mixed => {
            let live = n / 2;
            let r = (n - live) / RING;
            Built {
                live: vec![tree(s, live)],
                garbage: rings(s, r, RING),
                garbage_objects: (r * RING) as u64,
                objects: (live + r * RING) as u64,
            }
        }
        Workload::MtRings(_) => return None,
        Workload::CrossThread => {
            let r = n / RING;
            Built {
                garbage: cross_thread_rings(s, r, RING)?,
                live: Vec::new(),
                garbage_objects: (r * RING) as u64,
                objects: (r * RING) as u64,
            }
        }
    };
    Some(b)
}

/// The timed part: release the garbage handles and collect, then (untimed) check that the
/// system freed exactly the garbage. Returns the time and the live handles (drop them outside
/// the timed region).
pub fn collect_timed<S: System>(s: &S, built: Built<S::Ptr>) -> (Duration, Vec<S::Ptr>) {
    let before = s.freed();
    let t = Instant::now();
    s.release(built.garbage);
    s.collect();
    let elapsed = t.elapsed();
    let freed = s.freed() - before;
    assert_eq!(
        freed,
        built.garbage_objects,
        "{}: the collection freed {freed} objects, expected exactly the {} garbage objects",
        s.name(),
        built.garbage_objects
    );
    (elapsed, built.live)
}

/// Build, time one collection (checking it freed exactly the garbage), then drop the live
/// part, collect again and check that everything built was freed. Returns the collection time
/// and the object count; `None` if `s` does not support `w`.
///
/// Self-contained: each call verifies its own graph, so nothing carries over from one call to
/// the next (a benchmark can call it once per iteration).
pub fn collect_once<S: System>(s: &S, w: Workload, n: usize) -> Option<(Duration, u64)> {
    if let Workload::MtRings(t) = w {
        let before = s.freed();
        let d = s.mt_rings(t, n / RING)?;
        let objects = w.objects(n);
        let freed = s.freed() - before;
        assert_eq!(
            freed,
            objects,
            "{}: {} freed {freed} of {objects} objects",
            s.name(),
            w.name()
        );
        return Some((d, objects));
    }
    let built = build(s, w, n)?;
    let objects = built.objects;
    debug_assert_eq!(objects, w.objects(n));
    let before = s.freed();
    let (elapsed, live) = collect_timed(s, built);
    drop(live);
    s.collect();
    let freed = s.freed() - before;
    assert_eq!(
        freed,
        objects,
        "{}: {} left {} objects unfreed after dropping everything",
        s.name(),
        w.name(),
        objects.saturating_sub(freed)
    );
    Some((elapsed, objects))
}
