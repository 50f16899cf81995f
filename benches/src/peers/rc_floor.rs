//! The `Rc` floor: single-threaded reference counting, cycles broken by hand before dropping.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::Edges;
use crate::{System, Workload};

static DROPS: AtomicU64 = AtomicU64::new(0);

/// An `Rc` node.
#[derive(Default)]
pub struct RNode {
    edges: RefCell<Edges<Rc<RNode>>>,
}

impl Drop for RNode {
    fn drop(&mut self) {
        DROPS.fetch_add(1, Ordering::Relaxed);
    }
}

/// The `Rc` floor system.
#[derive(Default)]
pub struct RcFloor;

impl System for RcFloor {
    type Ptr = Rc<RNode>;

    fn name(&self) -> String {
        "rc-floor".into()
    }
    fn alloc(&self) -> Rc<RNode> {
        Rc::new(RNode::default())
    }
    fn link(&self, from: &Rc<RNode>, to: &Rc<RNode>) {
        from.edges.borrow_mut().push(to.clone());
    }
    fn release(&self, garbage: Vec<Rc<RNode>>) {
        let mut stack = garbage;
        while let Some(p) = stack.pop() {
            let edges = p.edges.borrow_mut().take_all();
            stack.extend(edges);
        }
    }
    fn collect(&self) {}
    fn freed(&self) -> u64 {
        DROPS.load(Ordering::Relaxed)
    }
    fn supports(&self, w: Workload) -> bool {
        !matches!(
            w,
            Workload::Tree | Workload::GcTraversal | Workload::CrossThread
        )
    }
}
