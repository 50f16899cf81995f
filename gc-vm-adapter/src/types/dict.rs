//! Dicts: an insertion-ordered hash map from [`HashKey`] to strong references, behind a
//! per-object `RwLock`; plus [`AttrMap`], the small linear map used for attribute dicts.

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::RwLock;

use crate::handle::Ref;
use crate::header::{Kind, Object};
use crate::payload::{Edges, Payload};

/// A hashable dict key. Keys are stored by value (they hold no object references), so dicts
/// only trace their values. `Bool` and `Int` are distinct keys here; an interpreter that wants
/// Python's `True == 1` normalises before lookup.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum HashKey {
    /// `None`.
    None,
    /// A bool.
    Bool(bool),
    /// An int.
    Int(i64),
    /// An int outside `i64`, as the interpreter encodes it (pyrt: little-endian two's-complement
    /// bytes). The adapter has no big ints of its own; an interpreter that has them keys them
    /// here, canonically (a value that fits `i64` is always `Int`), so equal ints are one key.
    Big(Arc<[u8]>),
    /// A string.
    Str(Arc<str>),
    /// A tuple of hashable values.
    Tuple(Arc<[HashKey]>),
}

impl HashKey {
    /// The key for `obj`, if it is hashable (None, bool, int, str, tuple of hashables).
    pub fn from_object(obj: &Object) -> Option<HashKey> {
        Some(match obj.kind() {
            Kind::None => HashKey::None,
            Kind::Bool => HashKey::Bool(obj.as_bool()?),
            Kind::Int => HashKey::Int(obj.as_i64()?),
            Kind::Str => HashKey::Str(Arc::from(obj.as_str()?)),
            Kind::Tuple => HashKey::Tuple(
                obj.as_tuple()?
                    .iter()
                    .map(|r| HashKey::from_object(r))
                    .collect::<Option<Vec<_>>>()?
                    .into(),
            ),
            _ => return None,
        })
    }
}

impl From<&str> for HashKey {
    fn from(s: &str) -> HashKey {
        HashKey::Str(Arc::from(s))
    }
}

impl From<i64> for HashKey {
    fn from(v: i64) -> HashKey {
        HashKey::Int(v)
    }
}

/// The map inside a [`Dict`]: entries in insertion order (with tombstones) plus an index.
#[derive(Default)]
pub struct DictMap {
    pub(crate) entries: Vec<Option<(HashKey, Ref)>>,
    index: HashMap<HashKey, usize>,
}

impl DictMap {
    fn get(&self, k: &HashKey) -> Option<&Ref> {
        let i = *self.index.get(k)?;
        self.entries[i].as_ref().map(|(_, v)| v)
    }

    fn insert(&mut self, k: HashKey, v: Ref) -> Option<Ref> {
        if let Some(&i) = self.index.get(&k) {
            let slot = self.entries[i].as_mut().expect("indexed entry present");
            return Some(std::mem::replace(&mut slot.1, v));
        }
        self.index.insert(k.clone(), self.entries.len());
        self.entries.push(Some((k, v)));
        None
    }

    fn remove(&mut self, k: &HashKey) -> Option<Ref> {
        let i = self.index.remove(k)?;
        let (_, v) = self.entries[i].take()?;
        if self.entries.len() > 32 && self.index.len() * 2 < self.entries.len() {
            self.compact();
        }
        Some(v)
    }

    fn compact(&mut self) {
        self.entries.retain(Option::is_some);
        for (i, e) in self.entries.iter().enumerate() {
            let (k, _) = e.as_ref().expect("retained");
            *self.index.get_mut(k).expect("indexed") = i;
        }
    }

    /// Live entries, in insertion order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&HashKey, &Ref)> {
        self.entries.iter().flatten().map(|(k, v)| (k, v))
    }

    fn take_all(&mut self) -> Vec<Option<(HashKey, Ref)>> {
        self.index.clear();
        std::mem::take(&mut self.entries)
    }
}

/// A dict. Values removed or replaced are dropped after the lock is released.
pub struct Dict {
    pub(crate) map: RwLock<DictMap>,
}

// SAFETY: trace reports every value (keys hold no references; rules 1, 2: data_ptr read,
// world stopped); clear takes the entries out under the lock and drops them after (rule 3).
unsafe impl Payload for Dict {
    crate::payload_type!(Dict, "dict", Kind::Dict);

    fn trace(&self, e: &mut Edges<'_>) {
        // SAFETY: world stopped; no mutator holds the lock across a safepoint.
        for (_, v) in unsafe { &*self.map.data_ptr() }.iter() {
            e.edge(v);
        }
    }

    fn clear(&self) {
        drop(self.take_all());
    }
}

impl Dict {
    pub(crate) fn new() -> Dict {
        Dict {
            map: RwLock::new(DictMap::default()),
        }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.map.read().index.len()
    }

    /// Whether the dict is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A counted reference to the value of `k`.
    pub fn get(&self, k: &HashKey) -> Option<Ref> {
        self.map.read().get(k).cloned()
    }

    /// Insert or replace; returns the old value.
    pub fn insert(&self, k: HashKey, v: Ref) -> Option<Ref> {
        self.map.write().insert(k, v)
    }

    /// Remove `k`; returns its value.
    pub fn remove(&self, k: &HashKey) -> Option<Ref> {
        self.map.write().remove(k)
    }

    /// Whether `k` is present.
    pub fn contains(&self, k: &HashKey) -> bool {
        self.map.read().index.contains_key(k)
    }

    /// A snapshot of the entries, in insertion order.
    pub fn items(&self) -> Vec<(HashKey, Ref)> {
        self.map
            .read()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// The keys, in insertion order.
    pub fn keys(&self) -> Vec<HashKey> {
        self.map.read().iter().map(|(k, _)| k.clone()).collect()
    }

    /// Remove everything (values dropped after unlocking).
    pub fn clear(&self) {
        let old = self.map.write().take_all();
        drop(old);
    }

    pub(crate) fn take_all(&self) -> Vec<Option<(HashKey, Ref)>> {
        self.map.write().take_all()
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
