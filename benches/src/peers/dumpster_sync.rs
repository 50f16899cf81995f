//! dumpster's `sync` collector, with a collect condition that never fires so only the explicit
//! `dumpster::sync::collect()` runs.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use dumpster::sync::{set_collect_condition, CollectInfo, Gc};
use dumpster::{Trace, Visitor};

use super::Edges;
use std::time::{Duration, Instant};

use crate::workloads::mt_rings_with;
use crate::System;

static DROPS: AtomicU64 = AtomicU64::new(0);

/// A dumpster node.
#[derive(Default)]
pub struct DNode {
    edges: Mutex<Edges<Gc<DNode>>>,
}

impl Drop for DNode {
    fn drop(&mut self) {
        DROPS.fetch_add(1, Ordering::Relaxed);
    }
}

// SAFETY: `accept` visits every Gc the node owns (and fails, as dumpster asks, if the lock is
// taken).
unsafe impl Trace for DNode {
    fn accept<V: Visitor>(&self, visitor: &mut V) -> Result<(), ()> {
        let edges = self.edges.try_lock().map_err(|_| ())?;
        for p in edges.iter() {
            p.accept(visitor)?;
        }
        Ok(())
    }
}

fn never(_: &CollectInfo) -> bool {
    false
}

/// dumpster `sync`.
pub struct DumpsterSync;

impl DumpsterSync {
    /// Turn automatic collection off (process-wide).
    pub fn new() -> DumpsterSync {
        set_collect_condition(never);
        DumpsterSync
    }
}

impl Default for DumpsterSync {
    fn default() -> Self {
        Self::new()
    }
}

impl System for DumpsterSync {
    type Ptr = Gc<DNode>;

    fn name(&self) -> String {
        "dumpster-sync".into()
    }
    fn alloc(&self) -> Gc<DNode> {
        Gc::new(DNode::default())
    }
    fn link(&self, from: &Gc<DNode>, to: &Gc<DNode>) {
        from.edges.lock().expect("poisoned").push(to.clone());
    }
    fn collect(&self) {
        dumpster::sync::collect();
    }
    fn freed(&self) -> u64 {
        DROPS.load(Ordering::Relaxed)
    }
    fn mt_rings(&self, threads: usize, rings: usize) -> Option<Duration> {
        let t = Instant::now();
        mt_rings_with(DumpsterSync::new, threads, rings);
        dumpster::sync::collect();
        Some(t.elapsed())
    }
    fn alloc_on_other_thread(&self, n: usize) -> Option<Vec<Gc<DNode>>> {
        std::thread::spawn(move || (0..n).map(|_| Gc::new(DNode::default())).collect())
            .join()
            .ok()
    }
}
