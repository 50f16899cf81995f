//! `gc-stress deaths`: refcount death under fire, in the adapter object model.
//!
//! T threads each build a chain of `depth` instances (each holds the next one), hang a small
//! self-referencing instance (a garbage cycle once its holder dies) off every 64th node, then
//! drop the chain's head: the whole chain dies by reference count, through the adapter's
//! trashcan, on that thread. Every instance has a finalizer; every `collect_every`-th one
//! calls `collect()` in the middle of the cascade (the case that used to let the collector
//! trace a dying object), and automatic collections run as allocation triggers them. The
//! threads repeat this until the time is up.
//!
//! At the end, with every thread detached and two last collections, the run checks that
//! every instance created was finalized exactly once (a finalizer run twice or never shows
//! as a count mismatch), that the heap is back to its baseline (nothing leaked, nothing freed
//! twice) and that gc-core reported no contract violation. Exit status 1 on any mismatch.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use gc_core::GcConfig;
use gc_vm_adapter::{Ref, Runtime};

use crate::cli::DeathsArgs;

thread_local! {
    /// The runtime a finalizer collects through. A closure capturing the runtime would keep
    /// it alive from inside one of its own objects.
    static RT: RefCell<Option<Runtime>> = const { RefCell::new(None) };
}

/// A side cycle hangs off every this many chain nodes.
const SIDE_CYCLE_EVERY: u64 = 64;

/// What one run did.
#[derive(Debug, Default)]
struct Tally {
    chains: AtomicU64,
    created: AtomicU64,
    finalized: AtomicU64,
    nested_collects: AtomicU64,
}

/// Run `gc-stress deaths`; returns the exit status.
pub fn run(a: &DeathsArgs) -> i32 {
    let mut config = GcConfig::default()
        .with_verify(a.verify)
        .with_check_edges(a.verify)
        .with_panic_on_violation(false);
    if let Some(w) = a.workers {
        config = config.with_workers(w);
    }
    let rt = Runtime::new(config);
    let tally = Arc::new(Tally::default());
    let baseline = {
        let _g = rt.attach_thread("setup");
        drop(rt.none());
        rt.gc().heap_stats().live_objects as u64
    };
    let class = {
        let _g = rt.attach_thread("setup");
        let class = rt.new_class("Dying", None);
        let t = tally.clone();
        let every = a.collect_every;
        class.as_class().expect("a class").set_finalizer(move |_| {
            let k = t.finalized.fetch_add(1, Ordering::Relaxed) + 1;
            if k % every == 0 {
                t.nested_collects.fetch_add(1, Ordering::Relaxed);
                RT.with(|r| {
                    if let Some(rt) = r.borrow().as_ref() {
                        rt.collect();
                    }
                });
            }
        });
        class
    };
    let deadline = Instant::now() + Duration::from_secs_f64(a.seconds);
    std::thread::scope(|s| {
        for i in 0..a.threads {
            let (rt, tally) = (rt.clone(), tally.clone());
            std::thread::Builder::new()
                .name(format!("deaths-{i}"))
                .spawn_scoped(s, {
                    let class = &class;
                    move || mutate(&rt, &tally, class, a.depth, deadline)
                })
                .expect("spawn a mutator thread");
        }
    });
    let (violations, live) = {
        let _g = rt.attach_thread("check");
        drop(class);
        rt.collect();
        rt.collect();
        (rt.violations(), rt.gc().heap_stats().live_objects as u64)
    };
    let created = tally.created.load(Ordering::Relaxed);
    let finalized = tally.finalized.load(Ordering::Relaxed);
    let ok = created == finalized && live == baseline && violations.is_empty();
    println!(
        "deaths threads={} depth={} seconds={}: chains {}, objects {created}, finalized \
         {finalized}, collect() from finalizers {}, collections {}, heap {} (baseline {baseline}), \
         violations {}: {}",
        a.threads,
        a.depth,
        a.seconds,
        tally.chains.load(Ordering::Relaxed),
        tally.nested_collects.load(Ordering::Relaxed),
        rt.stats().collections,
        live,
        violations.len(),
        if ok { "ok" } else { "FAILED" }
    );
    for v in violations.iter().take(5) {
        eprintln!("violation: {v}");
    }
    if ok {
        0
    } else {
        1
    }
}

/// One mutator thread: build and drop chains until the deadline.
fn mutate(rt: &Runtime, tally: &Tally, class: &Ref, depth: u64, deadline: Instant) {
    let _g = rt.attach_thread(std::thread::current().name().unwrap_or("deaths"));
    RT.with(|r| *r.borrow_mut() = Some(rt.clone()));
    while Instant::now() < deadline {
        let mut head: Option<Ref> = None;
        for i in 0..depth {
            let n = rt.new_instance(class);
            let inst = n.as_instance().expect("an instance");
            if let Some(h) = head.take() {
                inst.set_attr("next", h);
            }
            if i % SIDE_CYCLE_EVERY == 0 {
                let side = rt.new_instance(class);
                side.as_instance()
                    .expect("an instance")
                    .set_attr("me", side.clone());
                inst.set_attr("side", side);
                tally.created.fetch_add(1, Ordering::Relaxed);
            }
            head = Some(n);
            if i % 1024 == 0 {
                rt.poll();
            }
        }
        tally.created.fetch_add(depth, Ordering::Relaxed);
        tally.chains.fetch_add(1, Ordering::Relaxed);
        drop(head);
        rt.poll();
    }
    RT.with(|r| *r.borrow_mut() = None);
}
