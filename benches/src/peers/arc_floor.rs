//! The `Arc` floor: thread-safe reference counting, cycles broken by hand before dropping.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::Edges;
use std::time::Duration;

use crate::workloads::mt_rings_with;
use crate::{System, Workload};

static DROPS: AtomicU64 = AtomicU64::new(0);

/// An `Arc` node.
#[derive(Default)]
pub struct ANode {
    edges: Mutex<Edges<Arc<ANode>>>,
}

impl Drop for ANode {
    fn drop(&mut self) {
        DROPS.fetch_add(1, Ordering::Relaxed);
    }
}

/// Break every edge reachable from `roots` (iteratively) and drop everything.
pub fn break_and_drop(roots: Vec<Arc<ANode>>) {
    let mut stack = roots;
    while let Some(p) = stack.pop() {
        let edges = p.edges.lock().expect("poisoned").take_all();
        stack.extend(edges);
    }
}

/// The `Arc` floor system.
#[derive(Default)]
pub struct ArcFloor;

impl System for ArcFloor {
    type Ptr = Arc<ANode>;

    fn name(&self) -> String {
        "arc-floor".into()
    }
    fn alloc(&self) -> Arc<ANode> {
        Arc::new(ANode::default())
    }
    fn link(&self, from: &Arc<ANode>, to: &Arc<ANode>) {
        from.edges.lock().expect("poisoned").push(to.clone());
    }
    fn release(&self, garbage: Vec<Arc<ANode>>) {
        break_and_drop(garbage);
    }
    fn collect(&self) {}
    fn freed(&self) -> u64 {
        DROPS.load(Ordering::Relaxed)
    }
    fn supports(&self, w: Workload) -> bool {
        !matches!(w, Workload::Tree | Workload::GcTraversal)
    }
    fn mt_rings(&self, threads: usize, rings: usize) -> Option<Duration> {
        Some(mt_rings_with(|| ArcFloor, threads, rings))
    }
    fn alloc_on_other_thread(&self, n: usize) -> Option<Vec<Arc<ANode>>> {
        std::thread::spawn(move || (0..n).map(|_| Arc::new(ANode::default())).collect())
            .join()
            .ok()
    }
}
