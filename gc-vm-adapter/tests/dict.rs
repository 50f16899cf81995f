//! The dict's object keys: the value-key API, the two-step [`KeyMatch`] API (a comparison run
//! with the lock released, one that mutates the dict, one that fails), the collector tracing
//! key edges, and concurrent inserts of identity keys.

mod common;

use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use gc_vm_adapter::{Dict, HashKey, KeyMatch, Ref, Runtime};

/// Strings equal ignoring ASCII case; the comparison is the "slow" step (as interpreter code
/// would be), and it can run a hook on the dict while the lock is released.
struct Caseless<'a> {
    probe: &'a str,
    hook: Option<&'a dyn Fn()>,
    slow_calls: Cell<usize>,
}

impl KeyMatch for Caseless<'_> {
    type Error = String;
    fn quick(&self, stored: &Ref) -> Option<bool> {
        match stored.as_str() {
            Some(s) if s == self.probe => Some(true),
            Some(_) => None,
            None => Some(false),
        }
    }
    fn eq(&self, stored: &Ref) -> Result<bool, String> {
        self.slow_calls.set(self.slow_calls.get() + 1);
        if let Some(h) = self.hook {
            h();
        }
        let s = stored.as_str().unwrap_or("");
        if s == "boom" {
            return Err("comparison failed".into());
        }
        Ok(s.eq_ignore_ascii_case(self.probe))
    }
}

/// Every key of the caseless tests hashes alike, so that all are candidates.
const H: i64 = 7;

fn caseless<'a>(probe: &'a str, hook: Option<&'a dyn Fn()>) -> Caseless<'a> {
    Caseless {
        probe,
        hook,
        slow_calls: Cell::new(0),
    }
}

fn runtime() -> Runtime {
    Runtime::new(common::checked_config(2))
}

#[test]
fn value_keys_compare_by_value_and_keep_the_first_key_object() {
    let rt = runtime();
    let _g = rt.attach_thread("main");
    let d = rt.new_dict();
    let dict = d.as_dict().unwrap();
    let k1 = rt.new_str("k");
    assert!(dict.insert(k1.clone(), rt.new_int(1)).is_none());
    let old = dict.insert(rt.new_str("k"), rt.new_int(2)).unwrap();
    assert_eq!(old.as_i64(), Some(1));
    assert_eq!(dict.len(), 1);
    assert!(dict.keys()[0].ptr_eq(&k1), "the first key object is kept");
    // Bool and Int are distinct value keys; tuples compare item by item.
    dict.insert(rt.new_int(1), rt.new_str("int"));
    dict.insert(rt.new_bool(true), rt.new_str("bool"));
    let t = rt.new_tuple(vec![rt.new_int(1), rt.new_str("x")]);
    dict.insert(t, rt.new_str("tuple"));
    assert_eq!(dict.len(), 4);
    assert_eq!(dict.get(&HashKey::Int(1)).unwrap().as_str(), Some("int"));
    assert_eq!(
        dict.get(&HashKey::Bool(true)).unwrap().as_str(),
        Some("bool")
    );
    let tk = HashKey::Tuple(vec![HashKey::Int(1), HashKey::from("x")].into());
    assert_eq!(dict.get(&tk).unwrap().as_str(), Some("tuple"));
    assert!(dict.contains(&HashKey::from("k")));
    assert_eq!(dict.remove(&HashKey::from("k")).unwrap().as_i64(), Some(2));
    assert!(!dict.contains(&HashKey::from("k")));
    // A non-value key (a list) keys by identity.
    let l1 = rt.new_list(vec![]);
    dict.insert(l1.clone(), rt.new_int(10));
    dict.insert(rt.new_list(vec![]), rt.new_int(11));
    assert_eq!(dict.len(), 5);
    let order: Vec<_> = dict.values().iter().map(|v| v.as_i64()).collect();
    assert_eq!(order, [None, None, None, Some(10), Some(11)]);
}

#[test]
fn many_inserts_and_removals_keep_order_and_lookups() {
    let rt = runtime();
    let _g = rt.attach_thread("main");
    let d = rt.new_dict();
    let dict = d.as_dict().unwrap();
    for i in 0..2000i64 {
        dict.insert(rt.new_int(i), rt.new_int(i * 2));
        if i % 2 == 1 {
            assert!(dict.remove(&HashKey::Int(i - 1)).is_some());
        }
    }
    assert_eq!(dict.len(), 1000);
    let keys: Vec<_> = dict.keys().iter().map(|k| k.as_i64().unwrap()).collect();
    assert_eq!(keys, (0..1000).map(|i| 2 * i + 1).collect::<Vec<_>>());
    for i in 0..2000i64 {
        assert_eq!(dict.get(&HashKey::Int(i)).is_some(), i % 2 == 1, "key {i}");
    }
}

#[test]
fn the_slow_comparison_decides_candidates_with_the_lock_released() {
    let rt = runtime();
    let _g = rt.attach_thread("main");
    let d = rt.new_dict();
    let dict: &Dict = d.as_dict().unwrap();
    let set = |s: &str, v: i64| {
        let k = caseless(s, None);
        dict.set(H, &k, rt.new_str(s), rt.new_int(v)).unwrap()
    };
    set("Alpha", 1);
    set("beta", 2);
    // "ALPHA" equals the stored "Alpha" only by the slow step: the value is replaced and the
    // first key object kept.
    assert_eq!(set("ALPHA", 3).unwrap().as_i64(), Some(1));
    assert_eq!(dict.len(), 2);
    assert_eq!(dict.keys()[0].as_str(), Some("Alpha"));
    // The slow step may read the dict: the lock is not held.
    let hook = || assert_eq!(dict.len(), 2);
    let k = caseless("BETA", Some(&hook));
    assert_eq!(dict.lookup(H, &k).unwrap().unwrap().as_i64(), Some(2));
    assert!(k.slow_calls.get() >= 1);
    // An error of the slow step is the lookup's error, and leaves the dict intact.
    set("boom", 4);
    let k = caseless("other", None);
    assert_eq!(dict.lookup(H, &k), Err("comparison failed".to_string()));
    assert_eq!(dict.len(), 3);
    let removed = dict.delete(H, &caseless("alpha", None)).unwrap().unwrap();
    assert_eq!(
        (removed.0.as_str(), removed.1.as_i64()),
        (Some("Alpha"), Some(3))
    );
}

fn fill(rt: &Runtime, dict: &Dict, names: &[&str]) {
    for (i, s) in names.iter().enumerate() {
        dict.set(H, &caseless(s, None), rt.new_str(s), rt.new_int(i as i64))
            .unwrap();
    }
}

fn names(dict: &Dict) -> Vec<String> {
    dict.keys()
        .iter()
        .map(|k| k.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_comparison_that_moves_the_entries_restarts_the_lookup() {
    let rt = runtime();
    let _g = rt.attach_thread("main");
    let d = rt.new_dict();
    let dict: &Dict = d.as_dict().unwrap();
    fill(&rt, dict, &["a", "b", "c", "d"]);
    // The first slow comparison removes "b" and adds enough keys to rebuild the table: the
    // lookup starts over, compares "a" again, and still finds "d".
    let fired = Cell::new(false);
    let hook = || {
        if !fired.replace(true) {
            dict.delete(H, &caseless("b", None)).unwrap();
            for i in 0..20 {
                let s = format!("n{i}");
                dict.set(H, &caseless(&s, None), rt.new_str(&s), rt.new_int(i))
                    .unwrap();
            }
        }
    };
    let k = caseless("D", Some(&hook));
    let old = dict.set(H, &k, rt.new_str("D"), rt.new_int(40)).unwrap();
    assert_eq!(old.unwrap().as_i64(), Some(3));
    // a (stale after the rebuild), then a again, c, d.
    assert_eq!(k.slow_calls.get(), 4, "restarted");
    assert_eq!(dict.len(), 23);
    assert_eq!(&names(dict)[..3], ["a", "c", "d"]);
    assert_eq!(
        dict.get(&HashKey::from("d")),
        None,
        "hash H, not the value hash"
    );
    let e = dict.lookup_entry(H, &caseless("d", None)).unwrap().unwrap();
    assert_eq!((e.0.as_str(), e.1.as_i64()), (Some("d"), Some(40)));
}

#[test]
fn a_comparison_that_adds_keys_does_not_restart_forever() {
    let rt = runtime();
    let _g = rt.attach_thread("main");
    let d = rt.new_dict();
    let dict: &Dict = d.as_dict().unwrap();
    fill(&rt, dict, &["a", "b"]);
    // Every comparison adds a key of another hash: the candidates already compared stay
    // skipped, so the lookup ends (CPython's behaviour; restarting on every change would not).
    let n = Cell::new(0);
    let hook = || {
        n.set(n.get() + 1);
        dict.insert(rt.new_int(n.get()), rt.none());
    };
    let k = caseless("z", Some(&hook));
    assert!(dict.lookup(H, &k).unwrap().is_none());
    assert!(k.slow_calls.get() >= 2 && k.slow_calls.get() < 10);
}

#[test]
fn a_comparison_that_removes_the_equal_key_starts_over() {
    let rt = runtime();
    let _g = rt.attach_thread("main");
    let d = rt.new_dict();
    let dict: &Dict = d.as_dict().unwrap();
    fill(&rt, dict, &["a", "b"]);
    // "B" equals "b", but the comparison removes "b": the answer is stale, the probe starts
    // over, finds nothing, and the new key is inserted.
    let fired = Cell::new(false);
    let hook = || {
        if !fired.replace(true) {
            dict.delete(H, &caseless("b", None)).unwrap();
        }
    };
    let k = caseless("B", Some(&hook));
    assert!(dict
        .set(H, &k, rt.new_str("B"), rt.new_int(7))
        .unwrap()
        .is_none());
    assert_eq!(names(dict), ["a", "B"]);
}

#[test]
fn the_collector_traces_key_edges() {
    let rt = runtime();
    let _g = rt.attach_thread("main");
    let fired = Arc::new(AtomicUsize::new(0));
    // class K; k = K(); k.d = {k: None}: the only path from the dict back to k is its key.
    let class = rt.new_class("K", None);
    let k = rt.new_instance(&class);
    let d = rt.new_dict();
    k.as_instance().unwrap().set_attr("d", d.clone());
    d.as_dict().unwrap().insert(k.clone(), rt.none());
    let f = fired.clone();
    let w = rt.new_weakref(
        &k,
        Some(move |_: &Ref| {
            f.fetch_add(1, Ordering::SeqCst);
        }),
    );
    drop((k, d));
    assert_eq!(
        fired.load(Ordering::SeqCst),
        0,
        "a cycle: alive until collected"
    );
    assert_eq!(rt.collect(), 2);
    assert_eq!(fired.load(Ordering::SeqCst), 1);
    assert!(w.as_weakref().unwrap().upgrade().is_none());
    assert!(rt.violations().is_empty(), "{:?}", rt.violations());
}

#[test]
fn a_key_reachable_only_from_the_dict_stays_alive_through_a_collection() {
    let rt = runtime();
    let _g = rt.attach_thread("main");
    let d = rt.new_dict();
    let key = rt.new_list(vec![rt.new_str("payload")]);
    d.as_dict().unwrap().insert(key, rt.new_int(1));
    rt.collect();
    let keys = d.as_dict().unwrap().keys();
    assert_eq!(
        keys[0].as_list().unwrap().get(0).unwrap().as_str(),
        Some("payload")
    );
    assert!(rt.violations().is_empty(), "{:?}", rt.violations());
}

#[test]
fn threads_inserting_distinct_identity_keys_lose_nothing() {
    let rt = runtime();
    let _g = rt.attach_thread("main");
    let d = rt.new_dict();
    let class = rt.new_class("K", None);
    let hs: Vec<_> = (0..4)
        .map(|t| {
            let (rt, d, class) = (rt.clone(), d.clone(), class.clone());
            std::thread::spawn(move || {
                let _g = rt.attach_thread(format!("t{t}"));
                let mut mine = Vec::new();
                for i in 0..500 {
                    let k = rt.new_instance(&class);
                    d.as_dict()
                        .unwrap()
                        .insert(k.clone(), rt.new_int(t * 1000 + i));
                    mine.push(k);
                    if i % 50 == 0 {
                        rt.poll();
                    }
                }
                // Every key this thread inserted is found, with its value.
                for (i, k) in mine.iter().enumerate() {
                    let h = gc_vm_adapter::types::dict::hash_addr(k.addr());
                    let v = d.as_dict().unwrap().lookup(h, &Same(k)).unwrap();
                    assert_eq!(v.unwrap().as_i64(), Some(t * 1000 + i as i64));
                }
            })
        })
        .collect();
    for h in hs {
        rt.detached(|| h.join()).unwrap();
    }
    assert_eq!(d.as_dict().unwrap().len(), 2000);
    rt.collect();
    assert_eq!(d.as_dict().unwrap().len(), 2000);
    assert!(rt.violations().is_empty(), "{:?}", rt.violations());
}

/// Identity matching.
struct Same<'a>(&'a Ref);

impl KeyMatch for Same<'_> {
    type Error = ();
    fn quick(&self, stored: &Ref) -> Option<bool> {
        Some(stored.ptr_eq(self.0))
    }
    fn eq(&self, stored: &Ref) -> Result<bool, ()> {
        Ok(stored.ptr_eq(self.0))
    }
}

#[test]
fn threads_racing_through_slow_comparisons_lose_nothing() {
    // Every key has hash H and every comparison of distinct keys takes the unlocked step, so
    // each insertion releases and retakes the lock many times while the other threads insert
    // and delete: no key may be lost, duplicated or removed twice.
    let rt = runtime();
    let _g = rt.attach_thread("main");
    let d = rt.new_dict();
    let hs: Vec<_> = (0..4)
        .map(|t| {
            let (rt, d) = (rt.clone(), d.clone());
            std::thread::spawn(move || {
                let _g = rt.attach_thread(format!("t{t}"));
                let dict = d.as_dict().unwrap();
                for i in 0..60 {
                    let s = format!("t{t}_{i}");
                    let old = dict
                        .set(H, &caseless(&s, None), rt.new_str(&s), rt.new_int(i))
                        .unwrap();
                    assert!(old.is_none(), "{s} inserted twice");
                    if i % 2 == 1 {
                        let prev = format!("T{t}_{}", i - 1); // equal ignoring case
                        let e = dict.delete(H, &caseless(&prev, None)).unwrap();
                        assert_eq!(e.unwrap().1.as_i64(), Some(i - 1));
                    }
                    if i % 10 == 0 {
                        rt.poll();
                    }
                }
            })
        })
        .collect();
    for h in hs {
        rt.detached(|| h.join()).unwrap();
    }
    let dict = d.as_dict().unwrap();
    assert_eq!(dict.len(), 4 * 30);
    let mut got = names(dict);
    got.sort();
    let mut want: Vec<_> = (0..4)
        .flat_map(|t| {
            (0..60)
                .filter(|i| i % 2 == 1)
                .map(move |i| format!("t{t}_{i}"))
        })
        .collect();
    want.sort();
    assert_eq!(got, want);
    rt.collect();
    assert!(rt.violations().is_empty(), "{:?}", rt.violations());
}
