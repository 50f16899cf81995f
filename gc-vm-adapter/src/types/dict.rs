//! Dicts: an insertion-ordered hash table of `(hash, key, value)` entries, CPython's compact
//! layout (an entry vector plus an open-addressed index), behind a per-object `RwLock`; plus
//! [`AttrMap`], the small linear map used for attribute dicts.
//!
//! Keys are objects, held as counted, traced references. The dict knows no language: the
//! caller supplies each key's hash and a [`KeyMatch`] that compares candidates with an equal
//! hash, first natively under the lock ([`KeyMatch::quick`]), then, only when needed, with the
//! lock released ([`KeyMatch::eq`], which may run interpreter code). When the entries moved or
//! the key found equal left the dict during such a comparison, the lookup starts again, as
//! CPython's `lookdict` does. Keys and values leaving the dict are dropped after unlocking.

use std::ops::Deref;
use std::sync::Arc;

use parking_lot::RwLock;

pub use super::dict_keys::{
    fix_hash, hash_addr, hash_i64, hash_str, hash_tuple, HashKey, KeyMatch, HASH_MODULUS, HASH_NONE,
};
use super::dict_keys::{value_hash, ValueKey};
use crate::handle::Ref;
use crate::header::Kind;
use crate::payload::{Edges, Payload};

/// One key/value pair with its key's hash.
pub(crate) struct Entry {
    hash: i64,
    key: Ref,
    value: Ref,
}

/// An index slot that never held an entry (ends a probe).
const EMPTY: usize = usize::MAX;
/// An index slot whose entry was removed (a probe goes on past it).
const DUMMY: usize = usize::MAX - 1;
/// The smallest index table.
const MIN_SIZE: usize = 8;

/// The map inside a [`Dict`]: entries in insertion order (removed ones are `None` until the
/// next rebuild) and an open-addressed index of entry positions probed as CPython probes.
#[derive(Default)]
pub struct DictMap {
    entries: Vec<Option<Entry>>,
    index: Vec<usize>,
    used: usize,
    /// Bumped whenever the key set changes (not when a value is replaced).
    version: u64,
    /// Bumped whenever entries move (rebuild, clear): a lookup that released the lock
    /// compares it to know whether the positions it learnt still name the same entries.
    layout: u64,
}

/// What one probe under the lock found.
enum Probe {
    /// The entry at this position has the key.
    Found(usize),
    /// No entry has the key.
    Absent,
    /// The entry at this position has an equal hash and only [`KeyMatch::eq`] can tell.
    Ask(usize, Ref),
}

impl DictMap {
    /// Walk the entries whose hash is `hash`, in CPython's probe order, skipping those already
    /// found unequal.
    fn probe<K: KeyMatch + ?Sized>(&self, hash: i64, k: &K, skip: &[usize]) -> Probe {
        if self.index.is_empty() {
            return Probe::Absent;
        }
        let mask = self.index.len() - 1;
        let mut perturb = hash as u64;
        let mut i = hash as u64 as usize & mask;
        loop {
            let ix = self.index[i];
            if ix == EMPTY {
                return Probe::Absent;
            }
            if ix != DUMMY && !skip.contains(&ix) {
                if let Some(e) = &self.entries[ix] {
                    if e.hash == hash {
                        match k.quick(&e.key) {
                            Some(true) => return Probe::Found(ix),
                            Some(false) => {}
                            None => return Probe::Ask(ix, e.key.clone()),
                        }
                    }
                }
            }
            i = next_probe(i, &mut perturb, mask);
        }
    }

    /// The index slot for a new entry of hash `hash` (an empty or removed one).
    fn free_slot(&self, hash: i64) -> usize {
        let mask = self.index.len() - 1;
        let mut perturb = hash as u64;
        let mut i = hash as u64 as usize & mask;
        while self.index[i] < DUMMY {
            i = next_probe(i, &mut perturb, mask);
        }
        i
    }

    /// Append a new entry (the key is known to be absent).
    fn push(&mut self, hash: i64, key: Ref, value: Ref) {
        if (self.entries.len() + 1) * 3 > self.index.len() * 2 {
            self.rebuild();
        }
        let slot = self.free_slot(hash);
        self.index[slot] = self.entries.len();
        self.entries.push(Some(Entry { hash, key, value }));
        self.used += 1;
        self.version += 1;
    }

    /// Take the entry at `ix` out.
    fn take(&mut self, ix: usize) -> Option<Entry> {
        let e = self.entries[ix].take()?;
        let mask = self.index.len() - 1;
        let mut perturb = e.hash as u64;
        let mut i = e.hash as u64 as usize & mask;
        while self.index[i] != ix {
            i = next_probe(i, &mut perturb, mask);
        }
        self.index[i] = DUMMY;
        self.used -= 1;
        self.version += 1;
        Some(e)
    }

    /// Drop removed entries and size the index for the live ones (and room to grow).
    fn rebuild(&mut self) {
        self.entries.retain(Option::is_some);
        let size = (self.used * 3).next_power_of_two().max(MIN_SIZE);
        self.index = vec![EMPTY; size];
        for ix in 0..self.entries.len() {
            let hash = self.entries[ix].as_ref().expect("retained").hash;
            let slot = self.free_slot(hash);
            self.index[slot] = ix;
        }
        self.layout += 1;
    }

    /// Live entries, in insertion order.
    fn iter(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().flatten()
    }

    fn take_all(&mut self) -> Vec<Option<Entry>> {
        self.index = Vec::new();
        self.used = 0;
        self.version += 1;
        self.layout += 1;
        std::mem::take(&mut self.entries)
    }
}

/// A dict. Keys and values removed or replaced are dropped after the lock is released.
pub struct Dict {
    pub(crate) map: RwLock<DictMap>,
}

// SAFETY: trace reports every key and value (rules 1, 2: data_ptr read, world stopped); clear
// takes the entries out under the lock and drops them after (rule 3).
unsafe impl Payload for Dict {
    crate::payload_type!(Dict, "dict", Kind::Dict);

    fn trace(&self, e: &mut Edges<'_>) {
        // SAFETY: world stopped; no mutator holds the lock across a safepoint.
        for entry in unsafe { &*self.map.data_ptr() }.iter() {
            e.edge(&entry.key);
            e.edge(&entry.value);
        }
    }

    fn clear(&self) {
        drop(self.map.write().take_all());
    }
}

impl Dict {
    pub(crate) fn new() -> Dict {
        Dict {
            map: RwLock::new(DictMap::default()),
        }
    }

    /// Find the entry of the key `k` describes, comparing candidates of hash `hash` by `k`,
    /// and return the lock (`lock` takes it: read or write) held since the answer was known,
    /// with the entry's position. The lock is released around every [`KeyMatch::eq`]. As in
    /// CPython's `lookdict`, what the comparison found is trusted only if the dict still holds
    /// that key at that position; otherwise (the entries moved, or the equal key was removed)
    /// the probe starts over. Candidates found unequal stay skipped while the entries have not
    /// moved (a removed one is a hole; new keys go to new positions), so a comparison that
    /// keeps adding keys cannot make the lookup restart forever.
    fn locate<'a, G, K>(
        &'a self,
        lock: impl Fn(&'a RwLock<DictMap>) -> G,
        hash: i64,
        k: &K,
    ) -> Result<(G, Option<usize>), K::Error>
    where
        G: Deref<Target = DictMap>,
        K: KeyMatch + ?Sized,
    {
        let mut unequal: Vec<usize> = Vec::new();
        let mut equal: Option<(usize, Ref)> = None;
        let mut seen = 0;
        loop {
            let g = lock(&self.map);
            if g.layout != seen {
                unequal.clear();
                equal = None;
            }
            if let Some((ix, stored)) = equal.take() {
                let same = matches!(&g.entries[ix], Some(e) if e.key.ptr_eq(&stored));
                if same {
                    // `stored` is dropped under the lock, but the dict holds the same key:
                    // this cannot be the object's death.
                    return Ok((g, Some(ix)));
                }
                // The equal key left the dict while it was compared: start over.
                unequal.clear();
                drop(g);
                drop(stored);
                continue;
            }
            match g.probe(hash, k, &unequal) {
                Probe::Found(ix) => return Ok((g, Some(ix))),
                Probe::Absent => return Ok((g, None)),
                Probe::Ask(ix, stored) => {
                    seen = g.layout;
                    drop(g);
                    if k.eq(&stored)? {
                        equal = Some((ix, stored));
                    } else {
                        unequal.push(ix);
                    }
                }
            }
        }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.map.read().used
    }

    /// Whether the dict is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A count that changes whenever the key set changes (not when a value is replaced).
    pub fn version(&self) -> u64 {
        self.map.read().version
    }

    /// The value of the key `k` matches, whose hash is `hash`.
    pub fn lookup<K: KeyMatch + ?Sized>(&self, hash: i64, k: &K) -> Result<Option<Ref>, K::Error> {
        let (g, ix) = self.locate(|m| m.read(), hash, k)?;
        Ok(ix.and_then(|ix| g.entries[ix].as_ref().map(|e| e.value.clone())))
    }

    /// The stored key object and value of the key `k` matches.
    pub fn lookup_entry<K: KeyMatch + ?Sized>(
        &self,
        hash: i64,
        k: &K,
    ) -> Result<Option<(Ref, Ref)>, K::Error> {
        let (g, ix) = self.locate(|m| m.read(), hash, k)?;
        Ok(ix.and_then(|ix| {
            g.entries[ix]
                .as_ref()
                .map(|e| (e.key.clone(), e.value.clone()))
        }))
    }

    /// Whether the key `k` matches is present.
    pub fn contains_key<K: KeyMatch + ?Sized>(&self, hash: i64, k: &K) -> Result<bool, K::Error> {
        Ok(self.locate(|m| m.read(), hash, k)?.1.is_some())
    }

    /// Set the value of the key `k` matches to `value`; `key` (the object `k` describes) is
    /// stored only if no equal key is present (the first key object is kept, as in Python).
    /// Returns the old value.
    pub fn set<K: KeyMatch + ?Sized>(
        &self,
        hash: i64,
        k: &K,
        key: Ref,
        value: Ref,
    ) -> Result<Option<Ref>, K::Error> {
        let (mut g, ix) = self.locate(|m| m.write(), hash, k)?;
        let (old, unused) = match ix {
            Some(ix) => {
                let e = g.entries[ix].as_mut().expect("located entry");
                (Some(std::mem::replace(&mut e.value, value)), Some(key))
            }
            None => {
                g.push(hash, key, value);
                (None, None)
            }
        };
        drop(g);
        drop(unused);
        Ok(old)
    }

    /// The value of the key `k` matches; if absent, first insert `key` with `default`.
    pub fn set_default<K: KeyMatch + ?Sized>(
        &self,
        hash: i64,
        k: &K,
        key: Ref,
        default: Ref,
    ) -> Result<Ref, K::Error> {
        let (mut g, ix) = self.locate(|m| m.write(), hash, k)?;
        let (v, unused) = match ix {
            Some(ix) => {
                let e = g.entries[ix].as_ref().expect("located entry");
                (e.value.clone(), Some((key, default)))
            }
            None => {
                g.push(hash, key, default.clone());
                (default, None)
            }
        };
        drop(g);
        drop(unused);
        Ok(v)
    }

    /// Remove the key `k` matches; returns the stored key object and value.
    pub fn delete<K: KeyMatch + ?Sized>(
        &self,
        hash: i64,
        k: &K,
    ) -> Result<Option<(Ref, Ref)>, K::Error> {
        let (mut g, ix) = self.locate(|m| m.write(), hash, k)?;
        let e = ix.and_then(|ix| g.take(ix));
        drop(g);
        Ok(e.map(|e| (e.key, e.value)))
    }

    /// A snapshot of the entries with their hashes, in insertion order (a copy can reinsert
    /// them without hashing again).
    pub fn hashed_items(&self) -> Vec<(i64, Ref, Ref)> {
        self.map
            .read()
            .iter()
            .map(|e| (e.hash, e.key.clone(), e.value.clone()))
            .collect()
    }

    /// A snapshot of the entries, in insertion order.
    pub fn items(&self) -> Vec<(Ref, Ref)> {
        self.map
            .read()
            .iter()
            .map(|e| (e.key.clone(), e.value.clone()))
            .collect()
    }

    /// The key objects, in insertion order.
    pub fn keys(&self) -> Vec<Ref> {
        self.map.read().iter().map(|e| e.key.clone()).collect()
    }

    /// The values, in insertion order.
    pub fn values(&self) -> Vec<Ref> {
        self.map.read().iter().map(|e| e.value.clone()).collect()
    }

    /// The first live entry at position `pos` or after, with its position: an iterator that
    /// walks the live dict by position, as CPython's dict iterators do (positions change only
    /// when the table is rebuilt, which a growing dict does as CPython's does).
    pub fn next_entry(&self, pos: usize) -> Option<(usize, Ref, Ref)> {
        let m = self.map.read();
        let rest = m.entries.get(pos..)?;
        rest.iter().enumerate().find_map(|(i, e)| {
            e.as_ref()
                .map(|e| (pos + i, e.key.clone(), e.value.clone()))
        })
    }

    /// Remove everything (keys and values dropped after unlocking).
    pub fn clear(&self) {
        let old = self.map.write().take_all();
        drop(old);
    }

    /// The value of the value key `k` (see [`HashKey`]).
    pub fn get(&self, k: &HashKey) -> Option<Ref> {
        let Ok(v) = self.lookup(k.hash_value(), k);
        v
    }

    /// Whether the value key `k` is present.
    pub fn contains(&self, k: &HashKey) -> bool {
        let Ok(v) = self.contains_key(k.hash_value(), k);
        v
    }

    /// Remove the value key `k`; returns its value.
    pub fn remove(&self, k: &HashKey) -> Option<Ref> {
        let Ok(e) = self.delete(k.hash_value(), k);
        e.map(|(_, v)| v)
    }

    /// Insert or replace with the key object `key`, compared by value if it is a value key
    /// (None, bool, int, str, tuple of these), else by identity; returns the old value.
    pub fn insert(&self, key: Ref, v: Ref) -> Option<Ref> {
        let hash = value_hash(&key);
        let probe = key.clone();
        let Ok(old) = self.set(hash, &ValueKey(&probe), key, v);
        old
    }
}

/// A small attribute map (instances, classes): a vector searched linearly, which beats hashing
/// for the handful of attributes typical objects have.
#[derive(Default)]
pub struct AttrMap {
    pub(crate) entries: Vec<(Arc<str>, Ref)>,
}

impl AttrMap {
    pub(crate) fn get(&self, name: &str) -> Option<&Ref> {
        self.entries
            .iter()
            .find(|(k, _)| &**k == name)
            .map(|(_, v)| v)
    }

    pub(crate) fn set(&mut self, name: &str, v: Ref) -> Option<Ref> {
        if let Some((_, slot)) = self.entries.iter_mut().find(|(k, _)| &**k == name) {
            return Some(std::mem::replace(slot, v));
        }
        self.entries.push((Arc::from(name), v));
        None
    }

    pub(crate) fn remove(&mut self, name: &str) -> Option<Ref> {
        let i = self.entries.iter().position(|(k, _)| &**k == name)?;
        Some(self.entries.remove(i).1)
    }
}

/// The index slot after `i` in CPython's probe sequence (`i*5 + 1 + perturb`, with the hash's
/// high bits shifted into `perturb` five at a time), so every slot is eventually visited.
#[inline]
fn next_probe(i: usize, perturb: &mut u64, mask: usize) -> usize {
    *perturb >>= 5;
    (i.wrapping_mul(5)
        .wrapping_add(*perturb as usize)
        .wrapping_add(1))
        & mask
}
