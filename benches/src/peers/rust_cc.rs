//! rust-cc (crate `rust_cc`) with automatic collection turned off.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};

use rust_cc::{Cc, Context, Finalize, Trace};

use super::Edges;
use crate::{System, Workload};

static DROPS: AtomicU64 = AtomicU64::new(0);

/// A rust-cc node.
#[derive(Default)]
pub struct CNode {
    edges: RefCell<Edges<Cc<CNode>>>,
}

impl Drop for CNode {
    fn drop(&mut self) {
        DROPS.fetch_add(1, Ordering::Relaxed);
    }
}

impl Finalize for CNode {}

// SAFETY: traces every Cc the node owns exclusively, once; creates, clones and drops none.
unsafe impl Trace for CNode {
    fn trace(&self, ctx: &mut Context<'_>) {
        if let Ok(edges) = self.edges.try_borrow() {
            for p in edges.iter() {
                p.trace(ctx);
            }
        }
    }
}

/// rust-cc (thread-local collector).
pub struct RustCc;

impl RustCc {
    /// Turn automatic collection off on this thread.
    pub fn new() -> RustCc {
        let _ = rust_cc::config::config(|c| c.set_auto_collect(false));
        RustCc
    }
}

impl Default for RustCc {
    fn default() -> Self {
        Self::new()
    }
}

impl System for RustCc {
    type Ptr = Cc<CNode>;

    fn name(&self) -> String {
        "rust-cc".into()
    }
    fn alloc(&self) -> Cc<CNode> {
        Cc::new(CNode::default())
    }
    fn link(&self, from: &Cc<CNode>, to: &Cc<CNode>) {
        from.edges.borrow_mut().push(to.clone());
    }
    fn collect(&self) {
        rust_cc::collect_cycles();
    }
    fn freed(&self) -> u64 {
        DROPS.load(Ordering::Relaxed)
    }
    fn supports(&self, w: Workload) -> bool {
        w != Workload::CrossThread
    }
}
