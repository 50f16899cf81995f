//! Cycles whose nodes are owned by different threads are collected; objects reachable only
//! through another thread's container survive; mutators keep running (and polling) on other
//! threads during collections.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};

use gc_core::GcConfig;
use gc_vm_adapter::{Ref, Runtime};

fn runtime() -> Runtime {
    Runtime::new(
        GcConfig::default()
            .with_workers(2)
            .with_parallel_min_objects(0)
            .with_enabled(false)
            .with_check_edges(true)
            .with_verify(true),
    )
}

fn node_class(rt: &Runtime, finalized: &Arc<AtomicUsize>) -> Ref {
    let class = rt.new_class("Node", None);
    let f = finalized.clone();
    class.as_class().unwrap().set_finalizer(move |_| {
        f.fetch_add(1, Ordering::SeqCst);
    });
    class
}

fn link(a: &Ref, b: &Ref) {
    a.as_instance().unwrap().set_attr("next", b.clone());
    b.as_instance().unwrap().set_attr("prev", a.clone());
}

#[test]
fn rings_with_nodes_from_different_threads_are_collected() {
    let rt = runtime();
    let _g = rt.attach_thread("main");
    let finalized = Arc::new(AtomicUsize::new(0));
    let class = node_class(&rt, &finalized);
    let (rings, ring_len, threads) = (30usize, 20usize, 3usize);
    // Each worker allocates its share of every ring's nodes and sends them to main.
    let (tx, rx) = mpsc::channel::<(usize, usize, Ref)>();
    let hs: Vec<_> = (0..threads)
        .map(|t| {
            let (rt, class, tx) = (rt.clone(), class.clone(), tx.clone());
            std::thread::spawn(move || {
                let _g = rt.attach_thread(format!("maker{t}"));
                for r in 0..rings {
                    for i in (t..ring_len).step_by(threads) {
                        tx.send((r, i, rt.new_instance(&class))).unwrap();
                    }
                    rt.poll();
                }
                drop(class);
            })
        })
        .collect();
    drop(tx);
    let mut slots: Vec<Vec<Option<Ref>>> = vec![vec![None; ring_len]; rings];
    while let Ok((r, i, n)) = rt.detached(|| rx.recv()) {
        slots[r][i] = Some(n);
    }
    for h in hs {
        rt.detached(|| h.join()).unwrap();
    }
    let mut weaks = Vec::new();
    for ring in &slots {
        let nodes: Vec<&Ref> = ring.iter().map(|n| n.as_ref().unwrap()).collect();
        for i in 0..ring_len {
            link(nodes[i], nodes[(i + 1) % ring_len]);
        }
        weaks.push(rt.new_weakref(nodes[0], None::<fn(&Ref)>));
    }
    drop(slots);
    assert_eq!(rt.collect(), rings * ring_len);
    assert_eq!(finalized.load(Ordering::SeqCst), rings * ring_len);
    assert!(weaks
        .iter()
        .all(|w| w.as_weakref().unwrap().upgrade().is_none()));
    assert!(rt.violations().is_empty(), "{:?}", rt.violations());
}

#[test]
fn objects_held_by_another_threads_container_survive_while_it_keeps_polling() {
    let rt = runtime();
    let _g = rt.attach_thread("main");
    let finalized = Arc::new(AtomicUsize::new(0));
    let class = node_class(&rt, &finalized);
    let stop = Arc::new(AtomicBool::new(false));
    let (tx, rx) = mpsc::channel::<(Ref, Ref)>();
    let (back_tx, back_rx) = mpsc::channel::<Ref>();
    // The holder thread keeps x (in a cycle x <-> y, y allocated by main) in its own list and
    // keeps mutating that list and polling while main collects.
    let holder = {
        let (rt, stop) = (rt.clone(), stop.clone());
        std::thread::spawn(move || {
            let _g = rt.attach_thread("holder");
            let (y, class) = rt.detached(|| rx.recv()).unwrap();
            let x = rt.new_instance(&class);
            drop(class);
            link(&x, &y);
            link(&y, &x);
            let list = rt.new_list(vec![x.clone()]);
            back_tx.send(rt.new_weakref(&x, None::<fn(&Ref)>)).unwrap();
            drop((x, y));
            let mut polls = 0u64;
            while !stop.load(Ordering::SeqCst) {
                let l = list.as_list().unwrap();
                l.push(rt.new_int(polls as i64));
                if l.len() > 10 {
                    l.remove(1);
                }
                rt.poll();
                polls += 1;
            }
            // Still alive: reachable only through this thread's list.
            let x = list.as_list().unwrap().get(0).unwrap();
            assert!(x.as_instance().unwrap().get_attr("next").is_some());
            drop(x);
            drop(list);
            polls
        })
    };
    let y = rt.new_instance(&class);
    tx.send((y, class.clone())).unwrap();
    let wx = rt.detached(|| back_rx.recv()).unwrap();
    let mut collections = 0;
    for _ in 0..20 {
        rt.collect();
        collections += 1;
        assert!(
            wx.as_weakref().unwrap().upgrade().is_some(),
            "live x was freed"
        );
        assert_eq!(finalized.load(Ordering::SeqCst), 0);
    }
    stop.store(true, Ordering::SeqCst);
    let polls = rt.detached(|| holder.join()).unwrap();
    assert!(polls > 0 && collections == 20);
    assert_eq!(
        rt.collect(),
        2,
        "the x <-> y cycle is garbage once the list is gone"
    );
    assert_eq!(finalized.load(Ordering::SeqCst), 2);
    assert!(wx.as_weakref().unwrap().upgrade().is_none());
    assert!(rt.violations().is_empty(), "{:?}", rt.violations());
}

#[test]
fn automatic_collections_with_several_mutators() {
    let rt = Runtime::new(
        GcConfig::default()
            .with_workers(2)
            .with_parallel_min_objects(0)
            .with_threshold(500),
    );
    let _g = rt.attach_thread("main");
    let finalized = Arc::new(AtomicUsize::new(0));
    let class = node_class(&rt, &finalized);
    let (threads, rings, len) = (4usize, 200usize, 4usize);
    let hs: Vec<_> = (0..threads)
        .map(|t| {
            let (rt, class) = (rt.clone(), class.clone());
            std::thread::spawn(move || {
                let _g = rt.attach_thread(format!("m{t}"));
                for _ in 0..rings {
                    let nodes: Vec<Ref> = (0..len).map(|_| rt.new_instance(&class)).collect();
                    for i in 0..len {
                        link(&nodes[i], &nodes[(i + 1) % len]);
                    }
                    drop(nodes);
                    rt.poll();
                }
            })
        })
        .collect();
    for h in hs {
        rt.detached(|| h.join()).unwrap();
    }
    rt.collect();
    assert_eq!(finalized.load(Ordering::SeqCst), threads * rings * len);
    assert!(rt.stats().collections >= 2);
    assert!(rt.violations().is_empty(), "{:?}", rt.violations());
}
