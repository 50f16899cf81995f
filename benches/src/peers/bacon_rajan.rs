//! bacon_rajan_cc (synchronous Bacon–Rajan cycle collection, thread-local).

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};

use bacon_rajan_cc::{Cc, Trace, Tracer};

use super::Edges;
use crate::{System, Workload};

static DROPS: AtomicU64 = AtomicU64::new(0);

/// A bacon_rajan_cc node.
#[derive(Default)]
pub struct BNode {
    edges: RefCell<Edges<Cc<BNode>>>,
}

impl Drop for BNode {
    fn drop(&mut self) {
        DROPS.fetch_add(1, Ordering::Relaxed);
    }
}

impl Trace for BNode {
    fn trace(&self, tracer: &mut Tracer) {
        if let Ok(edges) = self.edges.try_borrow() {
            for p in edges.iter() {
                p.trace(tracer);
            }
        }
    }
}

/// bacon_rajan_cc.
#[derive(Default)]
pub struct BaconRajan;

impl System for BaconRajan {
    type Ptr = Cc<BNode>;

    fn name(&self) -> String {
        "bacon-rajan-cc".into()
    }
    fn alloc(&self) -> Cc<BNode> {
        Cc::new(BNode::default())
    }
    fn link(&self, from: &Cc<BNode>, to: &Cc<BNode>) {
        from.edges.borrow_mut().push(to.clone());
    }
    fn collect(&self) {
        bacon_rajan_cc::collect_cycles();
    }
    fn freed(&self) -> u64 {
        DROPS.load(Ordering::Relaxed)
    }
    fn supports(&self, w: Workload) -> bool {
        w != Workload::CrossThread
    }
}
