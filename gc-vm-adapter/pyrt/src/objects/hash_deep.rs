//! The hash of a tuple nested to any depth. CPython's `tuplehash` recurses on the C stack
//! without a recursion check, so `hash(t)` of a 100000-deep `((((),),),)` is a number there;
//! here the nested tuples are walked with an explicit stack instead, so neither the recursion
//! guard nor the native stack limits the depth, and the values are CPython's.

use super::hash::hash_tuple;
use crate::vm::{PyResult, Vm};
use gc_vm_adapter::{Kind, Ref};

/// One tuple being hashed: its items, the next item to hash and the hashes so far.
struct Pending {
    items: Ref,
    next: usize,
    hashes: Vec<i64>,
}

impl Vm {
    /// `hash(t)` of the tuple `t`: items that are tuples are descended into iteratively, any
    /// other item is hashed by [`Vm::hash`].
    pub fn hash_tuple_deep(&self, t: &Ref) -> PyResult<i64> {
        let start = |items: Ref| {
            let n = items.as_tuple().map_or(0, |t| t.len());
            Pending {
                items,
                next: 0,
                hashes: Vec::with_capacity(n),
            }
        };
        let mut stack = vec![start(t.clone())];
        loop {
            let top = stack
                .last_mut()
                .expect("non-empty until the outer tuple is done");
            let item = top.items.as_tuple().and_then(|t| t.get(top.next).cloned());
            match item {
                Some(x) => {
                    top.next += 1;
                    if x.kind() == Kind::Tuple {
                        stack.push(start(x));
                    } else {
                        let h = self.hash(&x)?;
                        top.hashes.push(h);
                    }
                }
                None => {
                    let done = stack.pop().expect("top");
                    let h = hash_tuple(&done.hashes);
                    match stack.last_mut() {
                        Some(parent) => parent.hashes.push(h),
                        None => return Ok(h),
                    }
                }
            }
        }
    }
}
