//! Biased reference counting from 8 threads: owner and non-owner increments and decrements,
//! queueing to the owner, merges at safepoints, and objects whose owner thread has exited.
//! Each object's death is observed through a weakref callback: exactly once, and only after
//! the last reference is gone.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};

use gc_core::GcConfig;
use gc_vm_adapter::{Ref, Runtime};

const THREADS: usize = 8;

fn runtime() -> Runtime {
    Runtime::new(
        GcConfig::default()
            .with_workers(2)
            .with_parallel_min_objects(0)
            .with_enabled(false),
    )
}

/// N string objects, each with a weakref whose callback bumps `deaths[i]`.
fn watched(rt: &Runtime, n: usize) -> (Vec<Ref>, Vec<Ref>, Arc<Vec<AtomicUsize>>) {
    let deaths: Arc<Vec<AtomicUsize>> = Arc::new((0..n).map(|_| AtomicUsize::new(0)).collect());
    let mut objs = Vec::new();
    let mut weaks = Vec::new();
    for i in 0..n {
        let o = rt.new_str(&format!("obj-{i}"));
        let d = deaths.clone();
        weaks.push(rt.new_weakref(
            &o,
            Some(move |_: &Ref| {
                d[i].fetch_add(1, Ordering::SeqCst);
            }),
        ));
        objs.push(o);
    }
    (objs, weaks, deaths)
}

fn total(d: &[AtomicUsize]) -> usize {
    d.iter().map(|x| x.load(Ordering::SeqCst)).sum()
}

#[test]
fn owner_and_non_owner_counts_from_8_threads() {
    let rt = runtime();
    let _g = rt.attach_thread("main");
    let n = 200;
    let (objs, weaks, deaths) = watched(&rt, n);
    // Hand one owner-counted reference per object to each thread: their drops find the shared
    // count at zero and queue the object to us.
    let handed: Vec<Vec<Ref>> = (0..THREADS).map(|_| objs.to_vec()).collect();
    let handles: Vec<_> = handed
        .into_iter()
        .enumerate()
        .map(|(t, mine)| {
            let rt = rt.clone();
            std::thread::spawn(move || {
                let _g = rt.attach_thread(format!("t{t}"));
                for round in 0..50 {
                    // Non-owner increments and decrements.
                    let extra: Vec<Ref> = mine.iter().map(Ref::clone).collect();
                    if round % 2 == 0 {
                        drop(extra);
                    } else {
                        for r in extra.into_iter().rev() {
                            drop(r);
                        }
                    }
                    rt.poll();
                }
                drop(mine);
            })
        })
        .collect();
    // The owner keeps polling (merging its queue) while they run.
    while !handles.iter().all(|h| h.is_finished()) {
        rt.poll();
        std::thread::yield_now();
    }
    for h in handles {
        rt.detached(|| h.join()).unwrap();
    }
    rt.poll();
    assert_eq!(total(&deaths), 0, "an object died while we still held it");
    for o in &objs {
        assert_eq!(
            o.refcount(),
            1,
            "count of {o:?} after all threads dropped theirs"
        );
    }
    for (i, o) in objs.into_iter().enumerate() {
        drop(o);
        assert_eq!(
            deaths[i].load(Ordering::SeqCst),
            1,
            "object {i} not freed at its last drop"
        );
    }
    assert_eq!(total(&deaths), n);
    drop(weaks);
}

#[test]
fn last_reference_dropped_by_a_non_owner_frees_the_object() {
    let rt = runtime();
    let _g = rt.attach_thread("main");
    let n = 100;
    let (objs, weaks, deaths) = watched(&rt, n);
    let (txs, rxs): (Vec<_>, Vec<_>) = (0..THREADS).map(|_| mpsc::channel::<Ref>()).unzip();
    let handles: Vec<_> = rxs
        .into_iter()
        .enumerate()
        .map(|(t, rx)| {
            let rt = rt.clone();
            std::thread::spawn(move || {
                let _g = rt.attach_thread(format!("t{t}"));
                let mut held = Vec::new();
                while let Ok(r) = rt.detached(|| rx.recv()) {
                    let c = r.clone();
                    held.push(r);
                    drop(c);
                    rt.poll();
                }
                drop(held);
            })
        })
        .collect();
    // Distribute every object to every thread (non-owner increments by us would be owner
    // increments: these clones are local counts), then drop ours: the owner's local count
    // goes to 0 only after the threads' references are merged.
    for o in &objs {
        for tx in &txs {
            tx.send(o.clone()).unwrap();
        }
    }
    drop(objs);
    drop(txs);
    while !handles.iter().all(|h| h.is_finished()) {
        rt.poll();
        std::thread::yield_now();
    }
    for h in handles {
        rt.detached(|| h.join()).unwrap();
    }
    rt.poll();
    assert_eq!(total(&deaths), n);
    assert!(deaths.iter().all(|d| d.load(Ordering::SeqCst) == 1));
    drop(weaks);
}

#[test]
fn objects_of_an_exited_owner_are_merged_and_freed() {
    let rt = runtime();
    let _g = rt.attach_thread("main");
    let deaths = Arc::new(AtomicUsize::new(0));
    let n = 64;
    // A thread allocates objects (it owns them), keeps two local references to each in a
    // list and hands one to us, then exits.
    let (objs, weaks, keeper) = {
        let rt2 = rt.clone();
        let d = deaths.clone();
        let h = std::thread::spawn(move || {
            let _g = rt2.attach_thread("short-lived");
            let mut objs = Vec::new();
            let mut weaks = Vec::new();
            let keeper = rt2.new_list(Vec::new());
            for i in 0..n {
                let o = rt2.new_int(i as i64);
                let d = d.clone();
                weaks.push(rt2.new_weakref(
                    &o,
                    Some(move |_: &Ref| {
                        d.fetch_add(1, Ordering::SeqCst);
                    }),
                ));
                keeper.as_list().unwrap().push(o.clone());
                objs.push(o);
            }
            (objs, weaks, keeper)
        });
        rt.detached(|| h.join()).unwrap()
    };
    assert_eq!(rt.binding().thread_count(), 1);
    // Non-owner drops of references the dead owner counted locally: queue -> owner gone ->
    // merged by the dropping thread.
    for (i, o) in objs.into_iter().enumerate() {
        assert_eq!(o.refcount(), 2);
        drop(o);
        assert_eq!(
            deaths.load(Ordering::SeqCst),
            0,
            "object {i} freed too early"
        );
    }
    // Now from several threads at once, through the list.
    let items = keeper.as_list().unwrap().snapshot();
    keeper.as_list().unwrap().clear();
    drop(keeper);
    assert_eq!(deaths.load(Ordering::SeqCst), 0);
    let chunks: Vec<Vec<Ref>> = items.chunks(n / 4).map(|c| c.to_vec()).collect::<Vec<_>>();
    drop(items);
    let hs: Vec<_> = chunks
        .into_iter()
        .map(|c| {
            let rt = rt.clone();
            std::thread::spawn(move || {
                let _g = rt.attach_thread("dropper");
                drop(c);
            })
        })
        .collect();
    for h in hs {
        rt.detached(|| h.join()).unwrap();
    }
    assert_eq!(deaths.load(Ordering::SeqCst), n);
    drop(weaks);
}

#[test]
fn collector_merges_queues_of_all_threads() {
    let rt = runtime();
    let _g = rt.attach_thread("main");
    let n = 50;
    let (objs, weaks, deaths) = watched(&rt, n);
    let gave = objs.to_vec();
    let h = {
        let rt = rt.clone();
        std::thread::spawn(move || {
            let _g = rt.attach_thread("other");
            drop(gave); // queued to main, which does not poll
        })
    };
    rt.detached(|| h.join()).unwrap();
    // Without a poll, a collection merges the queue (world stopped) and counts are exact.
    rt.collect();
    for o in &objs {
        assert_eq!(o.refcount(), 1);
    }
    assert_eq!(total(&deaths), 0);
    drop(objs);
    assert_eq!(total(&deaths), n);
    drop(weaks);
}
