//! gcmodule's `ThreadedObjectSpace` with a hand-written `Trace`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use gcmodule::{ThreadedCc, ThreadedObjectSpace, Trace, Tracer};

use super::Edges;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::workloads::mt_rings_with;
use crate::System;

static DROPS: AtomicU64 = AtomicU64::new(0);

/// A gcmodule node.
#[derive(Default)]
pub struct GNode {
    edges: Mutex<Edges<ThreadedCc<GNode>>>,
}

impl Drop for GNode {
    fn drop(&mut self) {
        DROPS.fetch_add(1, Ordering::Relaxed);
    }
}

impl Trace for GNode {
    fn trace(&self, tracer: &mut Tracer) {
        if let Ok(edges) = self.edges.try_lock() {
            for p in edges.iter() {
                p.trace(tracer);
            }
        }
    }
    fn is_type_tracked() -> bool {
        true
    }
}

/// gcmodule threaded object space.
#[derive(Default)]
pub struct GcModuleThreaded {
    space: Arc<ThreadedObjectSpace>,
}

impl System for GcModuleThreaded {
    type Ptr = ThreadedCc<GNode>;

    fn name(&self) -> String {
        "gcmodule-threaded".into()
    }
    fn alloc(&self) -> ThreadedCc<GNode> {
        self.space.create(GNode::default())
    }
    fn link(&self, from: &ThreadedCc<GNode>, to: &ThreadedCc<GNode>) {
        let to = to.clone();
        from.borrow().edges.lock().expect("poisoned").push(to);
    }
    fn collect(&self) {
        self.space.collect_cycles();
    }
    fn freed(&self) -> u64 {
        DROPS.load(Ordering::Relaxed)
    }
    fn mt_rings(&self, threads: usize, rings: usize) -> Option<Duration> {
        let t = Instant::now();
        let space = &self.space;
        mt_rings_with(
            || GcModuleThreaded {
                space: space.clone(),
            },
            threads,
            rings,
        );
        self.space.collect_cycles();
        Some(t.elapsed())
    }
    fn alloc_on_other_thread(&self, n: usize) -> Option<Vec<ThreadedCc<GNode>>> {
        let space = &*self.space;
        std::thread::scope(|s| {
            s.spawn(move || (0..n).map(|_| space.create(GNode::default())).collect())
                .join()
                .ok()
        })
    }
}
