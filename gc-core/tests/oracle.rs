//! Property tests: the collector against an oracle that knows the object graph.
//!
//! Each case is a random directed graph (self-loops and multi-edges included) whose nodes are
//! allocated by the main mutator and by 2–3 spawned mutator threads (cross-thread allocation),
//! a random subset of nodes held by the test (counted handles, some also reported as VM
//! roots), and rounds of random mutations (add/remove edges, drop/keep handles, allocate new
//! chains and rings on other threads, drop handles on other threads), with a collection after
//! every round. The test keeps its own adjacency model by node id and checks after every
//! collection that
//!
//! * the set of destroyed nodes is exactly the set unreachable from the handles it holds,
//! * the count `collect()` returned is the number of nodes that collection destroyed,
//! * every reachable node is intact (canary, edges as in the model),
//! * no contract violation was reported,
//!
//! and finally that dropping every handle frees everything. Every case runs at 1, 2, 4 and 8
//! GC workers and the destroyed set of every collection must be identical across them.
//!
//! Cases: `PROPTEST_CASES` (default 32). Graph sizes: mostly small, up to 3000 initial nodes.

mod support;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::mpsc;
use std::thread::JoinHandle;

use gc_core::{GcRuntime, Mutator};
use proptest::collection::vec;
use proptest::prelude::*;
use support::*;

#[derive(Clone, Debug)]
enum Op {
    /// kept[a] -> kept[b].
    AddEdge(u32, u32),
    /// Remove the k-th edge of kept[a].
    RemoveEdge(u32, u32),
    /// Drop kept[a].
    DropHandle(u32),
    /// Take a new handle to the k-th child of kept[a].
    KeepChild(u32, u32),
    /// Also report kept[a] as a VM root (with its own counted reference).
    MakeRoot(u32),
    /// Stop reporting root r.
    Unroot(u32),
    /// Another thread allocates a chain of `count` nodes (a ring when `close`), optionally
    /// linked from kept[link_from]; the test keeps the first node when `keep_first`.
    Alloc {
        thread: u8,
        count: u8,
        link_from: Option<u32>,
        close: bool,
        keep_first: bool,
    },
    /// Send kept[a] to another mutator thread, which drops it there.
    DropOnThread(u32, u8),
}

#[derive(Clone, Debug)]
struct Scenario {
    /// Spawned allocator threads (2 or 3); the main thread allocates too.
    threads: usize,
    n: usize,
    edges: Vec<(u32, u32)>,
    /// Edges a -> a + d (mod n), d < 8: chains and small rings.
    local_edges: Vec<(u32, u8)>,
    self_loops: Vec<u32>,
    /// Duplicate edges[k].
    dup_edges: Vec<u32>,
    keep: Vec<u32>,
    roots: Vec<u32>,
    rounds: Vec<Vec<Op>>,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (any::<u32>(), any::<u32>()).prop_map(|(a, b)| Op::AddEdge(a, b)),
        3 => (any::<u32>(), any::<u32>()).prop_map(|(a, k)| Op::RemoveEdge(a, k)),
        3 => any::<u32>().prop_map(Op::DropHandle),
        2 => (any::<u32>(), any::<u32>()).prop_map(|(a, k)| Op::KeepChild(a, k)),
        1 => any::<u32>().prop_map(Op::MakeRoot),
        1 => any::<u32>().prop_map(Op::Unroot),
        2 => (
            any::<u8>(),
            1u8..=24,
            proptest::option::of(any::<u32>()),
            any::<bool>(),
            any::<bool>()
        )
            .prop_map(|(thread, count, link_from, close, keep_first)| Op::Alloc {
                thread,
                count,
                link_from,
                close,
                keep_first
            }),
        1 => (any::<u32>(), any::<u8>()).prop_map(|(a, t)| Op::DropOnThread(a, t)),
    ]
}

fn scenario() -> impl Strategy<Value = Scenario> {
    let size = prop_oneof![4 => 1usize..40, 3 => 40usize..400, 1 => 400usize..3000];
    (2usize..=3, size)
        .prop_flat_map(|(threads, n)| {
            (
                Just(threads),
                Just(n),
                vec((any::<u32>(), any::<u32>()), 0..=2 * n),
                vec((any::<u32>(), 0u8..8), 0..=n),
                vec(any::<u32>(), 0..=n / 8 + 1),
                vec(any::<u32>(), 0..=n / 8 + 1),
                vec(any::<u32>(), 0..=n / 4 + 2),
                vec(any::<u32>(), 0..=n / 16 + 1),
                vec(vec(op(), 0..40), 1..=3),
            )
        })
        .prop_map(
            |(threads, n, edges, local_edges, self_loops, dup_edges, keep, roots, rounds)| {
                Scenario {
                    threads,
                    n,
                    edges,
                    local_edges,
                    self_loops,
                    dup_edges,
                    keep,
                    roots,
                    rounds,
                }
            },
        )
}

enum Cmd {
    Alloc(Vec<u64>, mpsc::Sender<Vec<Handle>>),
    Drop(Handle, mpsc::Sender<()>),
    Quit,
}

/// A mutator thread that allocates and drops on request and waits detached in between, so a
/// collection on the main thread never waits for it.
fn spawn_mutator(rt: GcRuntime<TestVm>, idx: usize) -> (mpsc::Sender<Cmd>, JoinHandle<()>) {
    let (tx, rx) = mpsc::channel::<Cmd>();
    let h = std::thread::Builder::new()
        .name(format!("oracle-mutator-{idx}"))
        .stack_size(64 << 20)
        .spawn(move || {
            let m = rt.register_mutator(format!("oracle-mutator-{idx}"));
            loop {
                match m.detached(|| rx.recv()) {
                    Ok(Cmd::Alloc(ids, reply)) => {
                        let hs: Vec<Handle> = ids.iter().map(|&id| new_node(&m, id)).collect();
                        let _ = reply.send(hs);
                    }
                    Ok(Cmd::Drop(h, ack)) => {
                        drop(h);
                        let _ = ack.send(());
                    }
                    Ok(Cmd::Quit) | Err(_) => break,
                }
                m.poll();
            }
        })
        .expect("spawn mutator thread");
    (tx, h)
}

/// One collection as seen by the oracle.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    returned: usize,
    destroyed: BTreeSet<u64>,
}

struct World {
    // Field order is drop order: handles first (while the main mutator is still registered),
    // then the other threads, then the mutator.
    kept: Vec<Handle>,
    roots: Vec<Handle>,
    threads: Vec<(mpsc::Sender<Cmd>, JoinHandle<()>)>,
    adj: HashMap<u64, Vec<u64>>,
    next_id: u64,
    workers: usize,
    outcomes: Vec<Outcome>,
    m: Mutator<TestVm>,
    rt: GcRuntime<TestVm>,
}

impl World {
    fn new(workers: usize, prefetch: bool, threads: usize, helper_delay_us: u64) -> World {
        let rt = runtime(config(workers).with_mark_prefetch(prefetch));
        #[cfg(feature = "fault-injection")]
        rt.inject_helper_delay_us(helper_delay_us);
        #[cfg(not(feature = "fault-injection"))]
        assert_eq!(
            helper_delay_us, 0,
            "helper delays need the fault-injection feature"
        );
        let m = rt.register_mutator("oracle-main");
        let threads = (0..threads).map(|i| spawn_mutator(rt.clone(), i)).collect();
        World {
            kept: Vec::new(),
            roots: Vec::new(),
            threads,
            adj: HashMap::new(),
            next_id: 0,
            workers,
            outcomes: Vec::new(),
            m,
            rt,
        }
    }

    /// Allocate nodes with the given ids on thread `t` (`t == threads.len()`: main thread).
    fn alloc_on(&mut self, t: usize, ids: Vec<u64>) -> Vec<Handle> {
        for &id in &ids {
            self.adj.insert(id, Vec::new());
        }
        if t >= self.threads.len() {
            return ids.iter().map(|&id| new_node(&self.m, id)).collect();
        }
        let (reply_tx, reply_rx) = mpsc::channel();
        self.threads[t]
            .0
            .send(Cmd::Alloc(ids, reply_tx))
            .expect("mutator thread gone");
        // Wait detached: the other thread only needs to be left alone, but a waiting thread
        // must never hold up a stop.
        self.m
            .detached(|| reply_rx.recv())
            .expect("mutator thread gone")
    }

    fn fresh_ids(&mut self, n: usize) -> Vec<u64> {
        let ids = (self.next_id..self.next_id + n as u64).collect();
        self.next_id += n as u64;
        ids
    }

    fn link(&mut self, a: &Handle, b: &Handle) {
        a.link(b);
        self.adj.get_mut(&a.id()).unwrap().push(b.id());
    }

    fn build(&mut self, sc: &Scenario) {
        let n = sc.n;
        let ids = self.fresh_ids(n);
        let owners = self.threads.len() + 1;
        let mut hs: Vec<Option<Handle>> = (0..n).map(|_| None).collect();
        for t in 0..owners {
            let mine: Vec<u64> = ids
                .iter()
                .copied()
                .filter(|&i| i as usize % owners == t)
                .collect();
            for h in self.alloc_on(t, mine) {
                let i = h.id() as usize;
                hs[i] = Some(h);
            }
        }
        let hs: Vec<Handle> = hs.into_iter().map(|h| h.unwrap()).collect();
        let idx = |x: u32| x as usize % n;
        for &(a, b) in &sc.edges {
            self.link(&hs[idx(a)], &hs[idx(b)]);
        }
        for &(a, d) in &sc.local_edges {
            let a = idx(a);
            self.link(&hs[a], &hs[(a + d as usize) % n]);
        }
        for &a in &sc.self_loops {
            self.link(&hs[idx(a)], &hs[idx(a)]);
        }
        if !sc.edges.is_empty() {
            for &k in &sc.dup_edges {
                let (a, b) = sc.edges[k as usize % sc.edges.len()];
                self.link(&hs[idx(a)], &hs[idx(b)]);
            }
        }
        for &r in &sc.roots {
            self.make_root(hs[idx(r)].clone());
        }
        for &k in &sc.keep {
            self.kept.push(hs[idx(k)].clone());
        }
        drop(hs);
    }

    fn make_root(&mut self, h: Handle) {
        self.rt.binding().roots.lock().push(h.obj);
        self.roots.push(h);
    }

    fn unroot(&mut self, i: usize) {
        let h = self.roots.swap_remove(i);
        {
            let mut roots = self.rt.binding().roots.lock();
            let pos = roots.iter().position(|&o| o == h.obj).unwrap();
            roots.swap_remove(pos);
        }
        drop(h);
    }

    fn child_handle(&self, parent: &Handle, child_id: u64) -> Handle {
        parent
            .children()
            .into_iter()
            .find(|c| c.id() == child_id)
            .expect("model edge missing from the object")
    }

    fn apply(&mut self, op: &Op) {
        let kept_len = self.kept.len();
        let pick = |x: u32| x as usize % kept_len;
        match *op {
            Op::AddEdge(a, b) if kept_len > 0 => {
                let (a, b) = (self.kept[pick(a)].clone(), self.kept[pick(b)].clone());
                self.link(&a, &b);
            }
            Op::RemoveEdge(a, k) if kept_len > 0 => {
                let a = self.kept[pick(a)].clone();
                let edges = self.adj.get_mut(&a.id()).unwrap();
                if edges.is_empty() {
                    return;
                }
                let target = edges.swap_remove(k as usize % edges.len());
                let c = self.child_handle(&a, target);
                a.unlink(&c);
            }
            Op::DropHandle(a) if kept_len > 0 => {
                drop(self.kept.swap_remove(pick(a)));
            }
            Op::KeepChild(a, k) if kept_len > 0 => {
                let a = self.kept[pick(a)].clone();
                let edges = &self.adj[&a.id()];
                if edges.is_empty() {
                    return;
                }
                let target = edges[k as usize % edges.len()];
                let c = self.child_handle(&a, target);
                self.kept.push(c);
            }
            Op::MakeRoot(a) if kept_len > 0 => {
                let h = self.kept[pick(a)].clone();
                self.make_root(h);
            }
            Op::Unroot(r) if !self.roots.is_empty() => {
                let i = r as usize % self.roots.len();
                self.unroot(i);
            }
            Op::Alloc {
                thread,
                count,
                link_from,
                close,
                keep_first,
            } => {
                let ids = self.fresh_ids(count as usize);
                let t = thread as usize % (self.threads.len() + 1);
                let hs = self.alloc_on(t, ids);
                for w in hs.windows(2) {
                    self.link(&w[0], &w[1]);
                }
                if close {
                    self.link(&hs[hs.len() - 1], &hs[0]);
                }
                if let (Some(lf), true) = (link_from, kept_len > 0) {
                    let from = self.kept[pick(lf)].clone();
                    self.link(&from, &hs[0]);
                }
                if keep_first {
                    self.kept.push(hs[0].clone());
                }
            }
            Op::DropOnThread(a, t) if kept_len > 0 => {
                let h = self.kept.swap_remove(pick(a));
                let t = t as usize % self.threads.len();
                let (ack_tx, ack_rx) = mpsc::channel();
                self.threads[t]
                    .0
                    .send(Cmd::Drop(h, ack_tx))
                    .expect("mutator thread gone");
                self.m
                    .detached(|| ack_rx.recv())
                    .expect("mutator thread gone");
            }
            _ => {}
        }
    }

    /// Ids reachable from the handles the test holds (kept and roots), by the model.
    fn reachable(&self) -> HashSet<u64> {
        let held = self.kept.iter().chain(self.roots.iter()).map(|h| h.id());
        gc_testkit::oracle::reachable(held, |x| self.adj[&x].iter().copied())
    }

    /// Collect and check the result against the model.
    fn collect_and_check(&mut self, what: &str) {
        let ctx = format!("workers={} {what}", self.workers);
        let before = self.rt.binding().destroyed_set();
        let returned = self.m.collect();
        let after = self.rt.binding().destroyed_set();
        let destroyed: BTreeSet<u64> = after.difference(&before).copied().collect();
        assert_eq!(
            self.rt.binding().destroyed.lock().len(),
            after.len(),
            "{ctx}: a node was destroyed twice"
        );
        let reach = self.reachable();
        let live_destroyed: Vec<u64> = reach
            .iter()
            .copied()
            .filter(|i| after.contains(i))
            .collect();
        assert!(
            live_destroyed.is_empty(),
            "{ctx}: live nodes destroyed: {live_destroyed:?}"
        );
        let missed: BTreeSet<u64> = (0..self.next_id)
            .filter(|i| !reach.contains(i) && !after.contains(i))
            .collect();
        assert!(
            missed.is_empty(),
            "{ctx}: unreachable nodes not collected ({} of them): {:?}",
            missed.len(),
            missed.iter().take(20).collect::<Vec<_>>()
        );
        assert_eq!(
            returned,
            destroyed.len(),
            "{ctx}: collect() returned a count different from the nodes it destroyed"
        );
        let violations = self.rt.violations();
        assert!(violations.is_empty(), "{ctx}: violations {violations:?}");
        self.check_intact(&reach, &ctx);
        self.outcomes.push(Outcome {
            returned,
            destroyed,
        });
    }

    /// Walk the real objects from the held handles and compare every edge with the model.
    fn check_intact(&self, reach: &HashSet<u64>, ctx: &str) {
        let mut seen: HashSet<u64> = HashSet::new();
        let mut stack: Vec<Handle> = self.kept.iter().chain(self.roots.iter()).cloned().collect();
        while let Some(h) = stack.pop() {
            if !seen.insert(h.id()) {
                continue;
            }
            let mut model = self.adj[&h.id()].clone();
            model.sort_unstable();
            assert_eq!(h.edge_ids(), model, "{ctx}: edges of live node {}", h.id());
            stack.extend(h.children());
        }
        assert_eq!(seen.len(), reach.len(), "{ctx}: live set size");
    }

    fn finish(mut self) -> Vec<Outcome> {
        self.kept.clear();
        while !self.roots.is_empty() {
            self.unroot(0);
        }
        self.collect_and_check("after dropping every handle");
        for (tx, _) in &self.threads {
            tx.send(Cmd::Quit).expect("mutator thread gone");
        }
        for (_, h) in std::mem::take(&mut self.threads) {
            h.join().expect("mutator thread panicked");
        }
        assert_eq!(
            self.rt.binding().destroyed_set().len() as u64,
            self.next_id,
            "workers={}: not everything was freed",
            self.workers
        );
        assert_eq!(
            self.rt.heap_stats().live_objects,
            0,
            "workers={}: objects left in the heap",
            self.workers
        );
        std::mem::take(&mut self.outcomes)
    }
}

fn run_scenario(sc: &Scenario, workers: usize, prefetch: bool) -> Vec<Outcome> {
    run_scenario_with(sc, workers, prefetch, 0)
}

/// `helper_delay_us`: GC helpers come late to jobs (`fault-injection` only), so phases run
/// with some of their workers or with the collecting thread alone.
fn run_scenario_with(
    sc: &Scenario,
    workers: usize,
    prefetch: bool,
    helper_delay_us: u64,
) -> Vec<Outcome> {
    let mut w = World::new(workers, prefetch, sc.threads, helper_delay_us);
    w.build(sc);
    w.collect_and_check("after build");
    for (i, ops) in sc.rounds.iter().enumerate() {
        for op in ops {
            w.apply(op);
        }
        w.collect_and_check(&format!("after round {i}"));
        // A second collection right away finds nothing new.
        let n = w.m.collect();
        assert_eq!(n, 0, "workers={workers}: repeated collection found garbage");
    }
    w.finish()
}

fn run_all_worker_counts(sc: &Scenario) {
    let base = run_scenario(sc, 1, false);
    // The mark loop's prefetching mode (claims deferred through a FIFO) at 1 and 4 workers.
    for (workers, prefetch) in [(2, false), (4, false), (8, false), (1, true), (4, true)] {
        let other = run_scenario(sc, workers, prefetch);
        assert_eq!(
            base, other,
            "destroyed sets differ between 1 and {workers} workers (prefetch {prefetch})"
        );
    }
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(32)
}

/// Same outcome when helpers are late for jobs, or miss them: the collecting thread then does
/// their share (see "Late helpers" in gc-core's gang.rs).
#[cfg(feature = "fault-injection")]
fn run_with_late_helpers(sc: &Scenario) {
    let base = run_scenario(sc, 1, false);
    for (workers, prefetch, delay) in [(2, false, 200), (4, false, 500), (4, true, 100)] {
        let other = run_scenario_with(sc, workers, prefetch, delay);
        assert_eq!(
            base, other,
            "destroyed sets differ between 1 and {workers} late workers (delay {delay} us)"
        );
    }
}

#[cfg(feature = "fault-injection")]
proptest! {
    #![proptest_config(ProptestConfig { cases: cases() / 2 + 1, ..ProptestConfig::default() })]

    #[test]
    fn destroyed_set_is_the_same_with_late_helpers(sc in scenario()) {
        on_big_stack(move || run_with_late_helpers(&sc));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn destroyed_set_is_exactly_the_unreachable_set(sc in scenario()) {
        on_big_stack(move || run_all_worker_counts(&sc));
    }
}

/// Run `f` on a thread with a 256 MiB stack and re-raise its panic: refcount deaths in the
/// test binding recurse through `clear`, so long acyclic paths need room.
fn on_big_stack(f: impl FnOnce() + Send + 'static) {
    let r = std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(f)
        .expect("spawn")
        .join();
    if let Err(p) = r {
        std::panic::resume_unwind(p);
    }
}

/// A fixed case with every feature, so a plain `cargo test` always exercises them.
#[test]
fn fixed_scenario_all_features() {
    let sc = Scenario {
        threads: 3,
        n: 64,
        edges: (0..64u32).map(|i| (i, (i * 7 + 3) % 64)).collect(),
        local_edges: vec![(10, 1), (11, 1), (12, 0), (20, 3)],
        self_loops: vec![5, 5, 40],
        dup_edges: vec![0, 0, 9],
        keep: vec![1, 2, 3, 50],
        roots: vec![2, 60],
        rounds: vec![
            vec![
                Op::AddEdge(0, 1),
                Op::RemoveEdge(0, 0),
                Op::Alloc {
                    thread: 0,
                    count: 10,
                    link_from: Some(1),
                    close: true,
                    keep_first: false,
                },
                Op::Alloc {
                    thread: 1,
                    count: 5,
                    link_from: None,
                    close: true,
                    keep_first: false,
                },
                Op::KeepChild(2, 0),
                Op::DropOnThread(0, 2),
            ],
            vec![
                Op::Unroot(0),
                Op::DropHandle(1),
                Op::MakeRoot(0),
                Op::DropHandle(0),
            ],
        ],
    };
    let r = std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(move || run_all_worker_counts(&sc))
        .unwrap()
        .join();
    if let Err(p) = r {
        std::panic::resume_unwind(p);
    }
}
