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

/// An iterator over a dict's keys, CPython's `dictiter`: it walks the live dict by entry
/// position and counts the keys it may still yield. If the dict's size differs from its size
/// at the start, `next` raises "dictionary changed size during iteration" (sticky, as in
/// CPython); if the size is the same but a key is found after as many as the dict had were
/// yielded (keys were removed and others added), "dictionary keys changed during iteration".
pub struct DictIter {
    dict: RefSlot,
    pos: AtomicUsize,
    left: AtomicUsize,
    used: AtomicUsize,
}

// SAFETY: trace reports the dict (rules 1, 2: atomic load); clear takes it (rule 3);
// tracked (rule 5).
unsafe impl Payload for DictIter {
    payload_type!(DictIter, "dict_keyiterator", Kind::Other);

    fn trace(&self, e: &mut Edges<'_>) {
        e.slot(&self.dict);
    }

    fn clear(&self) {
        drop(self.dict.take());
    }
}

/// The size recorded once a size change was reported: no dict has it, so it stays reported.
const STICKY: usize = usize::MAX;

impl DictIter {
    /// An iterator over `dict`'s keys.
    pub fn new(dict: Ref) -> DictIter {
        let len = dict.as_dict().map_or(0, |d| d.len());
        DictIter {
            dict: RefSlot::new(Some(dict)),
            pos: AtomicUsize::new(0),
            left: AtomicUsize::new(len),
            used: AtomicUsize::new(len),
        }
    }

    /// The next key; `Err` with CPython's message when the dict changed as described above;
    /// `Ok(None)` when exhausted (or cleared).
    pub fn next(&self) -> Result<Option<Ref>, &'static str> {
        let Some(dict) = self.dict.get() else {
            return Ok(None);
        };
        let dict = dict.get();
        let Some(d) = dict.as_dict() else {
            return Ok(None);
        };
        if d.len() != self.used.load(Ordering::Relaxed) {
            self.used.store(STICKY, Ordering::Relaxed);
            return Err("dictionary changed size during iteration");
        }
        let Some((i, k, v)) = d.next_entry(self.pos.load(Ordering::Relaxed)) else {
            drop(self.dict.take());
            return Ok(None);
        };
        drop(v);
        let left = self.left.load(Ordering::Relaxed);
        if left == 0 {
            drop(self.dict.take());
            return Err("dictionary keys changed during iteration");
        }
        self.pos.store(i + 1, Ordering::Relaxed);
        self.left.store(left - 1, Ordering::Relaxed);
        Ok(Some(k))
    }
}
