//! gc-core through the lean bench binding.

use gc_core::{GcRuntime, Mutator, ObjRef};

use crate::node::{self, BenchVm, Root};
use std::time::{Duration, Instant};

use crate::workloads::mt_rings_with;
use crate::System;

/// A gc-core runtime and the calling thread's mutator.
pub struct Ours {
    /// The runtime.
    pub rt: GcRuntime<BenchVm>,
    /// This thread's mutator.
    pub m: Mutator<BenchVm>,
}

impl Ours {
    /// A runtime with `workers` GC workers (automatic collection off), registered on this thread.
    pub fn new(workers: usize) -> Ours {
        let rt = node::runtime(workers);
        let m = rt.register_mutator("bench-main");
        Ours { rt, m }
    }

    /// Another thread's handle on the same runtime (registers the calling thread).
    pub fn attach(rt: &GcRuntime<BenchVm>) -> Ours {
        Ours {
            rt: rt.clone(),
            m: rt.register_mutator("bench-thread"),
        }
    }
}

impl System for Ours {
    type Ptr = Root;

    fn name(&self) -> String {
        format!("ours-w{}", self.rt.workers())
    }

    #[inline]
    fn alloc(&self) -> Root {
        Root::adopt(&self.rt, node::new_obj(&self.m))
    }

    #[inline]
    fn link(&self, from: &Root, to: &Root) {
        // SAFETY: both are live nodes of this runtime, built on this thread, no collection runs.
        unsafe { node::link(from.obj(), to.obj()) }
    }

    fn collect(&self) {
        self.m.collect();
    }

    fn freed(&self) -> u64 {
        self.rt.binding().destroyed_count()
    }

    fn mt_rings(&self, threads: usize, rings: usize) -> Option<Duration> {
        let t = Instant::now();
        let rt = &self.rt;
        // The building threads run with this thread detached (it does not touch objects).
        self.m
            .detached(|| mt_rings_with(|| Ours::attach(rt), threads, rings));
        self.m.collect();
        Some(t.elapsed())
    }

    fn alloc_on_other_thread(&self, n: usize) -> Option<Vec<Root>> {
        let rt = self.rt.clone();
        let objs: Vec<ObjRef> = std::thread::scope(|s| {
            s.spawn(move || {
                let hm = rt.register_mutator("bench-helper");
                (0..n).map(|_| node::new_obj(&hm)).collect()
            })
            .join()
            .expect("helper thread panicked")
        });
        Some(objs.into_iter().map(|o| Root::adopt(&self.rt, o)).collect())
    }
}
