//! `range`, iterators and slices.

use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};

use gc_vm_adapter::{payload_type, Edges, Kind, Payload, Ref, RefSlot};

/// `range(start, stop, step)`.
pub struct Range {
    /// Start.
    pub start: i64,
    /// Stop.
    pub stop: i64,
    /// Step (non-zero).
    pub step: i64,
}

// SAFETY: no references (rules 1-3 trivially); untracked.
unsafe impl Payload for Range {
    const TRACKED: bool = false;
    payload_type!(Range, "range", Kind::Other);
}

impl Range {
    /// `(start, stop, step)`.
    pub fn parts(&self) -> (i64, i64, i64) {
        (self.start, self.stop, self.step)
    }
}

/// An iterator over a list or a tuple: the sequence and the next index.
pub struct SeqIter {
    seq: RefSlot,
    idx: AtomicUsize,
}

// SAFETY: trace reports the sequence (rules 1, 2: an atomic load); clear takes it (rule 3);
// tracked (rule 5).
unsafe impl Payload for SeqIter {
    payload_type!(SeqIter, "iterator", Kind::Other);

    fn trace(&self, e: &mut Edges<'_>) {
        e.slot(&self.seq);
    }

    fn clear(&self) {
        drop(self.seq.take());
    }
}

impl SeqIter {
    /// An iterator over `seq` (a list or a tuple) from index 0.
    pub fn new(seq: Ref) -> SeqIter {
        SeqIter {
            seq: RefSlot::new(Some(seq)),
            idx: AtomicUsize::new(0),
        }
    }

    /// The next item, `None` when exhausted (or cleared).
    pub fn next(&self) -> Option<Ref> {
        let seq = self.seq.get()?;
        let i = self.idx.load(Ordering::Relaxed);
        let v = match seq.get().as_list() {
            Some(l) => l.get(i),
            None => seq.get().as_tuple().and_then(|t| t.get(i).cloned()),
        };
        if v.is_some() {
            self.idx.store(i + 1, Ordering::Relaxed);
        }
        v
    }
}

/// An iterator over a range: the current value, stop and step.
pub struct RangeIter {
    cur: AtomicI64,
    stop: i64,
    step: i64,
}

// SAFETY: no references (rules 1-3 trivially); untracked.
unsafe impl Payload for RangeIter {
    const TRACKED: bool = false;
    payload_type!(RangeIter, "iterator", Kind::Other);
}

impl RangeIter {
    /// An iterator over `r`.
    pub fn new(r: &Range) -> RangeIter {
        RangeIter {
            cur: AtomicI64::new(r.start),
            stop: r.stop,
            step: r.step,
        }
    }

    /// The next value.
    pub fn next(&self) -> Option<i64> {
        super::range_next(&self.cur, self.stop, self.step)
    }
}

/// A slice `lo:hi:step` (each an object, usually an int or `None`).
pub struct Slice {
    items: [RefSlot; 3],
}

// SAFETY: trace reports the three slots (rules 1, 2); clear takes them (rule 3). Allocated
// tracked when one of them is (rule 5).
unsafe impl Payload for Slice {
    payload_type!(Slice, "slice", Kind::Other);

    fn trace(&self, e: &mut Edges<'_>) {
        for s in &self.items {
            e.slot(s);
        }
    }

    fn clear(&self) {
        let taken = self.items.each_ref().map(RefSlot::take);
        drop(taken);
    }
}

impl Slice {
    /// `lo:hi:step`.
    pub fn new(lo: Ref, hi: Ref, step: Ref) -> Slice {
        Slice {
            items: [lo, hi, step].map(|r| RefSlot::new(Some(r))),
        }
    }

    /// `[lo, hi, step]`, `None` once cleared.
    pub fn parts(&self) -> Option<[Ref; 3]> {
        let [a, b, c] = &self.items;
        Some([a.to_ref()?, b.to_ref()?, c.to_ref()?])
    }
}

/// An iterator over a dict's keys: a snapshot of the keys taken when iteration started, the
/// dict itself and its size then, so that a loop which adds or removes keys gets CPython's
/// `RuntimeError` instead of silently walking the stale snapshot.
pub struct DictIter {
    dict: RefSlot,
    keys: RefSlot,
    idx: AtomicUsize,
    len: usize,
}

// SAFETY: trace reports the dict and the key snapshot (rules 1, 2: atomic loads); clear takes
// both (rule 3); tracked (rule 5).
unsafe impl Payload for DictIter {
    payload_type!(DictIter, "dict_keyiterator", Kind::Other);

    fn trace(&self, e: &mut Edges<'_>) {
        e.slot(&self.dict);
        e.slot(&self.keys);
    }

    fn clear(&self) {
        drop(self.dict.take());
        drop(self.keys.take());
    }
}

impl DictIter {
    /// An iterator over `dict`, whose keys (as objects) are `keys`, a tuple.
    pub fn new(dict: Ref, keys: Ref) -> DictIter {
        let len = dict.as_dict().map_or(0, |d| d.len());
        DictIter {
            dict: RefSlot::new(Some(dict)),
            keys: RefSlot::new(Some(keys)),
            idx: AtomicUsize::new(0),
            len,
        }
    }

    /// The next key; `Err` with CPython's message when the dict's size changed since the
    /// iteration began; `Ok(None)` when exhausted (or cleared).
    pub fn next(&self) -> Result<Option<Ref>, &'static str> {
        let (Some(dict), Some(keys)) = (self.dict.get(), self.keys.get()) else {
            return Ok(None);
        };
        if dict.get().as_dict().map_or(0, |d| d.len()) != self.len {
            return Err("dictionary changed size during iteration");
        }
        let i = self.idx.load(Ordering::Relaxed);
        let v = keys.get().as_tuple().and_then(|t| t.get(i).cloned());
        if v.is_some() {
            self.idx.store(i + 1, Ordering::Relaxed);
        }
        Ok(v)
    }
}
