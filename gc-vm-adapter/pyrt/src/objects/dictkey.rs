//! Python's dict semantics on the adapter's [`Dict`]: a key is hashed with [`Vm::hash`]
//! (CPython's values), candidates with an equal hash are compared by identity, then by
//! [`Vm::quick_eq`] for builtin values (ints, bools, floats, strs, None and tuples of them:
//! no Python code, decided under the dict's lock), and otherwise by `==` ([`Vm::eq`], which
//! may run `__eq__`) with the lock released; the adapter redoes the lookup if that code
//! changed the dict's keys. So `{1: 'a', True: 'b'}` is `{1: 'b'}`, `d[1.0]` finds `d[1]`, and
//! instances key by identity or their own `__hash__`/`__eq__`.

use crate::objects::{int_of, IntVal};
use crate::vm::{PyErr, PyResult, Vm};
use gc_vm_adapter::types::dict::{hash_i64, hash_str};
use gc_vm_adapter::{Dict, KeyMatch, Kind, Ref};

/// A Python key being looked up: the stored key is compared with it as CPython does
/// (`stored == key`, the stored key on the left).
pub struct PyKey<'a> {
    vm: &'a Vm,
    key: &'a Ref,
}

impl KeyMatch for PyKey<'_> {
    type Error = PyErr;
    #[inline]
    fn quick(&self, stored: &Ref) -> Option<bool> {
        self.vm.quick_eq(stored, self.key)
    }
    fn eq(&self, stored: &Ref) -> PyResult<bool> {
        self.vm.eq(stored, self.key)
    }
}

/// A name (of a global, a class-body variable, a keyword argument) hashed once: the
/// per-code-object cache keeps these, so a global lookup hashes nothing.
#[derive(Clone)]
pub struct NameKey {
    /// The name's hash.
    pub hash: i64,
    /// The name as a str object.
    pub key: Ref,
}

/// Which family of builtin value an object is, for [`Vm::quick_eq`].
#[derive(PartialEq, Eq, Clone, Copy)]
enum Family {
    Num,
    Str,
    None,
    Tuple,
    Other,
}

fn family(o: &Ref) -> Family {
    match o.kind() {
        Kind::Int | Kind::Bool | Kind::Float => Family::Num,
        Kind::Str => Family::Str,
        Kind::None => Family::None,
        Kind::Tuple => Family::Tuple,
        _ => Family::Other,
    }
}

/// `i == f` exactly (CPython compares an int with a float without rounding the int): in the
/// double where the int is exact there, otherwise by the exact ordering.
pub fn int_eq_float(i: &IntVal, f: f64) -> bool {
    match i {
        IntVal::S(v) if v.unsigned_abs() < (1 << 53) => *v as f64 == f,
        _ => crate::vm::int_float_cmp(i, f) == Some(std::cmp::Ordering::Equal),
    }
}

impl Vm {
    /// `a == b` when it needs no Python code: identity, then numbers, strs, None and tuples of
    /// these by value; `None` when only `==` can tell (an instance is involved, or a type
    /// whose equality is not a plain value's).
    pub fn quick_eq(&self, a: &Ref, b: &Ref) -> Option<bool> {
        if a.ptr_eq(b) {
            return Some(true);
        }
        if let (Some(x), Some(y)) = (a.as_str(), b.as_str()) {
            return Some(x == y);
        }
        if let (Some(x), Some(y)) = (a.as_i64(), b.as_i64()) {
            return Some(x == y);
        }
        let (fa, fb) = (family(a), family(b));
        if fa == Family::Other || fb == Family::Other {
            return None;
        }
        if fa != fb {
            return Some(false);
        }
        match fa {
            Family::Num => Some(match (a.as_float(), b.as_float()) {
                (Some(x), Some(y)) => x == y,
                (Some(f), None) => int_eq_float(&int_of(b)?, f),
                (None, Some(f)) => int_eq_float(&int_of(a)?, f),
                (None, None) => int_of(a)?.big() == int_of(b)?.big(),
            }),
            Family::None => Some(true),
            Family::Tuple => {
                let (x, y) = (a.as_tuple()?, b.as_tuple()?);
                if x.len() != y.len() {
                    return Some(false);
                }
                for (p, q) in x.iter().zip(y) {
                    // Left to right as `==` goes: an item that needs Python code before the
                    // first unequal one means `==` must run.
                    if !self.quick_eq(p, q)? {
                        return Some(false);
                    }
                }
                Some(true)
            }
            _ => None,
        }
    }

    /// `hash(k)` with the common keys (strs, small ints) first.
    #[inline]
    pub fn key_hash(&self, k: &Ref) -> PyResult<i64> {
        if let Some(s) = k.as_str() {
            return Ok(hash_str(s));
        }
        if let Some(v) = k.as_i64() {
            return Ok(hash_i64(v));
        }
        self.hash(k)
    }

    /// A name's dict key.
    pub fn name_key(&self, name: &str) -> NameKey {
        NameKey {
            hash: hash_str(name),
            key: self.str(name),
        }
    }

    /// `d[k]`, `None` if absent (`TypeError` if `k` is unhashable).
    pub fn dict_get(&self, d: &Dict, k: &Ref) -> PyResult<Option<Ref>> {
        let h = self.key_hash(k)?;
        d.lookup(h, &PyKey { vm: self, key: k })
    }

    /// The value of a pre-hashed name.
    #[inline]
    pub fn dict_get_name(&self, d: &Dict, n: &NameKey) -> PyResult<Option<Ref>> {
        d.lookup(
            n.hash,
            &PyKey {
                vm: self,
                key: &n.key,
            },
        )
    }

    /// `d[name]` for a name the caller has as `&str` (allocates the key object).
    pub fn dict_get_str(&self, d: &Dict, name: &str) -> PyResult<Option<Ref>> {
        self.dict_get_name(d, &self.name_key(name))
    }

    /// `k in d`.
    pub fn dict_contains(&self, d: &Dict, k: &Ref) -> PyResult<bool> {
        let h = self.key_hash(k)?;
        d.contains_key(h, &PyKey { vm: self, key: k })
    }

    /// `d[k] = v`: an equal key already present keeps its key object.
    pub fn dict_set(&self, d: &Dict, k: &Ref, v: Ref) -> PyResult<()> {
        let h = self.key_hash(k)?;
        self.dict_set_hashed(d, h, k, v)
    }

    /// `d[k] = v` for a key whose hash the caller knows.
    pub fn dict_set_hashed(&self, d: &Dict, h: i64, k: &Ref, v: Ref) -> PyResult<()> {
        let old = d.set(h, &PyKey { vm: self, key: k }, k.clone(), v)?;
        drop(old);
        Ok(())
    }

    /// `d[name] = v` for a pre-hashed name.
    pub fn dict_set_name(&self, d: &Dict, n: &NameKey, v: Ref) -> PyResult<()> {
        self.dict_set_hashed(d, n.hash, &n.key, v)
    }

    /// `d[name] = v` for a name the caller has as `&str`.
    pub fn dict_set_str(&self, d: &Dict, name: &str, v: Ref) -> PyResult<()> {
        self.dict_set_name(d, &self.name_key(name), v)
    }

    /// `d.setdefault(k, v)`.
    pub fn dict_setdefault(&self, d: &Dict, k: &Ref, v: Ref) -> PyResult<Ref> {
        let h = self.key_hash(k)?;
        d.set_default(h, &PyKey { vm: self, key: k }, k.clone(), v)
    }

    /// `del d[k]` / `d.pop(k)`: the removed value, `None` if absent.
    pub fn dict_del(&self, d: &Dict, k: &Ref) -> PyResult<Option<Ref>> {
        let h = self.key_hash(k)?;
        Ok(d.delete(h, &PyKey { vm: self, key: k })?.map(|(_, v)| v))
    }

    /// Remove a pre-hashed name.
    pub fn dict_del_name(&self, d: &Dict, n: &NameKey) -> PyResult<Option<Ref>> {
        Ok(d.delete(
            n.hash,
            &PyKey {
                vm: self,
                key: &n.key,
            },
        )?
        .map(|(_, v)| v))
    }

    /// `dst.update(src)` for a dict `src`: its entries with their stored hashes (a snapshot, so
    /// `d.update(d)` and a `src` changed meanwhile are safe).
    pub fn dict_merge(&self, dst: &Dict, src: &Dict) -> PyResult<()> {
        for (h, k, v) in src.hashed_items() {
            self.dict_set_hashed(dst, h, &k, v)?;
        }
        Ok(())
    }

    /// `a == b` for dicts: same length, and every key of `a` maps to an equal value in `b`.
    pub fn dict_eq(&self, a: &Dict, b: &Dict) -> PyResult<bool> {
        if a.len() != b.len() {
            return Ok(false);
        }
        for (h, k, v) in a.hashed_items() {
            match b.lookup(h, &PyKey { vm: self, key: &k })? {
                Some(w) if self.eq(&v, &w)? => {}
                _ => return Ok(false),
            }
        }
        Ok(true)
    }
}
